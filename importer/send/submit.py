"""Sending valid rows to the CRM in concurrent batches, under the ledger's exactly-once protocol.

Per batch, in one of the sending threads: claim its leads in the ledger (written
``in-flight`` and committed), send, then commit each lead's outcome. Claiming in the
sending threads keeps the ledger's work out of the way of the batches already in flight.
Leads of an earlier, interrupted run that are still ``in-flight`` are looked up in the
CRM before anything else is sent.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import math
import signal
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from importer._testing import faults
from importer.crm.client import BatchResult, CrmClient, LeadOutcome, is_called_phone
from importer.crm.dup_budget import DuplicateBudget, DuplicateRule, GuardStats, Reservation
from importer.crm.recovery import OUTAGE_WAIT
from importer.errors import ConfigError, KeyBlocked, LeadImportError, LedgerError, StopKind
from importer.ledger.matching import PayloadHashes
from importer.ledger.store import Known, LeadKey, Ledger
from importer.send.batches import Batch, Batches, LeadSource, SheetRows, ValidRows, payload_hashes_of
from importer.send.pending import ANOTHER_RUN, NOT_SENT, PendingKind
from importer.send.plan import MAX_BATCH
from importer.send.reconcile import Reconcile
from importer.text_columns import TextColumns

log = logging.getLogger(__name__)

Progress = Callable[[str, int, "int | None"], None]
"""``progress(stage, done, total)``: how far a stage (``reading``, ``validating``, ``sending`` …) has come."""

SEAL_EVERY = 50
"""Batches recorded between two seals of the run's settled batches in the ledger (``Ledger.seal_settled``):
a run of a million leads then keeps a few batches in memory, not every lead it sent."""

INFLIGHT_GRACE = 120.0
"""The client's request timeout: no request of leadimport runs longer, so nor does the CRM's work on it."""


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send: leads per request, requests in flight, progress bar."""

    batch_size: int = MAX_BATCH
    concurrency: int = 8
    progress: Progress | None = None
    inflight_grace: float = INFLIGHT_GRACE
    """Seconds after which a request of an interrupted run surely no longer runs at the CRM."""
    outage_wait: float = OUTAGE_WAIT
    """Seconds a CRM that says it is unavailable for now (maintenance: 503) is waited out before the run
    stops (0: a few tries only)."""
    duplicate_rule: DuplicateRule = DuplicateRule()
    """The CRM's duplicate block the sending stays under (more than 5 duplicate submissions in 60 s)."""
    duplicates: DuplicateBudget | None = None
    """A duplicate budget shared with other imports over the same API key (a watcher's files): its probe and
    ramp-up happen once, not per file. None: the import makes its own (from ``duplicate_rule``)."""

    def __post_init__(self) -> None:
        for name in ("inflight_grace", "outage_wait"):  # (a wait of inf or nan would be no wait, or never end)
            seconds = getattr(self, name)
            if not isinstance(seconds, int | float) or not 0 <= seconds < math.inf:
                raise ConfigError(
                    f"SendOptions({name}=...) takes a finite number of seconds, 0 or more; got {seconds!r}."
                )


@dataclass(frozen=True, slots=True)
class LedgerRun:
    """The ledger and this run's id in it."""

    ledger: Ledger
    run_id: int


@dataclass(frozen=True, slots=True)
class SendResult:
    """Rows with their final statuses, and why sending stopped early (if it did)."""

    rows: pd.DataFrame
    stop_message: str | None
    requests: int
    guard: GuardStats | None = None
    """What the duplicate guard did (how much it paced the run)."""
    stop_kind: StopKind | None = None
    """Why sending stopped (None: it did not stop)."""
    blocked_until: float | None = None
    """When a key block can have lifted (epoch seconds), when the CRM blocked the key and said or implied how long."""
    pending: frozenset[PendingKind] = frozenset()
    """Why the rows left pending are so (empty when none is)."""


