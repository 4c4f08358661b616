"""Imports against a CRM that answers in still more ways the contract leaves open (docs/crm-contract.md §6), over
real HTTP on loopback: requests queued for later processing under 200, rate limits that say when they reset.
Every good lead is stored once, every row says what became of it, the exit code follows docs/design.md, and a
rerun sends nothing twice."""

from __future__ import annotations

import email.utils
import re
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import importer
from importer.crm.recovery import RetryPolicy
from importer.errors import CrmUnreachable, KeyBlocked
from importer.sandbox.server import Sandbox
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.test_crm import PROCESS, PROJECT, FakeCrm, Harness, Reply, accept_all, answer, lead, leads
from tests.test_crm_double import crm_settings, import_into, statuses

UNCONFIRMED = ("pending", "unconfirmed: the next run checks it with the CRM before sending")


@pytest.mark.parametrize("queued_answer", ["200", "errors", "results"])
def test_a_crm_saying_under_200_that_it_queued_the_leads_gets_each_lead_once(
    tmp_path: Path, mapping_file: Callable[..., Path], queued_answer: str
) -> None:
    """The CRM answers 200 saying the leads are queued for processing (a message for the request, an errors[]
    item per lead "Lead queued for processing" with success[] empty, or a results list whose items say
    "status": "queued"), and stores the batch a moment later, refusing a called phone. No lead is rejected for
    being queued, none is sent again (once processed, each would be a duplicate and the key blocked): they are
    looked up after the settle wait and accepted with their ids; the one the CRM never stored stays pending as
    unconfirmed (exit 3). The rerun looks it up and sends it once more (the CRM, refusing it silently again,
    still does not say), and sends nothing else."""
    phones = good_phones(12, seed=331)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(called=[phones[6]], process_later=0.2, queued_answer=queued_answer)
    with Sandbox(settings) as crm:
        outcome = import_into(crm, sheet, mapping, ledger, settle_wait=2.0)
        first = crm.stats()
        stored = crm.leads()
        again = import_into(crm, sheet, mapping, ledger, settle_wait=2.0)
        after = crm.stats()
    rows = statuses(outcome)
    assert rows[phones[6]] == UNCONFIRMED
    assert outcome.summary.counts == {"accepted": 11, "pending": 1} and outcome.exit_code == 3
    ids = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in stored}
    assert sorted(ids) == sorted(set(phones) - {phones[6]})
    assert {phone: str(i) for phone, i in zip(phones, outcome.rows["lead_id"], strict=True) if phone in ids} == ids
    assert sum(first.initiate_sizes) == 12 and first.duplicates == 1 and not first.blocked
    assert statuses(again)[phones[6]] == UNCONFIRMED
    assert again.summary.counts == {"already-imported": 11, "pending": 1} and again.exit_code == 3
    assert sum(after.initiate_sizes) == 13 and len(crm.leads()) == 11 and not after.blocked


def test_empty_arrays_with_a_message_saying_queued_are_looked_up_later() -> None:
    """success[] and errors[] both empty, and a message saying the leads are queued: they are looked up after
    the settle wait and not sent again (once processed, each would be a duplicate)."""
    queued = answer(200, {"success": [], "errors": [], "message": "Leads queued for processing"})
    h = Harness(FakeCrm(queued, stored=["r1"]), settle_wait=7.0)
    result = h.submit(leads(1, 2))
    assert result.outcomes["r1"].lead_id == "id-r1" and result.unknown == ("r2",)
    assert len(h.crm.posts) == 1 and 7.0 in h.sleeps


def test_errors_saying_queued_are_looked_up_later_and_refusals_that_mention_processing_stand() -> None:
    """errors[] items saying a lead is queued (or being processed), and a "queued" array, leave their leads to
    be looked up after the settle wait: found ones are accepted, the others unconfirmed, none sent again nor
    rejected. A refusal that only mentions processing ("Lead processing failed: ...") is still a refusal."""

    def queued(sent: list[dict[str, object]]) -> httpx.Response:
        return answer(
            200,
            {
                "success": [{"_id": "id-r1", **sent[0]}],
                "errors": [
                    {"referenceId": "r2", "error": "Lead is being processed"},
                    {"referenceId": "r3", "error": "Lead processing failed: invalid phone"},
                ],
                "queued": ["r4"],
            },
        )

    h = Harness(FakeCrm(queued, stored=["r2"]), settle_wait=7.0)
    result = h.submit(leads(1, 2, 3, 4))
    assert {ref: (o.state, o.lead_id, o.message) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", "id-r1", None),
        "r2": ("accepted", "id-r2", None),
        "r3": ("rejected", None, "Lead processing failed: invalid phone"),
    }
    assert result.unknown == ("r4",) and result.stop is None
    assert h.crm.refs_posted() == [["r1", "r2", "r3", "r4"]] and sorted(h.crm.gets) == ["r2", "r4"]
    assert 7.0 in h.sleeps  # looked up only after the settle wait


