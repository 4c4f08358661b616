"""The public functions' arguments, checked where they come in.

A developer's first try (a ``BytesIO`` or a DataFrame for the file, a dict for the mapping, ``token=None`` from an
unset variable, ``ledger=""``) raises the documented errors naming the argument and what to pass instead, never a
``TypeError`` or ``AttributeError`` from deep inside, and never runs with a setting silently dropped.
"""

from __future__ import annotations

import os
from pathlib import Path

from importer.config import LeadMapping, load_mapping
from importer.errors import ConfigError, LedgerError, SourceError

NO_TOKEN = "no VOX API token: export VOX_API_TOKEN (it is read only from the environment)."


def _kind(value: object) -> str:
    return type(value).__name__


def _path_text(value: object) -> str | None:
    """``value`` as a path's text when it is one (``str``, ``bytes``, any ``os.PathLike``); else None."""
    return os.fsdecode(value) if isinstance(value, str | bytes | os.PathLike) else None


def source_path(path: object) -> Path:
    """The file to read, given as a path (``str``, ``pathlib.Path``, any ``os.PathLike``)."""
    given = _path_text(path)
    if given is not None:
        if given.strip():
            return Path(given)
        raise SourceError("the file's path is empty: give the path of a lead file (CSV, XLSX, ...).")
    if hasattr(path, "to_csv"):
        hint = "write it to a file first (df.to_csv('leads.csv', index=False)) and give that path"
    elif hasattr(path, "read"):
        name = getattr(path, "name", None)
        hint = f"give its path ({name!r})" if isinstance(name, str) and Path(name).is_file() else "save it first"
        hint += " (the report and a resumed run read the file again)"
    else:
        hint = "give the path of a lead file (CSV, XLSX, ...)"
    raise SourceError(f"the file is read from a path (a str or pathlib.Path), not a {_kind(path)}: {hint}.")


def lead_mapping(mapping: object) -> LeadMapping:
    """The mapping: a :class:`LeadMapping` as it is, or a mapping YAML's path loaded."""
    if isinstance(mapping, LeadMapping):
        return mapping
    if isinstance(mapping, str | os.PathLike):
        return load_mapping(Path(mapping))
    raise ConfigError(
        f"mapping must be a LeadMapping (importer.load_mapping(path)) or the path of a mapping YAML file, "
        f"not a {_kind(mapping)}."
    )


def api_token(token: object) -> str:
    """The API token, stripped; ``None`` or blank (an unset variable) is no token."""
    if token is None or (isinstance(token, str) and not token.strip()):
        raise ConfigError(NO_TOKEN)
    if not isinstance(token, str):
        raise ConfigError(f"token must be the API token as a str, not a {_kind(token)}.")
    return token.strip()


def ledger_file(ledger: object) -> Path | None:
    """A ledger given as a path (or an open :class:`~importer.ledger.store.Ledger`, by its path); ``None``: none.

    An empty path is refused rather than read as "no ledger": ``ledger=os.environ.get("LEDGER", "")`` would
    otherwise turn off the guard against sending a lead twice without a word."""
    if ledger is None:
        return None
    from importer.ledger.store import Ledger

    if isinstance(ledger, Ledger):
        return ledger.path
    given = _path_text(ledger)
    if given is not None:
        if given.strip():
            return Path(given)
        raise LedgerError("the ledger's path is empty: give a ledger file's path, or ledger=None for no ledger.")
    raise LedgerError(f"ledger must be a ledger file's path (or None for no ledger), not a {_kind(ledger)}.")


def dry_run(
    path: object, mapping: object, *, ledger: object, progress: object, read: object, plan: object, report: object
) -> tuple[Path, LeadMapping, Path | None]:
    """``validate_file``'s arguments checked: the file's path, the mapping, the ledger's path."""
    from importer.read.read_options import ReadOptions  # (here: inspect and suggest check a path without them)
    from importer.send.plan import SendPlanSettings

    _progress(progress)
    _check(
        read=(read, ReadOptions, "an importer.ReadOptions"),
        plan=(plan, SendPlanSettings, "an importer.SendPlanSettings"),
        report=(report, (str, os.PathLike, type(None)), "the report's path (a str or pathlib.Path) or None"),
    )
    return source_path(path), lead_mapping(mapping), ledger_file(ledger)


def sending(
    path: object,
    mapping: object,
    *,
    token: object,
    base_url: object,
    progress: object,
    read: object,
    send: object,
    rate: object,
    http: object,
) -> tuple[Path, LeadMapping, str]:
    """``import_file``'s arguments checked: the file's path, the mapping, the token."""
    import httpx

    from importer.crm.limiter import RateLimit
    from importer.read.read_options import ReadOptions
    from importer.send.submit import SendOptions

    _progress(progress)
    _check(
        base_url=(base_url, str, "the CRM API's address as a str (https://.../api/v1)"),
        read=(read, ReadOptions, "an importer.ReadOptions"),
        send=(send, SendOptions, "an importer.SendOptions"),
        rate=(rate, RateLimit, "an importer.RateLimit, such as importer.RateLimit(100, 5.0)"),
        http=(http, (httpx.Client, type(None)), "an httpx.Client (not an AsyncClient: requests go out from threads)"),
    )
    return source_path(path), lead_mapping(mapping), api_token(token)


def _check(**given: tuple[object, type | tuple[type, ...], str]) -> None:
    """Each keyword's value (value, the types it may have, what they are in words) is of its types, else a
    ConfigError naming the argument: ``read={"sheet": "Leads"}`` or ``rate="100/5s"`` would fail far inside."""
    for name, (value, kinds, wanted) in given.items():
        if not isinstance(value, kinds):
            raise ConfigError(f"{name}= takes {wanted}; got {_kind(value)}.")


def _progress(value: object) -> None:
    """A progress callback is a function (or None)."""
    if value is not None and not callable(value):
        raise ConfigError(f"progress= takes a function progress(stage, done, total) or None; got {_kind(value)}.")


def same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (both resolved; a path that does not exist yet is not)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()
