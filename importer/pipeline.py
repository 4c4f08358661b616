"""The stages composed: read → map/normalize → dedupe → (send) → report."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pandas as pd
from tqdm import tqdm

from importer.config import LeadMapping, load_mapping
from importer.crm import CrmClient, CrmSettings, RetryPolicy
from importer.dedupe import mark_duplicates
from importer.errors import SourceError
from importer.leads import LeadFrame, build_leads
from importer.ledger import Known, Ledger, RunRecord
from importer.limiter import DEFAULT_RATE, RateLimit, RateLimiter
from importer.mask import mask_frame, mask_text
from importer.plan import SendPlan, SendPlanSettings, send_plan
from importer.read import ReadOptions, SourceTable, read_source
from importer.report import Summary, default_report_path, mask_summary, report_frame, summarize, write_csv_report
from importer.submit import LedgerRun, SendOptions, send_rows
from importer.xlsx_report import write_xlsx_report


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read, normalized, validated and deduped: what would be sent."""

    table: SourceTable
    leads: LeadFrame
    project_id: str | None
    process_id: str | None
    region: str = "IN"

    @property
    def rows(self) -> pd.DataFrame:
        return self.leads.rows


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command did: the summary, where the report is, and the exit code."""

    prepared: Prepared
    rows: pd.DataFrame
    summary: Summary
    report_path: Path
    exit_code: int
    stop_message: str | None = None
    plan: SendPlan | None = None


def prepare(
    path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions(), *, progress: bool = False
) -> Prepared:
    """Read, map, normalize, validate and dedupe a file; nothing is sent."""
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    with tqdm(total=size, unit="B", unit_scale=True, desc="reading", disable=not progress, leave=False) as bar:
        table = read_source(path, mapping, options)
        bar.update(size)
    project, process = mapping.project_id, mapping.process_id
    with tqdm(total=len(table.cells), unit="row", desc="validating", disable=not progress, leave=False) as bar:
        leads = build_leads(table, mapping, project_id=project or "", process_id=process or "")
        bar.update(len(table.cells))
    if not (project and process):
        # Without both ids a derived referenceId would differ from the real run's.
        derived = leads.rows["referenceId"].str.startswith("li-")
        leads.rows.loc[derived, "referenceId"] = ""
    rows = mark_duplicates(leads.rows, mapping.dedupe)
    return Prepared(
        table=table,
        leads=LeadFrame(rows=rows, metadata=leads.metadata),
        project_id=project,
        process_id=process,
        region=mapping.default_region,
    )


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Where and how to write the report."""

    path: Path | None = None
    format: str | None = None  # "csv" or "xlsx"; default from the path's suffix, else csv
    mask_pii: bool = False

    def resolve(self, source: str) -> tuple[Path, str]:
        """The report path and format, defaults filled in."""
        fmt = self.format or ("xlsx" if self.path is not None and self.path.suffix.lower() == ".xlsx" else "csv")
        return self.path or default_report_path(source, f".{fmt}"), fmt


