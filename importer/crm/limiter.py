"""A thread-safe sliding-log rate limiter shared by every request to the CRM."""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimit:
    """At most ``max_requests`` requests in any ``per_seconds`` window."""

    max_requests: int
    per_seconds: float


DEFAULT_RATE = RateLimit(100, 5.0)
"""The CRM's documented limit: about 100 requests per 5 s per project."""

RECOVER_WINDOWS = 6
"""Windows without a slow-down after which a lowered rate is doubled again (up to the configured one)."""


class RateLimiter:
    """Keeps at most ``max_requests`` sends in any window of ``per_seconds * (1 + margin)``.

    The margin widens the window a little so clock skew between us and the CRM
    does not push a burst over the server's limit. Safe to share between threads.
    """

    def __init__(
        self,
        max_requests: int = DEFAULT_RATE.max_requests,
        per_seconds: float = DEFAULT_RATE.per_seconds,
        *,
        margin: float = 0.05,
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
        self._lock = threading.Lock()
        self._sends: deque[float] = deque()
        self._paused_until = -math.inf
        self._slowed_at = -math.inf
        self._cancelled = threading.Event()

    @classmethod
    def for_rate(cls, rate: RateLimit, *, margin: float = 0.05) -> RateLimiter:
        """A limiter enforcing ``rate`` in real time."""
        return cls(rate.max_requests, rate.per_seconds, margin=margin)

    @property
    def max_requests(self) -> int:
        """The current number of sends allowed per window (lowered by ``slow_down``)."""
        return self._limit

    @property
    def window(self) -> float:
        """The length in seconds of the window the limit applies to, margin included."""
        return self._window

    def acquire(self) -> float:
        """Block until one more send fits the limit, record it, and return its clock time.

        After :meth:`cancel` it returns at once without recording a send (the caller sends nothing).
        """
        while True:
            with self._lock:
                now = self._clock()
                if self._cancelled.is_set():
                    return now
                wait = self._wait_at(now)
                if wait <= 0:
                    self._sends.append(now)
                    return now
            if self._sleep is time.sleep:
                self._cancelled.wait(wait)
            else:
                self._sleep(wait)

    def cancel(self) -> None:
        """The run is stopping: end every wait now, and from now on (no request may start any more)."""
        self._cancelled.set()

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
        sends = self._sends
        while sends and sends[0] + self._window <= now:
            sends.popleft()
        wait = self._paused_until - now
        if len(sends) >= self._limit:
            # Same expression as the pruning test above, so float rounding cannot
            # leave us waiting zero seconds on a send that still counts.
            wait = max(wait, sends[-self._limit] + self._window - now)
        return wait
