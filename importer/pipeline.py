"""The one composer, read top to bottom: prepare → send (claim = cross-run dedupe + reservation) → finish.

:func:`validate_file` (the dry run) and :func:`import_file` are the library's two verbs; both return an
:class:`Outcome`. :meth:`Outcome.write_report` writes the report where the caller says; ``validate_file(...,
report=...)`` writes it as it validates, a text file then read a chunk of rows at a time (:mod:`importer.chunked`).
"""

from __future__ import annotations

import contextlib
import hashlib
import shlex
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

from importer import arguments
from importer._testing import faults
from importer.chunked import blank_parts, give_back_memory, normalize_stream, normalized, report_parts
from importer.config import LeadMapping, load_mapping, require_ids
from importer.crm.client import SETTLE_WAIT, CrmClient, CrmSettings, HttpClient, RetryPolicy
from importer.crm.dup_budget import DuplicateBudget
from importer.crm.limiter import DEFAULT_RATE, RateLimit, RateLimiter
from importer.dedupe import KeyHashes, mark_duplicates
from importer.errors import ConfigError, LedgerError, SourceError, StopKind
from importer.ledger.opening import default_ledger_path
from importer.ledger.runs import RunRecord
from importer.ledger.store import Known, Ledger
from importer.normalize.leads import LeadFrame
from importer.read.source import ReadOptions, SourceTable, read_source
from importer.read.stream import NotStreamable, TextStream, open_stream, reopen
from importer.report.mask import mask_frame, mask_text
from importer.report.rows import (
    Summary,
    label_rows,
    mask_summary,
    report_columns,
    report_frame,
    summarize,
    write_csv_parts,
)
from importer.report.target import report_target
from importer.send.gc_pause import fewer_collections
from importer.send.malloc_arenas import bound_heap_growth
from importer.send.pending import PendingKind
from importer.send.plan import SendPlan, SendPlanSettings, send_plan
from importer.send.preview import preview_with_ledger
from importer.send.submit import LedgerRun, Progress, SendOptions, send_rows
from importer.text_columns import TextColumns

DEFAULT_BASE_URL = "https://crm.uservox.ai/api/v1"
"""The production Vox CRM API (the vendor's reference, ``docs/crm-contract.md``)."""

__all__ = [
    "DEFAULT_BASE_URL",
    "Outcome",
    "Prepared",
    "Progress",
    "exit_code",
    "import_file",
    "prepare",
    "rebuild_report",
    "report_target",
    "validate_file",
]


class _DefaultLedger:
    """The ``ledger=`` default of :func:`import_file`: ``$LEADIMPORT_LEDGER``, else the per-user ledger."""

    def __repr__(self) -> str:
        return "DEFAULT_LEDGER"


