"""Keeping under the CRM's duplicate block: more than 5 duplicate submissions within 60 s block the API key
for an hour (docs/crm-contract.md §4), and a phone already called in the project counts as one.

Nothing tells in advance which leads the CRM will refuse, so the guard learns the refusal rate from the
answers (and from earlier runs: :class:`DuplicateMemory`, kept in the ledger). A request may leave only
while the refusals of the last minute, plus those the requests still out and this one could bring, stay
within the limit: surely (no more leads than refusals left), or with a risk under :data:`BLOCK_RISK`
at a pessimistic estimate of the rate. Knowing nothing yet, that is a small probe batch; as answers show
few refusals, requests grow to the full batch size and several go out at once.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass

log = logging.getLogger(__name__)

DUPLICATE_LIMIT = 5
"""The CRM blocks the key for more than this many duplicate submissions ..."""
DUPLICATE_WINDOW = 60.0
"""... within this many seconds."""
BLOCK_RISK = 0.001
"""The most a request may add to the chance of passing the limit, at the pessimistic refusal rate."""
CONFIDENCE_Z = 1.0
"""Wilson bound (one standard error): the refusal rate assumed is this far above what was seen. With
:data:`BLOCK_RISK` on top, requests about double while answers bring no refusal."""
PRIOR_LEADS = 200
"""Earlier runs' refusal rate counts as if seen on at most this many leads (this run's answers soon outweigh it)."""
AFTER_BLOCK_LEADS = 10
"""... and on at most this many after a block of the key in the last :data:`BLOCK_MEMORY` seconds: the run
after a block starts from a probe and small batches again, whatever the rate seemed before."""
BLOCK_MEMORY = 2 * 3600.0


@dataclass(frozen=True, slots=True)
class DuplicateRule:
    """The CRM's block: more than ``limit`` duplicate submissions within ``window`` seconds."""

    limit: int = DUPLICATE_LIMIT
    window: float = DUPLICATE_WINDOW


@dataclass(frozen=True, slots=True)
class DuplicateMemory:
    """What runs into a project learned: leads sent, those refused as duplicates, when the last minute's
    refusals came (epoch seconds) and when the key was last blocked."""

    sent: int = 0
    refused: int = 0
    recent: tuple[float, ...] = ()
    blocked_at: float | None = None


@dataclass(frozen=True, slots=True)
class GuardStats:
    """What the guard did in this run: leads answered, duplicate refusals, waits and the time spent waiting."""

    sent: int
    refused: int
    waits: int
    waited_s: float
    blocked: bool

    def since(self, earlier: GuardStats) -> GuardStats:
        """What the guard did after ``earlier`` was taken (one import's share of a budget shared by several)."""
        return GuardStats(
            self.sent - earlier.sent,
            self.refused - earlier.refused,
            self.waits - earlier.waits,
            self.waited_s - earlier.waited_s,
            self.blocked and not earlier.blocked,
        )

    def describe(self) -> str | None:
        """One line for people when the guard slowed the run (None when it did not)."""
        if not self.waits:
            return None
        share = 100.0 * self.refused / self.sent if self.sent else 0.0
        return (
            f"The CRM refused {self.refused} of {self.sent} leads as duplicates ({share:.3g}%); sending was paced "
            f"({self.waits} waits, {self.waited_s:.0f} s) so that no more than {DUPLICATE_LIMIT} such refusals fall "
            "in a minute, which would block the API key for an hour."
        )


def upper_rate(refused: float, sent: float) -> float:
    """A pessimistic refusal rate for ``refused`` of ``sent`` (Wilson upper bound); 1 when nothing is known."""
    if sent <= 0:
        return 1.0
    p, z2 = refused / sent, CONFIDENCE_Z**2
    centre = p + z2 / (2 * sent)
    spread = CONFIDENCE_Z * math.sqrt(max(p * (1 - p), 0.0) / sent + z2 / (4 * sent * sent))
    return min(1.0, (centre + spread) / (1 + z2 / sent))


def poisson_tail(mean: float, above: int) -> float:
    """P(X > above) for X ~ Poisson(mean)."""
    if above < 0:
        return 1.0
    term = total = math.exp(-mean)
    for k in range(1, above + 1):
        term *= mean / k
        total += term
    return max(0.0, 1.0 - total)


class Reservation:
    """Room in the budget taken for one request of up to ``leads`` leads, before it is built."""

    __slots__ = ("leads", "used")

    def __init__(self, leads: int) -> None:
        self.leads = leads
        self.used = False


