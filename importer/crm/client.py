"""The Vox CRM client: rate-limited, retrying, and careful never to store a lead twice.

Requests go through :mod:`importer.crm.transport` (the only user of ``httpx``; its exceptions become
``importer.errors`` ones there) and answers are read by :mod:`importer.crm.reader`. What is retried, what stops the run and what is a lead's own
failure follows the outcome table in ``vox-crm-api.md`` §5. A request that may
have reached the CRM is never sent again blindly: each of its leads is first
looked up with ``GET /leads/get``.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Self

from importer.crm import answers
from importer.crm.dup_budget import DUPLICATE_WINDOW, DuplicateBudget
from importer.crm.limiter import RateLimiter
from importer.crm.reader import _RESUME, MAX_429_PAUSE, Reader
from importer.crm.settings import CrmSettings
from importer.crm.steps import (
    BatchResult,
    Lead,
    LeadOutcome,
    Stop,
    _Answered,
    _Failed,
    _Found,
    _Halted,
    _Retries,
    _Split,
    _Step,
    _Tally,
    _Throttled,
)
from importer.crm.transport import (
    ANSWER_DEADLINE,
    BULK_PATH,
    DEFAULT_TIMEOUT,
    GET_PATH,
    HttpClient,
    Timeout,
    Transport,
    _TransportFailure,
)
from importer.errors import CrmStop, CrmUnreachable, KeyBlocked

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
]

log = logging.getLogger(__name__)

PLAIN_429_PAUSE = 5.0
"""Seconds to hold all traffic after a plain 429 without ``Retry-After`` (doubles each time)."""


SETTLE_WAIT = 10.0
"""Default seconds to wait before looking again for the leads of a failed request of which none was found."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to try a failing request, with exponential backoff and full jitter."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    settle_wait: float = SETTLE_WAIT
    """After a failed request of which no lead is found: seconds to wait before looking again (a CRM may
    still be storing it, or show what it stored only later), before the request is sent again."""

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0 or self.settle_wait < 0:
            raise ValueError("attempts must be at least 1 and delays non-negative")

    def backoff(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(failures - 1, 60))
        return ceiling * rand()


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
    ) -> None:
        self._settings = settings
        self._limiter = limiter
        self._transport = Transport(settings, limiter=limiter, http=http, sleep=sleep, timeout=timeout)
        self._retry = retry
        self._duplicates = DuplicateBudget()
        self._order = _OrderCheck()
        self._reader = Reader(settings, self._transport.redact)

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

    def submit(self, leads: Sequence[Lead], *, before_send: Callable[[], None] | None = None) -> BatchResult:
        """Create ``leads`` in the CRM and report what became of each, by ``referenceId``.

        ``before_send`` is called just before the first request leaves; what it raises ends the call
        with nothing sent.
        """
        refs = [answers.ref(lead) for lead in leads]
        if len(set(refs)) != len(refs):
            raise ValueError("every lead of a batch needs its own referenceId")
        tally = _Tally(redact=self._transport.redact, before_send=before_send)
        if leads:
            self._send(list(leads), tally, resend_unmentioned=True)
        return tally.result(refs)

    def find(self, reference_id: str) -> str | None:
        """The CRM ``_id`` of the lead with ``reference_id`` in the configured process, else None.

        Raises ``CrmStop`` when the CRM refuses, ``CrmUnreachable`` after bounded retries.
        """
        try:
            return self._find(reference_id, _Tally())
        except CrmStop as stop:
            self._transport.refuse(stop)
            raise

    # -- sending ---------------------------------------------------------------

    def _send(self, leads: list[Lead], tally: _Tally, *, resend_unmentioned: bool) -> None:
        """Send ``leads`` in one request, retrying, until each has a place in ``tally``."""
        pending = leads
        retries = _Retries()
        while pending and tally.stop is None:
            step = self._post(pending, tally)
            match step:
                case _Answered(unmentioned):
                    self._settle(self._check_order(pending, tally, list(unmentioned)), tally, resend=resend_unmentioned)
                    return
                case _Split(size):
                    for chunk in _chunks(pending, size):
                        self._send(chunk, tally, resend_unmentioned=resend_unmentioned)
                    return
                case _Halted(stop, landed=True):
                    self._halt(tally, stop, unknown=pending)
                    return
                case _Halted(stop):
                    self._halt(tally, stop, unsent=pending)
                    return
                case _Throttled():
                    blocked = self._throttle(step, retries)
                    if blocked is not None:
                        self._halt(tally, blocked, unsent=pending)
                        return
                case _Failed():
                    pending = self._after_failure(step, pending, retries, tally)
        tally.unsent.update(answers.ref(lead) for lead in pending)

    def _post(self, leads: list[Lead], tally: _Tally) -> _Step:
        """One POST of ``leads`` to the bulk endpoint, read into the next step."""
        body = {"leads": [dict(lead) for lead in leads], "init": self._settings.init}
        self._duplicates.hold(self._transport.pause)  # once duplicates were refused: never enough more to block the key
        refused = tally.duplicate_refusals
        try:
            response = self._transport.request("POST", BULK_PATH, tally, body=body)
        except _TransportFailure as failure:
            return _Failed(failure.reason, landed=failure.landed)
        except (CrmStop, CrmUnreachable) as stop:
            return _Halted(stop, landed=False)
        else:
            return self._reader.read_bulk(response, leads, tally)
        finally:
            self._duplicates.answered(tally.duplicate_refusals - refused)

    def _after_failure(self, failed: _Failed, leads: list[Lead], retries: _Retries, tally: _Tally) -> list[Lead]:
        """Wait, check the leads a failed request may have stored, and return those still to send."""
        failed_at = time.monotonic()
        retries.throttles = 0
        retries.failures += 1
        exhausted = retries.failures >= self._retry.attempts
        log.warning(
            "CRM request for %d leads failed (%s), attempt %d of %d",
            len(leads),
            failed.reason,
            retries.failures,
            self._retry.attempts,
        )
        if failed.landed or not exhausted:
            self._transport.pause(self._retry.backoff(retries.failures))
        if failed.landed:
            stored_before = len(tally.outcomes)
            leads = self._recheck(leads, tally)
            if leads and len(tally.outcomes) > stored_before and not exhausted and tally.stop is None:
                # The CRM processed the request (it stored some of its leads): the others were most likely
                # refused, and a refusal as a duplicate counts toward the key block. Sending them again
                # within the same minute could double that count; wait for the minute to pass, then look
                # them up again (a CRM may show what it stored only after a while).
                wait = DUPLICATE_WINDOW - (time.monotonic() - failed_at)
                if wait > 0:
                    log.warning(
                        "The CRM stored part of a request whose answer was lost; waiting %.0f s before sending "
                        "the other %d leads again, so that any it refused cannot add up to a key block",
                        wait,
                        len(leads),
                    )
                    self._transport.pause(wait)
                if tally.stop is None:
                    leads = self._recheck(leads, tally)
            elif leads and not exhausted and tally.stop is None and self._retry.settle_wait > 0:
                leads = self._look_again(leads, tally)
        if exhausted and leads:
            self._halt(tally, self._unreachable(retries.failures, failed.reason), unsent=leads)
            return []
        return leads

    def _check_order(self, sent: list[Lead], tally: _Tally, unmentioned: list[Lead]) -> list[Lead]:
        """Check that id-only success items came in the order sent (the first and last, for a run's first
        two such answers); when they did not, every lead they placed is looked up for its own _id."""
        placed, tally.in_order = tally.in_order, []
        if not placed or self._order.trusted:
            return unmentioned
        if not self._order.broken:
            for ref in dict.fromkeys((placed[0], placed[-1])):
                try:
                    found = self._find(ref, tally)
                except (CrmStop, CrmUnreachable):
                    return unmentioned  # cannot check now; the run stops anyway
                if found is None:
                    return unmentioned  # not visible yet: no proof either way; a later answer is checked
                if found != tally.outcomes[ref].lead_id:
                    self._order.broken = True
                    log.warning(
                        "The CRM's success items carry only ids and are not in the order sent: each lead is "
                        "looked up for its own id"
                    )
                    break
            else:
                self._order.verified += 1
                self._order.trusted = self._order.verified >= ORDER_CHECKS
                return unmentioned
        for ref in placed:  # the CRM says they are stored: looked up, never sent again
            del tally.outcomes[ref]
            tally.existing.append(ref)
        by_ref = {answers.ref(lead): lead for lead in sent}
        return [*unmentioned, *(by_ref[ref] for ref in placed)]

    def _look_again(self, leads: list[Lead], tally: _Tally) -> list[Lead]:
        """None of a failed request's leads was found: wait, and look up its first, middle and last lead once
        more (a CRM still storing it, or slow to show what it stored); when one is there now, all are looked
        up. Returns the leads still to send; if the run stops meanwhile, the others are placed."""
        log.warning(
            "None of the %d leads of a failed request is in the CRM (yet); looking again in %.0f s before "
            "sending them again",
            len(leads),
            self._retry.settle_wait,
        )
        self._transport.pause(self._retry.settle_wait)
        picked = {answers.ref(lead) for lead in (leads[0], leads[len(leads) // 2], leads[-1])}
        sample = [lead for lead in leads if answers.ref(lead) in picked]
        rest = [lead for lead in leads if answers.ref(lead) not in picked]
        absent = self._recheck(sample, tally)
        if tally.stop is not None:  # the sample is placed; the others may have landed
            tally.unknown.update(answers.ref(lead) for lead in rest)
            return []
        if len(absent) == len(sample):
            return leads  # still nothing: the request did not land
        missing = self._recheck(rest, tally)
        if tally.stop is not None:
            tally.unknown.update(answers.ref(lead) for lead in absent)
            return []
        return [*absent, *missing]

    def _settle(self, unmentioned: list[Lead], tally: _Tally, *, resend: bool) -> None:
        """Look up leads an answer did not mention; resend the absent ones once if allowed."""
        if not unmentioned:
            return
        log.info("The CRM's answer did not mention %d leads; looking them up", len(unmentioned))
        refusals, tally.refusals = tally.refusals, []
        existing, tally.existing = set(tally.existing), []
        duplicates, tally.duplicates = tally.duplicates, {}
        absent = self._recheck(unmentioned, tally)
        for ref, message in duplicates.items():
            if ref not in tally.outcomes:
                # Not found (the duplicate is another lead), or not looked up (the run stopped, often by the
                # block the duplicates caused): the CRM's refusal stands, and the lead is never sent again.
                tally.reject(ref, message)
                tally.unknown.discard(ref)
                tally.unsent.discard(ref)
        absent = [lead for lead in absent if answers.ref(lead) not in duplicates]
        if existing:
            # The CRM says it holds these referenceIds, yet does not find them (yet): never send them again;
            # the next run asks the CRM once more.
            tally.unknown.update(answers.ref(lead) for lead in absent if answers.ref(lead) in existing)
            absent = [lead for lead in absent if answers.ref(lead) not in existing]
        if absent and refusals and tally.stop is None:
            # The CRM refused leads without saying which: the absent ones. Sending them again would only
            # be refused again, and repeated submissions get the API key blocked.
            for lead, message in zip(absent, _attribute(refusals, len(absent)), strict=True):
                tally.reject(answers.ref(lead), message)
            return
        if absent and resend:
            self._send(absent, tally, resend_unmentioned=False)
        else:
            tally.unsent.update(answers.ref(lead) for lead in absent)

    def _recheck(self, leads: list[Lead], tally: _Tally) -> list[Lead]:
        """Record leads the CRM has as accepted and return the absent ones.

        If the run stops meanwhile, absent leads become unsent, unchecked ones
        unknown, and nothing is returned.
        """
        absent: list[Lead] = []
        for index, lead in enumerate(leads):
            try:
                lead_id = self._find(answers.ref(lead), tally)
            except (CrmStop, CrmUnreachable) as stop:
                self._halt(tally, stop, unsent=absent, unknown=leads[index:])
                return []
            if lead_id is None:
                absent.append(lead)
            else:
                tally.accept(answers.ref(lead), lead_id)
        return absent

    def _throttle(self, throttled: _Throttled, retries: _Retries) -> KeyBlocked | None:
        """Hold all traffic after a plain 429; a block once it has happened too often."""
        retries.throttles += 1
        if retries.throttles >= self._retry.attempts:
            return KeyBlocked(
                f"The CRM kept rate-limiting this API key ({retries.throttles} HTTP 429 "
                f"answers in a row). Wait a few minutes, {_RESUME}"
            )
        # Never shorter than our own backoff (vox-crm-api.md §5: at least the 5 s window, growing), so a
        # "Retry-After: 0" does not use up the attempts in a second.
        backoff = min(PLAIN_429_PAUSE * 2.0 ** (retries.throttles - 1), MAX_429_PAUSE)
        pause = max(throttled.retry_after or 0.0, backoff)
        log.warning("The CRM is rate-limiting us (HTTP 429); pausing %.1f s", pause)
        self._limiter.pause(pause)
        self._limiter.slow_down()
        return None

    def _halt(
        self,
        tally: _Tally,
        stop: Stop,
        *,
        unsent: Iterable[Lead] = (),
        unknown: Iterable[Lead] = (),
    ) -> None:
        """Stop the batch (and, for a refusal, the client) and place the given leads."""
        if isinstance(stop, CrmStop):
            self._transport.refuse(stop)
        if tally.stop is None:
            tally.stop = stop
        tally.unsent.update(answers.ref(lead) for lead in unsent)
        tally.unknown.update(answers.ref(lead) for lead in unknown)

    # -- looking up --------------------------------------------------------------

    def _find(self, reference_id: str, tally: _Tally) -> str | None:
        """``find``, counting requests in ``tally``."""
        params = {
            "referenceId": reference_id,
            "projectId": self._settings.project_id,
            "processId": self._settings.process_id,
            "masked": "true",
        }
        retries = _Retries()
        while True:
            try:
                step = self._reader.read_found(
                    self._transport.request("GET", GET_PATH, tally, params=params), reference_id
                )
            except _TransportFailure as failure:
                step = _Failed(failure.reason, landed=False)
            match step:
                case _Found(lead_id):
                    return lead_id
                case _Halted(stop):
                    raise stop
                case _Throttled():
                    blocked = self._throttle(step, retries)
                    if blocked is not None:
                        raise blocked
                case _Failed(reason):
                    retries.throttles = 0
                    retries.failures += 1
                    if retries.failures >= self._retry.attempts:
                        raise self._unreachable(retries.failures, reason)
                    self._transport.pause(self._retry.backoff(retries.failures))

    def _unreachable(self, attempts: int, reason: str) -> CrmUnreachable:
        """The stop for a CRM that kept failing."""
        return CrmUnreachable(
            f"The CRM at {self._transport.redact(self._settings.base_url)} kept failing ({reason}) "
            f"after {attempts} attempts. Check the network and VOX_BASE_URL, {_RESUME}"
        )


ORDER_CHECKS = 2
"""Answers of id-only success items checked by looking up their first and last lead before the order is trusted."""


@dataclass(slots=True)
class _OrderCheck:
    """Whether this CRM answers id-only success items in the order the leads were sent."""

    verified: int = 0
    trusted: bool = False
    broken: bool = False


def _attribute(messages: list[str], leads: int) -> list[str]:
    """A message for each of ``leads`` refused leads, from ``errors[]`` items that named none of them.

    One item per lead: in order (the CRM answers in the order it was sent). Otherwise each gets them all.
    """
    if len(messages) == leads:
        return messages
    joined = "; ".join(dict.fromkeys(messages))
    note = "the CRM refused leads of this batch without saying which"
    return [f"{answers.excerpt(joined)} ({note})"] * leads


def _chunks(leads: list[Lead], size: int) -> Iterator[list[Lead]]:
    """``leads`` in consecutive chunks of at most ``size``."""
    for start in range(0, len(leads), size):
        yield leads[start : start + size]
