"""Recovery from answers that leave leads open: looking them up, and deciding what to send again.

A request that may have reached the CRM is never sent again blindly: each of its leads is first looked
up with ``GET /leads/get`` (``docs/crm-contract.md`` §5). Leads the CRM stored are accepted with their ``_id``;
only those surely absent are returned to be sent again. A stop (a key block, a refusal, a CRM that keeps
failing) ends the batch and, for a refusal, every later request.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace

from importer.crm import answers
from importer.crm.dup_budget import DUPLICATE_WINDOW
from importer.crm.limiter import RateLimiter
from importer.crm.reader import _RESUME, MAX_429_PAUSE, Reader
from importer.crm.settings import CrmSettings
from importer.crm.steps import Failed, Found, Halted, Lead, Retries, Stop, Tally, Throttled
from importer.crm.transport import GET_PATH, Transport, TransportFailure
from importer.errors import CrmStop, CrmUnreachable, KeyBlocked

log = logging.getLogger(__name__)

PLAIN_429_PAUSE = 5.0
"""Seconds to hold all traffic after a plain 429 without ``Retry-After`` (doubles each time)."""


OUTAGE_WAIT = 600.0
"""Default seconds a CRM unavailable for now (maintenance, a deploy) is waited out before the run stops."""
OUTAGE_STEPS = 20
"""Once the usual attempts are spent, an outage is tried again every ``outage / OUTAGE_STEPS`` seconds."""

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
    outage: float = OUTAGE_WAIT
    """How long a CRM that answers it is unavailable for now (503, or a 5xx asking for a wait: down for
    maintenance, a deploy) is waited out, in all, before the run stops (0: only ``attempts`` tries)."""

    def __post_init__(self) -> None:
        if self.attempts < 1 or min(self.base_delay, self.max_delay, self.settle_wait, self.outage) < 0:
            raise ValueError("attempts must be at least 1 and delays non-negative")

    def backoff(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(failures - 1, 60))
        return ceiling * rand()


ORDER_CHECKS = 2
"""Answers of id-only success items checked by looking up their first and last lead before the order is trusted."""


@dataclass(slots=True)
class _OrderCheck:
    """Whether this CRM answers id-only success items in the order the leads were sent."""

    verified: int = 0
    trusted: bool = False
    broken: bool = False
    ids_seen: set[str] = field(default_factory=set)
    """The ids of the first and last lead of each such answer: an answer giving one again is a replay."""
    lock: threading.Lock = field(default_factory=threading.Lock)


@dataclass(slots=True)
class _Outage:
    """A CRM unavailable for now: since when (monotonic), and, per thread, the seconds it waited for it so far.

    The bound is measured on the clock, or by a thread's own waits if they say more (a sleep that does not
    pass the clock's time, in tests); never by all threads' waits added up, which pass at the same time."""

    since: float | None = None
    epoch: int = 0
    """Which outage of the run this is: a thread's count of waits belongs to one."""
    mine: threading.local = field(default_factory=threading.local)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spent(self, now: float) -> float:
        """Seconds of this outage spent so far, as the calling thread can tell; starts one if none is under way."""
        with self.lock:
            if self.since is None:
                self.since, self.epoch = now, self.epoch + 1
            since, epoch = self.since, self.epoch
        mine = self.mine
        if getattr(mine, "epoch", None) != epoch:
            mine.epoch, mine.waited = epoch, 0.0
        return max(float(mine.waited), now - since)

    def waiting(self, seconds: float) -> None:
        """The calling thread waits ``seconds`` more for the CRM to come back."""
        self.mine.waited += seconds


