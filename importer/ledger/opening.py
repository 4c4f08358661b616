"""Opening a ledger file: where it lives by default, checks on the file before SQLite opens it, the
connection every ledger uses, and SQLite and file-system errors turned into a message that says what to do."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import stat
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from importer.errors import LedgerError
from importer.ledger.schema import MOVE_ASIDE, PRAGMAS, SCHEMA_WAIT_STEPS

__all__ = ["connect", "default_ledger_path", "errors", "existing_size", "explain", "wait_until_written"]


def default_ledger_path(environ: Mapping[str, str] = os.environ) -> Path:
    """Where the ledger lives: ``$LEADIMPORT_LEDGER``, else under ``$XDG_STATE_HOME``, else ``~/.local/state``."""
    explicit = environ.get("LEADIMPORT_LEDGER", "")
    if explicit:
        return Path(explicit).expanduser()
    state_home = environ.get("XDG_STATE_HOME", "")
    if not Path(state_home).is_absolute():  # unset, empty or relative: the XDG spec says to ignore it
        home = Path(environ["HOME"]) if environ.get("HOME") else Path.home()
        state_home = str(home / ".local" / "state")
    return Path(state_home) / "leadimport" / "ledger.sqlite3"


def existing_size(path: Path, *, create: bool) -> int | None:
    """The size of the ledger file at ``path``, None when there is none yet; a missing file is refused
    unless ``create``, and anything but a regular file always."""
    try:
        info = path.stat()
    except FileNotFoundError:
        if create:
            return None
        raise LedgerError(
            f"there is no ledger at {path}. If the path is mistyped, correct it: a new ledger there would not "
            "know the leads recorded in the real one and would send them again. To start a new ledger there, "
            "pass --new-ledger."
        ) from None
    except OSError as exc:
        raise LedgerError(f"cannot open the ledger {path}: {exc.strerror}.") from None
    if not stat.S_ISREG(info.st_mode):
        what = "a folder" if stat.S_ISDIR(info.st_mode) else "not a regular file"
        raise LedgerError(f"the ledger {path} is {what}; give the path of a ledger file (--ledger).")
    return info.st_size


def connect(path: Path, busy_timeout: float, *, read_only: bool) -> sqlite3.Connection:
    """A connection to the ledger file, set up as every connection of the ledger is."""
    if read_only:
        # Without a -wal file everything is in the ledger file itself: read it as immutable, so SQLite
        # creates no -wal and -shm beside it (a look leaves no trace). With one (a run is going on, or
        # one was killed), read through it: what that run recorded may be only there.
        wal = Path(f"{path}-wal").exists()
        uri = f"{path.resolve().as_uri()}?mode=ro" + ("" if wal else "&immutable=1")
        return sqlite3.connect(uri, uri=True, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    conn = sqlite3.connect(path, timeout=busy_timeout, isolation_level=None, check_same_thread=False)
    try:
        for pragma in PRAGMAS:
            _pragma(conn, pragma, busy_timeout)
    except BaseException:
        conn.close()
        raise
    return conn


def _pragma(conn: sqlite3.Connection, pragma: str, busy_timeout: float) -> None:
    """Run a setup pragma. Switching a new file to WAL while another process does the same can fail at
    once with "database is locked" (SQLite does not wait there), so that is tried again for a while."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            conn.execute(pragma)
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc).lower() or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def wait_until_written(path: Path, busy_timeout: float) -> None:
    """Wait a little for an empty ledger file to be written (another process may have just created it),
    else refuse it untouched: a truncated ledger taken for a new one would send every lead again."""
    for _ in range(SCHEMA_WAIT_STEPS):
        with errors(path, "open", busy_timeout):
            if path.stat().st_size > 0:
                return
        time.sleep(0.1)
    raise LedgerError(
        f"the ledger {path} is an empty file (0 bytes): a failed copy, a full disk or a backup tool may "
        "have truncated it, and taking it for a new ledger would send again every lead it recorded. Restore "
        "it from a backup (with its -wal file), or pass --new-ledger to start a new, empty ledger there."
    )


@contextlib.contextmanager
def errors(path: Path, action: str, busy_timeout: float) -> Iterator[None]:
    """Turn sqlite3 and file-system errors into a LedgerError that says what to do."""
    try:
        yield
    except (sqlite3.Error, OSError) as exc:
        raise LedgerError(explain(exc, path, action, busy_timeout)) from exc


def explain(exc: sqlite3.Error | OSError, path: Path, action: str, busy_timeout: float) -> str:
    """A message for a failed ledger operation that names the file and says what to do."""
    text = str(exc)
    lowered = text.lower()
    if isinstance(exc, OSError):
        return f"cannot {action} the ledger {path}: {exc.strerror or text} ({exc.filename or path})."
    if "locked" in lowered or "busy" in lowered:
        return (
            f"the ledger {path} is locked by another process for more than {busy_timeout:g} s; "
            "wait for it to finish, then run the same command again."
        )
    if "not a database" in lowered or "malformed" in lowered or "corrupt" in lowered:
        return f"the ledger {path} is not a leadimport ledger or is corrupted ({text}); {MOVE_ASIDE.format(path=path)}."
    if "readonly" in lowered or "read-only" in lowered:
        return f"the ledger {path} is read-only ({text}); make it and its folder writable, or set LEADIMPORT_LEDGER."
    if "full" in lowered:
        return f"the disk holding the ledger {path} is full; free some space, then run the same command to resume."
    if "unable to open" in lowered:
        return f"cannot open the ledger {path} ({text}); check that its folder exists and is writable."
    return f"cannot {action} the ledger {path}: {text}."
