"""Keeping under the CRM's duplicate block: more than 5 duplicate refusals in 60 s block the key for an hour."""

from __future__ import annotations

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


def test_the_first_request_is_a_probe_and_requests_grow_as_answers_show_no_refusals() -> None:
    """Knowing nothing, a request may carry only as many leads as the CRM may refuse without blocking the key;
    each answer without refusals lets the next carry more, up to the full batch."""
    clock = Clock()
    budget = DuplicateBudget(clock=clock)
    sizes = []
    for _ in range(40):
        room = budget.take(1000)
        assert room is not None
        sizes.append(room.leads)
        budget.hold(room.leads, clock.pause, room)
        budget.answered(room.leads, 0)
    assert sizes[0] == 5
    assert sizes == sorted(sizes) and sizes[-1] == 1000
    assert clock.pauses == []


def test_a_request_waits_while_the_refusals_of_the_last_minute_could_pass_the_limit() -> None:
    """Every lead refused: after 5 refusals nothing may leave until they are a minute old."""
    clock = Clock()
    budget = DuplicateBudget(clock=clock)
    room = budget.take(1000)
    assert room is not None and room.leads == 5
    budget.hold(5, clock.pause, room)
    budget.answered(5, 5)
    assert budget.take(1000) is None
    clock.now += 10
    budget.hold(5, clock.pause)  # waits for the five to age out
    assert clock.pauses == [50.0]


def test_what_a_run_learned_carries_to_the_next() -> None:
    """Refusals of the last minute and the refusal rate seen are kept: a run started right after one whose
    leads were all refused neither sends before the minute is over nor sends more than 5 leads at once."""
    clock = Clock()
    first = DuplicateBudget(clock=clock, wall=lambda: 1000.0 + clock.now)
    for _ in range(3):
        first.hold(5, clock.pause)  # each waits for the last five refusals to age out
        first.answered(5, 5)
    memory = first.memory()
    assert memory.refused == memory.sent == 15 and len(memory.recent) == 5
    second = DuplicateBudget(clock=clock, wall=lambda: 1000.0 + clock.now, memory=memory)
    assert second.take(1000) is None
    clock.now += 61
    room = second.take(1000)
    assert room is not None and room.leads == 5


def test_at_a_low_refusal_rate_a_minute_never_sees_more_than_five() -> None:
    """0.3% of leads refused: requests, sized and spaced by the guard, never bring the last minute past 5."""
    import random

    rng = random.Random(7)
    clock = Clock()
    budget = DuplicateBudget(clock=clock)
    refusals: list[float] = []
    sent = 0
    while sent < 20_000:
        room = budget.take(1000)
        if room is None:
            clock.now += budget.wait_hint() or 0.1
            continue
        budget.hold(room.leads, clock.pause, room)
        refused = sum(rng.random() < 0.003 for _ in range(room.leads))
        clock.now += 0.2
        refusals += [clock.now] * refused
        assert sum(1 for t in refusals if t > clock.now - 60) <= 5
        budget.answered(room.leads, refused)
        sent += room.leads
    assert len(refusals) > 30


def _refusing(*called: str) -> object:
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


def test_after_a_block_the_next_run_starts_small_again() -> None:
    """A run into a project with a low refusal rate starts with larger requests; after a block of the key the
    next run starts from a probe again."""
    from importer.crm.dup_budget import DuplicateMemory

    clock = Clock()
    calm = DuplicateMemory(sent=20_000, refused=10)
    room = DuplicateBudget(clock=clock, wall=lambda: 10_000.0, memory=calm).take(1000)
    assert room is not None and room.leads > 50
    blocked = DuplicateMemory(sent=20_000, refused=10, blocked_at=9_000.0)
    room = DuplicateBudget(clock=clock, wall=lambda: 10_000.0, memory=blocked).take(1000)
    assert room is not None and room.leads <= 20  # a small batch, as knowing little
