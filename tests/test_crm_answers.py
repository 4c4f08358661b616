"""Tests for importer.crm.reader: given an answer's status, headers and body, the next step and each lead's fate.

The readers are pure (no HTTP): an ``Answer`` goes in, a step comes out, and the tally says what the CRM said
of each lead. Shapes follow docs/crm-contract.md §3.2, §3.4, §4 and §6.
"""

from __future__ import annotations

import json
from collections.abc import Mapping

import pytest

from importer.crm.reader import Reader
from importer.crm.settings import CrmSettings
from importer.crm.steps import (
    Answer,
    Answered,
    Failed,
    Found,
    Halted,
    Lead,
    LeadOutcome,
    Split,
    Tally,
    Throttled,
)
from importer.errors import AuthFailed, ClientBug, KeyBlocked, ProcessNotFound, WrongAddress

TOKEN = "tok-3f9a1c77e2-secret"
PROJECT = "507f1f77bcf86cd799439011"
PROCESS = "507f1f77bcf86cd799439012"
SETTINGS = CrmSettings("https://crm.test/api/v1", TOKEN, PROJECT, PROCESS)


def redact(text: str) -> str:
    return text.replace(TOKEN, "[token]")


READER = Reader(SETTINGS, redact)


def lead(n: int) -> Lead:
    return {
        "referenceId": f"r{n}",
        "projectId": PROJECT,
        "processId": PROCESS,
        "name": f"Lead {n}",
        "phone": f"+1415555{n:04d}",
        "email": f"lead{n}@example.com",
    }


def leads(*numbers: int) -> list[Lead]:
    return [lead(n) for n in numbers]


def answer(status: int, body: object = None, *, text: str | None = None, headers: Mapping[str, str] = {}) -> Answer:
    """An answer as the transport hands it over: JSON ``body`` (and its text), or a non-JSON ``text``."""
    if text is None:
        text = json.dumps(body) if body is not None else ""
    return Answer(status, dict(headers), text, body)


def bulk(reply: Answer, sent: list[Lead]) -> tuple[object, Tally]:
    tally = Tally(redact=redact)
    return READER.read_bulk(reply, sent, tally), tally


def accepted(**ids: str) -> dict[str, LeadOutcome]:
    return {ref: LeadOutcome(ref, "accepted", lead_id=lead_id) for ref, lead_id in ids.items()}


def refs(step: object) -> list[str]:
    assert isinstance(step, Answered)
    return [str(item["referenceId"]) for item in step.unmentioned]


# -- 200 with per-lead arrays -------------------------------------------------------


def test_success_items_are_matched_to_their_leads_by_reference_id_in_any_order() -> None:
    body = {
        "success": [
            {"_id": "id3", "referenceId": "r3", "name": "Lead 3"},
            {"_id": "id1", "referenceId": "r1", "name": "Lead 1"},
        ],
        "errors": [],
    }
    step, tally = bulk(answer(200, body), leads(1, 2, 3))
    assert tally.outcomes == accepted(r1="id1", r3="id3")
    assert refs(step) == ["r2"]  # not mentioned: looked up, never taken as stored or refused


def test_success_items_naming_no_lead_are_taken_in_the_order_sent() -> None:
    body = {"success": [{"_id": "a"}, {"_id": "b"}], "errors": []}
    step, tally = bulk(answer(200, body), leads(1, 2))
    assert step == Answered(())
    assert tally.outcomes == accepted(r1="a", r2="b")
    assert tally.in_order == ["r1", "r2"]  # to be checked by lookups before the order is trusted


@pytest.mark.parametrize("status", [200, 400])
def test_error_items_of_the_reference_shape_reject_their_lead(status: int) -> None:
    """API reference: ``errors[]`` items are ``{data, referenceId, error}``; under 200 or 400 alike."""
    body = {
        "success": [{"_id": "id1", "referenceId": "r1"}],
        "errors": [{"data": {"name": "Lead 2"}, "referenceId": "r2", "error": "Invalid email format"}],
    }
    step, tally = bulk(answer(status, body), leads(1, 2))
    assert step == Answered(())
    assert tally.outcomes == {
        **accepted(r1="id1"),
        "r2": LeadOutcome("r2", "rejected", message="Invalid email format"),
    }