class Recovery:
    """Looks up the leads of failed or partly answered requests and decides which to send again.

    Shared by the threads of one client: the check of the CRM's answer order is learned once per client.
    """

    def __init__(
        self, settings: CrmSettings, transport: Transport, reader: Reader, *, retry: RetryPolicy, limiter: RateLimiter
    ) -> None:
        self._settings = settings
        self._transport = transport
        self.duplicate_window = DUPLICATE_WINDOW
        """The CRM's duplicate window (the client sets its guard's): a partly stored request's others wait it out."""
        self._throttle_lock = threading.Lock()
        self._throttles: list[float] = [0, 0.0]
        self._reader = reader
        self.retry = retry
        self._limiter = limiter
        self._order = _OrderCheck()
        self._outage = _Outage()

    def after_failure(self, failed: Failed, leads: list[Lead], retries: Retries, tally: Tally) -> list[Lead]:
        """Wait, check the leads a failed request may have stored, and return those still to send."""
        failed_at = self._limiter.clock()
        retries.throttles = 0
        retries.failures += 1
        if not self._waits_out(failed):
            log.warning(
                "CRM request for %d leads failed (%s), attempt %d of %d",
                len(leads),
                failed.reason,
                retries.failures,
                self.retry.attempts,
            )
        wait = self._next_wait(failed, retries.failures)
        exhausted = wait is None
        if failed.landed or not exhausted:
            self._transport.pause(wait if wait is not None else self.retry.backoff(retries.failures))
        if failed.landed:
            stored_before = len(tally.outcomes)
            # A 503 says the CRM could not handle the request: a sample of its leads tells whether it did anyway.
            leads = self._sampled(leads, tally) if failed.refused_for_now else self._recheck(leads, tally)
            if leads and len(tally.outcomes) > stored_before and not exhausted and tally.stop is None:
                # The CRM processed the request (it stored some of its leads): the others were most likely
                # refused, and a refusal as a duplicate counts toward the key block. Sending them again
                # within the same minute could double that count; wait for the minute to pass, then look
                # them up again (a CRM may show what it stored only after a while).
                wait = self.duplicate_window - (self._limiter.clock() - failed_at)
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
            elif leads and not exhausted and tally.stop is None and self.retry.settle_wait > 0:
                leads = self._look_again(leads, tally)  # a 503 too: a gateway's, the CRM may still be storing it
        if exhausted and leads:
            self.halt(tally, self._unreachable(retries.failures, failed), unsent=leads)
            return []
        return leads

    def _waits_out(self, failed: Failed) -> bool:
        """Whether ``failed`` says the CRM is unavailable for now, and the policy waits such an outage out."""
        return failed.unavailable and self.retry.outage > 0

    def _next_wait(self, failed: Failed, failures: int) -> float | None:
        """Seconds to wait before trying again after the ``failures``-th failure in a row; None: give up. A CRM
        unavailable for now (maintenance, a deploy) is waited out within ``RetryPolicy.outage``, shared by every
        request and lookup; other failures get ``attempts`` tries."""
        if self._waits_out(failed):
            return self._outage_wait(failed, failures)
        if failures >= self.retry.attempts:
            return None
        return max(self.retry.backoff(failures), failed.retry_after or 0.0)

    def _outage_wait(self, failed: Failed, failures: int) -> float | None:
        """The next wait of an outage (its ``Retry-After``, else a growing backoff, then steps of a twentieth of
        the bound), said in the progress output; None once the bound is spent, or when the CRM asks to come
        back after it."""
        left = self.retry.outage - self._outage.spent(self._limiter.clock())
        asked = failed.retry_after or 0.0
        if left <= 0 or asked > left:
            return None
        step = self.retry.backoff(failures) if failures < self.retry.attempts else self.retry.outage / OUTAGE_STEPS
        wait = min(max(asked, step), left)
        self._outage.waiting(wait)
        if wait >= 1 or failures == 1:
            log.warning(
                "The CRM is unavailable (%s); trying again in %s (waiting up to %s for it to come back, %s left)",
                failed.reason,
                _seconds(wait),
                _seconds(self.retry.outage),
                _seconds(left - wait),
            )
        return wait

    def answered(self) -> None:
        """The CRM answered a send (not that it is unavailable): an outage, if there was one, is over. A lookup
        answered is not enough: an endpoint that takes leads may stay down while lookups work."""
        if self._outage.since is not None:
            with self._outage.lock:
                self._outage.since = None

    def check_order(self, sent: list[Lead], tally: Tally, unmentioned: list[Lead]) -> list[Lead]:
        """Check the leads an answer of id-only success items placed by position (``tally.in_order``); return the
        leads to look up: ``unmentioned``, and the placed ones whose ids are not proven theirs.

        An id-only item proves nothing of which lead it is, nor that it is this request's: a run's first two such
        answers are checked by looking up their first and last lead (a CRM that answers in another order has every
        lead looked up for its own id). A lead the lookup does not show even after the settle wait leaves the
        answer unproven: its leads are looked up one by one, and those not there stay unconfirmed, never
        ``accepted`` on the answer's word alone (a lost lead must not be reported stored) and never sent again.
        An answer whose ids this run already gave other leads is an earlier answer replayed (a proxy, a cache):
        not this request's, so its leads are looked up and, not there, sent once more."""
        placed, tally.in_order = tally.in_order, []
        if not placed:
            return unmentioned
        ends = {lead_id for ref in (placed[0], placed[-1]) if (lead_id := tally.outcomes[ref].lead_id) is not None}
        with self._order.lock:
            replayed = not ends.isdisjoint(self._order.ids_seen)
            self._order.ids_seen.update(ends)
        if replayed:
            log.warning(
                "The CRM answered with ids it gave other leads earlier in this run (an answer replayed): "
                "looking up the %d leads of this request",
                len(placed),
            )
            return self._unplace(placed, sent, tally, unmentioned, stored=False)
        if self._order.trusted:
            return unmentioned
        proven = None if self._order.broken else self._prove_order(placed, tally)
        if proven:
            self._order.verified += 1
            self._order.trusted = self._order.verified >= ORDER_CHECKS
            return unmentioned
        if tally.stop is not None:  # cannot check now, and the run stops: the next run looks them up first
            for ref in placed:
                del tally.outcomes[ref]
            tally.unknown.update(placed)
            return unmentioned
        return self._unplace(placed, sent, tally, unmentioned, stored=True)

    def _prove_order(self, placed: list[str], tally: Tally) -> bool | None:
        """Whether the first and last placed lead are found with the ids their positions gave them: True; found
        with others (the CRM answers in another order): False; not shown, even after the settle wait, or the run
        stopped: None (no proof)."""
        for ref in dict.fromkeys((placed[0], placed[-1])):
            found = self._find_unless_stopped(ref, tally)
            if found is None and tally.stop is None and self.retry.settle_wait > 0:
                log.info("A lead the CRM answered with only an id is not shown yet; looking again shortly")
                self._transport.pause(self.retry.settle_wait)
                found = self._find_unless_stopped(ref, tally)
            if found is None:
                return None
            if found != tally.outcomes[ref].lead_id:
                self._order.broken = True
                log.warning(
                    "The CRM's success items carry only ids and are not in the order sent: each lead is "
                    "looked up for its own id"
                )
                return False
        return True

    def _find_unless_stopped(self, reference_id: str, tally: Tally) -> str | None:
        """``find``, or None once the run stops (the stop is placed in ``tally``)."""
        if tally.stop is not None:
            return None
        try:
            return self.find(reference_id, tally)
        except (CrmStop, CrmUnreachable) as stop:
            self.halt(tally, stop)
            return None

    @staticmethod
    def _unplace(
        placed: list[str], sent: list[Lead], tally: Tally, unmentioned: list[Lead], *, stored: bool
    ) -> list[Lead]:
        """Take back the acceptances by position; the leads are looked up with the unmentioned ones. ``stored``:
        the CRM says it stored them (never sent again: not found, they stay unconfirmed), else they are as if
        the answer had not mentioned them."""
        for ref in placed:
            del tally.outcomes[ref]
            if stored:
                tally.existing.append(ref)
        by_ref = {answers.ref(lead): lead for lead in sent}
        return [*unmentioned, *(by_ref[ref] for ref in placed)]

    def _look_again(self, leads: list[Lead], tally: Tally) -> list[Lead]:
        """None of a failed request's leads was found: wait, and look up its first, middle and last lead once
        more (a CRM still storing it, or slow to show what it stored); when one is there now, all are looked
        up. Returns the leads still to send; if the run stops meanwhile, the others are placed."""
        log.warning(
            "None of the %d leads of a failed request is in the CRM (yet); looking again in %.0f s before "
            "sending them again",
            len(leads),
            self.retry.settle_wait,
        )
        self._transport.pause(self.retry.settle_wait)
        return self._sampled(leads, tally)

    def _sampled(self, leads: list[Lead], tally: Tally) -> list[Lead]:
        """Look up the first, middle and last of ``leads``; when one is there, all the others too. Returns the
        leads still to send; if the run stops meanwhile, the others are placed."""
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

    def look_up_late(self, leads: list[Lead], tally: Tally) -> list[Lead]:
        """After the settle wait, look up leads of a lost request that is landing after all; return the absent."""
        self._transport.pause(self.retry.settle_wait)
        if tally.stop is not None:
            tally.unknown.update(answers.ref(lead) for lead in leads)
            return []
        return self._recheck(leads, tally)

    def settle(
        self, unmentioned: list[Lead], tally: Tally, *, resend: bool, plain: bool = False
    ) -> tuple[list[Lead], int]:
        """Look up leads an answer did not mention; return the absent ones to send once more, if allowed, and how
        many absent ones no refusal accounts for (each may be a duplicate refused without a word).

        ``plain``: the answer was the CRM's own, of a request it processed before answering (not a 202, not a
        page that is no answer): absent leads not sent again are noted as left unanswered."""
        if not unmentioned:
            return [], 0
        log.info("The CRM's answer did not mention %d leads; looking them up", len(unmentioned))
        refusals, tally.refusals = tally.refusals, []
        existing, tally.existing = set(tally.existing), []
        duplicates, tally.duplicates = tally.duplicates, {}
        absent = self._recheck(unmentioned, tally)
        # A lead the CRM's own answer left out and the CRM does not have may have been refused as a duplicate
        # without a word (a called phone), which counts toward the block all the same: the guard counts it so
        # (beyond the refusals it was told of) before anything is sent again. Not so for a page that is no answer
        # of the CRM's (a proxy's), or a request the CRM processes later: nothing was refused yet.
        told = sum(1 for lead in absent if answers.ref(lead) in duplicates or answers.ref(lead) in existing)
        left_out = max(0, len(absent) - told - len(refusals)) if plain else 0
        for ref, message in duplicates.items():
            if ref in tally.outcomes:
                continue
            if ref in tally.unseen:
                # Sent again after a request that may have stored it, which the CRM did not show: this may
                # be the CRM refusing the lead as a duplicate of itself. Unconfirmed, never sent again by
                # this run; the next run looks it up before anything else.
                tally.unknown.add(ref)
                tally.unsent.discard(ref)
                continue
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
            return [], left_out
        if absent and resend:
            # A lead found as the one a duplicate refusal named tells nothing of what this request stored.
            looked_up = [ref for ref in map(answers.ref, unmentioned) if ref not in duplicates]
            tally.note_looked_up(looked_up, map(answers.ref, absent))
            return absent, left_out
        # Sent (twice), answered without a word about them, and not found: the CRM may show them later.
        # Unconfirmed, not unsent: the next run looks them up before it sends them again.
        tally.unknown.update(answers.ref(lead) for lead in absent)
        if plain and not resend:
            tally.unanswered.update(answers.ref(lead) for lead in absent)
        return [], left_out

    def _recheck(self, leads: list[Lead], tally: Tally) -> list[Lead]:
        """Record leads the CRM has as accepted and return the absent ones.

        If the run stops meanwhile, absent leads become unsent, unchecked ones
        unknown, and nothing is returned.
        """
        absent: list[Lead] = []
        for index, lead in enumerate(leads):
            try:
                lead_id = self.find(answers.ref(lead), tally)
            except (CrmStop, CrmUnreachable) as stop:
                self.halt(tally, stop, unsent=absent, unknown=leads[index:])
                return []
            if lead_id is None:
                absent.append(lead)
            else:
                tally.accept(answers.ref(lead), lead_id)
        return absent

    @property
    def throttled(self) -> tuple[int, float]:
        """Plain 429s the CRM answered so far, and the seconds paused for them in all."""
        with self._throttle_lock:
            return int(self._throttles[0]), float(self._throttles[1])

    def throttle(self, throttled: Throttled, retries: Retries) -> KeyBlocked | None:
        """Hold all traffic after a plain 429; a block once it has happened too often."""
        retries.throttles += 1
        if retries.throttles >= self.retry.attempts:
            return KeyBlocked(
                f"The CRM kept rate-limiting this API key ({retries.throttles} HTTP 429 "
                f"answers in a row). Wait a few minutes, {_RESUME}",
                rate_limited=True,
            )
        # The first 429 of a request: as long as the window can still be full of our requests (at most one
        # window). One that persists: our own growing backoff (docs/crm-contract.md §5: from the 5 s window on), so
        # a "Retry-After: 0" does not use up the attempts in a second.
        if retries.throttles == 1:
            backoff = self._limiter.window_wait()
        else:
            backoff = min(PLAIN_429_PAUSE * 2.0 ** (retries.throttles - 2), MAX_429_PAUSE)
        pause = max(throttled.retry_after or 0.0, backoff)
        log.debug("The CRM is rate-limiting us (HTTP 429); pausing %.1f s", pause)  # summed up at the end
        with self._throttle_lock:
            self._throttles[0] += 1
            self._throttles[1] += pause
        self._limiter.pause(pause)
        self._limiter.slow_down()
        return None

    def halt(
        self,
        tally: Tally,
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

    def find(self, reference_id: str, tally: Tally) -> str | None:
        """``find``, counting requests in ``tally``."""
        params = {
            "referenceId": reference_id,
            "projectId": self._settings.project_id,
            "processId": self._settings.process_id,
            "masked": "true",
        }
        retries = Retries()
        while True:
            try:
                step = self._reader.read_found(
                    self._transport.request("GET", GET_PATH, tally, params=params), reference_id
                )
            except TransportFailure as failure:
                step = Failed(failure.reason, landed=False)
            match step:
                case Found(lead_id):
                    return lead_id
                case Halted(stop):
                    raise stop
                case Throttled():
                    blocked = self.throttle(step, retries)
                    if blocked is not None:
                        raise blocked
                case Failed():
                    retries.throttles = 0
                    retries.failures += 1
                    if step.gateway:
                        # A gateway failing on a lookup, which stores nothing: the CRM behind it is down (a deploy),
                        # not losing answers of ours. Waited out as an outage; a send's 502 gets a few tries only,
                        # since the CRM may have stored it (a gateway losing every answer: resent, each a duplicate).
                        step = replace(step, unavailable=True)
                    wait = self._next_wait(step, retries.failures)
                    if wait is None:
                        raise self._unreachable(retries.failures, step)
                    self._transport.pause(wait)

    def _unreachable(self, attempts: int, failed: Failed) -> CrmUnreachable:
        """The stop for a CRM that kept failing."""
        reason = failed.reason
        down = reason.startswith("HTTP ")  # it answered, with 5xx; else the network failed
        what = (
            "Wait until it works again (it answers, so the address is right)"
            if down
            else "Check the network and VOX_BASE_URL"
        )
        how_long = f"after {attempts} attempts"
        if self._waits_out(failed):
            how_long = f"for {_seconds(self.retry.outage)}, waited out ({attempts} attempts of this request)"
            if (failed.retry_after or 0.0) > 0:
                how_long += f"; it asked to come back in {_seconds(failed.retry_after or 0.0)}"
        return CrmUnreachable(
            f"The CRM at {self._transport.redact(self._settings.base_url)} kept failing ({reason}) "
            f"{how_long}. {what}, {_RESUME}",
            down=down,
        )


def _seconds(seconds: float) -> str:
    """A wait in words: "45 s", "10 minutes"."""
    if seconds < 120:
        return f"{seconds:.0f} s" if seconds >= 1 else f"{seconds:.1f} s"
    return f"{seconds / 60:.0f} minutes"


def _attribute(messages: list[str], leads: int) -> list[str]:
    """A message for each of ``leads`` refused leads, from ``errors[]`` items that named none of them.

    One item per lead: in order (the CRM answers in the order it was sent). Otherwise each gets them all.
    """
    if len(messages) == leads:
        return messages
    joined = "; ".join(dict.fromkeys(messages))
    note = "the CRM refused leads of this batch without saying which"
    return [f"{answers.excerpt(joined)} ({note})"] * leads
