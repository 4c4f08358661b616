"""The stages composed: read → map/normalize → dedupe → (send) → report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import httpx
import pandas as pd

from importer.config import LeadMapping
from importer.crm import CrmClient, CrmSettings, RetryPolicy
from importer.ledger import Ledger
from importer.limiter import DEFAULT_RATE, RateLimit, RateLimiter
from importer.submit import LedgerRun, SendOptions, send_rows
from importer.dedupe import mark_duplicates
from importer.leads import LeadFrame, build_leads
from importer.read import ReadOptions, SourceTable, read_source
from importer.report import Summary, default_report_path, report_frame, summarize, write_csv_report


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read, normalized, validated and deduped: what would be sent."""

    table: SourceTable
    leads: LeadFrame
    project_id: str | None
    process_id: str | None

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


def prepare(path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions()) -> Prepared:
    """Read, map, normalize, validate and dedupe a file; nothing is sent."""
    table = read_source(path, mapping, options)
    project, process = mapping.project_id, mapping.process_id
    leads = build_leads(table, mapping, project_id=project or "", process_id=process or "")
    if not (project and process):
        # Without both ids a derived referenceId would differ from the real run's.
        derived = leads.rows["referenceId"].str.startswith("li-")
        leads.rows.loc[derived, "referenceId"] = ""
    rows = mark_duplicates(leads.rows, mapping.dedupe)
    return Prepared(table=table, leads=LeadFrame(rows=rows, metadata=leads.metadata), project_id=project, process_id=process)


def finish(prepared: Prepared, rows: pd.DataFrame, report_path: Path | None, stop_message: str | None = None) -> Outcome:
    """Write the report and work out the summary and exit code."""
    path = report_path or default_report_path(prepared.table.path)
    write_csv_report(report_frame(rows, prepared.table.cells), path)
    summary = summarize(rows)
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
    path: str | Path, mapping: LeadMapping, *, options: ReadOptions = ReadOptions(), report_path: Path | None = None
) -> Outcome:
    """The dry run: everything but sending, and the report."""
    prepared = prepare(path, mapping, options)
    return finish(prepared, prepared.rows, report_path)


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
    report_path: Path | None = None,
    http: httpx.Client | None = None,
) -> Outcome:
    """The dry run, then every valid row sent to the CRM once; the report says what the CRM answered."""
    prepared = prepare(path, mapping, options)
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
        outcome = finish(prepared, sent.rows, report_path, sent.stop_message)
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
