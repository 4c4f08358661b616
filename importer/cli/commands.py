"""Command line: parse arguments, call the library, render the result."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import os
import shlex
import signal
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TypeVar

import click

from importer.cli.runtime import ProgressBars
from importer.config import LeadMapping, load_mapping
from importer.crm.limiter import RateLimit
from importer.errors import ConfigError, LeadImportError, SourceError
from importer.pipeline import DEFAULT_BASE_URL, Outcome, import_file, report_target, validate_file
from importer.read.source import ReadOptions, SourceTable, describe_delimiter
from importer.report.mask import mask_text
from importer.report.rows import default_report_path
from importer.send.plan import MAX_BATCH, SendPlanSettings

F = TypeVar("F", bound=Callable[..., Any])


def _guarded(func: F) -> F:
    """Our errors become a message and their exit code, never a traceback; with --json, also a JSON object
    ``{"error": {code, message, file, row, column}}`` on stdout."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = kwargs.get("source")
        as_json = bool(kwargs.get("as_json") or getattr(source, "as_json", False))
        try:
            return func(*args, **kwargs)
        except LeadImportError as exc:
            # The message may quote cells (a data row taken for the header): --mask-pii covers it too.
            masked = kwargs.get("mask_pii") or getattr(source, "mask_pii", False)
            message = mask_text(str(exc)) if masked else str(exc)
            click.echo(f"error: {message}", err=True)
            if as_json:
                where = exc.file
                if where is None and isinstance(exc, SourceError) and isinstance(source, SourceArgs):
                    where = str(source.file)
                _echo_error(exc.code, message, file=where, row=exc.row, column=exc.column)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted.", err=True)
            if as_json:
                _echo_error("interrupted", "interrupted")
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def _echo_error(
    code: str, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None
) -> None:
    """The JSON object a script reads on stdout when a command fails before its summary."""
    error = {"code": code, "message": message, "file": file, "row": row, "column": column}
    click.echo(json.dumps({"error": error}, indent=2, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class SourceArgs:
    """The options every file-reading command shares, parsed once."""

    file: Path
    mapping_path: Path
    report_path: Path | None
    sheet: str | None
    header_row: int | None
    encoding: str | None
    delimiter: str | None
    project_id: str | None
    process_id: str | None
    region: str | None
    report_format: str | None
    mask_pii: bool
    batch_size: int
    rate: str
    as_json: bool
    quiet: bool
    all_sheets: bool

    def mapping(self) -> LeadMapping:
        return load_mapping(
            self.mapping_path, project_id=self.project_id, process_id=self.process_id, default_region=self.region
        )

    def read_options(self) -> ReadOptions:
        if self.all_sheets and self.sheet is not None:
            raise ConfigError("--all-sheets reads every sheet that fits the mapping; leave out --sheet.")
        return ReadOptions(
            sheet=self.sheet,
            header_row=self.header_row,
            encoding=self.encoding,
            delimiter=self.delimiter,
            all_sheets=self.all_sheets,
        )

    def report(self) -> tuple[Path, str]:
        """The report's path and format; refuses a report path that would overwrite the input or the mapping."""
        target, fmt = report_target(self.file, self.report_path, self.report_format)
        for what, path in (("the input file", self.file), ("the mapping", self.mapping_path)):
            if _same_file(target, path):
                raise ConfigError(
                    f"--report {target} would overwrite {what}; choose another report path "
                    f"(the default is {default_report_path(self.file)})."
                )
        return target, fmt

    @property
    def progress(self) -> bool:
        return not (self.quiet or self.as_json) and sys.stderr.isatty()


def _same_file(a: Path, b: Path) -> bool:
    """Whether two paths name the same file (both resolved; a path that does not exist yet is not)."""
    try:
        return a.exists() and b.exists() and a.samefile(b)
    except OSError:
        return a.resolve() == b.resolve()


def source_options(func: F) -> F:
    """Options shared by every command that reads a lead file; the command gets them as ``source``."""

    @functools.wraps(func)
    def packed(**kwargs: Any) -> Any:
        names = SourceArgs.__dataclass_fields__
        source = SourceArgs(**{k: kwargs.pop(k) for k in list(kwargs) if k in names})
        return func(source=source, **kwargs)

    wrapped: Any = packed
    for option in reversed(
        [
            click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
            click.option(
                "--mapping",
                "-m",
                "mapping_path",
                required=True,
                type=click.Path(dir_okay=False, path_type=Path),
                help="Mapping YAML (see mappings/example.yaml).",
            ),
            click.option(
                "--report",
                "report_path",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Where to write the per-row report [default: <file>.report.csv beside the input].",
            ),
            click.option(
                "--sheet",
                help="Sheet name (or 1-based number) to read [default: the first sheet whose header fits the mapping].",
            ),
            click.option(
                "--all-sheets",
                is_flag=True,
                help="Read every sheet whose header fits the mapping, as one run with one report "
                "(sheet_row says Jan!5).",
            ),
            click.option(
                "--header-row", type=click.IntRange(min=1), help="Row number of the header [default: detected]."
            ),
            click.option(
                "--encoding", help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252, Mac Roman]."
            ),
            click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected]."),
            click.option("--project-id", help="Vox project id [default: the mapping's project_id]."),
            click.option("--process-id", help="Vox process id [default: the mapping's process_id]."),
            click.option(
                "--region",
                help="Country of phones written without a country code, where a row names none: IN, US, +44, "
                "Germany [default: the mapping's default_region].",
            ),
            click.option(
                "--report-format",
                type=click.Choice(["csv", "xlsx"]),
                help="Report format [default: from the --report suffix, else csv].",
            ),
            click.option(
                "--mask-pii",
                is_flag=True,
                help="Mask phones (all but the last 4 digits) and emails (first letter and domain) in everything shown or written; the CRM still gets them whole.",
            ),
            click.option(
                "--batch-size",
                type=click.IntRange(1, MAX_BATCH),
                default=MAX_BATCH,
                show_default=True,
                help="Leads per request.",
            ),
            click.option(
                "--rate",
                default="100/5s",
                show_default=True,
                help="Request budget shared by all requests: COUNT/SECONDSs.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout."),
            click.option(
                "--quiet",
                "-q",
                is_flag=True,
                help="Print nothing but errors, the note naming other sheets that fit the mapping (not read), and --json output.",
            ),
        ]
    ):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[no-any-return]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadimport")
