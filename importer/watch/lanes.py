"""The order in which a watcher's files, imported side by side, are read and sent.

Reading and checking a file is work for the processor, and the files share one interpreter: they are
prepared one at a time, in the order they were taken, each while the files before it send (or wait for
the duplicate guard's ramp-up); two at a time while a helper process reads one of them. They start sending in that order too, at most ``sending`` at once, so the
oldest file finishes first and its report is written while the later ones send, instead of every file
sending a little at a time and all of them finishing together at the end.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

__all__ = ["AHEAD_BYTES", "AHEAD_FILES", "Lanes", "Turn", "has_room"]

AHEAD_BYTES = 32 << 20
"""Beyond ``files_at_once``, more new files are taken side by side while those under way are together smaller
than this (up to :data:`AHEAD_FILES`), to be read and checked while the ones before them send: a drop of many
small files keeps the processor busy all along. Bytes bound it because a prepared file's memory follows its size."""
AHEAD_FILES = 16

_WAITING, _PREPARING, _PREPARED, _SENDING, _AFTER = range(5)
"""A file's stages, in order."""
_POLL = 0.2
"""Seconds between looks at whether the watcher is stopping, while a file waits for its turn."""


def has_room(sizes: list[int], files_at_once: int) -> bool:
    """Whether another new file may be taken beside files under way of ``sizes`` bytes."""
    if len(sizes) < files_at_once:
        return True
    return len(sizes) < AHEAD_FILES and sum(sizes) < AHEAD_BYTES


class Lanes:
    """Hands out turns in the order files are taken; thread-safe."""

    def __init__(self, sending: int, stopping: Callable[[], bool], preparing: Callable[[], int] = lambda: 1) -> None:
        self.sending = max(1, sending)
        self.preparing = preparing
        """How many files may be read at once now (two while a helper process reads one of them)."""
        self._stopping = stopping
        self._cond = threading.Condition()
        self._states: dict[int, int] = {}
        self._issued = 0

    def turn(self) -> Turn:
        """The next file's turn (draw it where files are taken, in their order)."""
        with self._cond:
            number = self._issued
            self._issued += 1
            self._states[number] = _WAITING
            return Turn(self, number)

    def _wait(self, number: int, ready: Callable[[], bool]) -> bool:
        """Wait until ``ready()`` (False when the watcher stops first)."""
        with self._cond:
            while not ready():
                if self._stopping():
                    return False
                self._cond.wait(_POLL)
            return True

    def _earlier(self, number: int, done: int) -> bool:
        return all(state >= done for other, state in self._states.items() if other < number)

    def _may_prepare(self, number: int) -> bool:
        """Whether fewer files taken before this one than may be read at once are still to be read."""
        unread = sum(1 for other, state in self._states.items() if other < number and state < _PREPARED)
        return unread < max(1, self.preparing())

    def _set(self, number: int, state: int) -> None:
        with self._cond:
            if self._states.get(number, _AFTER) < state:
                self._states[number] = state
            self._cond.notify_all()

    def _end(self, number: int) -> None:
        with self._cond:
            self._states.pop(number, None)  # a file not listed is over
            self._cond.notify_all()


class Turn:
    """One file's place: when it may be read, when it may send, and that it is done sending (:meth:`close`)."""

    def __init__(self, lanes: Lanes, number: int) -> None:
        self._lanes, self.number = lanes, number
        self._stage = _WAITING

    def prepare(self) -> bool:
        """Wait until the files taken before this one have been read and checked (all but one, while a helper
        process reads files too); False when the watcher stops meanwhile (the file is then left for the next
        start, unread)."""
        lanes = self._lanes
        if not lanes._wait(self.number, lambda: lanes._may_prepare(self.number)):
            return False
        self._advance(_PREPARING)
        return True

    def send(self) -> bool:
        """The file is read and checked: wait for its turn to send (the files taken before it started sending,
        and fewer than ``sending`` files send); False when the watcher stops meanwhile."""
        self._advance(_PREPARED)
        if not self._lanes._wait(self.number, self._may_send):
            return False
        self._advance(_SENDING)
        return True

    def _may_send(self) -> bool:
        lanes = self._lanes
        sending = sum(1 for state in lanes._states.values() if state == _SENDING)
        return sending < lanes.sending and lanes._earlier(self.number, _SENDING)

    def _advance(self, stage: int) -> None:
        if stage <= self._stage:
            return
        self._stage = stage
        if stage == _AFTER:
            self._lanes._end(self.number)
        else:
            self._lanes._set(self.number, stage)

    def close(self) -> None:
        """The file's sending is over (however it ended): the files after it need not wait for it."""
        self._advance(_AFTER)
