"""`leadimport run`: the dry run, then sending under the ledger; and rebuilding a run's report."""

from __future__ import annotations

import contextlib
import hashlib
import threading
from dataclasses import dataclass, replace
from pathlib import Path

import httpx
import pandas as pd

from importer.cli.runtime import fewer_collections
from importer.config import LeadMapping, load_mapping
from importer.crm.client import CrmClient, CrmSettings, RetryPolicy
from importer.crm.limiter import DEFAULT_RATE, RateLimit, RateLimiter
from importer.errors import LedgerError, SourceError
from importer.ledger.store import Known, Ledger, RunRecord
from importer.pipeline import Outcome, Prepared, ReportOptions, exit_code, finish, prepare
from importer.read.source import ReadOptions
from importer.report.rows import summarize
from importer.send.submit import LedgerRun, SendOptions, send_rows


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
    with fewer_collections():
        return _send_prepared(path, mapping, settings, prepared, report, http)


def _send_prepared(
    path: str | Path,
    mapping: LeadMapping,
    settings: RunSettings,
    prepared: Prepared,
    report: ReportOptions,
    http: httpx.Client | None,
) -> Outcome:
    """Every valid row of the prepared sheet sent once, the report written and the run recorded."""
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
        sealing = _seal_meanwhile(ledger_run)
        try:
            outcome = finish(
                prepared,
                sent.rows,
                report,
                stop_message=sent.stop_message,
                details=[("Mapping", mapping.source), ("Mode", "import")],
            )
        except SourceError as exc:  # the report cannot be written (disk full, no access): the leads are sent
            outcome = _unreported(prepared, sent.rows, report, exc, ledger_run)
        finally:
            if sealing is not None:
                sealing.join()
        if ledger_run is not None:
            try:
                ledger_run.ledger.end_run(
                    ledger_run.run_id,
                    counts=outcome.summary.counts,
                    outcome={0: "complete", 1: "complete-with-problems"}.get(
                        exit_code(outcome.summary, stopped=sent.stop_message is not None), "stopped"
                    ),
                    report=str(outcome.report_path) if outcome.report_written else None,
                )
            except LedgerError as exc:  # the leads are sent and the report written: not "nothing sent"
                outcome = replace(
                    outcome,
                    exit_code=3,
                    stop_message=(
                        f"{exc} The rows above were sent as the report says; once the ledger is fixed, run the "
                        "same command: it checks with the CRM before sending anything again."
                    ),
                )
        return outcome
    finally:
        if ledger is not None:
            ledger.close()


def _seal_meanwhile(ledger_run: LedgerRun | None) -> threading.Thread | None:
    """Seal the run's settled batches in a thread while the report is written (nothing is sent any more).

    A failure there is left for :meth:`Ledger.end_run`, which seals whatever is still open and says what
    went wrong.
    """
    if ledger_run is None:
        return None

    def seal() -> None:
        with contextlib.suppress(LedgerError):
            ledger_run.ledger.seal_settled(ledger_run.run_id)

    thread = threading.Thread(target=seal, name="leadimport-seal")
    thread.start()
    return thread


def _unreported(
    prepared: Prepared, rows: pd.DataFrame, report: ReportOptions, error: SourceError, ledger_run: LedgerRun | None
) -> Outcome:
    """The outcome of a run whose rows were sent but whose report could not be written (exit 3)."""
    rebuild = f" Rebuild it with `leadimport show {ledger_run.run_id} --report PATH`." if ledger_run is not None else ""
    return Outcome(
        prepared=prepared,
        rows=rows,
        summary=summarize(rows),
        report_path=report.resolve(prepared.table.path)[0],
        exit_code=3,
        stop_message=f"{error} The rows were sent as the counts above say; only the report is missing.{rebuild}",
        report_written=False,
    )


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
