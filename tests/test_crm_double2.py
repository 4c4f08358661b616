"""Imports against a CRM that answers in more ways the contract leaves open (docs/crm-contract.md §6), over
real HTTP on loopback: refusals under other statuses than 400 (409 Conflict, 422 Unprocessable Entity) and
answers whose keys are spelled in another case. Every good lead is stored once, every row says what became
of it, the exit code follows docs/design.md, and a rerun sends nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from importer.sandbox.server import Sandbox
from tests.sandbox_util import MAPPING, good_phones, write_sheet
from tests.test_crm_double import CALLED, crm_settings, import_into, statuses


@pytest.mark.parametrize(
    "overrides",
    [
        {"errors_status": 409},
        {"errors_status": 422},
        {"errors_status": 409, "error_shape": "guide"},
        {"whole_batch_refusal": 409},
        {"whole_batch_refusal": 422},
    ],
    ids=["409-arrays", "422-arrays", "409-guide-errors", "409-whole-batch", "422-whole-batch"],
)
def test_refusals_under_409_or_422_reject_those_leads_and_store_the_others(
    tmp_path: Path, mapping_file: Callable[..., Path], overrides: dict[str, Any]
) -> None:
    """A CRM answering its per-lead refusals (or a batch refused whole for one lead) with 409 Conflict or 422
    Unprocessable Entity instead of 400: the refused leads are rejected with the CRM's message, the others
    stored once, the run goes on (it stopped as 'an unexpected body', every row pending), and a rerun sends
    nothing again."""
    phones = good_phones(12, seed=311)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[1], phones[7]], **overrides)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
        again = import_into(crm, sheet, mapping, ledger)
        after = crm.stats()
    rows = statuses(outcome)
    assert outcome.stop_message is None
    assert rows[phones[1]] == rows[phones[7]] == ("rejected", CALLED)
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(set(phones) - {phones[1], phones[7]})
    assert outcome.summary.counts == {"accepted": 10, "rejected": 2} and outcome.exit_code == 1
    assert again.summary.counts == {"already-imported": 10, "rejected": 2}
    assert len(crm.leads()) == 10 and not after.blocked


@pytest.mark.parametrize("body", [None, {}, {"success": False}], ids=["empty", "empty-json", "no-message"])
def test_a_409_without_a_reason_is_read_as_a_duplicate_of_one_lead(body: dict[str, Any] | None) -> None:
    """A bare 409 Conflict (no body, or JSON saying nothing) for a batch: each lead goes alone (the conflicting one is a duplicate,
    sent once more, not once per halving); it is rejected saying the CRM reported a conflict, the others
    are stored, and the run goes on."""
    import httpx

    from tests.test_crm import FakeCrm, Harness, accept_all, leads

    def conflict_on_r2(sent: list[dict[str, Any]]) -> httpx.Response:
        if any(lead["referenceId"] == "r2" for lead in sent):
            return httpx.Response(409) if body is None else httpx.Response(409, json=body)
        return accept_all(sent)

    crm = FakeCrm(*[conflict_on_r2] * 10)
    result = Harness(crm).submit(leads(1, 2, 3, 4))
    assert result.stop is None
    assert result.outcomes["r2"].state == "rejected"
    assert "409 Conflict" in str(result.outcomes["r2"].message)
    assert {ref for ref, o in result.outcomes.items() if o.state == "accepted"} == {"r1", "r3", "r4"}
    assert sum("r2" in batch for batch in crm.refs_posted()) == 2


@pytest.mark.parametrize(
    "overrides",
    [{}, {"error_shape": "guide"}, {"answer_shape": "envelope"}, {"answer_shape": "results"}],
    ids=["arrays", "guide-errors", "envelope", "results"],
)
def test_answers_whose_keys_are_capitalized_are_read_lead_by_lead(
    tmp_path: Path, mapping_file: Callable[..., Path], overrides: dict[str, Any]
) -> None:
    """A CRM whose serializer capitalizes every key (Success, Errors, ReferenceId, _Id, Data): each answer is
    read as the contract's. The refused leads are rejected with the CRM's message at once, never sent again,
    the others accepted with their _id, nothing looked up or sent twice; a rerun (which looks leads up) sends
    nothing."""
    phones = good_phones(12, seed=312)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=phones[:2], key_case="pascal", **overrides)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
        first = crm.stats()
        again = import_into(crm, sheet, mapping, ledger)
        after = crm.stats()
    rows = statuses(outcome)
    assert {phone: rows[phone] for phone in phones[:2]} == {phone: ("rejected", CALLED) for phone in phones[:2]}
    assert all(rows[phone][0] == "accepted" for phone in phones[2:])
    ids = {str(lead["phone"])[-10:]: lead["_id"] for lead in stored}
    assert sorted(ids) == sorted(phones[2:])
    assert [str(i) for i in outcome.rows["lead_id"][2:]] == [ids[phone] for phone in phones[2:]]
    assert first.duplicates == 2 and sum(first.initiate_sizes) == 12 and outcome.exit_code == 1  # each sent once
    assert again.summary.counts == {"already-imported": 10, "rejected": 2} and after.duplicates == 2
    assert len(crm.leads()) == 10


def test_answers_in_snake_case_are_read_without_lookups() -> None:
    """A bulk answer in snake case (reference_id, lead_id) and in capitals (ERRORS, Error): the stored leads
    get their ids, the refused one the CRM's message, nothing is looked up or sent again."""
    import httpx

    from tests.test_crm import FakeCrm, Harness, leads

    body = {
        "success": [{"lead_id": "a1", "reference_id": "r1"}, {"lead_id": "a3", "reference_id": "r3"}],
        "ERRORS": [{"Reference_ID": "r2", "Error": "Phone number contains repeating digits pattern"}],
    }
    crm = FakeCrm(httpx.Response(200, json=body))
    result = Harness(crm).submit(leads(1, 2, 3))
    assert {ref: (o.state, o.lead_id, o.message) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", "a1", None),
        "r2": ("rejected", None, "Phone number contains repeating digits pattern"),
        "r3": ("accepted", "a3", None),
    }
    assert crm.gets == [] and len(crm.posts) == 1


