"""Waiting in tests: on a condition (never on a guessed sleep), and a clock that moves only when told."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(condition: Callable[[], T], *, timeout: float = 90.0, message: str = "", interval: float = 0.01) -> T:
    """Call ``condition`` until it returns something true, and return that; fail the test after ``timeout`` s.

    The timeout is no part of what a test proves: it only ends a test that would otherwise hang, so it is
    generous (a loaded machine is slow, not wrong).
    """
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {timeout:g} s in vain until {message or 'the condition held'}")
        time.sleep(interval)


class ManualClock:
    """A monotonic clock for the sandbox that stands still until a test moves it on."""

    def __init__(self, start: float = 1000.0) -> None:
        self._now = start
        self._lock = threading.Lock()

    def __call__(self) -> float:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._now += seconds
