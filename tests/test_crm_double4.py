"""Imports against a CRM double that answers in every way the contract allows (docs/crm-contract.md), over real
HTTP on loopback where a lead's fate is at stake: words a CRM says "queued" in, id-only answers whose leads it
does not show, maintenance pages lasting minutes, referenceIds it changes the case of. Every good lead is stored
once, none is reported accepted that the CRM did not store, and the exit code follows docs/design.md."""

from __future__ import annotations

import pytest

from tests.test_crm import FakeCrm, Harness, answer, leads

LATER_STATUSES = [
    "queued",
    "Queued",
    "ENQUEUED",
    "pending",
    "processing",
    "in_progress",
    "In-Progress",
    "in progress",
    "scheduled",
    "accepted",
    "received",
    "submitted",
    "waiting",
    "deferred",
]
LATER_MESSAGES = [
    "Leads queued for processing",
    "Your request has been accepted and will be processed shortly",
    "Import job created: the leads are being processed in the background",
    "Leads will be created asynchronously",
    "Request received; processing has started",
    "Leads added to the processing queue",
]


def _body_later(status: str | None = None, message: str | None = None) -> dict[str, object]:
    body: dict[str, object] = {"success": True}
    if status is not None:
        body["status"] = status
    if message is not None:
        body["message"] = message
    return body


def _assert_looked_up_later(h: Harness) -> None:
    """r1 (stored by then) accepted, r2 (not there yet) unconfirmed; one POST, and the lookups after the settle
    wait: none sent again (once processed, each would be a duplicate toward the key block)."""
    result = h.submit(leads(1, 2))
    assert result.outcomes["r1"].state == "accepted" and result.unknown == ("r2",)
    assert result.stop is None and len(h.crm.posts) == 1 and 7.0 in h.sleeps


@pytest.mark.parametrize("status", LATER_STATUSES)
def test_an_answer_whose_status_says_later_is_looked_up_after_the_wait(status: str) -> None:
    """A 2xx without per-lead arrays whose status is any word a CRM says "later" with: queued, not sent again."""
    h = Harness(FakeCrm(answer(200, _body_later(status=status)), stored=["r1"]), settle_wait=7.0)
    _assert_looked_up_later(h)


@pytest.mark.parametrize("message", LATER_MESSAGES)
def test_an_answer_whose_message_says_later_is_looked_up_after_the_wait(message: str) -> None:
    """A 2xx without per-lead arrays whose message says the leads will be processed later."""
    h = Harness(FakeCrm(answer(200, _body_later(message=message)), stored=["r1"]), settle_wait=7.0)
    _assert_looked_up_later(h)


@pytest.mark.parametrize("status", LATER_STATUSES)
def test_result_items_whose_status_says_later_are_looked_up_after_the_wait(status: str) -> None:
    """Per-lead result items without an id whose status says "later" (the same words as for a whole answer): not
    accepted without proof, not refused, not sent again."""
    items = [{"referenceId": ref, "status": status} for ref in ("r1", "r2")]
    h = Harness(FakeCrm(answer(200, {"results": items}), stored=["r1"]), settle_wait=7.0)
    _assert_looked_up_later(h)


@pytest.mark.parametrize("message", LATER_MESSAGES)
def test_error_items_whose_message_says_later_are_looked_up_after_the_wait(message: str) -> None:
    """errors[] items saying their lead will be processed later (the same words as for a whole answer)."""
    errors = [{"referenceId": ref, "error": message} for ref in ("r1", "r2")]
    h = Harness(FakeCrm(answer(200, {"success": [], "errors": errors}), stored=["r1"]), settle_wait=7.0)
    _assert_looked_up_later(h)


@pytest.mark.parametrize("status", ["queued", "accepted", "scheduled"])
def test_a_queued_answer_saying_it_failed_is_still_a_refusal(status: str) -> None:
    """A status saying later does not outweigh "success": false with a message: that is a refusal."""
    body = {"success": False, "status": status, "error": "Phone number contains repeating digits pattern"}
    h = Harness(FakeCrm(answer(200, body)), settle_wait=7.0)
    result = h.submit(leads(1))
    assert result.outcomes["r1"].state == "rejected"


def test_result_items_with_an_id_and_status_accepted_are_stored() -> None:
    """An item saying "accepted" that carries the lead's _id is the lead stored, not a lead queued."""
    items = [{"referenceId": ref, "_id": f"id-{ref}", "status": "accepted"} for ref in ("r1", "r2")]
    h = Harness(FakeCrm(answer(200, {"results": items})), settle_wait=7.0)
    result = h.submit(leads(1, 2))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r1": "id-r1", "r2": "id-r2"}
    assert h.crm.gets == [] and 7.0 not in h.sleeps
