"""Tests for importer.crm.client: outcome handling per docs/crm-contract.md §5, against httpx.MockTransport."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest

from importer.crm.client import (
    BatchResult,
    CrmClient,
    CrmSettings,
    LeadOutcome,
    RetryPolicy,
)
from importer.crm.dup_budget import DUPLICATE_WINDOW
from importer.crm.limiter import RateLimit, RateLimiter
from importer.errors import (
    AuthFailed,
    ClientBug,
    ConfigError,
    CrmError,
    CrmUnreachable,
    KeyBlocked,
    ProcessNotFound,
    WrongAddress,
)

TOKEN = "tok-3f9a1c77e2-secret"
PROJECT = "507f1f77bcf86cd799439011"
PROCESS = "507f1f77bcf86cd799439012"
BASE = "https://crm.test/api/v1"
SETTINGS = CrmSettings(BASE, TOKEN, PROJECT, PROCESS)

Lead = dict[str, Any]
Reply = httpx.Response | Exception | Callable[[list[Lead]], httpx.Response]


def lead(n: int, **fields: Any) -> Lead:
    """A lead as the pipeline would send it."""
    return {
        "referenceId": f"r{n}",
        "projectId": PROJECT,
        "processId": PROCESS,
        "name": f"Lead {n}",
        "phone": f"+1415555{n:04d}",
        "email": f"lead{n}@example.com",
        **fields,
    }


def leads(*numbers: int) -> list[Lead]:
    return [lead(n) for n in numbers]


def crm_id(ref: str) -> str:
    return f"id-{ref}"


def accept_all(sent: list[Lead]) -> httpx.Response:
    """The CRM storing every lead and answering in the reference shape."""
    return httpx.Response(
        200,
        json={
            "success": [{"_id": crm_id(x["referenceId"]), **x} for x in sent],
            "errors": [],
        },
    )


def answer(status: int, body: object = None, **kwargs: Any) -> httpx.Response:
    return httpx.Response(status, json=body, **kwargs)


class FakeCrm:
    """A scripted CRM: POSTs get queued replies, GETs look up ``stored`` (or queued replies)."""

    def __init__(
        self,
        *post_replies: Reply,
        stored: Sequence[str] = (),
        get_replies: dict[str, list[Reply]] | None = None,
    ) -> None:
        self.post_replies = list(post_replies)
        self.stored = set(stored)
        self.get_replies = get_replies or {}
        self.posts: list[list[Lead]] = []
        self.post_bodies: list[dict[str, Any]] = []
        self.gets: list[str] = []
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if request.method == "POST":
            return self._post(request)
        return self._get(request)

    def _post(self, request: httpx.Request) -> httpx.Response:
        assert request.url == f"{BASE}/leads/bulk/initiate"
        body = json.loads(request.content)
        self.post_bodies.append(body)
        self.posts.append(body["leads"])
        reply = self.post_replies.pop(0) if self.post_replies else accept_all
        return self._play(reply, body["leads"])

    def _get(self, request: httpx.Request) -> httpx.Response:
        assert request.url.path == "/api/v1/leads/get"
        ref = request.url.params["referenceId"]
        self.gets.append(ref)
        queued = self.get_replies.get(ref)
        if queued:
            return self._play(queued.pop(0), [])
        if ref in self.stored:
            return answer(200, {"success": True, "data": {"_id": crm_id(ref), "referenceId": ref}})
        return answer(404, {"success": False, "error": f"Lead with referenceId {ref} not found"})

    @staticmethod
    def _play(reply: Reply, sent: list[Lead]) -> httpx.Response:
        if isinstance(reply, Exception):
            raise reply
        if isinstance(reply, httpx.Response):
            return reply
        return reply(sent)

    def refs_posted(self) -> list[list[str]]:
        return [[x["referenceId"] for x in batch] for batch in self.posts]


class FakeClock:
    """A clock that only moves when the limiter sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class SpyLimiter(RateLimiter):
    """A fake-clock limiter that notes each acquire and pause."""

    def __init__(self, clock: FakeClock, events: list[str]) -> None:
        super().__init__(clock=clock, sleep=clock.sleep)
        self.events = events
        self.pauses: list[float] = []

    def acquire(self, *, hold: bool = False) -> float:
        self.events.append("acquire")
        return super().acquire(hold=hold)

    def pause(self, seconds: float) -> None:
        self.pauses.append(seconds)
        super().pause(seconds)


class Harness:
    """A CrmClient wired to a FakeCrm, a fake clock and a sleep that only records."""

    def __init__(self, crm: FakeCrm, *, attempts: int = 5, settings: CrmSettings = SETTINGS, settle_wait: float = 0.0):
        self.crm = crm
        self.clock = FakeClock()
        self.events: list[str] = []
        self.limiter = SpyLimiter(self.clock, self.events)
        self.sleeps: list[float] = []

        def handler(request: httpx.Request) -> httpx.Response:
            self.events.append(request.method)
            return crm(request)

        self.client = CrmClient(
            settings,
            limiter=self.limiter,
            http=httpx.Client(transport=httpx.MockTransport(handler)),
            retry=RetryPolicy(attempts=attempts, settle_wait=settle_wait),
            sleep=self.sleeps.append,
        )

    def submit(self, batch: list[Lead]) -> BatchResult:
        before = len(self.crm.requests)
        result = self.client.submit(batch)
        assert_partition(result, batch)
        assert result.requests == len(self.crm.requests) - before
        return result


def assert_partition(result: BatchResult, batch: list[Lead]) -> None:
    """Every lead of the batch is in exactly one of outcomes, unsent, unknown."""
    refs = [x["referenceId"] for x in batch]
    placed = [*result.outcomes, *result.unsent, *result.unknown]
    assert sorted(placed) == sorted(refs)


def accepted(*refs: str) -> dict[str, LeadOutcome]:
    return {ref: LeadOutcome(ref, "accepted", lead_id=crm_id(ref)) for ref in refs}


# -- the request itself -----------------------------------------------------------------


def test_posts_leads_with_bearer_token_and_init_flag() -> None:
    """A batch goes out as one POST with the bearer token, the leads and init, and is accepted."""
    h = Harness(FakeCrm())
    batch = leads(1, 2, 3)
    result = h.submit(batch)
    request = h.crm.requests[0]
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert h.crm.post_bodies == [{"leads": batch, "init": True}]
    assert result == BatchResult(accepted("r1", "r2", "r3"), (), (), None, 1)


def test_init_false_is_sent_when_configured() -> None:
    """settings.init=False reaches the CRM as init: false."""
    settings = CrmSettings(BASE, TOKEN, PROJECT, PROCESS, init=False)
    h = Harness(FakeCrm(), settings=settings)
    h.submit(leads(1))
    assert h.crm.post_bodies[0]["init"] is False


def test_every_request_waits_for_the_limiter_first() -> None:
    """Each POST and GET is preceded by its own limiter.acquire() (r2, not found while r1 is, is looked up
    once more after the duplicate window before it is sent again)."""
    h = Harness(FakeCrm(answer(500), stored=["r1"]))
    h.submit(leads(1, 2))
    assert h.events == ["acquire", "POST", "acquire", "GET", "acquire", "GET", "acquire", "GET", "acquire", "POST"]