SERVER_NOW = 1_800_000_000  # the CRM's clock (its Date header): far from ours, which must not matter


@pytest.mark.parametrize(
    "headers",
    [
        {"X-RateLimit-Reset": str(SERVER_NOW + 90)},
        {"X-RateLimit-Reset": str((SERVER_NOW + 90) * 1000)},
        {"RateLimit-Reset": "90"},
        {"X-RateLimit-Reset-After": "90"},
        {"RateLimit": "limit=100, remaining=0, reset=90"},
        {"RateLimit": '"default";r=0;t=90'},
        {"X-RateLimit-Reset": "2027-01-15T08:01:30Z", "Date": "Fri, 15 Jan 2027 08:00:00 GMT"},
    ],
    ids=["epoch-s", "epoch-ms", "delta", "reset-after", "ietf-pairs", "ietf-structured", "iso"],
)
def test_a_plain_429_is_waited_out_until_the_rate_limit_resets(headers: dict[str, str]) -> None:
    """A plain 429 (no Retry-After) whose rate-limit headers say the window resets in 90 s: the client waits
    that long, once, and the batch is stored; before, it retried after its own 5, 5, 10, 20 s, was refused each
    time, and stopped the run as rate-limited (exit 3) though waiting would have done."""
    h: Harness
    date = email.utils.formatdate(SERVER_NOW, usegmt=True)

    def limited(sent: list[dict[str, object]]) -> httpx.Response:
        if h.clock.now < 90:
            return answer(429, {"error": "Too Many Requests"}, headers={"Date": date, **headers})
        return accept_all(sent)

    h = Harness(FakeCrm(*[limited] * 10))
    result = h.submit(leads(1, 2))
    assert result.stop is None and {o.state for o in result.outcomes.values()} == {"accepted"}
    assert len(h.crm.posts) == 2 and 90 <= sum(h.limiter.pauses) < 95


def test_a_429_saying_the_limit_resets_in_an_hour_stops_the_run_until_then() -> None:
    """A plain 429 whose X-RateLimit-Reset is an hour away (a quota spent): the run stops at once (the rows
    stay pending, exit 3), saying how long the CRM asked to wait, instead of being refused five times first."""
    reset = {"X-RateLimit-Reset": str(int(time.time()) + 3600), "X-RateLimit-Remaining": "0"}
    h = Harness(FakeCrm(*[answer(429, {"error": "Too Many Requests"}, headers=reset)] * 10))
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, KeyBlocked) and re.search(r"asked us to wait 3[56]\d\d s", str(result.stop))
    assert result.unsent == ("r1", "r2") and len(h.crm.posts) == 1


@pytest.mark.parametrize(
    "process",
    [{"_id": PROCESS, "name": "Outbound"}, {"$oid": PROCESS}, {"_id": {"$oid": PROCESS}}],
    ids=["populated", "extended-json", "populated-extended-json"],
)
def test_a_lookup_giving_the_process_as_an_object_finds_the_lead(process: dict[str, object]) -> None:
    """The answer to a request is lost (a 200 that names no lead), and the lookup gives the lead's process as
    an object (a populated reference, or extended JSON) rather than its id: the lead is found and accepted with
    its _id, not taken for another process's and sent again (refused then as already there, it stayed pending
    for ever, each rerun one more duplicate submission toward the key block)."""

    def found(ref: str) -> list[Reply]:
        data = {"_id": f"id-{ref}", "referenceId": ref, "projectId": {"_id": PROJECT}, "processId": process}
        return [answer(200, {"success": True, "data": data})]

    exists = {"errors": [{"referenceId": "r1", "error": "referenceId already exists for this project and process"}]}
    other = {"_id": "x", "referenceId": "r2", "processId": {"_id": "507f1f77bcf86cd7994390ff"}}
    crm = FakeCrm(
        answer(200, {"success": True}),
        answer(200, exists),
        get_replies={"r1": found("r1") * 2, "r2": [answer(200, {"success": True, "data": other})]},
    )
    h = Harness(crm)
    result = h.submit(leads(1, 2))
    assert result.outcomes["r1"].state == "accepted" and result.outcomes["r1"].lead_id == "id-r1"
    assert h.crm.refs_posted()[1:] == [["r2"]]  # r2 is another process's lead: r2 is not found, sent again