@pytest.mark.parametrize("status", [200, 400])
def test_error_items_of_the_guide_shape_reject_their_lead(status: int) -> None:
    """Integration guide: ``errors[]`` items are ``{leadId: <the submitted lead object>, error}``."""
    refused = {**lead(2), "referenceId": None, "phone": "4155550002"}  # matched by phone, as the CRM echoes it
    body = {"success": [], "errors": [{"leadId": refused, "error": "Phone number must be 10 digits"}]}
    step, tally = bulk(answer(status, body), leads(1, 2))
    assert tally.outcomes == {"r2": LeadOutcome("r2", "rejected", message="Phone number must be 10 digits")}
    assert refs(step) == ["r1"]


def test_an_error_item_echoing_the_token_is_recorded_without_it() -> None:
    body = {"errors": [{"referenceId": "r1", "error": f"bad lead for key {TOKEN}"}]}
    _, tally = bulk(answer(200, body), leads(1))
    assert tally.outcomes["r1"].message == "bad lead for key [token]"


def test_a_duplicate_refusal_is_left_to_a_lookup_and_counted_toward_the_block() -> None:
    """A lead refused as a duplicate may be ours from a request that landed: it is looked up, not rejected."""
    body = {
        "success": [{"_id": "id1", "referenceId": "r1"}],
        "errors": [{"referenceId": "r2", "error": "A call attempt has already been made to this phone number"}],
    }
    step, tally = bulk(answer(200, body), leads(1, 2))
    assert refs(step) == ["r2"]
    assert tally.outcomes == accepted(r1="id1")
    assert tally.duplicates == {"r2": "A call attempt has already been made to this phone number"}
    assert tally.duplicate_refusals == 1


def test_a_reference_id_the_crm_already_holds_is_looked_up_not_rejected() -> None:
    body = {"errors": [{"referenceId": "r1", "error": "Lead with referenceId r1 already exists"}]}
    step, tally = bulk(answer(200, body), leads(1))
    assert refs(step) == ["r1"] and tally.outcomes == {} and tally.existing == ["r1"]


def test_error_items_that_name_no_lead_are_kept_for_the_leads_not_found() -> None:
    body = {"success": [{"_id": "id1", "referenceId": "r1"}], "errors": [{"error": "Invalid phone"}]}
    step, tally = bulk(answer(200, body), leads(1, 2))
    assert refs(step) == ["r2"] and tally.refusals == ["Invalid phone"]


# -- 200 without arrays -------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        answer(200, text="<html><body>OK</body></html>"),
        answer(200, text=""),
        answer(201, {"success": True, "message": "Leads queued"}),
    ],
    ids=["html", "empty", "no-arrays"],
)
def test_a_2xx_that_says_nothing_per_lead_leaves_every_lead_to_a_lookup(reply: Answer) -> None:
    step, tally = bulk(reply, leads(1, 2))
    assert refs(step) == ["r1", "r2"]
    assert tally.outcomes == {}


# -- 400 without arrays -------------------------------------------------------------


def test_the_1000_leads_maximum_splits_the_batch_in_halves() -> None:
    step, tally = bulk(answer(400, {"error": "Maximum of 1000 leads allowed per request"}), leads(*range(1, 8)))
    assert step == Split(4)
    assert tally.outcomes == {}


def test_a_smaller_maximum_than_half_the_batch_is_the_chunk_size() -> None:
    step, _ = bulk(answer(400, {"error": "Maximum 3 leads per request"}), leads(*range(1, 11)))
    assert step == Split(3, limit=3)  # the next batches go in 3s at once


def test_a_400_for_one_lead_rejects_it() -> None:
    step, tally = bulk(answer(400, {"error": "Invalid email format"}), leads(1))
    assert step == Answered(())
    assert tally.outcomes == {"r1": LeadOutcome("r1", "rejected", message="Invalid email format")}


def test_a_400_for_a_batch_is_narrowed_down_in_halves() -> None:
    step, tally = bulk(answer(400, {"error": "Invalid email format"}), leads(1, 2, 3))
    assert step == Split(2) and tally.outcomes == {}


def test_a_duplicate_400_for_a_batch_sends_every_lead_alone() -> None:
    """Each resend of a duplicate counts toward the key block: lead by lead, it is sent once more, not per halving."""
    step, tally = bulk(answer(400, {"error": "Duplicate lead"}), leads(1, 2, 3, 4))
    assert step == Split(1) and tally.duplicate_refusals == 1