def main() -> None:
    """leadimport: get lead spreadsheets into the Vox CRM, every good lead exactly once."""


@main.command("validate")
@source_options
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ledger to check rows against, read only [default: as for run, when it exists].",
)
@click.option("--no-ledger", is_flag=True, help="Check the file alone, not against what earlier runs sent.")
@_guarded
def validate_command(source: SourceArgs, ledger_path: Path | None, no_ledger: bool) -> None:
    """Dry run: read, map, normalize, validate and dedupe FILE; send nothing; write the report.

    Rows earlier runs imported (as the ledger says; it is only read) come out already-imported, and the
    send plan counts what `run` would send. Exit codes: 0 every row is fine, 1 some rows are invalid,
    2 unusable file or mapping.
    """
    from importer.ledger.store import default_ledger_path

    plan = SendPlanSettings(batch_size=source.batch_size, rate=parse_rate(source.rate))
    report, report_format = source.report()
    ledger = None if no_ledger else (ledger_path or default_ledger_path())
    if ledger_path is not None and not no_ledger and not ledger_path.is_file():
        raise ConfigError(f"--ledger {ledger_path}: no such ledger file.")
    with ProgressBars(enabled=source.progress) as bars:
        outcome = validate_file(
            source.file, source.mapping(), read=source.read_options(), plan=plan, ledger=ledger, progress=bars
        )
    written = outcome.write_report(report, format=report_format, mask_pii=source.mask_pii)
    render(outcome.masked() if source.mask_pii else outcome, written, as_json=source.as_json, quiet=source.quiet)
    sys.exit(outcome.exit_code)