def test_leads_of_a_lost_answer_are_found_by_a_lookup_that_populates_the_process(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A proxy answers every other request with a 502 page after the CRM stored it, and the CRM's lookups give
    the lead's project and process as objects: the leads are found, accepted with their ids, none sent again
    (a duplicate each) nor left pending; a rerun sends nothing."""
    phones = good_phones(12, seed=333)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(proxy_page=502, proxy_every=2, proxy_stores=True, populated_lookups=True)
    with Sandbox(settings) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        first = crm.stats()
        stored = crm.leads()
        again = import_into(crm, sheet, mapping, ledger)
        after = crm.stats()
    assert outcome.summary.counts == {"accepted": 12} and outcome.exit_code == 0
    ids = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in stored}
    assert sorted(ids) == sorted(phones)
    assert dict(zip(phones, map(str, outcome.rows["lead_id"]), strict=True)) == ids
    assert sum(first.initiate_sizes) == 12 and first.duplicates == 0
    assert again.summary.counts == {"already-imported": 12} and after.initiate_requests == first.initiate_requests


def test_a_bare_list_of_ids_in_the_order_sent_is_read_without_looking_every_lead_up() -> None:
    """A "simplified" answer that is only the list of the stored leads' ids, one per lead in the order sent: the
    leads are accepted with those ids (the first answers checked by looking up their first and last lead, as
    for id-only success items), not each looked up (a GET per lead: 50 s of the CRM's rate a 1,000-lead
    batch); a CRM answering them in another order has its leads looked up for their own ids."""

    def ids(sent: list[dict[str, object]]) -> httpx.Response:
        return answer(200, [f"id-{lead['referenceId']}" for lead in sent])

    crm = FakeCrm(*[ids] * 3, stored=[f"r{n}" for n in range(1, 13)])
    h = Harness(crm)
    results = [h.submit(leads(*range(start, start + 4))) for start in (1, 5, 9)]
    assert all(o.lead_id == f"id-{ref}" for result in results for ref, o in result.outcomes.items())
    assert sum(len(result.outcomes) for result in results) == 12 and len(crm.posts) == 3
    assert crm.gets == ["r1", "r4", "r5", "r8"]  # the order checked twice, then trusted

    shuffled = FakeCrm(
        lambda sent: answer(200, [f"id-{lead['referenceId']}" for lead in reversed(sent)]), stored=["r1", "r2", "r3"]
    )
    result = Harness(shuffled).submit(leads(1, 2, 3))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r1": "id-r1", "r2": "id-r2", "r3": "id-r3"}
    assert len(shuffled.posts) == 1


def test_a_bare_list_of_messages_is_no_list_of_ids() -> None:
    """A 200 whose body is a list of sentences (messages, not ids) accepts no lead with a message as its id:
    the lead is looked up, and, not there, sent once more."""
    crm = FakeCrm(answer(200, ["Lead received, will call shortly"]))
    result = Harness(crm).submit(leads(1))
    assert result.outcomes["r1"].lead_id == "id-r1" and crm.gets == ["r1"] and len(crm.posts) == 2


@pytest.mark.parametrize(
    "missing",
    [
        {"success": False},
        {"success": False, "error": None},
        {"success": False, "error": "No matching lead"},
        {"success": False, "message": "No records found"},
        {"status": "failed", "message": "no data"},
    ],
    ids=["bare", "null-error", "no-matching-lead", "no-records-found", "status-failed"],
)
def test_a_lookup_answering_200_success_false_is_a_lead_not_there(missing: dict[str, object]) -> None:
    """A request's answer names no lead, and the lookup answers 200 with "success": false (no message, or one
    saying nothing matched) for a lead the CRM does not have: the lead is sent once more and stored, instead of
    the run stopping as 'an unexpected body' (exit 3, 'a bug in leadimport')."""
    crm = FakeCrm(answer(200, {"success": True}), get_replies={"r1": [answer(200, missing)]})
    result = Harness(crm).submit(leads(1))
    assert result.stop is None and result.outcomes["r1"].lead_id == "id-r1" and len(crm.posts) == 2


def test_a_token_expiring_mid_run_stops_it_with_the_rest_pending_and_a_rerun_with_a_new_token_completes(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """The API token expires in the middle of a run (HTTP 401 "Token expired", a status the contract does not
    list): the run stops at once (exit 3) saying to check VOX_API_TOKEN, the leads stored so far are accepted,
    the others pending, none rejected; rerun with a new token, it sends only the pending ones, each lead
    stored once."""
    phones = good_phones(40, seed=334)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(token_expires_after=3, renewed_token="renewed-token-77c1")

    def run(token: str) -> importer.Outcome:
        return importer.import_file(
            sheet,
            mapping,
            token=token,
            base_url=crm.base_url,
            ledger=ledger,
            send=importer.SendOptions(inflight_grace=0.0),
            rate=importer.RateLimit(5000, 1.0),
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
        )

    with Sandbox(settings) as crm:
        stopped = run(TOKEN)
        first = crm.stats()
        stored_first = len(crm.leads())
        resumed = run("renewed-token-77c1")
        stored = crm.leads()
        after = crm.stats()
    counts = stopped.summary.counts
    assert stopped.exit_code == 3 and "VOX_API_TOKEN" in str(stopped.stop_message)
    assert set(counts) == {"accepted", "pending"} and counts["accepted"] == stored_first
    pending = {reason for status, reason in statuses(stopped).values() if status == "pending"}
    assert pending == {"not sent: the run stopped before this row"} and "Token expired" in str(stopped.stop_message)
    assert resumed.exit_code == 0
    assert resumed.summary.counts == {"already-imported": counts["accepted"], "accepted": counts["pending"]}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)
    assert first.duplicates == after.duplicates == 0


@pytest.mark.parametrize(("block_seconds", "said"), [(1800.0, "30 minutes"), (7200.0, "2 hours")])
def test_a_key_block_lasts_as_long_as_the_crm_says(
    tmp_path: Path, mapping_file: Callable[..., Path], block_seconds: float, said: str
) -> None:
    """The CRM blocks the key and its 429 says for how long (Retry-After: the rest of the block): the run stops
    (exit 3, the rest pending) saying that long and giving the end of the block as blocked_until (shown by the
    CLI's JSON and the upload page), not always an hour from now; once it is over, the same command sends the
    rest."""
    from tests.waiting import ManualClock

    phones = good_phones(12, seed=335)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(called=phones[:1], dup_threshold=0, block_seconds=block_seconds)
    clock = ManualClock()
    with Sandbox(settings, clock=clock) as crm:
        before = time.time()
        outcome = import_into(crm, sheet, mapping, ledger)
        after = time.time()
        clock.advance(block_seconds)
        resumed = import_into(crm, sheet, mapping, ledger)
    assert outcome.stop_kind is importer.StopKind.KEY_BLOCKED and outcome.exit_code == 3
    assert f"blocked this API key for {said}" in str(outcome.stop_message)
    assert outcome.blocked_until is not None
    assert before + block_seconds - 2 <= outcome.blocked_until.timestamp() <= after + block_seconds + 2
    assert resumed.summary.counts == {"already-imported": 4, "rejected": 1, "accepted": 7}


MAINTENANCE = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>Scheduled maintenance &ndash; Vox</title>
<style>body { display: block; }</style></head><body><h1>We&#39;ll be back soon</h1><p>Down for maintenance</p></body></html>"""


def test_a_crm_down_for_maintenance_stops_the_run_saying_what_its_page_says() -> None:
    """Every request (sends and lookups) is answered 503 with an HTML maintenance page and no Retry-After: once the
    outage's bound is waited out the run stops (the leads of the request unconfirmed, for the next run to look up),
    its message quoting the page's title, so the person reads that the CRM is down for maintenance, not only that
    it 'kept failing (HTTP 503)'."""
    page = httpx.Response(503, text=MAINTENANCE, headers={"Content-Type": "text/html"})
    crm = FakeCrm(*[page] * 100, get_replies={ref: [page] * 100 for ref in ("r1", "r2")})
    result = Harness(crm).submit(leads(1, 2))
    assert isinstance(result.stop, CrmUnreachable) and result.stop.stop_kind is importer.StopKind.CRM_DOWN
    assert "HTTP 503: Scheduled maintenance \N{EN DASH} Vox" in str(result.stop)
    assert "Wait until it works again" in str(result.stop) and "VOX_BASE_URL" not in str(result.stop)
    assert set(result.unknown) == {"r1", "r2"} and len(crm.posts) == 1


def test_id_only_success_items_with_an_id_twice_are_not_taken_in_order() -> None:
    """Id-only success items, one per lead, but one id given twice (an item answered twice, another left out),
    once the CRM's order is trusted: no lead takes another's id; the leads are looked up for their own."""

    def in_order(sent: list[dict[str, object]]) -> httpx.Response:
        return answer(200, {"success": [{"_id": f"id-{lead['referenceId']}"} for lead in sent], "errors": []})

    def repeated(sent: list[dict[str, object]]) -> httpx.Response:
        ids = [f"id-{lead['referenceId']}" for lead in sent]
        return answer(200, {"success": [{"_id": ids[0]}, {"_id": ids[0]}, *({"_id": i} for i in ids[2:])]})

    crm = FakeCrm(in_order, in_order, repeated, stored=[f"r{n}" for n in range(1, 10)])
    h = Harness(crm)
    for start in (1, 4):  # two answers in order, checked: the order is trusted from now on
        h.submit(leads(start, start + 1, start + 2))
    result = h.submit(leads(7, 8, 9))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r7": "id-r7", "r8": "id-r8", "r9": "id-r9"}
    assert crm.gets[4:] == ["r7", "r8", "r9"] and len(crm.posts) == 3


@pytest.mark.parametrize("named", ["+1 415-555-0002", "4155550002", "LEAD2@example.com"])
def test_an_error_naming_its_lead_by_phone_or_email_alone_rejects_that_lead_only(named: str) -> None:
    """An errors[] item whose leadId is the lead's phone (in another format) or email, and a lead the answer
    leaves out: the named lead is rejected with the CRM's message; the one left out is looked up and, not there,
    sent once more (before, both were rejected as refused 'without saying which')."""
    message = "Phone number contains repeating digits pattern"

    def reply(sent: list[dict[str, object]]) -> httpx.Response:
        stored = [{"_id": f"id-{lead['referenceId']}", **lead} for lead in sent if lead["referenceId"] in ("r1", "r3")]
        return answer(200, {"success": stored, "errors": [{"leadId": named, "error": message}]})

    crm = FakeCrm(reply)
    result = Harness(crm).submit(leads(1, 2, 3, 4))
    outcomes = {ref: (o.state, o.message) for ref, o in result.outcomes.items()}
    assert outcomes == {
        "r1": ("accepted", None),
        "r2": ("rejected", message),
        "r3": ("accepted", None),
        "r4": ("accepted", None),
    }
    assert crm.refs_posted() == [["r1", "r2", "r3", "r4"], ["r4"]]


@pytest.mark.parametrize("status", [408, 499])
def test_a_gateway_timing_the_request_out_with_a_4xx_is_retried(status: int) -> None:
    """A gateway answers 408 Request Timeout (or nginx's 499) with its HTML page: the request is retried as a
    5xx is, its leads looked up first, and the run goes on; before, it stopped as 'an unexpected body … a bug
    in leadimport' (exit 3, every row pending)."""
    page = httpx.Response(status, text="<html><head><title>408 Request Time-out</title></head></html>")
    crm = FakeCrm(page, stored=["r1"])
    result = Harness(crm).submit(leads(1, 2))
    assert result.stop is None and {ref: o.state for ref, o in result.outcomes.items()} == {
        "r1": "accepted",
        "r2": "accepted",
    }
    assert crm.refs_posted() == [["r1", "r2"], ["r2"]] and set(crm.gets) == {"r1", "r2"}


def test_a_retry_after_given_twice_is_read() -> None:
    """A 429 whose Retry-After came twice (a proxy adding its own: "30, 30" once joined) is waited out for 30 s."""
    limited = answer(429, {"error": "Too Many Requests"}, headers=[("Retry-After", "30"), ("Retry-After", "30")])
    h = Harness(FakeCrm(limited))
    result = h.submit(leads(1))
    assert result.stop is None and h.limiter.pauses[0] == 30


@pytest.mark.parametrize("names", ["referenceId", "phone", "email"])
def test_an_answer_about_other_leads_gives_none_of_ours_their_ids(names: str) -> None:
    """The answer to the second request is the first one's again (a proxy or a cache replaying it): success items
    with an _id for each lead, naming the first request's leads (by referenceId, or by phone or email alone).
    None of the second request's leads is accepted with those ids (they were, and were never stored): they are
    looked up and, not there, sent once more."""
    first = leads(1, 2)

    def replay(sent: list[dict[str, object]]) -> httpx.Response:
        return answer(200, {"success": [{"_id": f"id-{lead['referenceId']}", names: lead[names]} for lead in first]})

    crm = FakeCrm(accept_all, replay, stored=["r1", "r2"])
    h = Harness(crm)
    h.submit(first)
    result = h.submit(leads(3, 4))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r3": "id-r3", "r4": "id-r4"}
    assert crm.refs_posted() == [["r1", "r2"], ["r3", "r4"], ["r3", "r4"]] and crm.gets == ["r3", "r4"]


def test_id_only_items_echoing_phones_in_national_format_are_still_taken_in_order() -> None:
    """Success items with an _id and the lead's phone written nationally (0612345678 for +33612345678, too short
    to match by its last ten digits): they still count as the batch's, in the order sent (checked by looking up
    the first and last lead), not looked up one by one."""
    batch = [lead(n, phone=f"+336123456{n:02d}") for n in (1, 2, 3)]

    def echo(sent: list[dict[str, object]]) -> httpx.Response:
        return answer(
            200, {"success": [{"_id": f"id-{x['referenceId']}", "phone": "0" + str(x["phone"])[3:]} for x in sent]}
        )

    crm = FakeCrm(echo, stored=["r1", "r2", "r3"])
    result = Harness(crm).submit(batch)
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r1": "id-r1", "r2": "id-r2", "r3": "id-r3"}
    assert crm.gets == ["r1", "r3"] and len(crm.posts) == 1


def test_errors_about_other_leads_reject_none_of_ours() -> None:
    """The answer to the second request is the first one's again, whose errors[] refused a lead of that request
    by referenceId: none of the second request's leads is rejected with that message (as refused 'without
    saying which'); they are looked up and, not there, sent once more."""
    refused = answer(200, {"success": [], "errors": [{"referenceId": "r1", "error": "Invalid phone number format"}]})
    crm = FakeCrm(refused, refused)
    h = Harness(crm)
    assert h.submit(leads(1)).outcomes["r1"].state == "rejected"
    result = h.submit(leads(3, 4))
    assert {ref: (o.state, o.lead_id) for ref, o in result.outcomes.items()} == {
        "r3": ("accepted", "id-r3"),
        "r4": ("accepted", "id-r4"),
    }
    assert crm.refs_posted()[1:] == [["r3", "r4"], ["r3", "r4"]]


def test_a_proxy_replaying_the_previous_answer_loses_no_lead(tmp_path: Path, mapping_file: Callable[..., Path]) -> None:
    """A proxy answers every third bulk request with the answer to the one before, without passing it on (the
    same answer twice): no lead is accepted with another lead's id (they were, and were never stored). The leads
    of a replayed request are looked up and sent again; those whose second request is replayed too stay pending
    as unconfirmed (exit 3), and the next runs send them, until every lead is stored once, with its own id."""
    from importer.crm.dup_budget import DuplicateRule

    phones = good_phones(30, seed=336)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    send = importer.SendOptions(duplicate_rule=DuplicateRule(window=1.0), inflight_grace=0.0, batch_size=5)
    ids: dict[str, str] = {}
    with Sandbox(crm_settings(replay_every=3, dup_window=1.0)) as crm:
        for _ in range(4):
            outcome = import_into(crm, sheet, mapping, ledger, send)
            stored = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in crm.leads()}
            for phone, (status, _), lead_id in zip(
                phones, statuses(outcome).values(), outcome.rows["lead_id"], strict=True
            ):
                if status == "accepted":  # each lead accepted is stored, under the id the report gives it
                    assert stored.get(phone) == str(lead_id), f"{phone} accepted, not stored under its id"
                    ids[phone] = str(lead_id)
            assert set(outcome.summary.counts) <= {"accepted", "already-imported", "pending"}
            if outcome.exit_code == 0:
                break
        assert not crm.stats().blocked
    assert outcome.exit_code == 0 and ids == stored and sorted(stored) == sorted(phones)
    assert len(crm.leads()) == 30
