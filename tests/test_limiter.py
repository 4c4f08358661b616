"""Tests for importer.crm.limiter: the sliding-log rate limiter."""

from __future__ import annotations

import threading

import pytest

from importer.crm.limiter import DEFAULT_RATE, RECOVER_WINDOWS, RateLimit, RateLimiter


class FakeClock:
    """A clock that only moves when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []
        self._lock = threading.Lock()

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.slept.append(seconds)
            self.now += seconds


def limiter_on(clock: FakeClock, max_requests: int, per_seconds: float) -> RateLimiter:
    return RateLimiter(max_requests, per_seconds, clock=clock, sleep=clock.sleep)


def busiest_window(times: list[float], window: float) -> int:
    """The most sends that fall in any half-open window ``[t, t + window)``."""
    ordered = sorted(times)
    return max(sum(1 for later in ordered[i:] if later < start + window) for i, start in enumerate(ordered))


def test_default_rate_is_the_documented_crm_limit() -> None:
    """The named default is 100 requests per 5 seconds."""
    assert RateLimit(100, 5.0) == DEFAULT_RATE
    limiter = RateLimiter.for_rate(DEFAULT_RATE, margin=0.0)
    assert limiter.max_requests == 100
    assert limiter.window == 5.0


def test_window_is_never_exceeded_over_1000_sends() -> None:
    """1000 sends never put more than max_requests into any window, margin included."""
    clock = FakeClock()
    limiter = limiter_on(clock, 100, 5.0)
    times = [limiter.acquire() for _ in range(1000)]
    assert busiest_window(times, limiter.window) == 100
    assert times == sorted(times)
    # It does not dawdle either: ten full windows, give or take one.
    assert clock.now == pytest.approx(9 * limiter.window)


def test_window_is_never_exceeded_across_threads() -> None:
    """Threads sharing one limiter together stay within the limit."""
    clock = FakeClock()
    limiter = limiter_on(clock, 7, 1.0)
    times: list[float] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(50):
            sent_at = limiter.acquire()
            with lock:
                times.append(sent_at)

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(times) == 400
    assert busiest_window(times, limiter.window) <= 7


def test_first_sends_go_at_once() -> None:
    """Sends under the limit never wait."""
    clock = FakeClock()
    limiter = limiter_on(clock, 3, 1.0)
    for _ in range(3):
        limiter.acquire()
    assert clock.slept == []


def test_pause_holds_every_acquire_until_it_ends() -> None:
    """After pause(7), no acquire returns before 7 seconds have passed."""
    clock = FakeClock()
    limiter = limiter_on(clock, 100, 5.0)
    limiter.acquire()
    clock.now = 10.0
    limiter.pause(7.0)
    assert limiter.acquire() >= 17.0
    assert limiter.acquire() >= 17.0


def test_shorter_pause_does_not_cut_a_longer_one() -> None:
    """A second, shorter pause leaves the first one in force."""
    clock = FakeClock()
    limiter = limiter_on(clock, 100, 5.0)
    limiter.pause(30.0)
    limiter.pause(1.0)
    assert limiter.acquire() >= 30.0


def test_slow_down_halves_the_rate_and_never_goes_below_one() -> None:
    """slow_down lowers the allowed sends per window, down to one at most."""
    clock = FakeClock()
    limiter = limiter_on(clock, 4, 1.0)
    limiter.slow_down()
    assert limiter.max_requests == 2
    times = [limiter.acquire() for _ in range(10)]  # within the windows before it recovers
    assert busiest_window(times, limiter.window) == 2
    for _ in range(5):
        clock.now += 10.0
        limiter.slow_down()
    assert limiter.max_requests == 1


def test_slow_down_takes_effect_on_sends_already_made() -> None:
    """Sends made before a slow-down still count against the lower limit."""
    clock = FakeClock()
    limiter = limiter_on(clock, 10, 1.0)
    before = [limiter.acquire() for _ in range(10)]
    limiter.slow_down(0.2)
    after = [limiter.acquire() for _ in range(6)]
    assert busiest_window(before + after, limiter.window) == 10
    assert busiest_window(after, limiter.window) <= 2


def test_slow_downs_from_one_burst_count_once() -> None:
    """Several threads hit by the same burst of 429s lower the rate only once."""
    clock = FakeClock()
    limiter = limiter_on(clock, 100, 5.0)
    for _ in range(8):
        limiter.slow_down()
    assert limiter.max_requests == 50


@pytest.mark.parametrize(("max_requests", "per_seconds", "margin"), [(0, 5.0, 0.05), (10, 0.0, 0.05), (10, 5.0, -1.0)])
def test_rejects_impossible_limits(max_requests: int, per_seconds: float, margin: float) -> None:
    """A limit that allows nothing is refused at construction."""
    with pytest.raises(ValueError):
        RateLimiter(max_requests, per_seconds, margin=margin)


def test_slow_down_factor_must_lower_the_rate() -> None:
    """A slow-down factor outside (0, 1] is refused."""
    with pytest.raises(ValueError):
        RateLimiter().slow_down(2.0)


def test_a_lowered_rate_recovers_after_quiet_windows() -> None:
    """After a slow-down, windows without another one double the rate back, never above the configured rate."""
    clock = FakeClock()
    limiter = limiter_on(clock, 8, 1.0)
    limiter.slow_down()
    assert limiter.max_requests == 4
    clock.now += RECOVER_WINDOWS * limiter.window
    limiter.acquire()
    assert limiter.max_requests == 8
    clock.now += 10 * RECOVER_WINDOWS * limiter.window
    limiter.acquire()
    assert limiter.max_requests == 8


def test_held_slots_keep_the_crm_window_counted_on_arrival_within_the_limit() -> None:
    """The CRM counts a request when it arrives, some time after it left: with slots held until the answer,
    no window of arrivals holds more than the limit, however the delays vary (no margin at all here)."""
    clock = FakeClock()
    limiter = RateLimiter(100, 5.0, margin=0.0, clock=clock, sleep=clock.sleep)
    delays = [0.001 + 0.029 * ((i * 7919) % 101) / 100 for i in range(1000)]  # 1-30 ms, shuffled
    arrivals = []
    for delay in delays:
        limiter.acquire(hold=True)
        clock.now += delay  # on the way
        arrivals.append(clock.now)
        limiter.answered()
    assert busiest_window(arrivals, 5.0) <= 100


def test_a_held_slot_counts_as_now_until_answered() -> None:
    """A request without its answer yet may arrive any moment: the send after the limit waits for it."""
    clock = FakeClock()
    limiter = RateLimiter(1, 5.0, margin=0.0, clock=clock, sleep=clock.sleep)
    limiter.acquire(hold=True)
    clock.now = 4.0
    limiter.answered()  # the answer comes 4 s after it left
    assert limiter.acquire() == pytest.approx(9.0)  # a window after that answer, not after its send
    assert limiter.window_wait() == pytest.approx(5.0)
