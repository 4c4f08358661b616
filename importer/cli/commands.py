"""Command line: parse arguments, call the library, render the result."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
from pathlib import Path

import click

from importer._testing import faults
from importer.cli.catalogue import issues_command
from importer.cli.ledger_paths import insecure_url, insecure_warning, ledger_to_read, ledger_to_use
from importer.cli.options import (
    Finite,
    SourceArgs,
    guarded,
    ledger_option,
    parse_rate,
    refuse_with_no_ledger,
    source_options,
)
from importer.cli.rehearsal import sandbox_command
from importer.cli.render import render
from importer.cli.runtime import ProgressBars
from importer.cli.serve import serve_command
from importer.cli.watch import watch_command
from importer.errors import ConfigError, SourceChanged, SourceError
from importer.filenames import one_line
from importer.pipeline import DEFAULT_BASE_URL, import_file, validate_file
from importer.send.plan import MAX_BATCH, SendPlanSettings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadimport")
def main() -> None:
    """leadimport: get lead spreadsheets into the Vox CRM, every good lead exactly once."""


@main.command("validate")
@source_options
@ledger_option("Ledger to check rows against, read only [default: as for run, when it exists].")
@click.option("--no-ledger", is_flag=True, help="Check the file alone, not against what earlier runs sent.")
@guarded
def validate_command(source: SourceArgs, ledger_path: Path | None, no_ledger: bool) -> None:
    """Dry run: read, map, normalize, validate and dedupe FILE; send nothing; write the report.

    Rows earlier runs imported (as the ledger says; it is only read) come out already-imported, and the
    send plan counts what `run` would send. Exit codes: 0 every row is fine, 1 some rows are invalid,
    2 unusable file or mapping.
    """
    from importer.ledger.store import default_ledger_path

    refuse_with_no_ledger(no_ledger, ledger=ledger_path is not None)
    plan = SendPlanSettings(batch_size=source.batch_size, rate=parse_rate(source.rate))
    report, report_format = source.report()
    ledger = None if no_ledger else (ledger_path or default_ledger_path())
    if ledger_path is not None and not no_ledger and not ledger_path.is_file():
        raise ConfigError(f"--ledger {ledger_path}: no such ledger file.")
    with ProgressBars(enabled=source.progress) as bars:
        outcome = validate_file(
            source.file,
            source.mapping(),
            read=source.read_options(),
            plan=plan,
            ledger=ledger,
            progress=bars,
            report=report,
            report_format=report_format,
            mask_pii=source.mask_pii,
        )
    written = outcome.report_path or outcome.write_report(report, format=report_format, mask_pii=source.mask_pii)
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


class _Stops:
    """SIGTERM handled as Ctrl-C is: it stops the import (requests in flight are waited for and recorded).

    Once every answer is recorded (the ``finishing`` stage) there is nothing left to stop: the first signal
    then lets the summary and the report be finished, and only a second one skips the report.
    """

    def __init__(self, progress: ProgressBars) -> None:
        self.progress = progress
        self.finishing = False
        self.late = 0

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        self.finishing = self.finishing or stage == "finishing"
        self.progress(stage, done, total)

    def interrupt(self, signum: int, frame: object) -> None:
        if self.finishing and not self.late:
            self.late += 1
            click.echo("Every answer is recorded: finishing the report first (again to skip it).", err=True)
            return
        raise KeyboardInterrupt

    def install(self) -> None:
        signal.signal(signal.SIGTERM, self.interrupt)
        if signal.getsignal(signal.SIGINT) is not signal.SIG_IGN:  # a background job's ignored Ctrl-C stays ignored
            signal.signal(signal.SIGINT, self.interrupt)


@main.command("run")
@source_options
@click.option(
    "--concurrency",
    type=click.IntRange(1, 32),
    default=8,
    show_default=True,
    help="Requests in flight at once (all share the --rate budget).",
)
@ledger_option("Ledger file [default: $LEADIMPORT_LEDGER, else ~/.local/state/leadimport/ledger.sqlite3].")
@click.option(
    "--no-ledger",
    is_flag=True,
    help="Do not record or check what was sent (no resume, no cross-run dedupe). Leads already in the CRM "
    "are then sent again and refused as duplicates; more than 5 in a minute block the API key for an hour.",
)
@click.option(
    "--inflight-grace",
    type=Finite(min=0),
    default=120.0,
    show_default=True,
    envvar="LEADIMPORT_INFLIGHT_GRACE",
    help="After a crash: leads the interrupted run sent less than this many seconds ago and not found in the "
    "CRM are looked up again once this much time has passed (its requests may still be running there), "
    "before they are sent again.",
)
@click.option(
    "--outage-wait",
    type=Finite(min=0),
    default=600.0,
    show_default=True,
    envvar="LEADIMPORT_OUTAGE_WAIT",
    help="Seconds to wait for a CRM that answers it is unavailable (HTTP 503, a 5xx asking for a wait, a gateway's "
    "502/504 to lookups too: maintenance, a deploy), "
    "trying again meanwhile, before the run stops (exit 3) to be resumed later. 0: a few tries only.",
)
@click.option(
    "--new-ledger",
    is_flag=True,
    help="Allow starting a new, empty ledger where --ledger points at no file yet, or at an empty (0-byte) file. "
    "Without it these are refused: a mistyped path or a truncated ledger would send every lead again.",
)
@click.option(
    "--insecure-http",
    is_flag=True,
    help="Allow VOX_BASE_URL to be plain http:// to another machine (the API token then crosses the network "
    "unencrypted). http:// to this machine (the sandbox) needs no flag.",
)
@guarded
def run_command(
    source: SourceArgs,
    concurrency: int,
    ledger_path: Path | None,
    no_ledger: bool,
    inflight_grace: float,
    outage_wait: float,
    new_ledger: bool,
    insecure_http: bool,
) -> None:
    """Import FILE: validate it, then send every valid row to the Vox CRM exactly once.

    Needs VOX_API_TOKEN in the environment (VOX_BASE_URL to point elsewhere than
    production). Exit codes: 0 all sent, 1 some rows invalid or rejected, 2 unusable
    input or configuration (nothing sent), 3 stopped by the CRM or network: run the
    same command again later to resume.
    """
    from importer.send.submit import SendOptions

    refuse_with_no_ledger(no_ledger, ledger=ledger_path is not None, new_ledger=new_ledger)
    token = os.environ.get("VOX_API_TOKEN", "").strip()
    if not token:
        raise ConfigError("VOX_API_TOKEN is not set: export your Vox API token (it is read only from the environment).")
    base_url = os.environ.get("VOX_BASE_URL", "").strip() or DEFAULT_BASE_URL
    if insecure_http and insecure_url(base_url):
        click.echo(insecure_warning(base_url), err=True)
    ledger = None if no_ledger else ledger_to_use(ledger_path, new_ledger=new_ledger)
    mapping = source.mapping()
    report, report_format = source.report()
    # A scheduler stopping the job (cron timeout, systemd, docker stop) sends SIGTERM: stop like Ctrl-C,
    # waiting for the requests in flight and recording them, and still write the report.
    with ProgressBars(enabled=source.progress) as bars:
        stops = _Stops(bars)
        stops.install()
        outcome = import_file(
            source.file,
            mapping,
            token=token,
            base_url=base_url,
            ledger=ledger,
            progress=stops,
            read=source.read_options(),
            send=SendOptions(
                batch_size=source.batch_size,
                concurrency=concurrency,
                inflight_grace=inflight_grace,
                outage_wait=outage_wait,
            ),
            rate=parse_rate(source.rate),
            command=_run_command_line(source, concurrency, ledger_path, no_ledger),
            tune_gc=True,
            insecure_http=insecure_http,
            new_ledger=new_ledger,
            streamed=True,
        )
    if outcome.ledger_created and ledger is not None:
        click.echo(f"Started a new ledger at {ledger} (`leadimport history` lists its runs).", err=True)
    shown = outcome.masked() if source.mask_pii else outcome
    problem = changed = None
    try:
        faults.reach("report")
        try:
            written: Path | None = outcome.write_report(report, format=report_format, mask_pii=source.mask_pii)
        except SourceChanged:  # the sheet was saved over while sending: every row's outcome, its cells blank
            written = outcome.write_report(report, format=report_format, mask_pii=source.mask_pii, sheet_cells=False)
            changed = (
                f"Note: {source.file} changed while its leads were being sent, so the report leaves the sheet's own "
                "columns blank (they are no longer the rows read); each row's status, reason and lead as read are there."
            )
    except (SourceError, OSError, KeyboardInterrupt) as exc:  # no report (disk full, no access, Ctrl-C): leads sent
        rebuild = f" Rebuild it with `leadimport show {outcome.run_id} --report PATH`." if outcome.run_id else ""
        if isinstance(exc, KeyboardInterrupt):
            reason: object = f"{report}: interrupted while the report was written."
        else:
            reason = exc if isinstance(exc, SourceError) else f"{report}: cannot write the report: {exc.strerror}."
        problem = f"{reason} The rows were sent as the counts above say; only the report is missing.{rebuild}"
        written = None
    render(shown, written, as_json=source.as_json, quiet=source.quiet, report_problem=problem)
    if changed and written is not None:
        click.echo(changed, err=True)
    sys.exit(3 if problem else shown.exit_code)  # 3: the report is missing, `show --report` rebuilds it


@main.command("history")
@ledger_option()
@click.option("--limit", type=click.IntRange(1), default=20, show_default=True, help="How many runs, newest first.")
@guarded
def history_command(ledger_path: Path | None, limit: int) -> None:
    """List earlier runs: when, which file, counts per status, outcome."""
    from importer.ledger.store import Ledger

    path = ledger_to_read(ledger_path)
    if path is None:
        return
    ledger = Ledger.open_read_only(path)  # a look creates nothing
    runs = []
    if ledger is not None:
        with ledger:
            runs = ledger.runs(limit=limit)
    click.echo(f"Ledger: {path}")
    if not runs:
        click.echo("No runs recorded yet.")
        return
    click.echo(f"{'run':>5}  {'started (UTC)':<20} {'outcome':<22} file / counts")
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in r.counts.items()) or "-"
        click.echo(f"{r.run_id:>5}  {r.started_at[:19]:<20} {r.outcome or 'running/killed':<22} {one_line(r.file)}")
        click.echo(f"{'':>28}{'':<22} {counts}")


@main.command("show")
@click.argument("run_id", type=int)
@ledger_option()
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
@guarded
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
    click.echo(f"  file      {one_line(record.file)}")
    click.echo(f"  mapping   {record.mapping}")
    click.echo(f"  project   {record.project_id}  process {record.process_id}")
    click.echo(f"  started   {record.started_at}  ended {record.ended_at or '-'}")
    for status, n in record.counts.items():
        click.echo(f"  {status:<17}{n:>9}")
    click.echo(f"  report    {record.report or '-'}")
    click.echo(f"  command   {record.command}")


@main.command("inspect")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--sheet", help="Inspect only this sheet (name or 1-based number) [default: every sheet].")
@click.option(
    "--encoding",
    help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252, Mac Roman, cp1251, cp932, GB18030, ...].",
)
@click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected].")
@click.option("--json", "as_json", is_flag=True, help="Print the inspection as JSON on stdout.")
@click.option("--mask-pii", is_flag=True, help="Mask phones (all but the last 4 digits) and emails in the samples.")
@guarded
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
@click.option(
    "--encoding",
    help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252, Mac Roman, cp1251, cp932, GB18030, ...].",
)
@click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected].")
@click.option(
    "--region",
    default=None,
    help="default_region for phone numbers without a country code (e.g. US, GB, IN) [default: inferred from the data].",
)
@guarded
def mapping_suggest_command(
    file: Path,
    out_path: Path | None,
    force: bool,
    sheet: str | None,
    encoding: str | None,
    delimiter: str | None,
    region: str | None,
) -> None:
    """Propose a mapping for FILE from its headers and cell contents, with a confidence per field."""
    from importer.tools.suggest import region_summary, render_yaml, suggest_mapping

    suggestion = suggest_mapping(file, sheet=sheet, encoding=encoding, delimiter=delimiter, region=region)
    text = render_yaml(suggestion)
    unusable = ConfigError(f"{file}: the suggested mapping cannot send a lead yet: {'; '.join(suggestion.lacking)}.")
    if out_path is None:
        click.echo(text, nl=False)
        if suggestion.region is None or suggestion.region_doubt:  # on stderr: the YAML on stdout stays clean
            click.echo("\n".join(region_summary(suggestion)), err=True)
        if suggestion.lacking:
            raise unusable
        return
    if out_path.exists() and not force:
        raise ConfigError(f"{out_path} already exists; pass --force to overwrite it.")
    try:
        out_path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"{out_path}: cannot write the mapping: {exc.strerror}.") from None
    click.echo(f"Wrote {out_path}.")
    for line in region_summary(suggestion):
        click.echo(f"  {line}")
    for problem in suggestion.unplaced:
        click.echo(f"  not placed: {problem}")
    if suggestion.lacking:
        raise unusable
    click.echo(f"Check it, then: leadimport validate {file} --mapping {out_path}")


for command in (sandbox_command, serve_command, watch_command, issues_command):
    main.add_command(command)

if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