DEFAULT_LEDGER = _DefaultLedger()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read, normalized, validated and deduped: what would be sent."""

    table: SourceTable
    leads: LeadFrame
    project_id: str | None
    process_id: str | None
    region: str | None = None
    stream: TextStream | None = None
    """A text file read a chunk at a time: ``table.cells`` holds no rows; the report reads them again."""

    @property
    def rows(self) -> pd.DataFrame:
        return self.leads.rows


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a validation or an import did: every row's status, the summary, and the exit code."""

    prepared: Prepared
    rows: pd.DataFrame
    summary: Summary
    stop_message: str | None = None
    plan: SendPlan | None = None
    run_id: int | None = None
    """The ledger's id of this import (``leadimport show RUN_ID``); None for a dry run or without a ledger."""
    ledger_path: Path | None = None
    ledger_created: bool = False
    """Whether this import created the ledger (of several started at once on a new one, only one did)."""
    details: tuple[tuple[str, str], ...] = ()
    """Lines for the XLSX report's summary sheet (mapping, mode)."""
    stop_kind: StopKind | None = None
    """Why the import stopped early, as data (None when it did not stop): a key block, an auth failure, ..."""
    blocked_until: datetime | None = None
    """With ``stop_kind`` KEY_BLOCKED: when the block can have lifted (UTC), when the CRM said or implied it."""
    report_path: Path | None = None
    """Where the report was written during validation (``validate_file(..., report=...)``), else None."""
    pending: frozenset[PendingKind] = frozenset()
    """Why the rows left pending are so, as data (the reasons say it in words); empty when none is."""

    @property
    def table(self) -> SourceTable:
        return self.prepared.table

    @property
    def exit_code(self) -> int:
        """0 all good · 1 some rows invalid or rejected · 3 stopped by the CRM or the network, or rows pending.

        An interrupt that came when every row already had its answer stopped nothing: the run counts as finished.
        """
        return exit_code(self.summary, stopped=self.stop_message is not None and not self.interrupted_at_the_end)

    @property
    def interrupted_at_the_end(self) -> bool:
        """Ctrl-C or SIGTERM came after every row had its answer (none is pending)."""
        return self.stop_kind is StopKind.INTERRUPTED and not self.summary.counts.get("pending")

    def masked(self) -> Outcome:
        """The same outcome with phones and emails masked in the summary and the stop message."""
        stop = mask_text(self.stop_message) if self.stop_message else None
        return replace(self, summary=mask_summary(self.summary), stop_message=stop)

    def write_report(
        self,
        path: str | Path | None = None,
        *,
        format: str | None = None,
        mask_pii: bool = False,
        sheet_cells: bool = True,
    ) -> Path:
        """Write the per-row report (CSV or XLSX, from ``format`` or the path's suffix) and return its path.

        The default path is ``<input>.report.csv`` beside the input. An import's ledger records where it went.
        A streamed file's cells are read again for the report: :class:`SourceChanged` when the file changed since
        it was read. ``sheet_cells=False`` then writes every row's outcome and lead with the sheet's own columns
        left blank.
        """
        target, fmt = report_target(self.table.path, path, format)
        summary = mask_summary(self.summary) if mask_pii else self.summary
        frames = (self._report_part(rows, cells, mask_pii) for rows, cells in self._parts(sheet_cells))
        if fmt == "csv" and not mask_pii and not self.table.row_sheets:  # the sheet's columns never made a frame
            write_csv_parts((report_columns(rows, cells) for rows, cells in self._parts(sheet_cells)), target)
        elif fmt == "xlsx":
            from importer.report.xlsx import write_xlsx_report  # openpyxl loads only when an XLSX is written

            parts = list(frames)
            frame = pd.concat(parts) if len(parts) > 1 else parts[0]
            table = self.table
            info = [("File", table.path), ("Sheet", table.sheet or "-"), ("Header row", str(table.header_row))]
            info += [*self.details, ("Written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))]
            info += [("Data rows", str(summary.total))]
            write_xlsx_report(
                frame, target, field_columns=table.columns, summary=summary, details=info, region=self.prepared.region
            )
        else:
            write_csv_parts(frames, target)
        if self.run_id is not None and self.ledger_path is not None:
            with Ledger(self.ledger_path) as ledger:
                ledger.note_report(self.run_id, str(target.resolve()))
        return target

    def _parts(self, sheet_cells: bool = True) -> Iterator[tuple[pd.DataFrame, TextColumns]]:
        if not sheet_cells:
            return blank_parts(self.rows, self.table.names)
        return report_parts(self.rows, self.table, self.prepared.stream)

    def _report_part(self, rows: pd.DataFrame, cells: TextColumns, mask_pii: bool) -> pd.DataFrame:
        """The report's rows for ``rows`` beside the sheet's ``cells``."""
        frame = report_frame(rows, cells.frame())
        if self.table.row_sheets:
            frame = label_rows(frame, self.table.row_label)
        if mask_pii:
            frame = mask_frame(frame, **_contact_columns(self.table, frame))
        return frame


def _contact_columns(table: SourceTable, frame: pd.DataFrame) -> dict[str, list[str]]:
    """The report's columns holding the cells the leads' phones and emails were read from (a sheet column
    renamed in the report, ``email (sheet)``, included)."""
    found: dict[str, list[str]] = {"phone_columns": [], "email_columns": []}
    for target, key in (("phone", "phone_columns"), ("email", "email_columns")):
        headers = [table.columns[target]] if target in table.columns else []
        headers += list(table.alternates.get(target, ()))
        for header in headers:
            name = header
            while name in frame.columns:
                found[key].append(name)
                name = f"{name} (sheet)"
    return found


def exit_code(summary: Summary, *, stopped: bool) -> int:
    """0 all good · 1 some rows invalid/rejected · 3 stopped by the CRM or the network, or rows left pending.

    A key block is 3 even when it came after every row's answer (docs/design.md): the key is unusable for an hour.
    """
    if stopped or summary.counts.get("pending"):
        return 3
    return 1 if summary.counts.get("invalid") or summary.counts.get("rejected") else 0


def prepare(
    path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions(), *, progress: Progress | None = None
) -> Prepared:
    """Read, map, normalize, validate and dedupe a file; nothing is sent."""
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    if progress:
        progress("reading", 0, size)
    table = read_source(path, mapping, options)
    if progress:
        progress("reading", size, size)
        progress("validating", 0, table.n_rows)
    leads = normalized(table, mapping)
    if progress:
        progress("validating", table.n_rows, table.n_rows)
    return _deduped(table, leads, mapping)


def prepare_streamed(
    path: str | Path,
    mapping: LeadMapping,
    options: ReadOptions = ReadOptions(),
    *,
    progress: Progress | None = None,
    keep_metadata: bool = True,
) -> Prepared:
    """:func:`prepare` a chunk of rows at a time for a text file (its cells are not kept: the report reads
    them again), else for the whole file at once. The rows, the summary and the report are the same."""
    try:
        stream = open_stream(path, mapping, options)
        if progress:
            progress("reading", 0, stream.size)
        try:
            table, leads, hashes = normalize_stream(stream, mapping, keep_metadata=keep_metadata, progress=progress)
        except NotStreamable:  # not UTF-8 after all, rows of other widths, line breaks in cells: read another way
            stream = reopen(stream, mapping, options)
            table, leads, hashes = normalize_stream(stream, mapping, keep_metadata=keep_metadata, progress=progress)
    except NotStreamable:  # a header beyond the opening megabytes, a file changed meanwhile: read whole
        return prepare(path, mapping, options, progress=progress)
    if progress:
        progress("reading", stream.size, stream.size)
        progress("validating", len(leads.rows), len(leads.rows))
    return replace(_deduped(table, leads, mapping, hashes), stream=stream)


def _deduped(table: SourceTable, leads: LeadFrame, mapping: LeadMapping, hashes: KeyHashes | None = None) -> Prepared:
    project, process = mapping.project_id, mapping.process_id
    hashes = hashes if hashes is not None else {}  # taken apart as dedupe uses them: their memory is freed
    if not (project and process):
        # Without both ids a derived referenceId would differ from the real run's.
        derived = leads.rows["referenceId"].str.startswith("li-")
        if derived.any():
            leads.rows.loc[derived, "referenceId"] = ""
            hashes.pop("referenceId", None)  # hashed before the derived ones were blanked
    rows = mark_duplicates(leads.rows, mapping.dedupe, hashes)
    del hashes
    give_back_memory()  # reading and dedupe leave much memory free but still mapped
    return Prepared(
        table=table,
        leads=LeadFrame(rows=rows, meta=leads.meta),
        project_id=project,
        process_id=process,
        region=mapping.default_region,
    )


def validate_file(
    path: str | Path,
    mapping: LeadMapping | str | Path,
    *,
    read: ReadOptions = ReadOptions(),
    plan: SendPlanSettings = SendPlanSettings(),
    ledger: str | Path | None = None,
    progress: Progress | None = None,
    report: str | Path | None = None,
    report_format: str | None = None,
    mask_pii: bool = False,
) -> Outcome:
    """The dry run: read, map, normalize, validate and dedupe ``path``; nothing is sent.

    With ``ledger`` (a ledger file that exists; read only, never created or written) rows earlier runs
    imported are ``already-imported``, those the CRM refused for good ``rejected``, and the send plan counts
    only what ``run`` would send.

    With ``report`` (a path, as for :meth:`Outcome.write_report`) the report is written too, and a CSV or TSV
    file is read a chunk of rows at a time, so that memory does not grow with the file: the outcome then keeps
    every row's outcome (``rows``) but not the sheet's cells (``table.cells`` holds no rows).
    """
    path, lead_mapping, ledger = arguments.dry_run(
        path, mapping, ledger=ledger, progress=progress, read=read, plan=plan, report=report
    )
    target, fmt = report_target(path, report, report_format) if report is not None else (None, None)
    if target is not None and fmt == "csv":
        prepared = prepare_streamed(path, lead_mapping, read, progress=progress, keep_metadata=ledger is not None)
    else:
        prepared = prepare(path, lead_mapping, read, progress=progress)
    rows = prepared.rows
    opened = Ledger.open_read_only(Path(ledger)) if ledger is not None else None
    used: Path | None = None
    if opened is not None:
        with opened:
            if prepared.project_id and prepared.process_id:
                rows = preview_with_ledger(
                    rows,
                    prepared.leads.meta,
                    opened,
                    project_id=prepared.project_id,
                    process_id=prepared.process_id,
                )
                used = opened.path
    outcome = Outcome(
        prepared=prepared,
        rows=rows,
        summary=summarize(rows),
        plan=send_plan(int((rows["status"] == "valid").sum()), plan),
        ledger_path=used,
        details=(("Mapping", lead_mapping.source), ("Mode", "dry run")),
    )
    if target is None:
        return outcome
    give_back_memory()  # what the summary's counting left, before the report reads the file again
    return replace(outcome, report_path=outcome.write_report(target, format=fmt, mask_pii=mask_pii))


def import_file(
    path: str | Path,
    mapping: LeadMapping | str | Path,
    *,
    token: str,
    base_url: str = DEFAULT_BASE_URL,
    ledger: str | Path | _DefaultLedger | None = DEFAULT_LEDGER,
    http: HttpClient | None = None,
    progress: Progress | None = None,
    read: ReadOptions = ReadOptions(),
    send: SendOptions = SendOptions(),
    rate: RateLimit = DEFAULT_RATE,
    retry: RetryPolicy | None = None,
    command: str = "",
    tune_gc: bool = False,
    insecure_http: bool = False,
    new_ledger: bool = False,
    streamed: bool = False,
    prepared: Prepared | None = None,
) -> Outcome:
    """Validate ``path``, then send every valid row to the CRM exactly once; the outcome says what it answered.

    The ledger (on unless ``ledger=None``) records every lead sent, so a rerun resumes an interrupted import
    and never sends a lead twice. ``tune_gc`` freezes the prepared sheet out of Python's garbage collector while
    sending (faster for large sheets) and bounds glibc's heap growth meanwhile (two arenas, large buffers
    mapped each time); it changes the process, so the CLI asks for it and a library caller may not.
    ``insecure_http`` allows an ``http://`` base_url to another machine (the token then crosses the network
    unencrypted); ``new_ledger`` lets an existing empty ledger file (0 bytes) start anew, which is otherwise
    refused: a truncated ledger taken for a new one would send every lead again. ``streamed`` reads a text
    file a chunk at a time and keeps none of its cells while sending (a million rows then take some 150 MB
    less): the report reads the file again (:class:`SourceChanged` if the file changed meanwhile, and
    ``write_report(..., sheet_cells=False)`` writes it with the sheet's own columns blank). The CLI asks for it; a
    caller that puts other cells in the outcome's table (the web page's edits) must not. ``prepared``: ``path``
    read already by :func:`prepare` with this mapping and ``read`` (in another process, say); it is not read again.
    """
    path, lead_mapping, token = arguments.sending(
        path, mapping, token=token, base_url=base_url, progress=progress, read=read, send=send, rate=rate, http=http
    )
    project, process = require_ids(lead_mapping)
    crm = CrmSettings(
        base_url=base_url,
        token=token,
        project_id=project,
        process_id=process,
        init=lead_mapping.init,
        insecure_http=insecure_http,
    )
    ledger_path = default_ledger_path() if isinstance(ledger, _DefaultLedger) else arguments.ledger_file(ledger)
    # a failed request none of whose leads is found is looked at again after this long, at most 10 s
    retry = retry or RetryPolicy(settle_wait=min(send.inflight_grace, SETTLE_WAIT), outage=send.outage_wait)
    if prepared is None:
        reader = prepare_streamed if streamed else prepare
        prepared = reader(path, lead_mapping, read, progress=progress)
    details = (("Mapping", lead_mapping.source), ("Mode", "import"))
    with fewer_collections() if tune_gc else contextlib.nullcontext(), _opened(ledger_path, new=new_ledger) as opened:
        run = _begin(opened, path, lead_mapping, crm, command)
        if tune_gc:
            bound_heap_growth()  # the sending threads' buffers would otherwise keep hundreds of MB resident
        guard = send.duplicates or DuplicateBudget(rule=send.duplicate_rule)
        with CrmClient(crm, limiter=RateLimiter.for_rate(rate), http=http, retry=retry, duplicates=guard) as client:
            sent = send_rows(
                prepared.rows,
                prepared.leads.meta,
                client,
                project_id=project,
                process_id=process,
                options=replace(send, progress=progress) if progress else send,
                ledger=run,
            )
            if progress:
                progress("finishing", 0, None)  # every answer is recorded: what is left is the summary and the report
            faults.reach("finishing")
        give_back_memory()  # what sending held (payloads, answers) before the report is built
        outcome = Outcome(
            prepared=prepared,
            rows=sent.rows,
            summary=summarize(sent.rows),
            stop_message=sent.stop_message,
            stop_kind=sent.stop_kind,
            blocked_until=datetime.fromtimestamp(sent.blocked_until, UTC) if sent.blocked_until is not None else None,
            pending=sent.pending,
            run_id=run.run_id if run else None,
            ledger_path=ledger_path,
            ledger_created=opened is not None and opened.created,
            details=details,
        )
        return _end(run, outcome)


@contextlib.contextmanager
def _opened(path: Path | None, *, new: bool = False) -> Iterator[Ledger | None]:
    if path is None:
        yield None
        return
    with Ledger(path, new=new) as ledger:
        yield ledger


def _begin(
    ledger: Ledger | None, path: str | Path, mapping: LeadMapping, crm: CrmSettings, command: str
) -> LedgerRun | None:
    """The run recorded in the ledger (None without one)."""
    if ledger is None:
        return None
    run_id = ledger.begin_run(
        file=str(Path(path).resolve()),
        fingerprint=file_fingerprint(Path(path)),
        mapping=str(Path(mapping.source).resolve()),
        project_id=crm.project_id,
        process_id=crm.process_id,
        command=command,
    )
    return LedgerRun(ledger, run_id)


def _end(run: LedgerRun | None, outcome: Outcome) -> Outcome:
    """The run sealed and its end recorded; a ledger failure now makes the outcome resumable (exit 3)."""
    if run is None:
        return outcome
    try:
        run.ledger.end_run(
            run.run_id,
            counts=outcome.summary.counts,
            outcome={0: "complete", 1: "complete-with-problems"}.get(outcome.exit_code, "stopped"),
            report=None,
        )
    except LedgerError as exc:  # the leads are sent: not "nothing sent"
        return replace(
            outcome,
            stop_message=(
                f"{exc} The rows were sent as the report says; once the ledger is fixed, run the "
                "same command: it checks with the CRM before sending anything again."
            ),
            stop_kind=StopKind.LEDGER,
        )
    return outcome


def file_fingerprint(path: Path) -> str:
    """SHA-256 of the file's bytes: the same file is recognised under any name."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def rebuild_report(run_id: int, ledger: Ledger | str | Path) -> Outcome:
    """A run's outcome rebuilt: its file read again with its mapping, each sent row's state from the ledger (an
    open :class:`Ledger`, or a ledger file's path, then opened for reading only)."""
    if not isinstance(ledger, Ledger):
        path = arguments.ledger_file(ledger)
        if path is None:
            raise ConfigError(
                f"run {run_id} is rebuilt from the ledger that recorded it: give it (a path or a Ledger)."
            )
        opened = Ledger.open_read_only(path)
        if opened is None:
            raise ConfigError(f"there is no ledger at {path}, so no run {run_id} (see leadimport history).")
        with opened:
            return rebuild_report(run_id, opened)
    record = ledger.run(run_id)
    if record is None:
        raise ConfigError(f"run {run_id} is not in the ledger {ledger.path} (see leadimport history).")
    source = Path(record.file)
    if not source.is_file():
        from importer.ledger.drops import moved_file  # a watched file moved on from processing/

        source = moved_file(ledger, record.file) or source
    if not source.is_file():
        raise SourceError(f"run {run_id} read {source}, which is no longer there; its report cannot be rebuilt.")
    if file_fingerprint(source) != record.fingerprint:
        raise SourceError(f"{source} has changed since run {run_id}; its report cannot be rebuilt from it.")
    mapping = load_mapping(record.mapping, project_id=record.project_id, process_id=record.process_id)
    prepared = prepare(source, mapping, ReadOptions(all_sheets="--all-sheets" in shlex.split(record.command)))
    rows = _ledger_states(prepared.rows, record, ledger)
    return Outcome(
        prepared=prepared,
        rows=rows,
        summary=summarize(rows),
        details=(("Mapping", mapping.source), ("Mode", f"report of run {run_id}")),
    )


def _ledger_states(rows: pd.DataFrame, record: RunRecord, ledger: Ledger) -> pd.DataFrame:
    """The rows with each valid one's state as this run left it: what it sent and what the CRM answered it,
    leads earlier runs had imported, and pending for what it did not settle (even if a later run did)."""
    rows = rows.copy()
    valid = rows["status"] == "valid"
    refs = rows.loc[valid, "referenceId"].tolist()
    known = ledger.lookup(record.project_id, record.process_id, refs)
    mine = {str(lead["reference_id"]): lead for lead in ledger.leads_of_run(record.run_id)}
    entries = [_ledger_state(known.get(ref), mine.get(ref), record.run_id) for ref in refs]
    rows["imported_in_run"] = ""
    for i, column in enumerate(("status", "reason", "lead_id", "imported_in_run")):
        rows.loc[valid, column] = [entry[i] for entry in entries]
    return rows


def _ledger_state(known: Known | None, mine: dict[str, object] | None, run_id: int) -> tuple[str, str, str, str]:
    """(status, reason, lead_id, imported_in_run) of a sent row in the report of run ``run_id``."""
    if mine is not None:
        state, lead_id = str(mine["state"]), str(mine["lead_id"] or "")
        if state == "accepted":
            return ("accepted", "", lead_id, "")
        if state == "rejected":
            return ("rejected", str(mine["message"] or "rejected by the CRM"), "", "")
        if state == "in-flight":
            return ("pending", f"in flight when run {run_id} stopped; the next run checks it with the CRM", "", "")
        return ("pending", f"not sent: run {run_id} stopped before this row", "", "")
    if known is not None and known.run_id < run_id and known.state == "accepted":
        return ("already-imported", "", known.lead_id or "", str(known.run_id))
    if known is not None and known.run_id < run_id and known.state == "rejected":
        return ("rejected", known.message or "rejected by the CRM", "", str(known.run_id))
    if known is not None and known.run_id > run_id:
        later = {"accepted": "imported", "rejected": "sent"}.get(known.state, "claimed")
        return ("pending", f"not settled by run {run_id}; run {known.run_id} {later} it later", "", "")
    if known is None:
        return ("pending", "not in the ledger: no run has sent it", "", "")
    return ("pending", f"{known.state} since run {known.run_id}; the next run settles it", "", str(known.run_id))