@pytest.mark.parametrize("message", ["Either leadIds or leads array is required", "Input must be an array", ""])
def test_a_400_about_the_request_shape_stops_the_run_as_our_bug(message: str) -> None:
    step, tally = bulk(answer(400, {"error": message}), leads(1, 2))
    assert isinstance(step, Halted) and isinstance(step.stop, ClientBug) and not step.landed
    assert "bug in leadimport" in str(step.stop) and tally.outcomes == {}


# -- 429 ----------------------------------------------------------------------------


def test_a_429_block_stops_the_run() -> None:
    body = {"success": False, "error": "API key temporarily blocked for duplicate submissions"}
    step, _ = bulk(answer(429, body), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, KeyBlocked) and not step.landed
    assert "temporarily blocked" in str(step.stop)


@pytest.mark.parametrize(
    ("headers", "wait"), [({"retry-after": "7"}, 7.0), ({}, None), ({"retry-after": "soon"}, None)]
)
def test_a_plain_429_is_waited_out(headers: Mapping[str, str], wait: float | None) -> None:
    step, tally = bulk(answer(429, {"error": "Too many requests"}, headers=headers), leads(1))
    assert step == Throttled(wait) and tally.outcomes == {}


def test_a_429_asking_for_a_wait_beyond_five_minutes_is_a_block() -> None:
    step, _ = bulk(answer(429, {"error": "Too many requests"}, headers={"retry-after": "3600"}), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, KeyBlocked)
    assert "3600 s" in str(step.stop)


# -- other statuses -----------------------------------------------------------------


def test_a_5xx_may_have_landed() -> None:
    step, _ = bulk(answer(502, text="<html>Bad Gateway</html>"), leads(1))
    assert step == Failed("HTTP 502: Bad Gateway", landed=True, gateway=True)  # the page says why; a gateway's


def test_a_403_is_an_auth_failure_without_the_token_in_its_message() -> None:
    step, _ = bulk(answer(403, {"error": f"token {TOKEN} does not match authenticated project"}), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, AuthFailed)
    assert TOKEN not in str(step.stop) and "[token]" in str(step.stop) and PROJECT in str(step.stop)


def test_a_redirect_is_a_wrong_address() -> None:
    step, _ = bulk(answer(301, text="", headers={"location": "https://crm.test/login"}), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, WrongAddress)
    assert "https://crm.test/login" in str(step.stop)


def test_process_not_found_stops_the_run() -> None:
    step, _ = bulk(answer(404, {"error": f"Process not found for lead with processId: {PROCESS}"}), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, ProcessNotFound)


def test_a_413_splits_the_batch_and_refuses_a_lead_too_large_alone() -> None:
    step, _ = bulk(answer(413, text="<html>413 Request Entity Too Large</html>"), leads(1, 2, 3))
    assert step == Split(2)
    step, tally = bulk(answer(413, text="<html>413 Request Entity Too Large</html>"), leads(1))
    assert step == Answered(()) and tally.outcomes["r1"].state == "rejected"


def test_a_non_json_error_is_an_unexpected_answer() -> None:
    step, _ = bulk(answer(418, text="<html>I'm a teapot</html>"), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, ClientBug)
    assert "HTTP 418" in str(step.stop) and "teapot" in str(step.stop)


# -- GET /leads/get -----------------------------------------------------------------


def found(reply: Answer, reference_id: str = "r1") -> object:
    return READER.read_found(reply, reference_id)


def test_a_found_lead_of_our_process_gives_its_id() -> None:
    data = {"_id": "id1", "referenceId": "r1", "projectId": PROJECT, "processId": PROCESS}
    assert found(answer(200, {"success": True, "data": data})) == Found("id1")


def test_a_lead_of_another_process_is_not_ours() -> None:
    data = {"_id": "id1", "referenceId": "r1", "projectId": PROJECT, "processId": "another"}
    assert found(answer(200, {"success": True, "data": data})) == Found(None)


@pytest.mark.parametrize(
    "reply",
    [
        answer(404, {"success": False, "error": "Lead not found"}),
        answer(200, {"success": True, "data": None}),
        answer(400, {"success": False, "error": "Lead not found"}),
    ],
    ids=["404", "null-data", "400-not-found"],
)
def test_a_missing_lead_is_not_found(reply: Answer) -> None:
    assert found(reply) == Found(None)


