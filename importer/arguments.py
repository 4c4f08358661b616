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


def source_path(path: object) -> Path:
    """The file to read, given as a path (``str``, ``pathlib.Path``, any ``os.PathLike``)."""
    if isinstance(path, str | bytes | os.PathLike):
        text = os.fsdecode(path)
        if text.strip():
            return Path(text)
        raise SourceError("the file's path is empty: give the path of a lead file (CSV, XLSX, ...).")
    if hasattr(path, "to_csv"):
        hint = "write it to a file first (df.to_csv('leads.csv', index=False)) and give that path"
    elif hasattr(path, "read"):
        name = getattr(path, "name", None)
        hint = f"give its path ({name!r})" if isinstance(name, str) and Path(name).is_file() else "save it first"
        hint += ": the report and a resumed run read the file again by its path"
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
    if isinstance(ledger, str | bytes | os.PathLike):
        text = os.fsdecode(ledger)
        if text.strip():
            return Path(text)
        raise LedgerError("the ledger's path is empty: give a ledger file's path, or ledger=None for no ledger.")
    raise LedgerError(f"ledger must be a ledger file's path (or None for no ledger), not a {_kind(ledger)}.")
