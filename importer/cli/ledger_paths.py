"""Which ledger a command uses, and the warnings a command gives before it connects anywhere.

``run`` may create the default ledger (``$LEADIMPORT_LEDGER``, else the per-user one) on first use, and
says where it is. A ``--ledger`` path with no file is refused unless ``--new-ledger``: a mistyped path
would start an empty ledger while the real one holds the history. ``history`` and ``show`` never create one, and ``history`` names the ledger it read.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import click

from importer.crm.address import is_loopback, mask_url
from importer.errors import LedgerError
from importer.ledger.opening import default_ledger_path

__all__ = ["insecure_url", "insecure_warning", "ledger_to_read", "ledger_to_use"]


def ledger_to_use(explicit: Path | None, *, new_ledger: bool) -> Path:
    """The ledger ``run`` records in; a ``--ledger`` path with no file is refused unless ``new_ledger``."""
    if explicit is not None and not explicit.exists() and not new_ledger:
        raise LedgerError(
            f"there is no ledger at {explicit}. If the path is mistyped, correct it: a new ledger there would "
            "not know the leads recorded in the real one and would send them again. To start a new ledger "
            "there, add --new-ledger."
        )
    return explicit or default_ledger_path()


def ledger_to_read(explicit: Path | None) -> Path | None:
    """The ledger ``history`` reads; None (said, with the path, so a mistyped one shows) when there is none."""
    path = explicit or default_ledger_path()
    if path.exists():
        return path
    click.echo(f"Ledger: {path} (no such file: nothing recorded there; check the path if runs were expected)")
    click.echo("No runs recorded yet.")
    return None


def insecure_url(url: str) -> bool:
    """Whether ``url`` is plain http:// to a host other than this machine."""
    parts = urlsplit(url)
    return parts.scheme.lower() == "http" and not is_loopback(parts.hostname or "")


def insecure_warning(url: str) -> str:
    """The warning printed when --insecure-http lets such a URL through."""
    return (
        f"warning: --insecure-http: VOX_BASE_URL {mask_url(url)} is plain http://, so the API token and every "
        "lead cross the network unencrypted."
    )