def _run_command_line(source: SourceArgs, concurrency: int, ledger_path: Path | None, no_ledger: bool) -> str:
    """The command that resumes this run, as ``history`` and ``show`` print it: paths made absolute, so it
    works from any folder (no secrets: those are env)."""
    words = ["leadimport", "run", _absolute(source.file), "--mapping", _absolute(source.mapping_path)]
    options: list[tuple[str, object]] = [
        ("--report", _absolute(source.report_path) if source.report_path else None),
        ("--report-format", source.report_format),
        ("--sheet", source.sheet),
        ("--header-row", source.header_row),
        ("--encoding", source.encoding),
        ("--delimiter", source.delimiter),
        ("--project-id", source.project_id),
        ("--process-id", source.process_id),
        ("--region", source.region),
        ("--batch-size", source.batch_size if source.batch_size != MAX_BATCH else None),
        ("--rate", source.rate if source.rate != "100/5s" else None),
        ("--concurrency", concurrency if concurrency != 8 else None),
        ("--ledger", _absolute(ledger_path) if ledger_path else None),
    ]
    words += [str(part) for name, value in options if value is not None for part in (name, value)]
    words += ["--mask-pii"] if source.mask_pii else []
    words += ["--all-sheets"] if source.all_sheets else []
    words += ["--no-ledger"] if no_ledger else []
    return shlex.join(words)


def _absolute(path: Path) -> str:
    return str(path.expanduser().resolve())


def _interrupt(signum: int, frame: object) -> None:
    """SIGTERM handled as Ctrl-C is."""
    raise KeyboardInterrupt


def parse_rate(text: str) -> RateLimit:
    """``100/5s``, ``100/5`` or ``100`` (per 5 s) → a rate limit."""
    count, _, window = text.strip().lower().partition("/")
    try:
        limit = RateLimit(int(count), float(window.rstrip("s") or 5.0))
    except ValueError:
        raise ConfigError(f"--rate must look like 100/5s (requests per seconds), got {text!r}.") from None
    if limit.max_requests < 1 or limit.per_seconds <= 0:
        raise ConfigError(f"--rate must allow at least one request in a positive window, got {text!r}.")
    return limit


@main.command("run")
@source_options
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=8,
    show_default=True,
    help="Requests in flight at once (all share the --rate budget).",
)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ledger file [default: $LEADIMPORT_LEDGER, else ~/.local/state/leadimport/ledger.sqlite3].",
)
@click.option(
    "--no-ledger",
    is_flag=True,
    help="Do not record or check what was sent (no resume, no cross-run dedupe). Leads already in the CRM "
    "are then sent again and refused as duplicates; more than 5 in a minute block the API key for an hour.",
)
@click.option(
    "--inflight-grace",
    type=click.FloatRange(min=0),
    default=120.0,
    show_default=True,
    envvar="LEADIMPORT_INFLIGHT_GRACE",
    help="After a crash: leads the interrupted run sent less than this many seconds ago and not found in the "
    "CRM are looked up again once this much time has passed (its requests may still be running there), "
    "before they are sent again.",
)
@_guarded
def run_command(
    source: SourceArgs, concurrency: int, ledger_path: Path | None, no_ledger: bool, inflight_grace: float
) -> None:
    """Import FILE: validate it, then send every valid row to the Vox CRM exactly once.

    Needs VOX_API_TOKEN in the environment (VOX_BASE_URL to point elsewhere than
    production). Exit codes: 0 all sent, 1 some rows invalid or rejected, 2 unusable
    input or configuration (nothing sent), 3 stopped by the CRM or network: run the
    same command again later to resume.
    """
    from importer.ledger.store import default_ledger_path
    from importer.send.submit import SendOptions

    token = os.environ.get("VOX_API_TOKEN", "").strip()
    if not token:
        raise ConfigError("VOX_API_TOKEN is not set: export your Vox API token (it is read only from the environment).")
    mapping = source.mapping()
    report, report_format = source.report()
    # A scheduler stopping the job (cron timeout, systemd, docker stop) sends SIGTERM: stop like Ctrl-C,
    # waiting for the requests in flight and recording them, and still write the report.
    signal.signal(signal.SIGTERM, _interrupt)
    with ProgressBars(enabled=source.progress) as bars:
        outcome = import_file(
            source.file,
            mapping,
            token=token,
            base_url=os.environ.get("VOX_BASE_URL", "").strip() or DEFAULT_BASE_URL,
            ledger=None if no_ledger else (ledger_path or default_ledger_path()),
            progress=bars,
            read=source.read_options(),
            send=SendOptions(batch_size=source.batch_size, concurrency=concurrency, inflight_grace=inflight_grace),
            rate=parse_rate(source.rate),
            command=_run_command_line(source, concurrency, ledger_path, no_ledger),
            tune_gc=True,
        )
    shown = outcome.masked() if source.mask_pii else outcome
    try:
        written: Path | None = outcome.write_report(report, format=report_format, mask_pii=source.mask_pii)
    except (SourceError, OSError) as exc:  # the report cannot be written (disk full, no access): the leads are sent
        rebuild = f" Rebuild it with `leadimport show {outcome.run_id} --report PATH`." if outcome.run_id else ""
        problem = exc if isinstance(exc, SourceError) else f"{report}: cannot write the report: {exc.strerror}."
        shown = replace(
            shown,
            stop_message=f"{problem} The rows were sent as the counts above say; only the report is missing.{rebuild}",
        )
        written = None
    render(shown, written, as_json=source.as_json, quiet=source.quiet)
    sys.exit(shown.exit_code)


