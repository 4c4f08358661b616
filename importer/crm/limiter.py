"""A thread-safe sliding-log rate limiter shared by every request to the CRM."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from importer.errors import ConfigError


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``max_requests`` requests in any ``per_seconds`` window."""

    max_requests: int
    per_seconds: float

    def __post_init__(self) -> None:
        fits = isinstance(self.max_requests, int) and self.max_requests >= 1
        if not fits or not isinstance(self.per_seconds, int | float) or not 0 < self.per_seconds < math.inf:
            raise ConfigError(
                f"a rate limit allows at least one request in a positive number of seconds, got "
                f"{self.max_requests!r} per {self.per_seconds!r}."
            )


DEFAULT_RATE = RateLimit(100, 5.0)
"""The CRM's documented limit: about 100 requests per 5 s per project."""

RECOVER_WINDOWS = 6
"""Windows without a slow-down after which a lowered rate is doubled again (up to the configured one)."""


MARGIN = 0.01
"""How much wider than the CRM's window ours is: the CRM counts a request when it arrives, which a held slot
bounds (see :meth:`RateLimiter.acquire`); the margin only absorbs timing noise at the CRM."""


@dataclass(slots=True)
class _Slot:
    """One request in the window: counted from ``at`` (its send, or its answer once held and answered)."""

    at: float
    held: bool = False


class RateLimiter:
    """Keeps at most ``max_requests`` requests in any window of ``per_seconds * (1 + margin)``.

    The CRM counts a request in its window when the request arrives, which is some time after it left
    here and before its answer came back. A slot taken with ``hold=True`` therefore counts as arriving
    *now* until :meth:`answered` is called, and from the answer on after that: however late a request
    arrives, the CRM never sees more than ``max_requests`` in its window. Safe to share between threads.
    """

    def __init__(
        self,
        max_requests: int = DEFAULT_RATE.max_requests,
        per_seconds: float = DEFAULT_RATE.per_seconds,
        *,
        margin: float = MARGIN,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_requests < 1:
            raise ValueError(f"max_requests must be at least 1, got {max_requests}")
        if not per_seconds > 0 or not margin >= 0:
            raise ValueError("per_seconds must be positive and margin non-negative")
        self._limit = self._configured = max_requests
        self._window = per_seconds * (1 + margin)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Condition()
        self._slots: list[_Slot] = []
        self._held = threading.local()
        self._paused_until = -math.inf
        self._slowed_at = -math.inf
        self._cancelled = threading.Event()

    @classmethod
    def for_rate(cls, rate: RateLimit, *, margin: float = MARGIN) -> RateLimiter:
        """A limiter enforcing ``rate`` in real time."""
        return cls(rate.max_requests, rate.per_seconds, margin=margin)

    @property
    def clock(self) -> Callable[[], float]:
        """The clock the window is kept on (``time.monotonic`` unless another was given): the client's other
        waits (the CRM's duplicate minute) are measured on it too."""
        return self._clock

    @property
    def max_requests(self) -> int:
        """The current number of sends allowed per window (lowered by ``slow_down``)."""
        return self._limit

    @property
    def window(self) -> float:
        """The length in seconds of the window the limit applies to, margin included."""
        return self._window

    def acquire(self, *, hold: bool = False) -> float:
        """Block until one more send fits the limit, record it, and return its clock time.

        ``hold``: the request's slot counts as arriving now until this thread calls :meth:`answered`
        (call it whatever became of the request). After :meth:`cancel` it returns at once without
        recording a send (the caller sends nothing).
        """
        while True:
            with self._lock:
                now = self._clock()
                if self._cancelled.is_set():
                    return now
                wait = self._wait_at(now)
                if wait <= 0:
                    slot = _Slot(now, held=hold)
                    self._slots.append(slot)
                    if hold:
                        self._held.slot = slot
                    return now
                if self._sleep is time.sleep:
                    # An answer (which may free a held slot) or a cancel wakes the wait early.
                    self._lock.wait(wait)
                    continue
            self._sleep(wait)

    def answered(self) -> None:
        """The request this thread holds a slot for (``acquire(hold=True)``) got its answer, or failed:
        it arrived by now, so its slot counts from now on."""
        slot: _Slot | None = getattr(self._held, "slot", None)
        if slot is None:
            return
        self._held.slot = None
        with self._lock:
            slot.at, slot.held = self._clock(), False
            self._lock.notify_all()

    def window_wait(self) -> float:
        """Seconds until the oldest request counted in the window leaves it (zero when none is counted).

        After a 429 this is as long as the CRM's window can still be full of our requests.
        """
        with self._lock:
            now = self._clock()
            counted = [now if s.held else s.at for s in self._slots if s.held or s.at + self._window > now]
            return max(0.0, min(counted) + self._window - now) if counted else 0.0

    def cancel(self) -> None:
        """The run is stopping: end every wait now, and from now on (no request may start any more)."""
        self._cancelled.set()
        with self._lock:
            self._lock.notify_all()

    def pause(self, seconds: float) -> None:
        """Make sure no ``acquire`` returns before ``seconds`` from now."""
        with self._lock:
            until = self._clock() + max(seconds, 0.0)
            self._paused_until = max(self._paused_until, until)

    def slow_down(self, factor: float = 0.5) -> None:
        """Lower the allowed sends per window by ``factor`` (never below one).

        Calls within one window of the previous slow-down count once, so several
        threads hit by the same burst of 429s do not collapse the rate.
        """
        if not 0 < factor <= 1:
            raise ValueError(f"factor must be in (0, 1], got {factor}")
        with self._lock:
            now = self._clock()
            if now - self._slowed_at < self._window:
                return
            self._slowed_at = now
            self._limit = max(1, int(self._limit * factor))

    def _wait_at(self, now: float) -> float:
        """Seconds to wait before a send at ``now`` would fit; zero or less means now."""
        if self._limit < self._configured and now - self._slowed_at >= RECOVER_WINDOWS * self._window:
            # No 429 for a while: double back towards the configured rate (slow_down halves it).
            self._limit = min(self._configured, self._limit * 2)
            self._slowed_at = now
        window = self._window
        slots = self._slots
        if slots and not slots[0].held and slots[0].at + window <= now:
            # Slots are answered out of order: drop every one out of the window, not just the oldest.
            self._slots = slots = [s for s in slots if s.held or s.at + window > now]
        wait = self._paused_until - now
        if len(slots) >= self._limit:
            # A held slot counts as arriving now. Same expression as the pruning test above, so float
            # rounding cannot leave us waiting zero seconds on a send that still counts.
            counted = sorted(now if s.held else s.at for s in slots)
            wait = max(wait, counted[-self._limit] + window - now)
        return wait