def test_key_spelling_keeps_the_contracts_key_and_the_leads_metadata() -> None:
    """Keys are renamed only where the contract's spelling is absent, and a lead's metadata keeps its own."""
    from importer.crm.keys import canonical

    documented = {"success": [{"_id": "a1", "referenceId": "r1"}], "errors": []}
    assert canonical(documented) is documented
    body = {"Data": {"_Id": "a1", "_id": "a2", "ReferenceId": "r1", "Metadata": {"Lead_ID": "x", "Phone": "1"}}}
    assert canonical(body) == {
        "data": {"_id": "a2", "referenceId": "r1", "metadata": {"Lead_ID": "x", "Phone": "1"}},
    }


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (404, {"message": "Process 507f1f77bcf86cd799439012 does not exist"}),
        (404, {"error": "No such process"}),
        (400, {"error": "Invalid processId"}),
        (422, {"error": "processId: unknown process"}),
        (200, {"success": False, "error": "Process does not exist in this project"}),
    ],
    ids=["404-does-not-exist", "404-no-such", "400-invalid", "422-unknown", "200-success-false"],
)
def test_a_process_the_crm_does_not_know_in_other_words_stops_the_run(status: int, body: dict[str, Any]) -> None:
    """The CRM refusing the configured process in other words than the contract's 'Process not found', or under
    400/422: the run stops at once as a wrong process id (fixed in the mapping), its leads unsent (pending),
    not split lead by lead into a request per lead, each lead rejected for good (400), nor a 'bug in leadimport'
    (404)."""
    import httpx

    from importer.errors import ProcessNotFound
    from tests.test_crm import FakeCrm, Harness, leads

    crm = FakeCrm(*[httpx.Response(status, json=body)] * 10)
    result = Harness(crm).submit(leads(1, 2, 3, 4))
    assert isinstance(result.stop, ProcessNotFound), result.stop
    assert "process id" in str(result.stop) and str(body.get("error") or body.get("message")) in str(result.stop)
    assert result.outcomes == {} and sorted(result.unsent) == ["r1", "r2", "r3", "r4"]
    assert len(crm.posts) == 1


def test_a_cap_the_crm_states_below_1000_is_kept_for_the_next_batches() -> None:
    """A CRM taking at most 300 leads a request ("Maximum of 300 leads allowed per request"): the first batch
    too large is split to 300s, and every later batch goes in 300s at once, not refused first (a wasted
    request of the ~100 per 5 s each time). Every lead is stored once."""
    import httpx

    from tests.test_crm import FakeCrm, Harness, accept_all, leads

    def at_most_300(sent: list[dict[str, Any]]) -> httpx.Response:
        if len(sent) > 300:
            return httpx.Response(400, json={"error": "Maximum of 300 leads allowed per request"})
        return accept_all(sent)

    crm = FakeCrm(*[at_most_300] * 100)
    h = Harness(crm)
    for first in (1, 1001, 2001):
        result = h.submit(leads(*range(first, first + 1000)))
        assert result.stop is None and sum(o.state == "accepted" for o in result.outcomes.values()) == 1000
    sizes = [len(batch) for batch in crm.posts]
    assert sizes == [1000, 300, 300, 300, 100] + [300, 300, 300, 100] * 2
    stored = [ref for batch in crm.refs_posted() if len(batch) <= 300 for ref in batch]
    assert len(stored) == len(set(stored)) == 3000


@pytest.mark.parametrize("retry_after", ["86400", "7200"])
def test_a_crm_down_for_longer_than_a_pause_stops_at_once(retry_after: str) -> None:
    """A 503 asking to come back in hours (maintenance): the run stops at once as the CRM being down, saying
    when to run again, its leads pending and looked up by the next run (the request may have landed); before,
    every attempt, probe and lookup round waited 5 minutes, keeping the run hanging for the best part of an
    hour before it stopped."""
    import httpx

    from importer.errors import CrmUnreachable, StopKind
    from tests.test_crm import FakeCrm, Harness, leads

    down = httpx.Response(503, headers={"Retry-After": retry_after}, json={"error": "Down for maintenance"})
    crm = FakeCrm(*[down] * 10)
    h = Harness(crm)
    result = h.submit(leads(1, 2, 3))
    assert isinstance(result.stop, CrmUnreachable) and result.stop.stop_kind == StopKind.CRM_DOWN
    hours = int(retry_after) // 3600
    assert f"{hours} hours" in str(result.stop) and "run the same command again" in str(result.stop)
    assert "HTTP 503" in str(result.stop) and "Down for maintenance" in str(result.stop)
    assert sorted(result.unknown) == ["r1", "r2", "r3"] and result.outcomes == {}
    assert len(crm.posts) == 1 and sum(h.sleeps) + sum(h.limiter.pauses) < 60


def test_a_crm_down_for_a_few_minutes_is_waited_out() -> None:
    """A 503 asking for 2 minutes is waited out (no sooner than it asks), and the leads then go in."""
    import httpx

    from tests.test_crm import FakeCrm, Harness, accept_all, leads

    crm = FakeCrm(httpx.Response(503, headers={"Retry-After": "120"}), accept_all)
    h = Harness(crm)
    result = h.submit(leads(1, 2))
    assert result.stop is None and {o.state for o in result.outcomes.values()} == {"accepted"}
    assert max([*h.sleeps, *h.limiter.pauses]) >= 120