def test_a_cannot_get_404_is_a_wrong_address_not_a_missing_lead() -> None:
    step = found(answer(404, text="<pre>Cannot GET /api/v1/leads/get</pre>"))
    assert isinstance(step, Halted) and isinstance(step.stop, ClientBug)


# -- answers the contract leaves open (docs/crm-contract.md §6) ----------------------


@pytest.mark.parametrize(
    ("body", "wait"),
    [
        ({"error": "Too many requests, try again in 2 seconds"}, 2.0),
        ({"error": "Rate limit exceeded", "retryAfter": 4}, 4.0),
        ({"error": "Rate limit exceeded. Please wait 1 minute."}, 60.0),
    ],
)
def test_a_429_asking_in_its_body_for_a_wait_is_waited_that_long(body: object, wait: float) -> None:
    step, _ = bulk(answer(429, body), leads(1))
    assert step == Throttled(wait)


def test_a_429_asking_in_its_body_for_a_wait_of_half_an_hour_is_a_block() -> None:
    step, _ = bulk(answer(429, {"error": "Too many requests, retry after 30 minutes"}), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, KeyBlocked) and "1800 s" in str(step.stop)


@pytest.mark.parametrize(
    ("message", "stop"),
    [
        ("API key temporarily blocked due to repeated duplicate submissions", KeyBlocked),
        ("Your API key has been suspended", KeyBlocked),
        ("API key suspension in effect for 60 minutes", KeyBlocked),
        ("Process not found for lead with processId: 507f1f77bcf86cd799439012", ProcessNotFound),
        ("Invalid API token", AuthFailed),
        ("Token expired", AuthFailed),
        ("projectId does not match authenticated project", AuthFailed),
    ],
)
def test_a_200_saying_success_false_stops_as_its_message_says(message: str, stop: type[Exception]) -> None:
    step, tally = bulk(answer(200, {"success": False, "error": message}), leads(1, 2))
    assert isinstance(step, Halted) and isinstance(step.stop, stop) and not step.landed and tally.outcomes == {}


def test_a_200_saying_success_false_for_a_lead_refuses_it_as_a_400_would() -> None:
    step, tally = bulk(answer(200, {"success": False, "error": "Invalid phone number format"}), leads(1))
    assert step == Answered(()) and tally.outcomes["r1"] == LeadOutcome(
        "r1", "rejected", message="Invalid phone number format"
    )
    step, _ = bulk(answer(200, {"success": False, "error": "Invalid phone number format"}), leads(1, 2, 3, 4))
    assert step == Split(2)
    step, _ = bulk(answer(200, {"success": False, "message": "Too many requests"}), leads(1, 2))
    assert step == Throttled(None)


def test_a_lead_whose_phone_is_blocked_is_no_key_block() -> None:
    step, tally = bulk(answer(200, {"success": False, "error": "Phone number is blocked (DND)"}), leads(1))
    assert step == Answered(()) and tally.outcomes["r1"].state == "rejected"


@pytest.mark.parametrize("key", ["data", "result", "response"])
def test_arrays_in_an_envelope_are_read(key: str) -> None:
    body = {"success": True, key: {"success": [{"_id": "a3", "referenceId": "r3"}], "errors": [
        {"referenceId": "r1", "error": "Invalid email format"}]}}  # fmt: skip
    step, tally = bulk(answer(200, body), leads(1, 2, 3))
    assert refs(step) == ["r2"]
    assert tally.outcomes == {
        "r3": LeadOutcome("r3", "accepted", lead_id="a3"),
        "r1": LeadOutcome("r1", "rejected", message="Invalid email format"),
    }


@pytest.mark.parametrize("base", [0, 1])
def test_results_naming_their_lead_by_index_are_placed(base: int) -> None:
    body = {"results": [
        {"index": base + 2, "status": "failed", "error": {"code": 11000, "message": "Invalid email format"}},
        {"index": base, "status": "created", "id": "a1"},
        {"index": base + 1, "ok": True, "leadId": "a2"},
    ]}  # fmt: skip
    step, tally = bulk(answer(200, body), leads(1, 2, 3))
    assert refs(step) == []
    assert tally.outcomes == {
        "r1": LeadOutcome("r1", "accepted", lead_id="a1"),
        "r2": LeadOutcome("r2", "accepted", lead_id="a2"),
        "r3": LeadOutcome("r3", "rejected", message="Invalid email format"),
    }