class DuplicateBudget:
    """Duplicate refusals of the last window, what the requests out could bring, and the rate seen. Thread-safe.

    One budget per import by default; one budget may also be shared by several imports over the same API key
    (a watcher's files, passed as ``SendOptions(duplicates=...)``): the block is the key's, and what one file's
    answers taught (few refusals) lets the next send full batches from its first request.
    """

    def __init__(
        self,
        *,
        rule: DuplicateRule = DuplicateRule(),
        memory: DuplicateMemory = DuplicateMemory(),
        clock: Callable[[], float] = time.monotonic,
        wall: Callable[[], float] = time.time,
        risk: float = BLOCK_RISK,
    ) -> None:
        self.rule = rule
        self._clock, self._wall, self._risk = clock, wall, risk
        self._lock = threading.Condition()
        self._times: deque[float] = deque()
        self._prior = (0.0, 0.0)
        self._memory = DuplicateMemory()
        self._sent = self._refused = 0
        self._out_leads = self._out = 0
        self._waits, self._waited = 0, 0.0
        self._blocked = False
        self._told = False
        self.learned = False
        self.learn(memory)
        self.learned = memory != DuplicateMemory()
        """Whether it started from what earlier runs learned (an import sharing it does not learn it again)."""

    # -- what the sender asks -------------------------------------------------------------------

    def allowed(self, most: int) -> int:
        """How many leads the next request may carry now, up to ``most`` (0: none until a refusal ages out
        or an answer comes)."""
        with self._lock:
            self._prune(self._clock())
            if not self._times and not self._out:
                return max(1, self._largest(most))
            return self._largest(most)

    def sure_room(self) -> int:
        """How many leads a request may carry now even if the CRM refused every one as a duplicate (at least 1:
        a request waits in :meth:`hold` for room anyway)."""
        with self._lock:
            self._prune(self._clock())
            return max(1, self.rule.limit - len(self._times))

    def take(self, most: int) -> Reservation | None:
        """Room for the next request, of as many of ``most`` leads as fit now; None when none fits."""
        with self._lock:
            self._prune(self._clock())
            leads = self._largest(most) or (1 if not (self._times or self._out) and most > 0 else 0)
            if not leads:
                return None
            self._out += 1
            self._out_leads += leads
            return Reservation(leads)

    def release(self, reservation: Reservation) -> None:
        """Give back room taken by :meth:`take` for a request that was not made."""
        with self._lock:
            if not reservation.used:
                reservation.used = True
                self._out = max(0, self._out - 1)
                self._out_leads = max(0, self._out_leads - reservation.leads)
                self._lock.notify_all()

    def wait_hint(self) -> float | None:
        """Seconds until the oldest refusal of the window ages out; None when the window holds none."""
        with self._lock:
            now = self._clock()
            self._prune(now)
            return max(0.01, self._times[0] + self.rule.window - now) if self._times else None

    def wait_for_answer(self, timeout: float) -> None:
        """Wait up to ``timeout`` seconds for a request held in the budget (perhaps another import's) to end."""
        with self._lock:
            self._lock.wait(timeout)

    def learn(self, memory: DuplicateMemory, *, once: bool = False) -> None:
        """Start from what earlier runs into the project learned (before the first request); ``once``: not if
        it learned already (a budget shared by several imports)."""
        with self._lock:
            if once and self.learned:
                return
            now, now_wall = self._clock(), self._wall()
            recent = [now - (now_wall - t) for t in memory.recent if 0 <= now_wall - t < self.rule.window]
            self._times = deque(sorted([*self._times, *recent]))
            recent_block = memory.blocked_at is not None and now_wall - memory.blocked_at < BLOCK_MEMORY
            most = AFTER_BLOCK_LEADS if recent_block else PRIOR_LEADS
            weight = min(1.0, most / memory.sent) if memory.sent else 0.0
            self._prior = (memory.refused * weight, memory.sent * weight)
            self._memory = memory
            self.learned = True

    def hold(self, leads: int, pause: Callable[[float], None], reservation: Reservation | None = None) -> None:
        """Return once a request of ``leads`` may leave (``pause``: how to wait, stoppable); it then counts as
        out until :meth:`answered`. A request made with room taken by :meth:`take` leaves at once."""
        if reservation is not None:
            with self._lock:
                if not reservation.used and leads <= reservation.leads:
                    reservation.used = True
                    self._out_leads -= reservation.leads - leads
                    return
            self.release(reservation)
        early = False
        while True:
            with self._lock:
                now = self._clock()
                self._prune(now)
                if early or self._fits(leads) or not (self._times or self._out or self._out_leads):
                    self._out += 1
                    self._out_leads += leads
                    return
                wait = self._times[0] + self.rule.window - now if self._times else None
                if wait is None:
                    self._lock.wait(0.5)  # an answer ends the wait
                    continue
                until = self._times[0] + self.rule.window
                self._note_wait(max(wait, 0.0), len(self._times))
            pause(max(wait, 0.01))
            # A pause cut short is a stop: the request goes, to be refused unsent. (The refusals are not dropped
            # from the window before they age out: other requests count them meanwhile.)
            early = self._clock() < until

    def answered(self, leads: int, duplicates: int, *, counted: bool = True, unsettled: int = 0) -> None:
        """A request held by :meth:`hold` ended: the CRM refused ``duplicates`` of its ``leads`` as duplicates.
        ``counted``: the CRM answered for its leads, which tell the rate (not so for a failed request, whose
        leads the client checks and waits on itself). ``unsettled``: leads the answer left out, still counted
        as out until :meth:`settled` (the CRM may have refused them without a word)."""
        with self._lock:
            self._out = max(0, self._out - 1)
            self._out_leads = max(0, self._out_leads - leads + unsettled)
            if counted:
                self._sent += leads
                self._refused += duplicates
            if duplicates > 0:
                self._times.extend([self._clock()] * duplicates)
            self._lock.notify_all()

    def settled(self, leads: int, refused: int) -> None:
        """The ``leads`` an answer left out (see :meth:`answered`) were looked up: ``refused`` of them are not at
        the CRM, and each counts as a duplicate refused without a word (in the window and in the rate)."""
        with self._lock:
            self._out_leads = max(0, self._out_leads - leads)
            if refused > 0:
                self._refused += refused
                self._times.extend([self._clock()] * refused)
            self._lock.notify_all()

    def blocked(self) -> None:
        """The CRM blocked the key."""
        with self._lock:
            self._blocked = True

    @property
    def was_blocked(self) -> bool:
        """Whether the CRM blocked the key while this budget was in use (a shared one is then replaced)."""
        with self._lock:
            return self._blocked

    # -- what is kept -------------------------------------------------------------------------------

    def stats(self) -> GuardStats:
        with self._lock:
            return GuardStats(self._sent, self._refused, self._waits, self._waited, self._blocked)

    def memory(self) -> DuplicateMemory:
        """What the next run into the project starts from."""
        with self._lock:
            now, now_wall = self._clock(), self._wall()
            self._prune(now)
            old = self._memory
            return DuplicateMemory(
                sent=old.sent + self._sent,
                refused=old.refused + self._refused,
                recent=tuple(now_wall - (now - t) for t in self._times),
                blocked_at=now_wall if self._blocked else old.blocked_at,
            )

    # -- internals -----------------------------------------------------------------------------------

    def _prune(self, now: float) -> None:
        while self._times and self._times[0] <= now - self.rule.window:
            self._times.popleft()

    def _fits(self, leads: int) -> bool:
        """Whether a request of ``leads`` may leave now without risking the block."""
        left = self.rule.limit - len(self._times)
        if left < 0:
            return False
        if self._out_leads + leads <= left:
            return True  # even if every lead out were refused
        rate = upper_rate(self._refused + self._prior[0], self._sent + self._prior[1])
        return poisson_tail((self._out_leads + leads) * rate, left) <= self._risk

    def _largest(self, most: int) -> int:
        """The largest request size up to ``most`` that fits now (0 when none does)."""
        if most < 1 or not self._fits(1):
            return 0
        low, high = 1, most
        while low < high:
            mid = (low + high + 1) // 2
            if self._fits(mid):
                low = mid
            else:
                high = mid - 1
        return low

    def note_wait(self, seconds: float) -> None:
        """The sender waited ``seconds`` for room in the budget before making its next request."""
        with self._lock:
            self._note_wait(seconds, len(self._times))

    def _note_wait(self, seconds: float, held: int) -> None:
        self._waits += 1
        self._waited += seconds
        if not self._told:
            self._told = True
            log.warning(
                "The CRM has refused %d leads as duplicates in the last %g s; more than %d block the API key for "
                "an hour, so requests are paced from now on",
                held,
                self.rule.window,
                self.rule.limit,
            )
