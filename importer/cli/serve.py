"""`leadimport serve`: the upload page."""

from __future__ import annotations

from pathlib import Path

import click

from importer.cli.options import guarded, ledger_option
from importer.errors import ConfigError


@click.command("serve")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Port (0: any free port).")
@click.option(
    "--host",
    default="127.0.0.1",
    show_default=True,
    help="Address to listen on; anything but this computer (127.0.0.1) prints a warning.",
)
@click.option(
    "--max-upload-mb", type=click.IntRange(1), default=200, show_default=True, help="Largest file accepted, in MB."
)
@ledger_option()
@click.option(
    "--mappings-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mappings"),
    show_default=True,
    help="Where saved mappings are read and written.",
)
@guarded
def serve_command(port: int, host: str, max_upload_mb: int, ledger_path: Path | None, mappings_dir: Path) -> None:
    """Serve the upload page: upload a sheet, match its columns, review, fix and send it, from a browser.

    Prints a one-time sign-in link. The CRM token is read from VOX_API_TOKEN here and never reaches the browser.
    """
    from importer.ledger.store import default_ledger_path
    from importer.web import serve

    try:
        serve(
            host=host,
            port=port,
            max_upload_mb=max_upload_mb,
            ledger_path=(ledger_path or default_ledger_path()).resolve(),
            mappings_dir=mappings_dir.resolve(),
            echo=click.echo,
            warn=lambda text: click.echo(text, err=True),
        )
    except OSError as exc:
        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