def test_empty_batch_sends_nothing() -> None:
    """Submitting no leads makes no request."""
    h = Harness(FakeCrm())
    assert h.submit([]) == BatchResult({}, (), (), None, 0)


def test_batch_with_repeated_reference_id_is_refused() -> None:
    """A batch whose leads share a referenceId is a caller bug, refused before sending."""
    h = Harness(FakeCrm())
    with pytest.raises(ValueError, match="referenceId"):
        h.client.submit([lead(1), lead(1)])
    assert h.crm.requests == []


# -- success[] / errors[] -------------------------------------------------------------


@pytest.mark.parametrize("status", [200, 400])
def test_reference_error_shape_rejects_with_message_verbatim(status: int) -> None:
    """errors[] items {data, referenceId, error} reject their lead, under 200 and under 400."""
    message = "Phone number contains repeating digits pattern"
    body = {
        "success": [{"_id": crm_id("r1"), "referenceId": "r1"}],
        "errors": [{"data": lead(2), "referenceId": "r2", "error": message}],
    }
    h = Harness(FakeCrm(answer(status, body)))
    result = h.submit(leads(1, 2))
    assert result.outcomes == {
        **accepted("r1"),
        "r2": LeadOutcome("r2", "rejected", message=message),
    }
    assert (result.unsent, result.unknown, result.stop, result.requests) == ((), (), None, 1)


@pytest.mark.parametrize("status", [200, 400])
def test_guide_error_shape_with_lead_object_rejects_its_lead(status: int) -> None:
    """errors[] items {leadId: <submitted lead object>, error} reject that lead, under 200 and 400 (a duplicate
    refusal after looking the lead up: the CRM does not hold it under its referenceId)."""
    message = "r2 already exists for this project and process"
    body = {
        "success": [{"_id": crm_id("r1"), "firstName": "Lead", "phone": lead(1)["phone"]}],
        "errors": [
            {"leadId": lead(2), "error": message},
            {"lead": lead(3), "error": "A call attempt has already been made"},
        ],
    }
    h = Harness(FakeCrm(answer(status, body)))
    result = h.submit(leads(1, 2, 3))
    assert result.outcomes["r1"] == accepted("r1")["r1"]
    assert result.outcomes["r2"] == LeadOutcome("r2", "rejected", message=message)
    assert result.outcomes["r3"].state == "rejected"
    assert sorted(h.crm.gets) == ["r2", "r3"]
    assert len(h.crm.posts) == 1  # looked up, never sent again


def test_a_duplicate_refusal_of_a_lead_the_crm_holds_is_accepted() -> None:
    """An interrupted earlier request may have stored the lead: "a call attempt has already been made to this
    phone number" for a lead the CRM holds under its own referenceId is that lead, accepted with its _id;
    one it does not hold is a real refusal. Neither is sent again."""
    message = "A call attempt has already been made to this phone number for this project"
    body = {
        "success": [{"_id": crm_id("r1"), "referenceId": "r1"}],
        "errors": [{"referenceId": "r2", "error": message}, {"referenceId": "r3", "error": message}],
    }
    h = Harness(FakeCrm(answer(200, body), stored=["r2"]))
    result = h.submit(leads(1, 2, 3))
    assert result.outcomes == {
        **accepted("r1"),
        **accepted("r2"),
        "r3": LeadOutcome("r3", "rejected", message=message),
    }
    assert len(h.crm.posts) == 1


def test_a_lone_lead_refused_as_a_duplicate_by_a_400_is_looked_up() -> None:
    message = "A call attempt has already been made to this phone number for this project"
    h = Harness(FakeCrm(answer(400, {"success": False, "error": message}), stored=["r1"]))
    assert h.submit(leads(1)).outcomes == accepted("r1")


def test_error_matched_by_data_reference_id_only() -> None:
    """An errors[] item whose referenceId sits only inside data still finds its lead."""
    body = {"success": [], "errors": [{"data": {"referenceId": "r1"}, "error": "bad"}]}
    h = Harness(FakeCrm(answer(200, body)))
    result = h.submit(leads(1))
    assert result.outcomes == {"r1": LeadOutcome("r1", "rejected", message="bad")}


def test_error_matched_by_lead_id_string_equal_to_reference_id() -> None:
    """An errors[] item whose leadId string is a submitted referenceId rejects that lead."""
    body = {"success": [], "errors": [{"leadId": "r2", "error": "nope"}]}
    h = Harness(FakeCrm(answer(400, body), stored=["r1"]))
    result = h.submit(leads(1, 2))
    assert result.outcomes["r2"] == LeadOutcome("r2", "rejected", message="nope")
    assert result.outcomes["r1"] == accepted("r1")["r1"]


def test_success_items_without_reference_id_match_by_phone_then_email() -> None:
    """success[] items lacking referenceId are matched by phone digits, else by email."""
    body = {
        "success": [
            {"_id": "a1", "phone": "+1 (415) 555-0001"},
            {"id": "a2", "email": "LEAD2@example.com"},
            {"_id": "a3", "referenceId": "r3"},
        ],
        "errors": [],
    }
    h = Harness(FakeCrm(answer(200, body)))
    result = h.submit(leads(1, 2, 3))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {
        "r1": "a1",
        "r2": "a2",
        "r3": "a3",
    }
    assert h.crm.gets == []


def test_ambiguous_phone_is_not_guessed() -> None:
    """A success item whose phone two leads share is not matched; the leads are looked up."""
    shared = "+14155550100"
    batch = [lead(1, phone=shared), lead(2, phone=shared, email="other@example.com")]
    body = {"success": [{"_id": "x", "phone": shared}], "errors": []}
    h = Harness(FakeCrm(answer(200, body), stored=["r1", "r2"]))
    result = h.submit(batch)
    assert result.outcomes == accepted("r1", "r2")
    assert h.crm.gets == ["r1", "r2"]


def test_unmentioned_leads_are_looked_up_and_only_absent_ones_resent_once() -> None:
    """Leads in neither array are checked; found ones accepted, absent ones resent in one new POST."""
    first = answer(200, {"success": [{"_id": crm_id("r1"), "referenceId": "r1"}], "errors": []})
    h = Harness(FakeCrm(first, stored=["r2"]))
    result = h.submit(leads(1, 2, 3))
    assert h.crm.gets == ["r2", "r3"]
    assert h.crm.refs_posted() == [["r1", "r2", "r3"], ["r3"]]
    assert result.outcomes == accepted("r1", "r2", "r3")
    assert result.requests == 4


def test_unmentioned_leads_are_resent_only_once() -> None:
    """A lead the CRM ignores twice and does not have ends unconfirmed, without a third POST: it was sent (it is
    not "unsent"), and a CRM may show a lead only later, so the next run looks it up before sending it again."""
    silent = answer(200, {"success": [], "errors": []})
    h = Harness(FakeCrm(silent, silent))
    result = h.submit(leads(1))
    assert h.crm.refs_posted() == [["r1"], ["r1"]]
    assert result == BatchResult({}, (), ("r1",), None, 4, unanswered=("r1",))  # left out: counted by the ledger


