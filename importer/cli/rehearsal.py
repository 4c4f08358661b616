"""`leadimport sandbox`: a local CRM that follows the Vox contract, for rehearsals."""

from __future__ import annotations

from pathlib import Path

import click

from importer.cli.options import Finite, guarded, parse_rate
from importer.errors import ConfigError


@click.command("sandbox")
@click.option(
    "--port", type=click.IntRange(0, 65535), default=8765, show_default=True, help="Loopback port (0: any free port)."
)
@click.option("--token", default="sandbox-token", show_default=True, help="The bearer token the sandbox accepts.")
@click.option(
    "--project-id", default="64f0c0ffee0000000000aaaa", show_default=True, help="The project the token belongs to."
)
@click.option(
    "--process-id",
    "process_ids",
    multiple=True,
    help="A process id of the project (repeatable) [default: 64f0c0ffee0000000000beef].",
)
@click.option("--rate", default="100/5s", show_default=True, help="Rate limit the sandbox enforces: COUNT/SECONDSs.")
@click.option(
    "--latency", default="0", show_default=True, help="Delay per request in seconds, or a range MIN-MAX (e.g. 0.1-0.3)."
)
@click.option(
    "--store-delay",
    type=Finite(min=0),
    default=0.0,
    help="Seconds a create request waits before storing, while lookups answer at once (a slow CRM insert).",
)
@click.option("--fail-rate", type=Finite(0, 1), default=0.0, help="Probability of a 500 before storing.")
@click.option(
    "--drop-rate",
    type=Finite(0, 1),
    default=0.0,
    help="Probability of storing, then dropping the connection.",
)
@click.option(
    "--block-seconds",
    type=Finite(min=0),
    default=3600.0,
    show_default=True,
    help="How long a duplicate block lasts.",
)
@click.option(
    "--preexisting",
    "preexisting_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A file of phones that already had a call attempt in the project, one per line in E.164 (+CC...): "
    "leads with them are refused as duplicates, so a key block can be rehearsed.",
)
@guarded
def sandbox_command(
    port: int,
    token: str,
    project_id: str,
    process_ids: tuple[str, ...],
    rate: str,
    latency: str,
    store_delay: float,
    fail_rate: float,
    drop_rate: float,
    block_seconds: float,
    preexisting_path: Path | None,
) -> None:
    """Run a local CRM that follows the Vox contract, to rehearse imports (Ctrl-C stops it)."""
    from importer.sandbox.server import SandboxSettings, serve

    limit = parse_rate(rate)
    low, _, high = latency.partition("-")
    try:
        delay = (float(low), float(high or low))
    except ValueError:
        raise ConfigError(f"--latency must be seconds or MIN-MAX, got {latency!r}.") from None
    settings = SandboxSettings(
        token=token,
        project_id=project_id,
        process_ids=process_ids or ("64f0c0ffee0000000000beef",),
        rate_limit=limit.max_requests,
        rate_window=limit.per_seconds,
        latency=delay,
        store_delay=store_delay,
        fault_5xx=fail_rate,
        fault_drop=drop_rate,
        block_seconds=block_seconds,
        preexisting_phones=_preexisting_phones(preexisting_path) if preexisting_path else frozenset(),
    )
    try:
        serve(settings, port=port, announce=lambda line: click.echo(line, err=False))
    except OSError as exc:
        # A port in use (often `leadimport serve`, whose default port is the same) or one below 1024.
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}. Give another --port (0: any free port)."
        ) from None


def _preexisting_phones(path: Path) -> frozenset[str]:
    """The phones of a --preexisting file: the first cell of each line that holds digits (a header is passed over)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--preexisting {path}: cannot read it as UTF-8 text ({exc}).") from None
    cells = (line.split(",")[0].strip().strip('"') for line in lines)
    return frozenset(cell for cell in cells if sum(ch.isdigit() for ch in cell) >= 7)
