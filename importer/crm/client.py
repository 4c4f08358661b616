"""The Vox CRM client: rate-limited, retrying, and careful never to store a lead twice.

``CrmClient`` composes three parts: :mod:`importer.crm.transport` sends each request (the only user of
``httpx``), :mod:`importer.crm.reader` reads its answer into the next step, and
:mod:`importer.crm.recovery` looks up the leads a failed or partial answer leaves open and decides
which are sent again. What is retried, what stops the run and what is a lead's own failure follows the
outcome table in ``docs/crm-contract.md`` §5. A request that may have reached the CRM is never sent again
blindly: each of its leads is first looked up with ``GET /leads/get``.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Self

from importer.crm import answers
from importer.crm.dup_budget import DUPLICATE_WINDOW, DuplicateBudget, Reservation
from importer.crm.limiter import RateLimiter
from importer.crm.reader import Reader, is_called_phone
from importer.crm.recovery import SETTLE_WAIT, Recovery, RetryPolicy
from importer.crm.settings import CrmSettings
from importer.crm.steps import (
    Answered,
    BatchResult,
    Failed,
    Halted,
    Lead,
    LeadOutcome,
    Retries,
    Split,
    Step,
    Tally,
    Throttled,
)
from importer.crm.transport import (
    ANSWER_DEADLINE,
    BULK_PATH,
    DEFAULT_TIMEOUT,
    HttpClient,
    Timeout,
    Transport,
    TransportFailure,
    encode_json,
)
from importer.errors import ClientBug, CrmStop, CrmUnreachable, KeyBlocked

__all__ = [
    "ANSWER_DEADLINE",
    "DUPLICATE_WINDOW",
    "SETTLE_WAIT",
    "BatchResult",
    "CrmClient",
    "CrmSettings",
    "HttpClient",
    "LeadOutcome",
    "RetryPolicy",
    "is_called_phone",
]

log = logging.getLogger(__name__)


class CrmClient:
    """Submits leads to the Vox CRM and looks them up; safe to share between threads.

    Once the CRM refuses the run (a ``CrmStop``: key blocked, auth failed, ...),
    the client sends nothing more: later calls fail at once with the same stop.
    """

    def __init__(
        self,
        settings: CrmSettings,
        *,
        limiter: RateLimiter,
        http: HttpClient | None = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        timeout: Timeout = DEFAULT_TIMEOUT,
        duplicates: DuplicateBudget | None = None,
    ) -> None:
        self._settings = settings
        self._transport = Transport(settings, limiter=limiter, http=http, sleep=sleep, timeout=timeout)
        self._reader = Reader(settings, self._transport.redact)
        self._reader.longest_down = max(self._reader.longest_down, retry.outage)
        self._recovery = Recovery(settings, self._transport, self._reader, retry=retry, limiter=limiter)
        self._duplicates = duplicates if duplicates is not None else DuplicateBudget()
        self._recovery.duplicate_window = self._duplicates.rule.window
        self._limit: int | None = None
        """The most leads a request may carry, once the CRM said so: later batches go in chunks that size."""

    @property
    def duplicates(self) -> DuplicateBudget:
        """The duplicate guard every request of this client goes through."""
        return self._duplicates

    @property
    def throttled(self) -> tuple[int, float]:
        """Plain 429s the CRM answered so far, and the seconds paused for them in all."""
        return self._recovery.throttled

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections (only those of an HTTP client this object created)."""
        self._transport.close()

    def stop_sending(self) -> None:
        """Ctrl-C or SIGTERM: no request starts any more (retries and backoffs end early); answers under way
        are still read. Leads whose request may have landed stay unknown, the others unsent."""
        self._transport.stop_sending()

    def submit(
        self,
        leads: Sequence[Lead],
        *,
        before_send: Callable[[], None] | None = None,
        reservation: Reservation | None = None,
    ) -> BatchResult:
        """Create ``leads`` in the CRM and report what became of each, by ``referenceId``.

        ``before_send`` is called just before the first request leaves; what it raises ends the call
        with nothing sent. ``reservation``: room in the duplicate budget taken for the first request.
        """
        refs = [answers.ref(lead) for lead in leads]
        if len(set(refs)) != len(refs):
            raise ValueError("every lead of a batch needs its own referenceId")
        tally = Tally(redact=self._transport.redact, before_send=before_send, reservation=reservation)
        try:
            limit = self._limit
            for chunk in _chunks(list(leads), limit or len(leads) or 1):
                self._send(chunk, tally, resend_unmentioned=True)
        finally:
            if reservation is not None:
                self._duplicates.release(reservation)  # no request was made with it
        return tally.result(refs)

    def find(self, reference_id: str) -> str | None:
        """The CRM ``_id`` of the lead with ``reference_id`` in the configured process, else None.

        Raises ``CrmStop`` when the CRM refuses, ``CrmUnreachable`` after bounded retries.
        """
        try:
            return self._recovery.find(reference_id, Tally())
        except CrmStop as stop:
            self._transport.refuse(stop)
            raise

    # -- sending ---------------------------------------------------------------

    def _send(self, leads: list[Lead], tally: Tally, *, resend_unmentioned: bool) -> None:
        """Send ``leads`` in one request, retrying, until each has a place in ``tally``."""
        pending = leads
        retries = Retries()
        body, encoded = b"", None  # the request body, encoded once for every attempt with the same leads
        while pending and tally.stop is None:
            if encoded is not pending:
                body, encoded = self._body(pending), pending
            step = self._post(pending, body, tally)
            match step:
                case Answered(unmentioned, unread, later):
                    left_out = 0  # leads left out and then not found, beyond the refusals naming none
                    try:
                        if later:  # processed after the answer: give the CRM the settle wait before looking
                            self._transport.pause(self._recovery.retry.settle_wait)
                        to_look_up = self._recovery.check_order(pending, tally, list(unmentioned))
                        # Leads of a request the CRM processes later and that are not there yet are not sent
                        # again (each would be a duplicate once processed): they stay unconfirmed, for the next run.
                        again, left_out = self._recovery.settle(
                            to_look_up,
                            tally,
                            resend=resend_unmentioned and not later,
                            plain=not later and unread is None,
                        )
                    finally:
                        self._duplicates.settled(len(unmentioned), left_out)
                    if again:
                        self._send(again, tally, resend_unmentioned=False)
                    elif unread is not None and not resend_unmentioned and tally.stop is None:
                        self._not_the_crm(pending, tally, unread)
                    return
                case Split(size, limit):
                    if limit is not None:
                        self._limit = min(limit, self._limit or limit)
                    rejected = sum(1 for outcome in tally.outcomes.values() if outcome.state == "rejected")
                    for chunk in _chunks(pending, size):
                        self._send(chunk, tally, resend_unmentioned=resend_unmentioned)
                    if limit is None and 1 < size < len(pending) and tally.stop is None:
                        self._learn_limit(size, rejected, tally)
                    return
                case Halted(stop, landed=True):
                    self._recovery.halt(tally, stop, unknown=pending)
                    return
                case Halted(stop):
                    self._recovery.halt(tally, stop, unsent=pending)
                    return
                case Throttled():
                    blocked = self._recovery.throttle(step, retries)
                    if blocked is not None:
                        self._recovery.halt(tally, blocked, unsent=pending)
                        return
                case Failed(landed=landed):
                    sent, requests = pending, tally.requests - 1  # with the request that failed
                    pending = self._recovery.after_failure(step, pending, retries, tally)
                    if step.refused_for_now:
                        tally.outage_requests += tally.requests - requests
                    if landed:
                        tally.note_looked_up(map(answers.ref, sent), map(answers.ref, pending))
                    if landed and tally.stop is None:
                        pending = self._probe(pending, tally)
        tally.unsent.update(answers.ref(lead) for lead in pending)

    def _learn_limit(self, size: int, rejected: int, tally: Tally) -> None:
        """A batch refused whole, sent in halves of ``size``, of which the CRM refused no lead: the size was the
        problem (a cap said in words no pattern knows), so later requests carry at most ``size`` leads rather
        than be refused and halved again each time. ``rejected``: the leads refused before the halves went."""
        if sum(1 for outcome in tally.outcomes.values() if outcome.state == "rejected") == rejected:
            self._limit = min(size, self._limit or size)
            log.info("The CRM refused a request as a whole and took its halves: sending at most %d leads at once", size)

    def _not_the_crm(self, leads: list[Lead], tally: Tally, unread: str) -> None:
        """A request sent again was answered once more with a 2xx that is not JSON: when none of its leads is in
        the CRM, something else answers (a proxy's or a login page), and the run stops rather than send every
        batch twice into it; its leads stay unconfirmed."""
        if any(answers.ref(lead) in tally.outcomes for lead in leads):
            return
        self._recovery.halt(
            tally,
            ClientBug(
                f"The CRM answered twice with a page that is not its API's answer ({unread!r}), and stored none "
                f"of the leads sent. Check that VOX_BASE_URL ({self._transport.redact(self._settings.base_url)}) "
                "points at the CRM API and that no proxy or sign-in page stands in between, then run the same "
                "command again."
            ),
        )

    def _probe(self, leads: list[Lead], tally: Tally) -> list[Lead]:
        """Before sending again the leads of a request that may have landed but none of which is found, send a
        few of them alone; return those that may then go in one request.

        The CRM may still be storing the lost request (it answered after our timeout, or shows what it stored
        only later): sent again whole, each of its leads would be one more duplicate submission, and more than
        the limit within the window block the key for an hour. A probe no larger than the limit cannot block
        it. Answered plainly (one request, no duplicate refusal), the lost request did not store these leads,
        and the rest go; otherwise the rest are looked up again after a while, and the absent ones probed
        again. When the rounds run out, the leads still absent stay unknown: the next run asks the CRM first.
        """
        for _ in range(self._recovery.retry.attempts):
            size = self._duplicates.sure_room()
            if len(leads) <= size or tally.stop is not None:
                return leads
            probe, leads = leads[:size], leads[size:]
            requests, outage, refused = tally.requests, tally.outage_requests, tally.duplicate_refusals
            self._send(probe, tally, resend_unmentioned=False)
            # Plain: one request answered with no duplicate refusal (besides 503s of an outage and their checks).
            extra = tally.outage_requests - outage
            plain = tally.requests - extra == requests + 1 and tally.duplicate_refusals == refused
            if tally.stop is not None:  # the others may still have landed: the next run asks the CRM first
                tally.unknown.update(answers.ref(lead) for lead in leads)
                return []
            if plain and all(answers.ref(lead) in tally.outcomes for lead in probe):
                return leads
            log.warning(
                "%d leads of a request whose answer was lost, sent again alone, were not plainly stored (the CRM "
                "may still be storing that request): looking up the other %d before sending any of them again",
                len(probe),
                len(leads),
            )
            leads = self._recovery.look_up_late(leads, tally)
        tally.unknown.update(answers.ref(lead) for lead in leads)
        return []

    def _body(self, leads: list[Lead]) -> bytes:
        """The bulk endpoint's request body for ``leads``."""
        objects = [lead if type(lead) is dict else dict(lead) for lead in leads]
        return encode_json({"leads": objects, "init": self._settings.init})

    def _post(self, leads: list[Lead], body: bytes, tally: Tally) -> Step:
        """One POST of ``leads`` (encoded in ``body``) to the bulk endpoint, read into the next step."""
        reservation, tally.reservation = tally.reservation, None
        self._duplicates.hold(len(leads), self._transport.pause, reservation)  # never enough duplicates to block
        refused = tally.duplicate_refusals
        # Leads sent again after a request that may have stored them: each may be refused as a duplicate of
        # itself, and when this answer is lost too, nothing says whether it was (see ``answered`` below).
        maybe_refused = sum(1 for lead in leads if answers.ref(lead) in tally.unseen) if tally.unseen else 0
        step: Step | None = None
        try:
            response = self._transport.request("POST", BULK_PATH, tally, content=body)
        except TransportFailure as failure:
            step = Failed(failure.reason, landed=failure.landed)
            return step
        except (CrmStop, CrmUnreachable) as stop:
            return Halted(stop, landed=False)
        else:
            step = self._reader.read_bulk(response, leads, tally)
            if not (isinstance(step, Failed) and (step.unavailable or step.gateway)):  # a deploy goes on
                self._recovery.answered()
            if isinstance(step, Halted) and isinstance(step.stop, KeyBlocked):
                self._duplicates.blocked()
            return step
        finally:
            duplicates = tally.duplicate_refusals - refused
            if isinstance(step, Failed) and step.landed:
                # Counted as refused until the window passes: sent once more within it, they could block the key.
                # So after a 503 too: a gateway says it (Heroku's request timeout, Envoy's upstream reset) after
                # passing the request on, and the CRM may have stored it.
                duplicates = max(duplicates, maybe_refused)
            # Leads the answer left out stay out in the guard until looked up: each may be a silent refusal.
            unsettled = len(step.unmentioned) if isinstance(step, Answered) else 0
            self._duplicates.answered(len(leads), duplicates, counted=isinstance(step, Answered), unsettled=unsettled)


def _chunks(leads: list[Lead], size: int) -> Iterator[list[Lead]]:
    """``leads`` in consecutive chunks of at most ``size``."""
    for start in range(0, len(leads), size):
        yield leads[start : start + size]