def test_200_without_arrays_is_verified_lead_by_lead() -> None:
    """A 200 whose body has no success/errors arrays is checked with GET, not trusted or resent."""
    h = Harness(FakeCrm(answer(200, {"ok": True}), stored=["r1", "r2"]))
    result = h.submit(leads(1, 2))
    assert result.outcomes == accepted("r1", "r2")
    assert len(h.crm.posts) == 1


# -- 400 without arrays -------------------------------------------------------------------


def test_max_leads_error_splits_the_batch_in_halves() -> None:
    """400 'Maximum of 1000 leads' halves the batch and sends each half; no lead fails."""
    too_many = answer(400, {"error": "Maximum of 1000 leads allowed per request"})
    h = Harness(FakeCrm(too_many))
    result = h.submit(leads(1, 2, 3, 4, 5))
    assert h.crm.refs_posted() == [
        ["r1", "r2", "r3", "r4", "r5"],
        ["r1", "r2", "r3"],
        ["r4", "r5"],
    ]
    assert result.outcomes == accepted("r1", "r2", "r3", "r4", "r5")
    assert result.stop is None


def test_max_leads_error_uses_the_stated_cap_when_smaller() -> None:
    """400 'Maximum of 2 leads' sends chunks of 2."""
    h = Harness(FakeCrm(answer(400, {"error": "Maximum of 2 leads allowed per request"})))
    result = h.submit(leads(1, 2, 3, 4, 5))
    assert [len(batch) for batch in h.crm.posts] == [5, 2, 2, 1]
    assert len(result.outcomes) == 5


def test_max_leads_error_for_one_lead_stops_as_client_bug() -> None:
    """A single lead that is still 'too many' cannot be split: the run stops, the lead unsent."""
    h = Harness(FakeCrm(answer(400, {"error": "Maximum of 0 leads allowed per request"})))
    result = h.submit(leads(1))
    assert isinstance(result.stop, ClientBug)
    assert result.unsent == ("r1",)


@pytest.mark.parametrize("message", ["Either leadIds or leads array is required", "Input must be an array"])
def test_request_shape_errors_stop_as_client_bug_with_no_lead_failed(message: str) -> None:
    """400 'Either ... is required' / 'Input must be an array' stop the run; leads stay unsent."""
    h = Harness(FakeCrm(answer(400, {"error": message})))
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, ClientBug)
    assert message in str(result.stop)
    assert result.outcomes == {}
    assert result.unsent == ("r1", "r2")


def test_single_lead_validation_400_rejects_that_lead() -> None:
    """A 400 validation message for a one-lead batch rejects that lead, verbatim, and goes on."""
    message = "A call attempt has already been made to this phone number for this project"
    h = Harness(FakeCrm(answer(400, {"error": message})))
    result = h.submit(leads(1))
    assert result.outcomes == {"r1": LeadOutcome("r1", "rejected", message=message)}
    assert result.stop is None


def test_validation_400_for_a_whole_batch_is_narrowed_to_the_bad_lead() -> None:
    """One bad lead refusing the whole batch (400, no arrays): halves are sent until it is alone and rejected."""
    message = "Phone number contains repeating digits pattern"

    def refuse_lead_3(sent: list[Lead]) -> httpx.Response:
        if any(x["referenceId"] == "r3" for x in sent):
            return answer(400, {"error": message})
        return accept_all(sent)

    crm = FakeCrm(*[refuse_lead_3] * 10)
    result = Harness(crm).submit(leads(1, 2, 3, 4, 5))
    assert result.stop is None
    assert result.outcomes["r3"] == LeadOutcome("r3", "rejected", message=message)
    assert {ref for ref, o in result.outcomes.items() if o.state == "accepted"} == {"r1", "r2", "r4", "r5"}
    stored = [ref for batch in crm.refs_posted() if "r3" not in batch for ref in batch]
    assert sorted(stored) == ["r1", "r2", "r4", "r5"]  # each good lead stored by exactly one request


def test_duplicate_400_for_a_whole_batch_sends_each_lead_alone() -> None:
    """A whole batch refused for one duplicate: each lead goes alone, so the duplicate is sent only once more
    (each submission of it counts toward the key block), not once per halving."""
    message = "A call attempt has already been made to this phone number for this project"

    def refuse_lead_3(sent: list[Lead]) -> httpx.Response:
        if any(x["referenceId"] == "r3" for x in sent):
            return answer(400, {"error": message})
        return accept_all(sent)

    crm = FakeCrm(*[refuse_lead_3] * 10)
    result = Harness(crm).submit(leads(1, 2, 3, 4, 5, 6, 7, 8))
    assert result.outcomes["r3"] == LeadOutcome("r3", "rejected", message=message)
    assert sum(o.state == "accepted" for o in result.outcomes.values()) == 7
    assert sum("r3" in batch for batch in crm.refs_posted()) == 2


def test_request_shape_400_for_many_leads_stops_as_client_bug() -> None:
    """A 400 about the request itself (not a lead) is our bug: stop, leads unsent, nothing resent."""
    h = Harness(FakeCrm(answer(400, {"error": "leads must be an array"})))
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, ClientBug)
    assert result.unsent == ("r1", "r2")


def test_errors_that_name_no_lead_reject_the_absent_leads_without_resending() -> None:
    """errors[] items the client cannot tie to a lead: the leads the CRM lacks are rejected with those
    messages (in order), never sent again (resending refused leads gets the key blocked)."""

    def refuse_even(sent: list[Lead]) -> httpx.Response:
        good = [x for x in sent if int(x["referenceId"][1:]) % 2]
        bad = [x for x in sent if not int(x["referenceId"][1:]) % 2]
        body = {
            "success": [{"_id": crm_id(x["referenceId"]), "referenceId": x["referenceId"]} for x in good],
            "errors": [{"error": f"Invalid phone number format ({x['name']})"} for x in bad],
        }
        return answer(200, body)

    crm = FakeCrm(refuse_even, stored=["r1", "r3"])
    result = Harness(crm).submit(leads(1, 2, 3, 4))
    assert result.outcomes["r2"] == LeadOutcome("r2", "rejected", message="Invalid phone number format (Lead 2)")
    assert result.outcomes["r4"] == LeadOutcome("r4", "rejected", message="Invalid phone number format (Lead 4)")
    assert crm.refs_posted() == [["r1", "r2", "r3", "r4"]]  # one request: nothing resent


def test_errors_naming_the_phone_without_country_code_are_matched() -> None:
    """An errors[] item carrying the lead with the national phone (no +91) is matched to its lead."""

    def refuse_second(sent: list[Lead]) -> httpx.Response:
        item = {**sent[1], "phone": sent[1]["phone"][-10:]}
        del item["referenceId"], item["email"]
        body = {"success": [{"_id": crm_id("r1"), **sent[0]}], "errors": [{"data": item, "error": "Bad phone"}]}
        return answer(200, body)

    crm = FakeCrm(refuse_second)
    result = Harness(crm).submit(leads(1, 2))
    assert result.outcomes["r2"] == LeadOutcome("r2", "rejected", message="Bad phone")
    assert crm.gets == [] and len(crm.posts) == 1