def test_error_indexes_that_could_count_from_0_or_1_are_left_to_the_lookups() -> None:
    body = {"success": [{"_id": "a1"}, {"_id": "a2"}], "failed": [{"index": 1, "error": "Invalid email format"}]}
    step, tally = bulk(answer(200, body), leads(1, 2, 3))
    assert refs(step) == ["r1", "r2", "r3"] and tally.outcomes == {}
    assert tally.refusals == ["Invalid email format"]


@pytest.mark.parametrize(
    "body",
    [
        {"success": False, "error": "Lead not found"},
        {"success": False, "message": "No lead with this referenceId"},
        {"success": True, "data": []},
        {"success": True, "data": [{"_id": "x9", "referenceId": "r7", "projectId": PROJECT, "processId": PROCESS}]},
    ],
)
def test_a_lookup_answering_200_without_the_lead_is_not_found(body: object) -> None:
    assert READER.read_found(answer(200, body), "r1") == Found(None)


def test_a_lookup_answering_a_list_finds_the_lead_in_it() -> None:
    body = {"data": [{"_id": "x9", "referenceId": "r7"}, {"_id": "a1", "referenceId": "r1", "processId": PROCESS}]}
    assert READER.read_found(answer(200, body), "r1") == Found("a1")


def test_a_lookup_answering_200_with_a_refused_token_stops() -> None:
    step = READER.read_found(answer(200, {"success": False, "error": "Unauthorized"}), "r1")
    assert isinstance(step, Halted) and isinstance(step.stop, AuthFailed)


def test_arrays_of_bare_strings_are_read_as_ids_and_messages() -> None:
    """A "simplified" answer: success[] lists the stored leads' referenceIds, errors[] only messages."""
    body = {"success": ["r1", "r3"], "errors": ["Phone number contains repeating digits pattern"]}
    step, tally = bulk(answer(200, body), leads(1, 2, 3))
    assert refs(step) == ["r2"]
    assert tally.outcomes == accepted(r1=None, r3=None)  # type: ignore[arg-type]
    assert tally.refusals == ["Phone number contains repeating digits pattern"]


def test_an_error_item_giving_its_message_under_another_key_keeps_it() -> None:
    body = {"success": [], "errors": [{"referenceId": "r1", "reason": "Invalid phone number format"}]}
    _, tally = bulk(answer(200, body), leads(1))
    assert tally.outcomes["r1"] == LeadOutcome("r1", "rejected", message="Invalid phone number format")


@pytest.mark.parametrize("key", ["lead", "result"])
def test_a_lookup_answering_the_lead_under_another_key_finds_it(key: str) -> None:
    body = {"success": True, key: {"_id": "a1", "referenceId": "r1", "projectId": PROJECT, "processId": PROCESS}}
    assert READER.read_found(answer(200, body), "r1") == Found("a1")


def test_a_proxy_429_page_styled_with_block_is_a_rate_limit() -> None:
    """A proxy's HTML 429 page whose markup says "display:block" (or a script "blocked" nothing) is waited out,
    not taken for the CRM blocking the key; a page that says so in its text is a block."""
    page = (
        "<html><head><style>.box{display:block}</style><script>var blocked=false;</script></head>"
        "<body><h1>429 Too Many Requests</h1><p>Please slow down.</p></body></html>"
    )
    step, _ = bulk(answer(429, text=page), leads(1))
    assert step == Throttled(None)
    step, _ = bulk(answer(429, text="<html><body><p>Your API key is blocked.</p></body></html>"), leads(1))
    assert isinstance(step, Halted) and isinstance(step.stop, KeyBlocked)


def test_an_index_pointing_at_a_lead_another_item_names_is_not_trusted() -> None:
    """errors[] numbering its own items (index 0 = the first error) while success[] names lead r1: the index is
    not taken for r1's position, and the lead it is about is found by looking up."""
    body = {"success": [{"_id": "a1", "referenceId": "r1"}], "errors": [{"index": 0, "error": "Invalid email format"}]}
    step, tally = bulk(answer(200, body), leads(1, 2))
    assert refs(step) == ["r2"] and tally.outcomes == accepted(r1="a1")
    assert tally.refusals == ["Invalid email format"]