@main.command("sandbox")
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
    type=click.FloatRange(min=0),
    default=0.0,
    help="Seconds a create request waits before storing, while lookups answer at once (a slow CRM insert).",
)
@click.option("--fail-rate", type=click.FloatRange(0, 1), default=0.0, help="Probability of a 500 before storing.")
@click.option(
    "--drop-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    help="Probability of storing, then dropping the connection.",
)
@click.option(
    "--block-seconds",
    type=click.FloatRange(min=0),
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
@_guarded
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
    serve(settings, port=port, announce=lambda line: click.echo(line, err=False))


def _preexisting_phones(path: Path) -> frozenset[str]:
    """The phones of a --preexisting file: the first cell of each line that holds digits (a header is passed over)."""
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"--preexisting {path}: cannot read it as UTF-8 text ({exc}).") from None
    cells = (line.split(",")[0].strip().strip('"') for line in lines)
    return frozenset(cell for cell in cells if sum(ch.isdigit() for ch in cell) >= 7)


@main.command("history")
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ledger file [default: as for run].",
)
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="How many runs, newest first.")
@_guarded
def history_command(ledger_path: Path | None, limit: int) -> None:
    """List earlier runs: when, which file, counts per status, outcome."""
    from importer.ledger.store import Ledger, default_ledger_path

    ledger = Ledger.open_read_only(ledger_path or default_ledger_path())  # a look creates nothing
    runs = []
    if ledger is not None:
        with ledger:
            runs = ledger.runs(limit=limit)
    if not runs:
        click.echo("No runs recorded yet.")
        return
    click.echo(f"{'run':>5}  {'started (UTC)':<20} {'outcome':<22} file / counts")
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items()) or "-"
        click.echo(f"{r.run_id:>5}  {r.started_at[:19]:<20} {r.outcome or 'running/killed':<22} {r.file}")
        click.echo(f"{'':>28}{'':<22} {counts}")


@main.command("show")
@click.argument("run_id", type=int)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ledger file [default: as for run].",
)
@click.option(
    "--report",
    "report_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Rewrite the run's report here (the file is read again; states come from the ledger).",
)
@click.option(
    "--report-format", type=click.Choice(["csv", "xlsx"]), help="Report format [default: from the --report suffix]."
)
@click.option("--mask-pii", is_flag=True, help="Mask phones and emails in the rewritten report.")
@_guarded
def show_command(
    run_id: int, ledger_path: Path | None, report_path: Path | None, report_format: str | None, mask_pii: bool
) -> None:
    """Print one run's details and counts; with --report, rewrite its report."""
    from importer.ledger.store import Ledger, default_ledger_path
    from importer.pipeline import rebuild_report

    path = ledger_path or default_ledger_path()
    opened = Ledger.open_read_only(path)  # a look writes nothing
    if opened is None:
        raise ConfigError(f"there is no ledger at {path}, so no run {run_id} (see leadimport history).")
    with opened as ledger:
        record = ledger.run(run_id)
        if record is None:
            raise ConfigError(f"run {run_id} is not in the ledger (see leadimport history).")
        if report_path is not None:
            written = rebuild_report(run_id, ledger).write_report(report_path, format=report_format, mask_pii=mask_pii)
            click.echo(f"Rewrote the report of run {run_id}: {written.resolve()}")
    click.echo(f"Run {record.run_id}: {record.outcome or 'did not finish (killed or still running)'}")
    click.echo(f"  file      {record.file}")
    click.echo(f"  mapping   {record.mapping}")
    click.echo(f"  project   {record.project_id}  process {record.process_id}")
    click.echo(f"  started   {record.started_at}  ended {record.ended_at or '-'}")
    for status, n in record.counts.items():
        click.echo(f"  {status:<17}{n:>9}")
    click.echo(f"  report    {record.report or '-'}")
    click.echo(f"  command   {record.command}")