def test_a_short_test_token_does_not_mangle_messages() -> None:
    """VOX_API_TOKEN=t (a test token): the CRM's messages keep their letters; only a real token is hidden."""
    settings = CrmSettings(BASE, "t", PROJECT, PROCESS)
    crm = FakeCrm(answer(200, {"success": [], "errors": [{"referenceId": "r1", "error": "Invalid email format"}]}))
    result = Harness(crm, settings=settings).submit(leads(1))
    assert result.outcomes["r1"].message == "Invalid email format"


def test_a_request_too_large_for_a_proxy_is_sent_in_halves() -> None:
    """HTTP 413 (nginx's body limit, an HTML page): nothing was stored; the batch goes in halves, and a single
    lead still too large is refused with what to do."""
    too_large = httpx.Response(413, text="<html><body><h1>413 Request Entity Too Large</h1></body></html>")

    def reply(sent: list[Lead]) -> httpx.Response:
        return too_large if len(sent) > 2 or any(x["referenceId"] == "r4" for x in sent) else accept_all(sent)

    crm = FakeCrm(reply, reply, reply, reply, reply, reply)
    result = Harness(crm).submit(leads(1, 2, 3, 4))
    assert {ref: o.state for ref, o in result.outcomes.items()} == {
        "r1": "accepted",
        "r2": "accepted",
        "r3": "accepted",
        "r4": "rejected",
    }
    assert "too large for the server (HTTP 413)" in str(result.outcomes["r4"].message)
    assert result.stop is None and crm.gets == []


def test_success_items_naming_their_lead_id_are_ids() -> None:
    """Success items shaped {"leadId": ...}, in order: the leads are accepted with those ids (the order checked
    by looking up the first and last lead)."""
    crm = FakeCrm(
        lambda sent: answer(200, {"success": [{"leadId": crm_id(x["referenceId"])} for x in sent]}), stored=["r1", "r2"]
    )
    result = Harness(crm).submit(leads(1, 2))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r1": "id-r1", "r2": "id-r2"}
    assert crm.gets == ["r1", "r2"]


def test_a_lead_message_echoing_the_token_is_redacted() -> None:
    """A per-lead error message that repeats the API token is stored and shown without it."""
    crm = FakeCrm(answer(200, {"success": [], "errors": [{"referenceId": "r1", "error": f"bad key {TOKEN}"}]}))
    result = Harness(crm).submit(leads(1))
    assert result.outcomes["r1"].message == "bad key [token]"


@pytest.mark.parametrize(
    "reply",
    [
        httpx.Response(404, text="Lead not found"),
        httpx.Response(404),
        httpx.Response(404, html="<html><body>Not Found</body></html>"),
        answer(200, {"success": True, "data": None}),
    ],
)
def test_not_found_in_any_form_is_not_found(reply: httpx.Response) -> None:
    """Lookups read a 404 with any body, or data: null, as "no such lead" (Cannot GET <path> aside)."""
    crm = FakeCrm(get_replies={"r1": [reply]})
    assert Harness(crm).client.find("r1") is None


def test_lookup_answering_with_another_process_lead_is_not_found() -> None:
    """A lookup that returns a lead of another process (or another referenceId) is not this lead: not found,
    so it is never reported accepted without being created."""
    other = {"_id": "id-x", "referenceId": "r1", "projectId": PROJECT, "processId": "507f1f77bcf86cd799439099"}
    renamed = {"_id": "id-y", "referenceId": "r9", "projectId": PROJECT, "processId": PROCESS}
    crm = FakeCrm(get_replies={"r1": [answer(200, {"success": True, "data": other}), answer(200, {"data": renamed})]})
    client = Harness(crm).client
    assert client.find("r1") is None
    assert client.find("r1") is None


def test_lookup_400_not_found_is_not_found() -> None:
    """A lookup answered 400 "Lead not found" reads as not found rather than stopping the run."""
    crm = FakeCrm(get_replies={"r1": [answer(400, {"success": False, "error": "Lead not found"})]})
    assert Harness(crm).client.find("r1") is None


def test_cannot_get_404_is_a_wrong_url_not_a_missing_lead() -> None:
    """Express's "Cannot GET /path" 404 means the URL is wrong: stop rather than resend everything."""
    crm = FakeCrm(get_replies={"r1": [httpx.Response(404, html="<pre>Cannot GET /api/v1/leads/get</pre>")]})
    with pytest.raises(ClientBug, match="VOX_BASE_URL"):
        Harness(crm).client.find("r1")


def test_empty_ok_answer_to_a_bulk_post_looks_the_leads_up() -> None:
    """An empty 200 to a bulk POST: each lead is looked up; stored ones are accepted, the run goes on."""
    crm = FakeCrm(httpx.Response(200), stored=["r1", "r2"])
    result = Harness(crm).submit(leads(1, 2))
    assert result.stop is None
    assert {ref: o.state for ref, o in result.outcomes.items()} == {"r1": "accepted", "r2": "accepted"}
    assert len(crm.posts) == 1


def test_success_items_with_only_an_id_accept_the_batch_in_order() -> None:
    """One success item per lead, each only an _id, no errors: all stored, ids by position. The first two such
    answers are checked by looking up their first and last lead; after that the order is trusted."""
    in_order = lambda sent: answer(200, {"success": [{"_id": crm_id(x["referenceId"])} for x in sent]})  # noqa: E731
    crm = FakeCrm(in_order, in_order, in_order, stored=[f"r{n}" for n in range(1, 10)])
    h = Harness(crm)
    result = h.submit(leads(1, 2, 3))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r1": "id-r1", "r2": "id-r2", "r3": "id-r3"}
    h.submit(leads(4, 5, 6))
    h.submit(leads(7, 8, 9))
    assert crm.gets == ["r1", "r3", "r4", "r6"]


def test_id_only_success_items_not_visible_yet_are_unconfirmed_not_accepted() -> None:
    """The check's lookups find nothing, even after the settle wait (a CRM slow to show what it stored, or one
    that lost them): the id-only answer proves nothing, so no lead is reported accepted on its word; each is
    looked up, and those not there stay unconfirmed (the next run looks them up first), none sent again."""
    crm = FakeCrm(lambda sent: answer(200, {"success": [{"_id": crm_id(x["referenceId"])} for x in sent]}))
    h = Harness(crm, settle_wait=7.0)
    result = h.submit(leads(1, 2, 3))
    assert result.outcomes == {} and result.unknown == ("r1", "r2", "r3") and result.stop is None
    assert len(crm.posts) == 1 and sorted(crm.gets) == ["r1", "r1", "r1", "r2", "r3"] and 7.0 in h.sleeps


def test_id_only_success_items_out_of_order_are_looked_up() -> None:
    """A CRM answering id-only success items in another order than sent: the check catches it, and every lead
    takes its own id by lookup (none is sent again), in this batch and the next."""
    shuffled = lambda sent: answer(200, {"success": [{"_id": crm_id(x["referenceId"])} for x in reversed(sent)]})  # noqa: E731
    crm = FakeCrm(shuffled, shuffled, stored=[f"r{n}" for n in range(1, 7)])
    h = Harness(crm)
    first, second = h.submit(leads(1, 2, 3)), h.submit(leads(4, 5, 6))
    assert {ref: o.lead_id for ref, o in {**first.outcomes, **second.outcomes}.items()} == {
        f"r{n}": f"id-r{n}" for n in range(1, 7)
    }
    assert len(crm.posts) == 2