def finish(
    prepared: Prepared,
    rows: pd.DataFrame,
    report: ReportOptions,
    *,
    stop_message: str | None = None,
    details: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Write the report (masked if asked) and work out the summary and exit code."""
    table = prepared.table
    path, fmt = report.resolve(table.path)
    summary = summarize(rows)
    frame = report_frame(rows, table.cells)
    if report.mask_pii:
        frame = mask_frame(frame)
        summary = mask_summary(summary)
        stop_message = mask_text(stop_message) if stop_message else None
    if fmt == "xlsx":
        info = [("File", table.path), ("Sheet", table.sheet or "-"), ("Header row", str(table.header_row)), *details]
        info += [("Written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")), ("Data rows", str(summary.total))]
        write_xlsx_report(
            frame, path, field_columns=table.columns, summary=summary, details=info, region=prepared.region
        )
    else:
        write_csv_report(frame, path)
    return Outcome(
        prepared=prepared,
        rows=rows,
        summary=summary,
        report_path=path,
        exit_code=exit_code(summary, stopped=stop_message is not None),
        stop_message=stop_message,
    )


def exit_code(summary: Summary, *, stopped: bool) -> int:
    """0 all good · 1 some rows invalid/rejected · 3 stopped, or rows left pending (resumable)."""
    if stopped or summary.counts.get("pending"):
        return 3
    return 1 if summary.counts.get("invalid") or summary.counts.get("rejected") else 0


def validate(
    path: str | Path,
    mapping: LeadMapping,
    *,
    options: ReadOptions = ReadOptions(),
    report: ReportOptions = ReportOptions(),
    plan: SendPlanSettings = SendPlanSettings(),
    progress: bool = False,
) -> Outcome:
    """The dry run: everything but sending, the report, and the plan for sending."""
    prepared = prepare(path, mapping, options, progress=progress)
    outcome = finish(prepared, prepared.rows, report, details=[("Mapping", mapping.source), ("Mode", "dry run")])
    return replace(outcome, plan=send_plan(int((prepared.rows["status"] == "valid").sum()), plan))


@dataclass(frozen=True, slots=True)
class RunSettings:
    """Everything ``run`` needs beyond the file and mapping."""

    crm: CrmSettings
    rate: RateLimit = DEFAULT_RATE
    send: SendOptions = SendOptions()
    ledger_path: Path | None = None
    retry: RetryPolicy = RetryPolicy()
    command: str = ""


def run_import(
    path: str | Path,
    mapping: LeadMapping,
    settings: RunSettings,
    *,
    options: ReadOptions = ReadOptions(),
    report: ReportOptions = ReportOptions(),
    http: httpx.Client | None = None,
) -> Outcome:
    """The dry run, then every valid row sent to the CRM once; the report says what the CRM answered."""
    prepared = prepare(path, mapping, options, progress=settings.send.progress)
    ledger = Ledger(settings.ledger_path) if settings.ledger_path else None
    try:
        ledger_run = None
        if ledger is not None:
            run_id = ledger.begin_run(
                file=str(Path(path).resolve()),
                fingerprint=file_fingerprint(Path(path)),
                mapping=str(Path(mapping.source).resolve()),
                project_id=settings.crm.project_id,
                process_id=settings.crm.process_id,
                command=settings.command,
            )
            ledger_run = LedgerRun(ledger, run_id)
        limiter = RateLimiter.for_rate(settings.rate)
        with CrmClient(settings.crm, limiter=limiter, http=http, retry=settings.retry) as client:
            sent = send_rows(
                prepared.rows,
                prepared.leads.metadata,
                client,
                project_id=settings.crm.project_id,
                process_id=settings.crm.process_id,
                options=settings.send,
                ledger=ledger_run,
            )
        outcome = finish(
            prepared,
            sent.rows,
            report,
            stop_message=sent.stop_message,
            details=[("Mapping", mapping.source), ("Mode", "import")],
        )
        if ledger_run is not None:
            ledger_run.ledger.end_run(
                ledger_run.run_id,
                counts=outcome.summary.counts,
                outcome={0: "complete", 1: "complete-with-problems"}.get(outcome.exit_code, "stopped"),
                report=str(outcome.report_path),
            )
        return outcome
    finally:
        if ledger is not None:
            ledger.close()


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the same file is recognised under any name."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rewrite_report(record: RunRecord, ledger: Ledger, report: ReportOptions) -> Outcome:
    """Rebuild a run's report: its file read again with its mapping, each sent row's state from the ledger."""
    source = Path(record.file)
    if not source.is_file():
        raise SourceError(f"run {record.run_id} read {source}, which is no longer there; its report cannot be rebuilt.")
    if file_fingerprint(source) != record.fingerprint:
        raise SourceError(f"{source} has changed since run {record.run_id}; its report cannot be rebuilt from it.")
    mapping = load_mapping(record.mapping, project_id=record.project_id, process_id=record.process_id)
    prepared = prepare(source, mapping)
    rows = prepared.rows.copy()
    valid = rows["status"] == "valid"
    known = ledger.lookup(record.project_id, record.process_id, rows.loc[valid, "referenceId"].tolist())
    entries = [_ledger_state(known.get(ref), record.run_id) for ref in rows.loc[valid, "referenceId"]]
    rows["imported_in_run"] = ""
    for i, column in enumerate(("status", "reason", "lead_id", "imported_in_run")):
        rows.loc[valid, column] = [entry[i] for entry in entries]
    return finish(
        prepared, rows, report, details=[("Mapping", mapping.source), ("Mode", f"report of run {record.run_id}")]
    )


def _ledger_state(known: Known | None, run_id: int) -> tuple[str, str, str, str]:
    """(status, reason, lead_id, imported_in_run) of a sent row, as the ledger knows it."""
    if known is None:
        return ("pending", "not in the ledger: no run has sent it", "", "")
    if known.state == "accepted" and known.run_id == run_id:
        return ("accepted", "", known.lead_id or "", "")
    if known.state == "accepted":
        return ("already-imported", "", known.lead_id or "", str(known.run_id))
    if known.state == "rejected":
        return ("rejected", known.message or "rejected by the CRM", "", str(known.run_id))
    return ("pending", f"{known.state} since run {known.run_id}; the next run settles it", "", str(known.run_id))
