"""Keeping under the CRM's duplicate block: more than 5 duplicate refusals in 60 s block the key for an hour."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from importer.crm.dup_budget import DuplicateBudget
from tests.test_crm import FakeCrm, Harness, Lead, crm_id, leads

CALLED = "A call attempt has already been made to this phone number for this project"


class Clock:
    def __init__(self) -> None:
        self.now = 0.0
        self.pauses: list[float] = []

    def __call__(self) -> float:
        return self.now

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds


def test_nothing_is_held_until_a_duplicate_is_refused() -> None:
    """A file the CRM refuses nothing of as a duplicate is never slowed down."""
    clock = Clock()
    budget = DuplicateBudget(clock=clock)
    for _ in range(50):
        budget.hold(clock.pause)
    for _ in range(50):
        budget.answered(0)
    assert clock.pauses == []


def test_requests_wait_while_the_next_could_pass_the_limit() -> None:
    """Two refusals per answer: after two such answers (4 of the 5 allowed), the next request waits until
    they are a minute old; requests still out count as bringing as many."""
    clock = Clock()
    budget = DuplicateBudget(clock=clock)
    for _ in range(2):
        budget.hold(clock.pause)
        budget.answered(2)
        clock.now += 1.0
    budget.hold(clock.pause)  # 4 + 2 > 5: waits for the first two to age out
    assert clock.pauses == [58.0]
    assert clock.now == 60.0
    budget.answered(0)
    budget.hold(clock.pause)  # 2 in the window, 2 more possible: room
    budget.hold(clock.pause)  # 2 + 2 (out) + 2 > 5: waits for the second pair
    assert clock.pauses == [58.0, 1.0]


def _refusing(*called: str) -> Callable[[list[Lead]], httpx.Response]:
    def reply(sent: list[Lead]) -> httpx.Response:
        ok = [x for x in sent if x["referenceId"] not in called]
        bad = [x for x in sent if x["referenceId"] in called]
        body = {
            "success": [{"_id": crm_id(x["referenceId"]), **x} for x in ok],
            "errors": [{"data": x, "referenceId": x["referenceId"], "error": CALLED} for x in bad],
        }
        return httpx.Response(200, json=body)

    return reply


def test_batches_with_already_called_phones_are_spaced_out() -> None:
    """Every batch holds two phones the CRM has called already: the third batch is not sent until the first
    two batches' refusals are a minute old, so the CRM never sees more than 5 in 60 s."""
    h = Harness(FakeCrm(_refusing("r1", "r2"), _refusing("r3", "r4"), _refusing("r5", "r6"), stored=[]))
    for batch in (leads(1, 2, 10), leads(3, 4, 11)):
        h.submit(batch)
    assert all(s < 59 for s in h.sleeps)
    h.submit(leads(5, 6, 12))
    assert max(h.sleeps) >= 59
    assert len(h.crm.posts) == 3