def test_id_only_success_items_around_named_errors_are_placed_in_order() -> None:
    """Errors that name their leads, and one id-only success item per other lead: those are stored, ids by
    position among the others; only the first and last are looked up, to check the order (a batch with a
    few refusals must not cost a lookup per lead)."""
    body = {
        "success": [{"_id": "id-r1"}, {"_id": "id-r3"}],
        "errors": [{"referenceId": "r2", "error": "Invalid email format"}],
    }
    crm = FakeCrm(answer(200, body), stored=["r1", "r3"])
    result = Harness(crm).submit(leads(1, 2, 3))
    assert {ref: (o.state, o.lead_id) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", "id-r1"),
        "r2": ("rejected", None),
        "r3": ("accepted", "id-r3"),
    }
    assert crm.gets == ["r1", "r3"]


def test_id_only_success_items_with_an_unnamed_error_are_looked_up() -> None:
    """An error naming no lead leaves the id-only success items unplaceable: each lead is looked up."""
    body = {"success": [{"_id": "id-r1"}], "errors": [{"error": "Invalid email format"}]}
    crm = FakeCrm(answer(200, body), stored=["r1"])
    result = Harness(crm).submit(leads(1, 2))
    assert result.outcomes["r1"].state == "accepted"
    assert sorted(crm.gets) == ["r1", "r2"]


def test_reference_already_exists_is_looked_up_not_rejected() -> None:
    """ "referenceId already exists": the lead is in the CRM. Found → accepted with its _id; not found yet
    (the lookup lags) → unknown, for the next run to check; never sent again."""
    exists = "Lead with referenceId {} already exists for this project and process"
    body = {"success": [], "errors": [{"referenceId": r, "error": exists.format(r)} for r in ("r1", "r2")]}
    crm = FakeCrm(answer(200, body), stored=["r1"])
    result = Harness(crm).submit(leads(1, 2))
    assert result.outcomes == {"r1": LeadOutcome("r1", "accepted", lead_id="id-r1")}
    assert result.unknown == ("r2",) and result.stop is None
    assert len(crm.posts) == 1


def test_bulk_cap_in_other_words_splits_the_batch() -> None:
    """ "Maximum 2 leads per request" splits the batch like the documented wording does."""
    crm = FakeCrm(answer(400, {"error": "Maximum 2 leads per request"}))
    result = Harness(crm).submit(leads(1, 2, 3, 4))
    assert result.stop is None and len(result.outcomes) == 4
    assert crm.refs_posted()[1:] == [["r1", "r2"], ["r3", "r4"]]


# -- 403 / 404 / 429 ---------------------------------------------------------------------


def test_403_stops_with_auth_failed_and_leaves_leads_unsent() -> None:
    """403 stops the run with AuthFailed quoting the CRM and naming VOX_API_TOKEN and the project."""
    crm_message = "projectId does not match authenticated project"
    h = Harness(FakeCrm(answer(403, {"error": crm_message})))
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, AuthFailed)
    text = str(result.stop)
    assert crm_message in text
    assert "VOX_API_TOKEN" in text
    assert PROJECT in text
    assert result.unsent == ("r1", "r2")
    assert result.outcomes == {}


def test_401_is_an_auth_failure_too() -> None:
    """An undocumented 401 is read as a refused token, like 403."""
    h = Harness(FakeCrm(httpx.Response(401, text="")))
    assert isinstance(h.submit(leads(1)).stop, AuthFailed)


def test_404_process_not_found_stops() -> None:
    """404 'Process not found' stops the run with ProcessNotFound; leads unsent."""
    crm_message = f"Process not found for lead with processId: {PROCESS}"
    h = Harness(FakeCrm(answer(404, {"error": crm_message})))
    result = h.submit(leads(1))
    assert isinstance(result.stop, ProcessNotFound)
    assert crm_message in str(result.stop)
    assert result.unsent == ("r1",)


def test_blocked_429_stops_at_once_and_leaves_leads_unsent() -> None:
    """A 429 mentioning 'blocked' stops with KeyBlocked; nothing is resent or looked up."""
    blocked = answer(429, {"success": False, "error": "API key temporarily BLOCKED"})
    h = Harness(FakeCrm(blocked))
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, KeyBlocked)
    assert "about an hour" in str(result.stop)
    assert "run the same command again" in str(result.stop)
    assert result.unsent == ("r1", "r2")
    assert len(h.crm.requests) == 1


def test_plain_429_pauses_for_retry_after_then_resends_the_same_request() -> None:
    """A plain 429 pauses the limiter for Retry-After, slows it down, and resends the same leads."""
    h = Harness(FakeCrm(httpx.Response(429, text="Too Many Requests", headers={"Retry-After": "7"})))
    result = h.submit(leads(1, 2))
    assert result.outcomes == accepted("r1", "r2")
    assert h.crm.posts[0] == h.crm.posts[1]
    assert h.limiter.pauses == [7.0]
    assert h.clock.now >= 7.0
    assert h.limiter.max_requests == 50
    assert h.sleeps == []


def test_plain_429_without_retry_after_waits_out_the_window() -> None:
    """A plain 429 without Retry-After holds traffic until the window holds none of our requests: here the
    one just answered, so one whole window (5 s and the margin)."""
    h = Harness(FakeCrm(answer(429, {"error": "Too many requests"})))
    h.submit(leads(1))
    assert h.limiter.pauses == [pytest.approx(h.limiter.window)]
    assert 5.0 <= h.limiter.window < 5.1


def test_plain_429_waits_only_as_long_as_the_window_needs() -> None:
    """After a 429, traffic is held only until the oldest of our requests in the window leaves it, not a
    fixed 5 s: here requests went out 3 s before the refused one, so about 2 s more."""
    h = Harness(FakeCrm(answer(429, {"error": "Too many requests"}), stored=["r0"]))
    assert h.client.find("r0") == crm_id("r0")  # a request at t = 0
    h.clock.now = 3.0
    h.submit(leads(1))
    assert h.limiter.pauses == [pytest.approx(h.limiter.window - 3.0)]


def test_persistent_plain_429_stops_as_key_blocked() -> None:
    """After retry.attempts plain 429s in a row the run stops, saying the CRM kept rate-limiting."""
    h = Harness(FakeCrm(*[answer(429, {"error": "slow down"})] * 3), attempts=3)
    result = h.submit(leads(1))
    assert isinstance(result.stop, KeyBlocked)
    assert "kept rate-limiting" in str(result.stop)
    assert result.unsent == ("r1",)
    assert len(h.crm.posts) == 3


def test_429_asking_for_a_very_long_wait_stops_instead_of_hanging() -> None:
    """A Retry-After of an hour is a block in all but name: stop rather than sleep an hour."""
    h = Harness(FakeCrm(httpx.Response(429, headers={"Retry-After": "3600"}, text="")))
    result = h.submit(leads(1))
    assert isinstance(result.stop, KeyBlocked)
    assert h.limiter.pauses == []


def test_retry_after_as_http_date_is_understood() -> None:
    """A Retry-After given as an HTTP date in the past asks for no wait: the window is still waited out."""
    past = httpx.Response(429, text="", headers={"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"})
    h = Harness(FakeCrm(past))
    assert h.submit(leads(1)).outcomes == accepted("r1")
    assert h.limiter.pauses == [pytest.approx(h.limiter.window)]