def send_rows(
    rows: pd.DataFrame,
    metadata: pd.DataFrame | TextColumns,
    client: CrmClient,
    *,
    project_id: str,
    process_id: str,
    options: SendOptions = SendOptions(),
    ledger: LedgerRun | None = None,
) -> SendResult:
    """Send every ``valid`` row once; each ends accepted, rejected, already-imported or pending."""
    positions = np.flatnonzero((rows["status"] == "valid").to_numpy())
    # The valid rows' leads are built from ``rows`` a batch at a time, in the thread that sends the batch:
    # a copy of them all would hold every column of the sheet twice for the whole send.
    state = SheetRows(rows, positions)
    sender = _Sender(client, state, project_id, process_id, options, ledger)
    before = client.duplicates.stats()  # a budget shared with other imports has counted theirs already
    try:
        if ledger is not None:
            sender.recall_guard()
            sender.reconcile()
        if sender.stop is None:
            sender.hashes = functools.partial(
                payload_hashes_of,
                ValidRows(rows, positions),
                metadata=metadata,
                project_id=project_id,
                process_id=process_id,
            )
            source = LeadSource(
                rows, metadata, positions, project_id=project_id, process_id=process_id, keys=ledger is not None
            )
            sender.send(Batches(source))
    finally:
        sender.close_progress()
        if ledger is not None:
            sender.keep_guard()
        guard = client.duplicates.stats().since(before)
        _say_how_it_went(client, guard)
    unsent = state.left()
    if unsent and ledger is not None:
        sender.show_known(unsent)  # rows an earlier run settled say so, even when this run sent nothing
    for at in unsent.values():
        if state.status[at] == "valid":
            state.pend(at, PendingKind.NOT_SENT, NOT_SENT)
    return SendResult(
        rows=state.frame(rows),
        stop_message=sender.stop,
        requests=sender.requests,
        guard=guard,
        stop_kind=sender.stop_kind,
        blocked_until=sender.blocked_until,
        pending=state.pending_kinds(),
    )


def _say_how_it_went(client: CrmClient, guard: GuardStats) -> None:
    """One line each for the CRM's rate limiting and the duplicate guard's pacing, instead of a line per event."""
    throttled, waited = client.throttled
    if throttled:
        log.warning(
            "The CRM rate-limited %d requests (HTTP 429); they waited %.0f s in all and were sent again",
            throttled,
            waited,
        )
    paced = guard.describe()
    if paced:
        log.warning("%s", paced)


class _NotSent(Exception):
    """A batch's claim failed: none of its leads was sent."""

    def __init__(self, error: LedgerError) -> None:
        super().__init__(str(error))
        self.error = error


class _Unrecorded(Exception):
    """The CRM answered a batch but its outcomes could not be written to the ledger."""

    def __init__(self, error: LedgerError, where: dict[str, int]) -> None:
        super().__init__(str(error))
        self.error, self.where = error, where


_NOTHING = BatchResult(outcomes={}, unsent=(), unknown=(), stop=None, requests=0)

Span = tuple[int, int]
"""A batch's valid rows: the ``start``-th to the ``stop``-th (see :class:`Batches`)."""
Sent = tuple[BatchResult, dict[str, int]]
"""What became of a batch's leads, and where each of its rows is (referenceId → row position)."""


