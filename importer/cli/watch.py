"""`leadimport watch`: the drop folder."""

from __future__ import annotations

import contextlib
import logging
import os
import shlex
import signal
import sys
from collections.abc import Iterator
from pathlib import Path

import click

from importer.cli.options import Finite, guarded, ledger_option, parse_rate
from importer.errors import ConfigError
from importer.pipeline import DEFAULT_BASE_URL
from importer.send.plan import MAX_BATCH


@click.command("watch")
@click.argument("inbox", type=click.Path(file_okay=False, path_type=Path))
@click.option(
    "--mapping",
    "-m",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Mapping for files dropped in INBOX itself (subfolders use MAPPINGS_DIR/<name>.yaml).",
)
@click.option(
    "--mappings-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mappings"),
    show_default=True,
    help="A subfolder INBOX/<name>/ uses the mapping <name>.yaml found here.",
)
@click.option("--once", is_flag=True, help="Handle the files there now (waiting for them to settle), then exit.")
@click.option("--status", is_flag=True, help="Print the queue, the files in processing, the last results, the lock.")
@click.option(
    "--settle",
    type=Finite(min=0),
    default=30.0,
    show_default=True,
    help="Seconds a file's size and mtime must stay unchanged (on the watcher's clock) before it is taken.",
)
@click.option("--marker", help="Take NAME only once NAME<MARKER> exists too (e.g. --marker .done).")
@click.option(
    "--report-format", type=click.Choice(["xlsx", "csv"]), default="xlsx", show_default=True, help="Report format."
)
@click.option("--notify-url", help="POST each file's result JSON here (Slack-compatible text field included).")
@click.option("--notify-cmd", help="Run this command with each result file's path as its last argument.")
@click.option("--mask-pii", is_flag=True, help="Mask phones and emails in everything the watcher writes or sends.")
@click.option("--keep-days", type=Finite(min=0), help="Delete files and reports older than this from done/ (only).")
@ledger_option("Ledger file [default: as for run]; keep it on a local disk.")
@click.option("--force", is_flag=True, help="Import a file whose bytes were imported before (per row, still once).")
@click.option(
    "--block-wait",
    type=Finite(min=0),
    default=3600.0,
    show_default=True,
    help="After the CRM blocks the API key: seconds to wait before taking the file up again (less when the CRM "
    "says its block ends sooner).",
)
@click.option(
    "--rate",
    default="100/5s",
    show_default=True,
    help="Request budget shared by every file and source: COUNT/SECONDSs.",
)
@click.option(
    "--batch-size", type=click.IntRange(1, MAX_BATCH), default=MAX_BATCH, show_default=True, help="Leads per request."
)
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=8,
    show_default=True,
    help="Requests in flight at once (all share the --rate budget).",
)
@click.option(
    "--files-at-once",
    type=click.IntRange(1, 16),
    default=3,
    show_default=True,
    help="Newly dropped files sending side by side (all within the one --rate budget); more small files are "
    "read ahead meanwhile.",
)
@click.option("--poll", type=Finite(min=0.05), default=1.0, show_default=True, help="Seconds between looks at INBOX.")
@click.option(
    "--poll-only",
    is_flag=True,
    help="Only poll: no file-system events (by default a dropped file is noticed at once where they work; "
    "polling goes on behind them, e.g. for network shares).",
)
@guarded
def watch_command(
    inbox: Path,
    mapping_path: Path | None,
    mappings_dir: Path,
    once: bool,
    status: bool,
    settle: float,
    marker: str | None,
    report_format: str,
    notify_url: str | None,
    notify_cmd: str | None,
    mask_pii: bool,
    keep_days: float | None,
    ledger_path: Path | None,
    force: bool,
    block_wait: float,
    rate: str,
    batch_size: int,
    concurrency: int,
    files_at_once: int,
    poll: float,
    poll_only: bool,
) -> None:
    """Import every file dropped in INBOX, exactly once, unattended (see docs/scheduled-drops.md).

    Files move to processing/, then done/, failed/ or duplicate/, each with its report and a
    .result.json. With --once: exit 0 all done, 1 some rows invalid or rejected (or a file failed),
    2 usage error, 3 something is still pending. Without it: runs until SIGTERM/SIGINT (exit 0);
    exit 3 when the CRM refuses the token or project, 2 when another watcher serves INBOX.
    """
    from importer.ledger.store import default_ledger_path
    from importer.send.submit import SendOptions
    from importer.watch import NotifySettings, Watcher, WatchSettings, inbox_status

    ledger = ledger_path or default_ledger_path()
    if status:
        click.echo(
            inbox_status(inbox, ledger=ledger, mapping=mapping_path, mappings_dir=mappings_dir, marker=marker), nl=False
        )
        return
    token = os.environ.get("VOX_API_TOKEN", "").strip()
    if not token:
        raise ConfigError("VOX_API_TOKEN is not set: export your Vox API token (it is read only from the environment).")
    settings = WatchSettings(
        inbox=inbox,
        ledger=ledger,
        token=token,
        base_url=os.environ.get("VOX_BASE_URL", "").strip() or DEFAULT_BASE_URL,
        mapping=mapping_path,
        mappings_dir=mappings_dir,
        settle=settle,
        marker=marker,
        once=once,
        force=force,
        report_format=report_format,
        mask_pii=mask_pii,
        keep_days=keep_days,
        block_wait=block_wait,
        poll=poll,
        events=not poll_only,
        files_at_once=files_at_once,
        rate=parse_rate(rate),
        send=SendOptions(batch_size=batch_size, concurrency=concurrency),
        notify=NotifySettings(
            url=notify_url, command=notify_cmd, secret=os.environ.get("LEADIMPORT_WEBHOOK_SECRET") or None
        ),
        command=shlex.join(["leadimport", "watch", str(inbox)]),
        tune_gc=True,
        helper_process=True,
    )
    watcher = Watcher(settings)

    def stop(signum: int, frame: object) -> None:
        watcher.stop()
        if watcher.importing:  # the import ends as a run does on Ctrl-C: in-flight requests recorded
            raise KeyboardInterrupt

    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, stop)
    with _watch_log():
        sys.exit(watcher.run())


@contextlib.contextmanager
def _watch_log() -> Iterator[None]:
    """The watcher's log lines (one per file taken and finished, pauses, heartbeats) on stderr."""
    from importer.log_lines import log_handler

    handler = log_handler()
    package = logging.getLogger("importer")
    watch = logging.getLogger("importer.watch")
    before = package.level, watch.level
    package.addHandler(handler)
    package.setLevel(logging.WARNING)
    watch.setLevel(logging.INFO)
    try:
        yield
    finally:
        package.removeHandler(handler)
        package.setLevel(before[0])
        watch.setLevel(before[1])