def test_retry_after_zero_does_not_use_up_the_attempts_at_once() -> None:
    """Plain 429s with "Retry-After: 0" are waited out with a growing pause, not taken for a block in a second."""
    zero = httpx.Response(429, text="slow down", headers={"Retry-After": "0"})
    h = Harness(FakeCrm(*[zero] * 4))
    assert h.submit(leads(1)).outcomes == accepted("r1")
    assert h.limiter.pauses == [pytest.approx(h.limiter.window), 5.0, 10.0, 20.0]


# -- requests that may have landed ----------------------------------------------------------


def test_500_then_lookup_resends_only_the_leads_not_stored() -> None:
    """After a 500, each lead is looked up; the found are accepted, only the rest are resent. The CRM stored
    part of the request, so it may have refused the rest as duplicates: they are resent only once the
    CRM's one-minute duplicate window has passed, so that resending cannot double that count."""
    h = Harness(FakeCrm(answer(500, {"error": "boom"}), stored=["r1", "r3"]))
    result = h.submit(leads(1, 2, 3, 4))
    assert h.crm.gets == ["r1", "r2", "r3", "r4", "r2", "r4"]  # the absent ones again, after the wait
    assert h.crm.posts[1] == [lead(2), lead(4)]
    assert result.outcomes == accepted("r1", "r2", "r3", "r4")
    assert len(h.sleeps) == 2 and sum(h.sleeps) >= DUPLICATE_WINDOW


def test_500_with_nothing_stored_resends_after_the_backoff_only() -> None:
    """A failed request the CRM stored nothing of is resent after the usual backoff, without the minute's wait."""
    h = Harness(FakeCrm(answer(502, {"error": "bad gateway"})))
    result = h.submit(leads(1, 2))
    assert h.crm.refs_posted() == [["r1", "r2"], ["r1", "r2"]]
    assert result.outcomes == accepted("r1", "r2")
    assert len(h.sleeps) == 1 and h.sleeps[0] < DUPLICATE_WINDOW


def test_a_503_asking_for_a_wait_is_retried_after_it() -> None:
    """A CRM down for maintenance that says for how long (503, Retry-After: 40): the retry waits that long
    rather than spending its attempts within seconds, and the leads get in."""
    h = Harness(FakeCrm(answer(503, {"error": "maintenance"}, headers={"Retry-After": "40"})))
    result = h.submit(leads(1, 2))
    assert h.crm.refs_posted() == [["r1", "r2"], ["r1", "r2"]]
    assert result.outcomes == accepted("r1", "r2")
    assert h.sleeps == [40.0]


def test_find_waits_as_long_as_a_503_asks() -> None:
    h = Harness(FakeCrm(get_replies={"r1": [answer(503, None, headers={"Retry-After": "12"})]}, stored=["r1"]))
    assert h.client.find("r1") == crm_id("r1")
    assert h.sleeps == [12.0]


@pytest.mark.parametrize(
    "failure",
    [
        httpx.RemoteProtocolError("Server disconnected without sending a response."),
        httpx.ReadTimeout("timed out"),
        httpx.ReadError("connection reset"),
    ],
)
def test_dropped_connection_is_checked_like_a_500(failure: Exception) -> None:
    """A dropped connection or read timeout may have landed: look up first, resend only the absent."""
    h = Harness(FakeCrm(failure, stored=["r2"]))
    result = h.submit(leads(1, 2))
    assert h.crm.gets == ["r1", "r2", "r1"]
    assert h.crm.refs_posted() == [["r1", "r2"], ["r1"]]
    assert result.outcomes == accepted("r1", "r2")


def test_a_failed_request_of_which_nothing_is_found_is_looked_at_again_before_it_is_resent() -> None:
    """A 504 while the CRM is still storing: the first lookups find nothing. After the settle wait, its first,
    middle and last lead are looked up again; now there, so every lead is, and nothing is sent twice."""
    crm = FakeCrm(answer(504, {"error": "gateway timeout"}), stored=[])
    h = Harness(crm, settle_wait=30.0)
    original = crm._get

    def lagging(request: httpx.Request) -> httpx.Response:
        if len(crm.gets) >= 5:  # the CRM shows what it stored from the second round of lookups on
            crm.stored.update(f"r{n}" for n in range(1, 6))
        return original(request)

    crm._get = lagging  # type: ignore[method-assign]
    result = h.submit(leads(1, 2, 3, 4, 5))
    assert result.outcomes == accepted("r1", "r2", "r3", "r4", "r5")
    assert len(crm.posts) == 1
    assert 30.0 in h.sleeps
    assert crm.gets[5:8] == ["r1", "r3", "r5"]  # first, middle, last


def test_a_failed_request_still_not_found_after_the_settle_wait_is_resent() -> None:
    """A 502 from a proxy before the CRM: nothing found, nothing found again after the wait: sent again."""
    h = Harness(FakeCrm(answer(502, {"error": "bad gateway"})), settle_wait=30.0)
    result = h.submit(leads(1, 2, 3))
    assert result.outcomes == accepted("r1", "r2", "r3")
    assert h.crm.gets == ["r1", "r2", "r3", "r1", "r2", "r3"] and len(h.crm.posts) == 2


class _Trickle(httpx.SyncByteStream):
    """An answer whose bytes keep arriving, one every 50 ms for 10 s, each within any read timeout."""

    def __init__(self) -> None:
        self.finished = False

    def __iter__(self) -> Iterator[bytes]:
        for _ in range(200):
            time.sleep(0.05)
            yield b" "
        self.finished = True


def test_an_answer_that_trickles_in_forever_counts_as_lost(monkeypatch: pytest.MonkeyPatch) -> None:
    """A body arriving a byte at a time never trips the per-read timeout: past the answer deadline the request
    counts as failed after it may have landed, so its leads are looked up (here stored) rather than waited for."""
    monkeypatch.setattr("importer.crm.transport.ANSWER_DEADLINE", 0.3)
    trickle = _Trickle()
    crm = FakeCrm(httpx.Response(200, stream=trickle), stored=["r1"])
    result = Harness(crm).submit(leads(1))
    assert not trickle.finished  # given up at the deadline, not read to its end (a 200 of blanks)
    assert result.outcomes == accepted("r1") and crm.gets == ["r1"] and len(crm.posts) == 1


def test_non_json_5xx_is_treated_as_a_5xx() -> None:
    """A 502 with an HTML body is a may-have-landed failure, not a stop."""
    bad_gateway = httpx.Response(502, text="<html><body>Bad Gateway</body></html>")
    h = Harness(FakeCrm(bad_gateway))
    result = h.submit(leads(1))
    assert h.crm.gets == ["r1"]
    assert result.outcomes == accepted("r1")


@pytest.mark.parametrize("failure", [httpx.ConnectError("connection refused"), httpx.ConnectTimeout("connect timeout")])
def test_connect_error_is_retried_without_lookups(failure: Exception) -> None:
    """A connect error surely did not land: the same request is retried after a backoff, no GETs."""
    h = Harness(FakeCrm(failure))
    result = h.submit(leads(1, 2))
    assert h.crm.gets == []
    assert h.crm.refs_posted() == [["r1", "r2"], ["r1", "r2"]]
    assert result.outcomes == accepted("r1", "r2")
    assert len(h.sleeps) == 1