class _Sender:
    def __init__(
        self,
        client: CrmClient,
        state: SheetRows,
        project_id: str,
        process_id: str,
        options: SendOptions,
        ledger: LedgerRun | None,
    ) -> None:
        self.client, self.state, self.options, self.ledger = client, state, options, ledger
        self.project_id, self.process_id = project_id, process_id
        self.stop: str | None = None
        self.stop_kind: StopKind | None = None
        self.blocked_until: float | None = None
        self.requests = 0
        self.hashes: PayloadHashes | None = None
        """Works out the payload hashes the ledger asks for."""
        self.left_out: dict[str, int] = {}
        """referenceId → runs whose CRM answers left the lead out (neither stored nor refused), this one included."""
        self.notes: dict[str, str] = {}
        """referenceId → what an accepted row's reason says about how it was sent."""
        self._sent, self._total = 0, len(state)
        self._recorded = itertools.count(1)
        self._bar_lock = threading.Lock()
        if options.progress:
            options.progress("sending", 0, self._total)

    def close_progress(self) -> None:
        if self.options.progress:
            self.options.progress("sent", self._sent, self._total)

    def reconcile(self) -> None:
        """Settle leads interrupted runs left in flight (:mod:`importer.send.reconcile`)."""
        assert self.ledger is not None
        Reconcile(
            self.client,
            self.ledger.ledger,
            self.ledger.run_id,
            self.project_id,
            self.process_id,
            grace=self.options.inflight_grace,
            concurrency=self.options.concurrency,
            progress=self.options.progress,
            holds=self.state.holds,
            stopped=lambda: self.stop is not None,
            stop_for=self._stop_for,
            stop_on=self._stop_on,
        ).run()

    def send(self, batches: Batches) -> None:
        """Claim, send and record batch after batch, several at once."""
        size = max(1, min(self.options.batch_size, MAX_BATCH))
        budget = self.client.duplicates
        concurrency = max(1, self.options.concurrency)
        source = batches.source
        in_flight: dict[Future[Sent], Span] = {}
        # This thread only counts rows out to the sending threads and settles what they bring back: each
        # sending thread builds and claims its own batch, so a batch is ready when the rate allows a request.
        with ThreadPoolExecutor(max_workers=concurrency) as pool:
            try:
                while True:
                    while self.stop is None and len(in_flight) < concurrency and batches.left:
                        # As many leads as the duplicate guard lets out now: a probe first, more as answers come.
                        room = budget.take(size)
                        if room is None:
                            break
                        span = batches.take(room.leads)
                        in_flight[pool.submit(self._batch, source, span, room)] = span
                    more = self.stop is None and batches.left
                    if not in_flight:
                        if not more:
                            return
                        pause = budget.wait_hint()
                        if pause is None:  # the room is taken by requests of other imports sharing the budget
                            budget.wait_for_answer(0.1)
                            continue
                        budget.note_wait(pause)
                        time.sleep(pause)
                        continue
                    timeout = budget.wait_hint() if more and len(in_flight) < concurrency else None
                    done, _ = wait(in_flight, timeout=timeout, return_when=FIRST_COMPLETED)
                    for future in done:
                        self._settle(source, in_flight.pop(future), future)
            except KeyboardInterrupt:
                # the interrupt is what the run says, whatever came before
                self.stop, self.stop_kind, self.blocked_until = None, None, None
                self._stop_on(
                    "interrupted: requests already sent were waited for and recorded; run the same command to send "
                    "the rest.",
                    StopKind.INTERRUPTED,
                )
                self.client.stop_sending()  # batches retrying or backing off start no further request
            with _interrupts_ignored():  # a second Ctrl-C must not lose the answers being recorded
                for future in list(in_flight):
                    self._settle(source, in_flight.pop(future), future)

    def _batch(self, source: LeadSource, span: Span, room: Reservation) -> Sent:
        """Build one batch, claim it, send what was claimed and commit the outcomes (in a sending thread)."""
        try:
            if self.stop is not None:
                where = source.where(*span)
                return BatchResult(outcomes={}, unsent=tuple(where), unknown=(), stop=None, requests=0), where
            batch = source.build(*span)
            try:
                to_send, batch_id = self._claim(batch)
            except LedgerError as exc:
                raise _NotSent(exc) from exc
            faults.reach("after-claim")
            return (self._submit(to_send, batch_id, room, batch.where) if to_send else _NOTHING), batch.where
        finally:
            self.client.duplicates.release(room)  # unless a request was made with it

    def _submit(
        self, leads: list[dict[str, object]], batch_id: int | None, room: Reservation, where: dict[str, int]
    ) -> BatchResult:
        """Send one batch (noting in the ledger when it leaves) and commit its outcomes."""
        ledger = self.ledger
        mark = None if ledger is None or batch_id is None else functools.partial(self._mark_sent, ledger, batch_id)
        try:
            result = self.client.submit(leads, before_send=mark, reservation=room)
        except LedgerError as exc:  # from the mark: the batch did not leave
            raise _NotSent(exc) from exc
        faults.reach("after-answer")
        if self.ledger is not None:
            try:
                result = self._refused_silently(result)
                self.ledger.ledger.record(
                    self.ledger.run_id,
                    [(ref, o.state, o.lead_id, o.message) for ref, o in result.outcomes.items()],
                    hashes=self.hashes,
                )
                if result.unsent:
                    self.ledger.ledger.release(self.ledger.run_id, list(result.unsent))
                self._note_called(leads, result)
            except LedgerError as exc:
                raise _Unrecorded(exc, {str(x["referenceId"]): where[str(x["referenceId"])] for x in leads}) from exc
            faults.reach("after-record")
            if next(self._recorded) % SEAL_EVERY == 0:
                with contextlib.suppress(LedgerError):  # only memory is at stake: the run ends by sealing anyway
                    self.ledger.ledger.seal_settled(self.ledger.run_id)
        return result

    def _refused_silently(self, result: BatchResult) -> BatchResult:
        """Count the run in the ledger for each lead the CRM's answers left out and does not have; a lead so left
        out in :data:`UNANSWERED_RUNS` runs is taken as refused (rejected, not sent again), so that a CRM that
        drops a lead without a word does not leave it pending, and a scheduled job unfinished, for ever."""
        assert self.ledger is not None
        if not result.unanswered:
            return result
        ledger, run_id = self.ledger.ledger, self.ledger.run_id
        left_out = ledger.note_unanswered(run_id, self.project_id, self.process_id, result.unanswered)
        self.left_out.update({ref: len(left.runs) for ref, left in left_out.items()})
        refused = {ref: left.runs for ref, left in left_out.items() if len(left.runs) >= UNANSWERED_RUNS}
        if not refused:
            return result
        outcomes = dict(result.outcomes)
        for ref, runs in refused.items():
            outcomes[ref] = LeadOutcome(ref, "rejected", message=UNANSWERED.format(runs=", ".join(map(str, runs))))
        unknown = tuple(ref for ref in result.unknown if ref not in refused)
        unanswered = tuple(ref for ref in result.unanswered if ref not in refused)
        return replace(result, outcomes=outcomes, unknown=unknown, unanswered=unanswered)

    def _note_called(self, leads: list[dict[str, object]], result: BatchResult) -> None:
        """Keep the phones the CRM refused as already called: no later run sends them again."""
        assert self.ledger is not None
        refused = [
            (ref, o.message or "")
            for ref, o in result.outcomes.items()
            if o.state == "rejected" and is_called_phone(o.message or "")
        ]
        if not refused:
            return
        phones = {str(lead["referenceId"]): str(lead.get("phone") or "") for lead in leads}
        called = [(phones[ref], message) for ref, message in refused if phones.get(ref)]
        self.ledger.ledger.note_called_phones(self.ledger.run_id, self.project_id, called)

    def recall_guard(self) -> None:
        """Start the duplicate guard from what earlier runs into the project learned."""
        assert self.ledger is not None
        budget = self.client.duplicates
        if budget.learned:  # shared, and taught by an earlier import already
            return
        with contextlib.suppress(LedgerError):  # without it the guard starts cautiously, which is safe
            budget.learn(self.ledger.ledger.duplicate_memory(self.project_id), once=True)

    def keep_guard(self) -> None:
        """Keep what the duplicate guard learned for the next run into the project."""
        assert self.ledger is not None
        with contextlib.suppress(LedgerError):
            self.ledger.ledger.keep_duplicate_memory(self.project_id, self.client.duplicates.memory())

    @staticmethod
    def _mark_sent(ledger: LedgerRun, batch_id: int) -> None:
        ledger.ledger.mark_sent(ledger.run_id, batch_id)
        faults.reach("before-request")

    def _claim(self, batch: Batch) -> tuple[list[dict[str, object]], int | None]:
        """The leads of the batch this run may send now, and the ledger's number for them."""
        if self.ledger is None:
            return batch.leads, None
        leads, keys = self._without_called(batch)
        if not keys:
            return [], None
        claim = self.ledger.ledger.claim(self.ledger.run_id, self.project_id, self.process_id, keys, hashes=self.hashes)
        if claim.known:
            by_row = {k.sheet_row: k.reference_id for k in keys}
            for sheet_row, known in claim.known.items():
                self._apply_known(batch.where[by_row[sheet_row]], known)
        self._progress(len(keys) - len(claim.claimed))
        if claim.without_email:
            leads = [_without_email(lead) if lead["referenceId"] in claim.without_email else lead for lead in leads]
            for ref in claim.without_email:
                self.notes[ref] = OTHERS_EMAIL
        if len(claim.claimed) == len(leads):
            return leads, claim.batch_id
        claimed = {k.reference_id for k in claim.claimed}
        return [lead for lead in leads if lead["referenceId"] in claimed], claim.batch_id

    def _without_called(self, batch: Batch) -> tuple[list[dict[str, object]], list[LeadKey]]:
        """The batch without leads whose phone the CRM refused as already called in an earlier run: each
        of those is rejected again without being sent (or already-imported, when the ledger has it so)."""
        assert self.ledger is not None
        leads, keys, where = batch.leads, batch.keys, batch.where
        called = self.ledger.ledger.called_phones(self.project_id, [k.phone for k in keys])
        if not called:
            return leads, keys
        held = {k.reference_id: called[k.phone] for k in keys if k.phone in called}
        known = self.ledger.ledger.lookup(self.project_id, self.process_id, list(held))
        for ref, (message, run) in held.items():
            entry = known.get(ref)
            if entry is not None and entry.state == "accepted":
                self._apply_known(where[ref], entry)
            else:
                self.state.set(
                    where[ref], "rejected", reason=f"{message} (refused in run {run}; not sent again)", run=run
                )
        self._progress(len(held))
        return (
            [lead for lead in leads if lead["referenceId"] not in held],
            [k for k in keys if k.reference_id not in held],
        )

    def _progress(self, leads: int) -> None:
        if self.options.progress is None:
            return
        with self._bar_lock:
            self._sent += leads
            self.options.progress("sending", self._sent, self._total)

    def _apply_known(self, at: int, known: Known) -> None:
        """Give the row at position ``at`` the state the ledger holds for its lead."""
        assert self.ledger is not None
        if known.state == "accepted" and known.run_id == self.ledger.run_id:
            # confirmed by this run's own reconciliation of an interrupted run
            self.state.set(at, "accepted", lead_id=known.lead_id)
        elif known.state == "accepted":
            reason = "" if known.lead_id else NO_LEAD_ID
            self.state.set(at, "already-imported", reason=reason, lead_id=known.lead_id, run=known.run_id)
        elif known.state == "rejected":
            self.state.set(
                at, "rejected", reason=known.message or "rejected by the CRM in an earlier run", run=known.run_id
            )
        elif known.run_id == self.ledger.run_id:  # adopted from an interrupted run, not settled by this one
            self.state.pend(at, PendingKind.UNCONFIRMED, self._unconfirmed())
        elif known.owner_alive:
            self.state.pend(at, PendingKind.ANOTHER_RUN, ANOTHER_RUN.format(run=known.run_id))
        else:
            self.state.pend(
                at,
                PendingKind.INTERRUPTED_RUN,
                f"sent by interrupted run {known.run_id}; the next run checks it with the CRM",
            )

    def _settle(self, source: LeadSource, span: Span, future: Future[Sent]) -> None:
        state = self.state
        try:
            result, where = future.result()
        except _NotSent as exc:
            for at in source.where(*span).values():
                state.pend(at, PendingKind.NOT_SENT, NOT_SENT)
            self._stop_for_ledger(exc.error)
            return
        except _Unrecorded as exc:
            for at in exc.where.values():
                state.pend(at, PendingKind.UNCONFIRMED, self._unconfirmed())
            self._stop_for_ledger(exc.error)
            return
        except Exception as exc:  # a bug must not lose the record of what was sent
            for at in source.where(*span).values():
                if state.status[at] == "valid":
                    state.pend(at, PendingKind.UNCONFIRMED, self._unconfirmed())
            self._stop_on(f"sending failed unexpectedly ({type(exc).__name__}: {exc})", StopKind.UNEXPECTED)
            return
        self.requests += result.requests
        notes = self.notes
        accepted: list[int] = []
        lead_ids: list[str | None] = []
        for ref, outcome in result.outcomes.items():
            if outcome.state == "accepted" and ref not in notes and outcome.lead_id:
                accepted.append(where[ref])
                lead_ids.append(outcome.lead_id)
            elif outcome.state == "accepted":
                reason = "; ".join(filter(None, (notes.get(ref), None if outcome.lead_id else NO_LEAD_ID)))
                state.set(where[ref], "accepted", reason=reason, lead_id=outcome.lead_id)
            else:
                state.set(where[ref], "rejected", reason=outcome.message or "rejected by the CRM")
        if accepted:
            state.accept(accepted, lead_ids)
        for ref in result.unsent:
            state.pend(where[ref], PendingKind.NOT_SENT, NOT_SENT)
        for ref in result.unknown:
            times = self.left_out.get(ref)
            reason = self._unconfirmed() if times is None else LEFT_OUT.format(times=times, limit=UNANSWERED_RUNS)
            state.pend(where[ref], PendingKind.UNCONFIRMED, reason)
        self._progress(len(result.outcomes) + len(result.unsent) + len(result.unknown))
        if result.stop is not None:
            self._stop_for(result.stop)

    def show_known(self, rows: dict[str, int]) -> None:
        """Give rows this run never claimed (referenceId → row position) the state the ledger holds for them
        (accepted earlier, ...)."""
        assert self.ledger is not None
        try:
            known = self.ledger.ledger.lookup(self.project_id, self.process_id, list(rows))
        except LedgerError:
            return  # the rows stay "not sent"; the stop message already says what is wrong with the ledger
        for ref, entry in known.items():
            if ref in rows:
                self._apply_known(rows[ref], entry)

    def _unconfirmed(self) -> str:
        """Why a lead whose request may have reached the CRM is pending."""
        if self.ledger is None:
            return (
                "unconfirmed: it may be in the CRM; without a ledger (--no-ledger) check there before sending it again"
            )
        return "unconfirmed: the next run checks it with the CRM before sending"

    def _stop_for_ledger(self, error: LedgerError) -> None:
        self._stop_on(
            f"{error} Nothing more was sent; once the ledger is fixed, run the same command to resume.", StopKind.LEDGER
        )

    def _stop_for(self, error: LeadImportError) -> None:
        """Stop for an error the CRM client raised or recorded (the first stop is the one the run reports)."""
        if self.stop is None and isinstance(error, KeyBlocked):
            self.blocked_until = error.until
        self._stop_on(str(error), error.stop_kind)

    def _stop_on(self, message: str, kind: StopKind) -> None:
        if self.stop is None:
            self.stop, self.stop_kind = message, kind


NO_LEAD_ID = "the CRM's answer gave no lead id: find the lead in the CRM by its referenceId"

UNANSWERED_RUNS = 3
"""Runs whose CRM answers left a lead out (each after sending it twice and looking it up) before it counts as
refused: one such run may be a CRM slow to show what it stored, three are a CRM that drops the lead."""
LEFT_OUT = (
    "unconfirmed: the CRM's answer left it out (neither accepted nor refused) and it is not found there; the next "
    "run checks it with the CRM first ({times} of {limit} such runs before it counts as refused)"
)
UNANSWERED = (
    "not stored by the CRM: its answers left this lead out (neither accepted nor refused) in runs {runs}, and "
    "looking it up found nothing; not sent again. Check the lead with the CRM's support; a changed row is sent "
    "again"
)

OTHERS_EMAIL = "sent without its email: an earlier lead with another phone has that address"


def _without_email(lead: dict[str, object]) -> dict[str, object]:
    return {key: value for key, value in lead.items() if key != "email"}


@contextlib.contextmanager
def _interrupts_ignored() -> Iterator[None]:
    """Ctrl-C and SIGTERM ignored meanwhile (main thread only; elsewhere nothing changes)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
