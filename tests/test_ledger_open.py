"""Opening a ledger: an empty (truncated) file or a missing explicit path never silently becomes a new ledger."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from importer.errors import LedgerError
from importer.ledger.store import Ledger


def test_a_zero_byte_ledger_is_refused_and_left_untouched(tmp_path: Path) -> None:
    """A ledger truncated to 0 bytes is refused (taking it for new would resend every lead), and not written."""
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"")
    with pytest.raises(LedgerError, match=r"empty file \(0 bytes\).*--new-ledger"):
        Ledger(path)
    assert path.stat().st_size == 0


def test_a_zero_byte_ledger_is_started_anew_when_asked(tmp_path: Path) -> None:
    """``new=True`` (--new-ledger) makes the empty file a new ledger, and says it created one."""
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"")
    with Ledger(path, new=True) as ledger:
        assert ledger.created
        assert ledger.runs() == []
    with Ledger(path) as again:
        assert not again.created


def test_a_missing_ledger_is_refused_unless_it_may_be_created(tmp_path: Path) -> None:
    """``create=False``: a path with no ledger is refused, naming it, and nothing is created there."""
    path = tmp_path / "typo" / "ledger.sqlite3"
    with pytest.raises(LedgerError, match=r"there is no ledger at .*typo.*--new-ledger"):
        Ledger(path, create=False)
    assert not path.parent.exists()
    with Ledger(path, create=False, new=True) as ledger:
        assert ledger.created


def test_a_folder_or_fifo_is_no_ledger(tmp_path: Path) -> None:
    """A folder or a named pipe given as the ledger is refused with what it is (no hang, no traceback)."""
    with pytest.raises(LedgerError, match="is a folder"):
        Ledger(tmp_path)
    fifo = tmp_path / "pipe"
    __import__("os").mkfifo(fifo)
    with pytest.raises(LedgerError, match="not a regular file"):
        Ledger(fifo)


def test_a_ledger_being_created_by_another_process_is_waited_for(tmp_path: Path) -> None:
    """A 0-byte file another process is about to write is waited for, not refused."""
    path = tmp_path / "ledger.sqlite3"
    path.write_bytes(b"")
    started = threading.Event()
    opened: list[bool] = []

    def other_opens() -> None:
        started.set()
        with Ledger(path) as ledger:
            opened.append(ledger.created)

    thread = threading.Thread(target=other_opens)
    thread.start()
    started.wait()
    with Ledger(path, new=True) as creator:
        assert creator.created
    thread.join()
    assert opened == [False]


def test_a_ledger_whose_creation_is_cut_short_leaves_no_table_less_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Creating a new ledger dies halfway (a kill, a full disk): no file is left under the ledger's name, so
    the next run creates it afresh instead of refusing a ledger file without tables."""
    from importer.ledger import schema, store

    path = tmp_path / "ledger.sqlite3"

    def dies(*args: object) -> str:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(schema, "hash_scheme", dies)
    with pytest.raises(LedgerError, match="No space left on device"):
        store.Ledger(path)
    assert not path.exists()
    assert [p.name for p in tmp_path.iterdir() if not p.name.endswith(".locks")] == []
    monkeypatch.undo()
    with store.Ledger(path) as ledger:
        assert ledger.created and ledger.runs() == []