def test_exhausted_retries_stop_unreachable_with_absent_leads_unsent() -> None:
    """When 500s persist, the run stops CrmUnreachable; leads looked up and absent are unsent."""
    h = Harness(FakeCrm(*[answer(500)] * 3, stored=["r1"]), attempts=3)
    result = h.submit(leads(1, 2, 3))
    assert isinstance(result.stop, CrmUnreachable)
    assert "after 3 attempts" in str(result.stop)
    assert result.outcomes == accepted("r1")
    assert result.unsent == ("r2", "r3")
    assert result.unknown == ()
    assert h.crm.refs_posted() == [["r1", "r2", "r3"], ["r2", "r3"], ["r2", "r3"]]


def test_exhausted_retries_leave_unchecked_leads_unknown() -> None:
    """If lookups fail too, leads that could not be checked are unknown, checked-absent unsent."""
    failing_get: list[Reply] = [answer(500)] * 3
    h = Harness(FakeCrm(answer(500), get_replies={"r2": failing_get}), attempts=3)
    result = h.submit(leads(1, 2, 3))
    assert isinstance(result.stop, CrmUnreachable)
    assert result.unsent == ("r1",)
    assert result.unknown == ("r2", "r3")
    assert h.crm.gets == ["r1", "r2", "r2", "r2"]


def test_exhausted_connect_errors_leave_all_leads_unsent() -> None:
    """Connect errors to the end mean nothing landed: all unsent, no lookups."""
    h = Harness(FakeCrm(*[httpx.ConnectError("refused")] * 4), attempts=4)
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, CrmUnreachable)
    assert result.unsent == ("r1", "r2")
    assert h.crm.gets == []
    assert len(h.crm.posts) == 4


def test_stop_while_looking_up_makes_the_unchecked_unknown() -> None:
    """A key block during the lookups after a 500 leaves the unchecked leads unknown."""
    blocked = answer(429, {"error": "API key temporarily blocked"})
    h = Harness(FakeCrm(answer(500), stored=["r1"], get_replies={"r2": [blocked]}))
    result = h.submit(leads(1, 2, 3))
    assert isinstance(result.stop, KeyBlocked)
    assert result.outcomes == accepted("r1")
    assert result.unknown == ("r2", "r3")
    assert len(h.crm.posts) == 1


def test_stop_while_verifying_unmentioned_leads_makes_them_unknown() -> None:
    """A 403 while checking leads a 200 did not mention leaves those leads unknown."""
    h = Harness(
        FakeCrm(
            answer(200, {"success": [], "errors": []}),
            get_replies={"r1": [answer(403, {"error": "project inactive"})]},
        )
    )
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, AuthFailed)
    assert result.unknown == ("r1", "r2")


def test_unusable_url_scheme_stops_without_retrying() -> None:
    """A transport that cannot speak the URL's protocol stops the run at once, leads unsent."""
    h = Harness(FakeCrm(httpx.UnsupportedProtocol("no such protocol")))
    result = h.submit(leads(1))
    assert isinstance(result.stop, CrmUnreachable)
    assert "VOX_BASE_URL" in str(result.stop)
    assert result.unsent == ("r1",)
    assert len(h.crm.posts) == 1


# -- bodies that are not JSON -------------------------------------------------------------


def test_non_json_answer_stops_with_status_and_start_of_body() -> None:
    """A non-JSON 4xx stops the run, quoting the status and the first 200 characters only."""
    page = "<html>" + "x" * 500
    h = Harness(FakeCrm(httpx.Response(404, text=page)))
    result = h.submit(leads(1))
    assert isinstance(result.stop, ClientBug)
    text = str(result.stop)
    assert "404" in text
    assert page[:200] in text
    assert page[:201] not in text
    assert result.unsent == ("r1",)


def test_non_json_200_is_checked_lead_by_lead() -> None:
    """A 200 with a page we cannot read (a proxy's "request received"): the request is over, so each lead is
    looked up at once; the CRM has r1, and r2 is sent once more. No stop, nothing left unknown."""
    h = Harness(FakeCrm(httpx.Response(200, text="<html><body>Request received</body></html>"), stored=["r1"]))
    result = h.submit(leads(1, 2))
    assert h.crm.gets == ["r1", "r2"] and h.crm.refs_posted() == [["r1", "r2"], ["r2"]]
    assert result.outcomes == accepted("r1", "r2") and result.stop is None and result.unknown == ()


@pytest.mark.parametrize("status", [301, 307, 308])
def test_a_redirect_stops_the_run_naming_where_it_points(status: int) -> None:
    """The API moved (or http:// is sent to https://): nothing stored, the stop says where to point VOX_BASE_URL."""
    moved = httpx.Response(status, headers={"Location": "https://crm.example.com/api/v2/leads/bulk/initiate"})
    h = Harness(FakeCrm(moved))
    result = h.submit(leads(1))
    assert isinstance(result.stop, WrongAddress)
    assert f"HTTP {status}, a redirect to https://crm.example.com/api/v2/leads/bulk/initiate" in str(result.stop)
    assert "Set VOX_BASE_URL" in str(result.stop)
    assert result.unsent == ("r1",)


# -- find -----------------------------------------------------------------------------------


def test_find_returns_the_id_or_none() -> None:
    """find() gives the lead's _id when the CRM has it and None on 404, asking with all three ids."""
    h = Harness(FakeCrm(stored=["r1"]))
    assert h.client.find("r1") == crm_id("r1")
    assert h.client.find("r9") is None
    params = h.crm.requests[0].url.params
    assert (params["referenceId"], params["projectId"], params["processId"]) == (
        "r1",
        PROJECT,
        PROCESS,
    )
    assert h.crm.requests[0].headers["Authorization"] == f"Bearer {TOKEN}"


def test_find_raises_auth_failed_on_403() -> None:
    """find() raises AuthFailed on 403."""
    h = Harness(FakeCrm(get_replies={"r1": [answer(403, {"error": "bad token"})]}))
    with pytest.raises(AuthFailed, match="bad token"):
        h.client.find("r1")


def test_find_retries_5xx_and_network_errors() -> None:
    """find() retries a 500 and a dropped connection, then answers."""
    replies: list[Reply] = [answer(500), httpx.ReadError("reset")]
    h = Harness(FakeCrm(stored=["r1"], get_replies={"r1": replies}))
    assert h.client.find("r1") == crm_id("r1")
    assert len(h.sleeps) == 2


def test_find_gives_up_with_crm_unreachable() -> None:
    """find() raises CrmUnreachable when failures persist past retry.attempts."""
    replies: list[Reply] = [httpx.ConnectError("refused")] * 2
    h = Harness(FakeCrm(get_replies={"r1": replies}), attempts=2)
    with pytest.raises(CrmUnreachable):
        h.client.find("r1")
    assert h.crm.gets == ["r1", "r1"]


def test_find_waits_out_a_plain_429() -> None:
    """find() pauses on a plain 429 and asks again."""
    h = Harness(FakeCrm(stored=["r1"], get_replies={"r1": [answer(429, {"error": "slow"})]}))
    assert h.client.find("r1") == crm_id("r1")
    assert h.limiter.pauses == [pytest.approx(h.limiter.window)]  # the window, waited out