@main.command("serve")
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
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ledger file [default: as for run].",
)
@click.option(
    "--mappings-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("mappings"),
    show_default=True,
    help="Where saved mappings are read and written.",
)
@_guarded
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


@main.command("inspect")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="Inspect only this sheet (name or 1-based number) [default: every sheet].")
@click.option("--encoding", help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252, Mac Roman].")
@click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected].")
@click.option("--json", "as_json", is_flag=True, help="Print the inspection as JSON on stdout.")
@click.option("--mask-pii", is_flag=True, help="Mask phones (all but the last 4 digits) and emails in the samples.")
@_guarded
def inspect_command(
    file: Path, sheet: str | None, encoding: str | None, delimiter: str | None, as_json: bool, mask_pii: bool
) -> None:
    """Describe FILE without a mapping: sheets, header row, and per column fill rate, samples and kind."""
    from importer.report.mask import mask_inspection
    from importer.tools.describe import inspect_file, render_inspection

    inspection = inspect_file(file, sheet=sheet, encoding=encoding, delimiter=delimiter)
    if mask_pii:
        inspection = mask_inspection(inspection)
    if as_json:
        click.echo(json.dumps(inspection.as_dict(), indent=2, ensure_ascii=False))
    else:
        click.echo(render_inspection(inspection), nl=False)


@main.group("mapping")
def mapping_group() -> None:
    """Write mapping files."""


@mapping_group.command("suggest")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the mapping to this file [default: print it].",
)
@click.option("--force", is_flag=True, help="Overwrite --out if it already exists.")
@click.option("--sheet", help="Sheet name (or 1-based number) to map [default: the sheet that looks most like leads].")
@click.option("--encoding", help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252, Mac Roman].")
@click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected].")
@click.option(
    "--region", default="IN", show_default=True, help="default_region for phone numbers without a country code."
)
@_guarded
def mapping_suggest_command(
    file: Path,
    out_path: Path | None,
    force: bool,
    sheet: str | None,
    encoding: str | None,
    delimiter: str | None,
    region: str,
) -> None:
    """Propose a mapping for FILE from its headers and cell contents, with a confidence per field."""
    from importer.tools.suggest import render_yaml, suggest_mapping

    suggestion = suggest_mapping(file, sheet=sheet, encoding=encoding, delimiter=delimiter, region=region)
    text = render_yaml(suggestion)
    if out_path is None:
        click.echo(text, nl=False)
        return
    if out_path.exists() and not force:
        raise ConfigError(f"{out_path} already exists; pass --force to overwrite it.")
    try:
        out_path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{out_path}: cannot write the mapping: {exc.strerror}.") from None
    click.echo(f"Wrote {out_path}.")
    for problem in suggestion.unplaced:
        click.echo(f"  not placed: {problem}")
    click.echo(f"Check it, then: leadimport validate {file} --mapping {out_path}")


@main.command("watch")
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
    type=click.FloatRange(min=0),
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
@click.option(
    "--keep-days", type=click.FloatRange(min=0), help="Delete files and reports older than this from done/ (only)."
)
@click.option(
    "--ledger",
    "ledger_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Ledger file [default: as for run]; keep it on a local disk.",
)
@click.option("--force", is_flag=True, help="Import a file whose bytes were imported before (per row, still once).")
@click.option(
    "--block-wait",
    type=click.FloatRange(min=0),
    default=3600.0,
    show_default=True,
    help="After the CRM blocks the API key: seconds to wait before taking the file up again.",
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
    help="Newly dropped files imported side by side (all within the one --rate budget).",
)
@click.option(
    "--poll", type=click.FloatRange(min=0.05), default=1.0, show_default=True, help="Seconds between looks at INBOX."
)
@_guarded
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
        files_at_once=files_at_once,
        rate=parse_rate(rate),
        send=SendOptions(batch_size=batch_size, concurrency=concurrency),
        notify=NotifySettings(
            url=notify_url, command=notify_cmd, secret=os.environ.get("LEADIMPORT_WEBHOOK_SECRET") or None
        ),
        command=shlex.join(["leadimport", "watch", str(inbox)]),
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
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", "%Y-%m-%d %H:%M:%S"))
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