def test_find_raises_key_blocked_on_blocked_429() -> None:
    """find() raises KeyBlocked when the key is blocked."""
    h = Harness(FakeCrm(get_replies={"r1": [answer(429, {"error": "key blocked"})]}))
    with pytest.raises(KeyBlocked):
        h.client.find("r1")


# -- the run stops once -----------------------------------------------------------------------


def test_after_a_refusal_the_client_sends_nothing_more() -> None:
    """Once the key is blocked, later submits and finds stop at once without a request."""
    h = Harness(FakeCrm(answer(429, {"error": "blocked"})))
    h.submit(leads(1))
    result = h.submit(leads(2))
    assert isinstance(result.stop, KeyBlocked)
    assert result.unsent == ("r2",)
    with pytest.raises(KeyBlocked):
        h.client.find("r2")
    assert len(h.crm.requests) == 1


def test_client_can_be_shared_between_threads() -> None:
    """Several threads submitting through one client each get their own leads' outcomes."""
    h = Harness(FakeCrm())
    results: dict[int, BatchResult] = {}

    def work(n: int) -> None:
        results[n] = h.client.submit(leads(n * 10 + 1, n * 10 + 2))

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for n, result in results.items():
        assert result.outcomes == accepted(f"r{n * 10 + 1}", f"r{n * 10 + 2}")
    assert len(h.crm.posts) == 8


# -- the token ----------------------------------------------------------------------------------


def test_token_never_appears_in_repr_or_messages() -> None:
    """The token is absent from repr(settings) and from every stop message, even if the CRM echoes it."""
    assert TOKEN not in repr(SETTINGS)
    assert "token=" not in repr(SETTINGS)
    echo = {"error": f"token {TOKEN} does not match project (blocked)"}
    stops: list[CrmError | None] = []
    for status in (403, 404, 429):
        stops.append(Harness(FakeCrm(answer(status, echo))).submit(leads(1, 2)).stop)
    refused = Harness(FakeCrm(*[answer(400, echo)] * 3)).submit(leads(1, 2))  # narrowed to each lead, rejected
    assert [o.state for o in refused.outcomes.values()] == ["rejected", "rejected"]
    assert all(TOKEN not in str(o.message) for o in refused.outcomes.values())
    stops.append(Harness(FakeCrm(httpx.Response(418, text=TOKEN))).submit(leads(1)).stop)
    failing = FakeCrm(*[httpx.ReadError(f"reset {TOKEN}")] * 2, get_replies={"r1": [answer(500)]})
    stops.append(Harness(failing, attempts=1).submit(leads(1)).stop)
    assert all(stop is not None for stop in stops)
    for stop in stops:
        assert TOKEN not in str(stop)
        assert TOKEN not in repr(stop)


def test_settings_refuse_a_token_that_cannot_go_in_a_header() -> None:
    """A token with non-ASCII characters fails as ConfigError without showing the token."""
    with pytest.raises(ConfigError) as caught:
        CrmSettings(BASE, "zq9\u2019x7", PROJECT, PROCESS)
    assert "zq9" not in str(caught.value)


def test_settings_refuse_a_base_url_that_is_not_http() -> None:
    """A base URL without http(s):// fails as ConfigError naming VOX_BASE_URL."""
    with pytest.raises(ConfigError, match="VOX_BASE_URL"):
        CrmSettings("crm.example.com/api/v1", TOKEN, PROJECT, PROCESS)


def test_backoff_is_full_jitter_capped_exponential() -> None:
    """Backoff grows exponentially from base_delay, is capped at max_delay, and is jittered."""
    policy = RetryPolicy(attempts=5, base_delay=0.5, max_delay=3.0)
    assert [policy.backoff(n, rand=lambda: 1.0) for n in (1, 2, 3, 4, 10)] == [
        0.5,
        1.0,
        2.0,
        3.0,
        3.0,
    ]
    assert policy.backoff(3, rand=lambda: 0.25) == 0.5


def test_client_closes_only_the_http_client_it_created() -> None:
    """close() leaves an injected httpx.Client open; a client's own is closed on exit."""
    http = httpx.Client(transport=httpx.MockTransport(FakeCrm()))
    with CrmClient(SETTINGS, limiter=RateLimiter(), http=http):
        pass
    assert not http.is_closed
    with CrmClient(SETTINGS, limiter=RateLimiter()) as own:
        pass
    assert own._transport._http.is_closed


@pytest.mark.parametrize(("status", "permanent"), [(308, True), (301, True), (307, False), (302, False)])
def test_a_redirect_within_the_site_is_followed_and_a_permanent_one_remembered(status: int, permanent: bool) -> None:
    """Same host, another path: the POST follows with its body; after a permanent redirect, later requests go
    to the new address at once."""
    seen: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(f"{request.method} {request.url.path}")
        if request.url.path.startswith("/api/v1/"):
            return httpx.Response(status, headers={"Location": str(request.url).replace("/api/v1/", "/api/v2/")})
        return accept_all(json.loads(request.content)["leads"])

    http = httpx.Client(transport=httpx.MockTransport(handler))
    with CrmClient(SETTINGS, limiter=RateLimiter.for_rate(RateLimit(1000, 1.0)), http=http) as client:
        first, second = client.submit(leads(1)), client.submit(leads(2))
    assert first.outcomes == accepted("r1") and second.outcomes == accepted("r2")
    v1, v2 = "POST /api/v1/leads/bulk/initiate", "POST /api/v2/leads/bulk/initiate"
    assert seen == ([v1, v2, v2] if permanent else [v1, v2, v1, v2])


def test_a_see_other_redirect_leaves_the_leads_unknown() -> None:
    """303 says the request was processed and its answer is elsewhere: not followed, the run stops, and the
    leads may be stored (the next run looks them up before sending)."""
    h = Harness(FakeCrm(httpx.Response(303, headers={"Location": f"{BASE}/leads/results/42"})))
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, WrongAddress) and result.unknown == ("r1", "r2")


def test_a_duplicate_refusal_stands_once_the_crm_shows_part_of_a_later_request() -> None:
    """A request lost with a 502 after it may have stored r1 and r2 (neither shows yet); sent again, the CRM
    answers plainly about neither, and then shows r1: it has processed that request and shows what it
    stores, so it stored no r2 (the uniform rule the lost request's retry follows too). r2 sent once more and
    refused as a duplicate is a real refusal, rejected, not left unconfirmed for the next run to send again."""
    message = "A call attempt has already been made to this phone number for this project"
    not_found = answer(404, {"success": False, "error": "Lead with referenceId r1 not found"})
    crm = FakeCrm(
        answer(502),
        answer(200, {"success": [], "errors": []}),
        answer(200, {"success": [], "errors": [{"referenceId": "r2", "error": message}]}),
        stored=["r1"],
        get_replies={"r1": [not_found]},
    )
    result = Harness(crm).submit(leads(1, 2))
    assert crm.refs_posted() == [["r1", "r2"], ["r1", "r2"], ["r2"]]
    assert result.outcomes == {**accepted("r1"), "r2": LeadOutcome("r2", "rejected", message=message)}
    assert result.unknown == ()