def render(outcome: Outcome, report: Path | None, *, as_json: bool, quiet: bool) -> None:
    """The summary: counts per status, most common reasons, where the report is (None: not written)."""
    dry_run = outcome.plan is not None
    table = outcome.prepared.table
    summary = outcome.summary
    if as_json:
        payload = {
            "file": table.path,
            "sheet": table.sheet,
            "sheets_also_fitting": list(table.also_fit),
            "notes": list(table.notes),
            "header_row": table.header_row,
            "report": str(report.resolve()) if report is not None else None,
            "exit_code": outcome.exit_code,
            "stopped": outcome.stop_message,
            "run_id": outcome.run_id,
            "ledger": str(outcome.ledger_path) if outcome.ledger_path is not None else None,
            **summary.as_dict(),
        }
        if outcome.plan is not None:
            payload["send_plan"] = outcome.plan.as_dict()
        click.echo(json.dumps(payload, indent=2))
        _echo_stop(outcome)
        return
    if quiet:  # leads on sheets not read would go unnoticed in a scheduled job: said even then
        if table.also_fit:
            click.echo(f"{table.path}: {_other_sheets(table)}", err=True)
        _echo_stop(outcome)
        return
    where = f"sheet {table.sheet!r}, " if table.sheet else ""
    extra = f", {table.encoding}, {describe_delimiter(table.delimiter)}-separated" if table.encoding else ""
    click.echo(f"{table.path} ({where}header on {table.header_text}{extra}): {summary.total} data rows")
    if table.also_fit:
        click.echo(_other_sheets(table))
    for note in table.notes:
        click.echo(f"Note: {note}.")
    for note in summary.notes:
        click.echo(f"Note: {note}.")
    for status, n in summary.counts.items():
        click.echo(f"  {status:<17}{n:>9}")
    if summary.top_reasons:
        click.echo("Most common problems:")
        for reason, n in summary.top_reasons:
            click.echo(f"  {reason:<24}{n:>9}")
    if summary.top_rejections:
        click.echo("Most common CRM rejections:")
        for message, n in summary.top_rejections:
            click.echo(f"  {n:>7}  {message}")
    if summary.top_pending:
        click.echo("Why rows are pending:")
        for message, n in summary.top_pending:
            click.echo(f"  {n:>7}  {message}")
    _echo_stop(outcome)
    if outcome.plan is not None and outcome.ledger_path is not None:
        click.echo(f"Checked against the ledger {outcome.ledger_path} (read only; --no-ledger: the file alone).")
    if outcome.plan is not None:
        click.echo(outcome.plan.describe())
    if dry_run and not outcome.prepared.project_id:
        click.echo("Note: no project/process id, so derived referenceIds are left blank in this dry run.")
    click.echo(f"Report: {report.resolve()}" if report is not None else "Report: not written (see above).")


def _echo_stop(outcome: Outcome) -> None:
    """Why the run stopped, on stderr: said in every mode, --quiet and --json included."""
    if outcome.stop_message and outcome.summary.counts.get("pending"):
        click.echo(f"\nStopped: {outcome.stop_message}", err=True)
    elif outcome.stop_message:  # every row had its answer first: no row waits, but the key may be blocked
        click.echo(
            f"\nEvery row has its answer (none is pending), but the CRM then stopped the run: {outcome.stop_message}",
            err=True,
        )


def _other_sheets(table: SourceTable) -> str:
    """The note naming the workbook's other sheets that fit the mapping (not read: one sheet per run)."""
    others = ", ".join(repr(name) + (" (hidden)" if name in table.hidden_sheets else "") for name in table.also_fit)
    many = len(table.also_fit) > 1
    return (
        f"Note: {'sheets' if many else 'sheet'} {others} {'fit' if many else 'fits'} the mapping too and "
        f"{'were' if many else 'was'} not read; run the same command with --sheet NAME for each."
    )


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
