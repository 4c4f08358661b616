"""Imports against a CRM double that answers in every way the contract allows (docs/crm-contract.md), over real
HTTP on loopback where a lead's fate is at stake: words a CRM says "queued" in, id-only answers whose leads it
does not show, maintenance pages lasting minutes, referenceIds it changes the case of. Every good lead is stored
once, none is reported accepted that the CRM did not store, and the exit code follows docs/design.md."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

from importer.crm.recovery import OUTAGE_WAIT
from importer.errors import CrmUnreachable, KeyBlocked, StopKind
from importer.sandbox.server import Sandbox
from tests.conftest import CliRun
from tests.sandbox_util import MAPPING, good_phones, run_env, write_sheet
from tests.test_crm import FakeCrm, Harness, answer, crm_id, leads
from tests.test_crm_double import CALLED, crm_settings, import_into, statuses
from tests.test_crm_double3 import UNCONFIRMED
from tests.waiting import ManualClock, wait_until

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


REF_MAPPING = MAPPING.replace("fields:\n", "fields:\n  referenceId: Lead ID\n")


@pytest.mark.parametrize(
    ("case", "refs"),
    [("upper", None), ("upper", "Lead-{}"), ("lower", "LEAD-{}-x"), ("trim", None)],
    ids=["upper-derived", "upper-mapped", "lower-mapped", "trim"],
)
def test_a_crm_that_changes_the_case_of_reference_ids_gets_each_lead_once(
    tmp_path: Path, mapping_file: Callable[..., Path], case: str, refs: str | None
) -> None:
    """A CRM that keeps referenceIds upper or lower case (or trimmed), and gives them back so in its answers and
    lookups: every lead is matched to its answer (stored once, accepted with its id, never sent again); a called
    phone's refusal is matched too (rejected, not sent again); the rerun finds them all imported."""
    phones = good_phones(8, seed=401)
    lines = ["Lead ID,Name,Phone,Email,City"]
    lines += [f"{refs.format(i) if refs else ''},P{i},{p},p{i}@example.com,Pune" for i, p in enumerate(phones)]
    sheet = tmp_path / "leads.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    mapping = mapping_file(REF_MAPPING if refs else MAPPING)
    ledger = tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[3]], reference_case=case)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        first = crm.stats()
        stored = crm.leads()
        again = import_into(crm, sheet, mapping, ledger)
        after = crm.stats()
    rows = statuses(outcome)
    assert rows[phones[3]] == ("rejected", CALLED)
    assert outcome.summary.counts == {"accepted": 7, "rejected": 1} and outcome.exit_code == 1
    ids = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in stored}
    assert sorted(ids) == sorted(set(phones) - {phones[3]})
    assert {p: str(i) for p, i in zip(phones, outcome.rows["lead_id"], strict=True) if p in ids} == ids
    assert sum(first.initiate_sizes) == 8 and first.duplicates == 1
    assert (
        again.summary.counts == {"already-imported": 7, "rejected": 1}
        and after.initiate_requests == first.initiate_requests
    )


def _ids_in_order(sent: list[dict[str, object]]) -> httpx.Response:
    return answer(200, {"success": [{"_id": crm_id(str(x["referenceId"]))} for x in sent]})


def test_an_id_only_answer_replayed_after_the_order_is_trusted_loses_no_lead() -> None:
    """Once two id-only answers proved the CRM answers in order, a proxy replays the third answer for the fourth
    request (which never reached the CRM): the ids were given to other leads already, so the answer is not this
    request's; its leads are looked up, not there, and sent once more (stored), never accepted with another
    lead's id."""
    replay = answer(200, {"success": [{"_id": crm_id(f"r{n}")} for n in (7, 8, 9)]})
    crm = FakeCrm(_ids_in_order, _ids_in_order, _ids_in_order, replay, stored=[f"r{n}" for n in range(1, 10)])
    h = Harness(crm)
    results = [h.submit(leads(*range(start, start + 3))) for start in (1, 4, 7, 10)]
    outcomes = {ref: (o.state, o.lead_id) for result in results for ref, o in result.outcomes.items()}
    assert outcomes == {f"r{n}": ("accepted", f"id-r{n}") for n in range(1, 13)}
    assert crm.refs_posted()[3:] == [["r10", "r11", "r12"], ["r10", "r11", "r12"]]
    assert crm.gets[-3:] == ["r10", "r11", "r12"]


def test_an_id_only_answer_of_a_crm_slow_to_show_its_leads_is_not_taken_on_its_word(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A CRM whose success items are only ids, and whose lookups show a lead only a while after it stored it:
    the first answers cannot be proven (their leads are not shown yet, even after the settle wait), so their
    leads are not reported accepted on the answer's word: they stay pending as unconfirmed, never sent again
    (each would be a duplicate), and the rerun finds them and sends nothing."""
    phones = good_phones(12, seed=411)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    clock = ManualClock()
    with Sandbox(crm_settings(id_only_success=True, show_after=30.0), clock=clock) as crm:
        outcome = import_into(crm, sheet, mapping, ledger, settle_wait=0.05)
        first = crm.stats()
        clock.advance(30.0)
        again = import_into(crm, sheet, mapping, ledger, settle_wait=0.05)
        after = crm.stats()
        stored = crm.leads()
    assert set(statuses(outcome).values()) == {UNCONFIRMED} and outcome.exit_code == 3
    assert sum(first.initiate_sizes) == 12 and first.duplicates == 0 and len(stored) == 12
    assert set(again.summary.counts) <= {"accepted", "already-imported"} and again.exit_code == 0
    assert after.initiate_sizes == first.initiate_sizes
    ids = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in stored}
    assert dict(zip(phones, map(str, again.rows["lead_id"]), strict=True)) == ids


MAINTENANCE = httpx.Response(
    503,
    text="<html><head><title>Scheduled maintenance</title></head><body><h1>Back soon</h1></body></html>",
    headers={"Content-Type": "text/html"},
)


def test_a_maintenance_page_lasting_minutes_is_waited_out_saying_so(caplog: pytest.LogCaptureFixture) -> None:
    """A CRM down for maintenance answers 503 with an HTML page and no Retry-After to 15 tries in a row (several
    minutes of waits): the run waits it out, saying so, within the 10 minutes it allows, and the leads get in,
    instead of stopping after five tries in 8 s. (Each 503 may have landed: the leads are looked up before each
    resend, and the duplicate guard paces the resends.)"""
    crm = FakeCrm(*[MAINTENANCE] * 15)
    h = Harness(crm)
    with caplog.at_level("WARNING", logger="importer.crm"):
        result = h.submit(leads(1, 2))
    assert result.stop is None and {o.state for o in result.outcomes.values()} == {"accepted"}
    assert 16 <= len(crm.posts) <= 20 and sum(wait for wait in h.sleeps if wait == OUTAGE_WAIT / 20) >= 240
    said = [r.getMessage() for r in caplog.records if "unavailable" in r.getMessage()]
    assert said and "HTTP 503: Scheduled maintenance" in said[-1] and "trying again in 30 s" in said[-1]
    assert "waiting up to 10 minutes" in said[-1]


def test_a_maintenance_longer_than_the_bound_stops_the_run_resumably() -> None:
    """Every send and lookup answered by the maintenance page: after waiting 10 minutes (and no longer) the run
    stops as the CRM being down (exit 3), saying how long it waited; the leads, whose request may have landed,
    stay unconfirmed for the next run to look up."""
    crm = FakeCrm(*[MAINTENANCE] * 200, get_replies={ref: [MAINTENANCE] * 200 for ref in ("r1", "r2")})
    h = Harness(crm)
    result = h.submit(leads(1, 2))
    assert isinstance(result.stop, CrmUnreachable) and result.stop.stop_kind is StopKind.CRM_DOWN
    assert "for 10 minutes, waited out" in str(result.stop) and "run the same command again" in str(result.stop)
    assert set(result.unknown) == {"r1", "r2"} and result.outcomes == {}
    assert OUTAGE_WAIT - 1 <= sum(h.sleeps) <= OUTAGE_WAIT and len(crm.posts) + len(crm.gets) < 40


def test_a_maintenance_asking_for_a_wait_each_time_is_waited_as_asked() -> None:
    """503s with Retry-After: 90, three in a row: each retry waits the 90 s asked (more than the five tries' few
    seconds), and the leads get in."""
    down = httpx.Response(503, text="Maintenance", headers={"Retry-After": "90"})
    crm = FakeCrm(down, down, down, stored=[])
    h = Harness(crm)
    result = h.submit(leads(1, 2))
    assert result.stop is None and len(result.outcomes) == 2
    assert [s for s in h.sleeps if s >= 90] == [90.0, 90.0, 90.0]


def test_a_maintenance_asking_to_come_back_after_the_bound_stops_at_once_then() -> None:
    """Waited for 9 minutes, the CRM asks (Retry-After) for 4 more: past the 10-minute bound, so the run stops now,
    saying when to come back, rather than waiting beyond its bound or trying sooner than asked."""
    down = [httpx.Response(503, headers={"Retry-After": "270"})] * 2 + [
        httpx.Response(503, headers={"Retry-After": "240"})
    ]
    crm = FakeCrm(*down, get_replies={ref: [*down] for ref in ("r1",)})
    h = Harness(crm)
    result = h.submit(leads(1))
    assert isinstance(result.stop, CrmUnreachable) and "asked to come back in 4 minutes" in str(result.stop)
    assert sum(h.sleeps) <= OUTAGE_WAIT


def _end_maintenance_after(crm: Sandbox, clock: ManualClock, requests: int) -> threading.Thread:
    """A thread ending the sandbox's maintenance once it has answered ``requests`` requests with its page."""

    def end() -> None:
        wait_until(lambda: crm.stats().requests >= requests, timeout=60)
        clock.advance(3600.0)

    thread = threading.Thread(target=end, daemon=True)
    thread.start()
    return thread


def test_leadimport_waits_out_a_maintenance_and_then_imports_every_lead_once(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """Over HTTP: the CRM's gateway answers every request with a 503 maintenance page until a dozen requests have
    been refused so; the run waits (within its bound) and then stores every lead once (exit 0)."""
    phones = good_phones(10, seed=421)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    clock = ManualClock()
    with Sandbox(crm_settings(maintenance=3600.0), clock=clock) as crm:
        ender = _end_maintenance_after(crm, clock, 12)
        outcome = import_into(crm, sheet, mapping, ledger, outage=30.0)
        ender.join()
        stored = crm.leads()
    assert outcome.exit_code == 0 and outcome.summary.counts == {"accepted": 10}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


def test_leadimport_stops_resumably_when_a_maintenance_outlasts_its_bound(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """Over HTTP: the maintenance outlasts the run's bound: it stops with exit 3, every row pending, nothing
    stored; once the CRM is back the same command imports every lead once."""
    phones = good_phones(6, seed=431)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    clock = ManualClock()

    with Sandbox(crm_settings(maintenance=3600.0), clock=clock) as crm:
        stopped = import_into(crm, sheet, mapping, ledger, outage=0.5)
        clock.advance(3600.0)
        resumed = import_into(crm, sheet, mapping, ledger, outage=0.5)
        stored = crm.leads()
    assert stopped.exit_code == 3 and stopped.summary.counts == {"pending": 6}
    assert "kept failing (HTTP 503: Scheduled maintenance)" in str(stopped.stop_message)
    assert resumed.exit_code == 0 and resumed.summary.counts == {"accepted": 6}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


# -- answers in shapes the contract leaves open (found by trying each against the client) ---------------------


@pytest.mark.parametrize("flag", ["false", "False", "0"])
def test_a_result_item_saying_success_false_as_a_string_is_a_refusal(flag: str) -> None:
    """A results item whose ``success`` is the string "false" (a serializer writing booleans as text) with the
    CRM's message: that lead is rejected with it at once, not looked up and sent again (each resend of a refused
    lead is one more toward the key block); the other, "true", is stored."""
    items = [
        {"index": 0, "success": "true", "_id": "a1"},
        {"index": 1, "success": flag, "message": "Phone number contains repeating digits pattern"},
    ]
    crm = FakeCrm(answer(200, {"results": items}))
    result = Harness(crm).submit(leads(1, 2))
    assert {ref: (o.state, o.lead_id, o.message) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", "a1", None),
        "r2": ("rejected", None, "Phone number contains repeating digits pattern"),
    }
    assert len(crm.posts) == 1 and crm.gets == []


def test_success_items_whose_id_is_extended_json_keep_the_id() -> None:
    """Success items giving ``_id`` as MongoDB extended JSON (``{"$oid": "..."}``): each lead keeps its id."""

    def stored(sent: list[dict[str, object]]) -> httpx.Response:
        items = [{"_id": {"$oid": crm_id(str(x["referenceId"]))}, "referenceId": x["referenceId"]} for x in sent]
        return answer(200, {"success": items, "errors": []})

    result = Harness(FakeCrm(stored)).submit(leads(1, 2))
    assert {ref: o.lead_id for ref, o in result.outcomes.items()} == {"r1": "id-r1", "r2": "id-r2"}


@pytest.mark.parametrize(
    ("found", "missing"),
    [
        (
            {"success": True, "data": {"leads": [{"_id": "id-r1", "referenceId": "r1"}], "total": 1, "page": 1}},
            {"success": True, "data": {"leads": [], "total": 0, "page": 1}},
        ),
        ([{"_id": "id-r1", "referenceId": "r1"}], []),
        ({"items": [{"_id": "id-r1", "referenceId": "r1"}], "count": 1}, {"items": [], "count": 0}),
    ],
    ids=["paginated-data", "bare-list", "items-page"],
)
def test_a_lookup_answering_a_page_of_leads_finds_the_lead_or_not(found: object, missing: object) -> None:
    """A lookup answered as a page of matching leads (``{"data": {"leads": [...], "total": 1}}``, a bare list, an
    ``items`` page): the lead in it is found, an empty page is a lead the CRM lacks; the run is not stopped as a
    client bug."""
    crm = FakeCrm(httpx.Response(200), get_replies={"r1": [answer(200, found)], "r2": [answer(200, missing)]})
    result = Harness(crm).submit(leads(1, 2))
    assert result.stop is None and result.outcomes["r1"].lead_id == "id-r1"
    assert result.outcomes["r2"].state == "accepted" and crm.refs_posted() == [["r1", "r2"], ["r2"]]


def test_a_lookup_answering_204_no_content_is_a_lead_the_crm_lacks() -> None:
    """``GET /leads/get`` answering 204 No Content: nothing matched (not an unexpected answer stopping the run)."""
    crm = FakeCrm(httpx.Response(200), get_replies={"r1": [httpx.Response(204)]}, stored=["r2"])
    result = Harness(crm).submit(leads(1, 2))
    assert result.stop is None and set(result.outcomes) == {"r1", "r2"} and crm.refs_posted()[1:] == [["r1"]]


def test_a_key_block_said_with_a_403_is_a_key_block() -> None:
    """A CRM that answers its duplicate block with 403 instead of the contract's 429 ("API key temporarily
    blocked ..."): the run stops as the key blocked, for about an hour (the rows pending, the watcher pausing), not
    as a refused token the person would go and change."""
    blocked = {"success": False, "error": "API key temporarily blocked due to repeated duplicate submissions."}
    before = time.time()
    result = Harness(FakeCrm(answer(403, blocked))).submit(leads(1, 2))
    assert isinstance(result.stop, KeyBlocked) and result.stop.until is not None
    assert before + 3500 < result.stop.until < time.time() + 3700 and result.unsent == ("r1", "r2")


def test_leadimport_run_says_it_waits_for_a_crm_in_maintenance_and_stops_resumably(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], caplog: pytest.LogCaptureFixture
) -> None:
    """``leadimport run --outage-wait 1`` against a CRM in maintenance (every request a 503 page): the progress
    output (the warnings the CLI prints on stderr; pytest captures them here) says it is waiting for the CRM to
    come back, and for how long; then the run stops with exit 3, every row pending; once the CRM is back the same
    command sends every lead once (exit 0)."""
    phones = good_phones(4, seed=441)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger, report = mapping_file(MAPPING), tmp_path / "ledger.sqlite3", tmp_path / "report.csv"
    clock = ManualClock()
    with Sandbox(crm_settings(maintenance=3600.0), clock=clock) as crm:
        args = (str(sheet), "--mapping", str(mapping), "--report", str(report), "--ledger", str(ledger))
        env = run_env(crm.base_url)
        with caplog.at_level("WARNING", logger="importer.crm"):
            stopped = run_cli("run", *args, "--new-ledger", "--outage-wait", "1", env=env)
        clock.advance(3600.0)
        resumed = run_cli("run", *args, env=env)
        stored = crm.leads()
    assert stopped.exit_code == 3 and {row["status"] for row in stopped.report} == {"pending"}
    said = "\n".join(record.getMessage() for record in caplog.records)
    assert "The CRM is unavailable (HTTP 503: Scheduled maintenance); trying again in" in said
    assert "waiting up to 1 s for it to come back" in said
    assert "kept failing (HTTP 503: Scheduled maintenance) for 1 s, waited out" in stopped.stderr
    assert resumed.exit_code == 0 and {row["status"] for row in resumed.report} == {"accepted"}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


def test_result_items_naming_their_position_as_digits_are_placed() -> None:
    """Result items naming their lead only by ``"index"`` written as text ("0", "1", "2"): each refusal is its own
    lead's (rejected, the others accepted), not spread over the batch as refusals naming no lead."""
    items = [
        {"index": "0", "success": True, "_id": "a0"},
        {"index": "1", "success": False, "error": "Invalid email format"},
        {"index": "2", "success": True, "_id": "a2"},
    ]
    crm = FakeCrm(answer(200, {"results": items}))
    result = Harness(crm).submit(leads(1, 2, 3))
    assert {ref: (o.state, o.lead_id, o.message) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", "a0", None),
        "r2": ("rejected", None, "Invalid email format"),
        "r3": ("accepted", "a2", None),
    }
    assert crm.gets == [] and len(crm.posts) == 1


def test_a_maintenance_asking_for_7_minutes_is_waited_out_within_the_bound() -> None:
    """A 503 whose Retry-After asks for 7 minutes, within the 10-minute bound: the retry waits the 7 minutes asked
    (it used to stop the run at once for any wait over 5 minutes), and the leads get in."""
    crm = FakeCrm(httpx.Response(503, headers={"Retry-After": "420"}))
    h = Harness(crm)
    result = h.submit(leads(1, 2))
    assert result.stop is None and len(result.outcomes) == 2 and 420.0 in h.sleeps


@pytest.mark.parametrize(
    ("queued_answer", "word"), [("200", "scheduled"), ("202", "enqueued"), ("results", "accepted")]
)
def test_a_crm_queueing_leads_in_other_words_gets_each_lead_once(
    tmp_path: Path, mapping_file: Callable[..., Path], queued_answer: str, word: str
) -> None:
    """Over HTTP: a CRM that says it queued the batch with another word (``"status": "scheduled"`` for the
    request, or each results item ``"status": "accepted"`` with no id) and stores it a moment later, refusing
    a called phone: no lead is sent twice (once processed, each would be a duplicate) nor reported accepted
    before it is found (the refused one stays pending as unconfirmed); the others are accepted with their ids."""
    phones = good_phones(12, seed=451)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(called=[phones[6]], process_later=0.2, queued_answer=queued_answer, queued_status=word)
    with Sandbox(settings) as crm:
        outcome = import_into(crm, sheet, mapping, ledger, settle_wait=2.0)
        first = crm.stats()
        stored = crm.leads()
    assert statuses(outcome)[phones[6]] == UNCONFIRMED
    assert outcome.summary.counts == {"accepted": 11, "pending": 1} and outcome.exit_code == 3
    ids = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in stored}
    assert {p: str(i) for p, i in zip(phones, outcome.rows["lead_id"], strict=True) if p in ids} == ids
    assert sum(first.initiate_sizes) == 12 and first.duplicates == 1 and len(stored) == 11


def test_a_429_asking_for_a_wait_written_as_text_is_waited_as_asked() -> None:
    """A plain 429 whose body asks ``"retryAfter": "60"`` (a number written as text), no header: the client waits
    the 60 s asked, and the batch gets in; it used to retry after its own 5, 10, 20 s, be refused each time, and
    stop the run as rate-limited."""
    h: Harness

    def limited(sent: list[dict[str, object]]) -> httpx.Response:
        if h.clock.now < 60:
            return answer(429, {"success": False, "error": "Rate limit exceeded", "retryAfter": "60"})
        return answer(200, {"success": [{"_id": crm_id(str(x["referenceId"])), **x} for x in sent], "errors": []})

    h = Harness(FakeCrm(*[limited] * 10))
    result = h.submit(leads(1, 2))
    assert result.stop is None and {o.state for o in result.outcomes.values()} == {"accepted"}
    assert len(h.crm.posts) == 2 and 60 <= sum(h.limiter.pauses) < 70


@pytest.mark.parametrize("seconds", ["inf", "nan"])
def test_an_outage_wait_of_inf_or_nan_is_refused(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], seconds: str
) -> None:
    """``run --outage-wait inf`` is a usage error (exit 2, nothing sent) like the other options taking seconds: it
    was taken, and a maintenance outlasting the few tries then waited inf seconds (an OverflowError, not a wait);
    nan turned the waiting off without a word."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2, seed=461))
    with Sandbox(crm_settings()) as crm:
        args = (str(sheet), "--mapping", str(mapping_file(MAPPING)), "--ledger", str(tmp_path / "ledger.sqlite3"))
        done = run_cli("run", *args, "--outage-wait", seconds, env=run_env(crm.base_url))
        stored = crm.leads()
    assert done.exit_code == 2 and "is not a finite number" in done.stderr
    assert stored == []


@pytest.mark.parametrize("said", [{"status": "Duplicate"}, {"status": "invalid"}, {"state": "rejected"}])
def test_a_lookup_answering_the_bare_lead_whose_own_status_reads_as_a_failure_finds_it(
    said: dict[str, str],
) -> None:
    """A lookup answered with the lead itself (no ``data`` envelope) whose CRM status is one a CRM gives leads
    (Duplicate, Invalid, Rejected): that is the lead, stored, not an answer saying the lookup failed. It was read
    as "nothing found", and the lead, stored already, was sent again (a duplicate toward the key block)."""
    lead = {"_id": "id-r1", "referenceId": "r1", "name": "Lead 1", **said}
    crm = FakeCrm(httpx.Response(200), get_replies={"r1": [answer(200, lead)], "r2": [httpx.Response(204)]})
    result = Harness(crm).submit(leads(1, 2))
    assert result.stop is None and result.outcomes["r1"].lead_id == "id-r1"
    assert crm.refs_posted() == [["r1", "r2"], ["r2"]]


def test_error_items_flagged_unsuccessful_whose_message_says_queued_are_looked_up_after_the_wait() -> None:
    """errors[] items written ``{"success": false, "error": "Lead queued for processing"}`` (every errors[] item
    flagged so): the message says the CRM took the lead to process later, so it is looked up, not reported
    rejected with "Lead queued for processing" while the CRM stores it."""
    errors = [{"referenceId": ref, "success": False, "error": "Lead queued for processing"} for ref in ("r1", "r2")]
    h = Harness(FakeCrm(answer(200, {"success": [], "errors": errors}), stored=["r1"]), settle_wait=7.0)
    _assert_looked_up_later(h)


@pytest.mark.parametrize(
    "message",
    [
        "API key disabled by your administrator",
        "Account suspended: payment overdue",
        "Access to this project is locked",
    ],
)
def test_a_403_saying_the_key_or_account_is_disabled_is_a_refused_token_not_a_key_block(message: str) -> None:
    """A 403 saying an administrator disabled the key, or the account is suspended, is the token refused (HTTP
    403, "check VOX_API_TOKEN": waiting cannot help), not the CRM's hour-long duplicate block: the run said "blocked
    for about an hour after repeated duplicate submissions. Wait, then run the same command again", and a watcher
    waited an hour at a time for nothing."""
    result = Harness(FakeCrm(answer(403, {"success": False, "error": message}))).submit(leads(1, 2))
    assert result.stop is not None and result.stop.stop_kind is StopKind.AUTH_FAILED
    assert "Check VOX_API_TOKEN" in str(result.stop) and result.unsent == ("r1", "r2")


@pytest.mark.parametrize("status", ["received", "accepted", "pending"])
def test_a_result_item_with_a_later_status_and_a_refusal_is_rejected(status: str) -> None:
    """A results item whose status is a "later" word but which carries the CRM's refusal (``"error": "Phone number
    contains repeating digits pattern"``, no success flag) is that refusal: rejected with the message at once, as
    before the one "queued" rule; it was looked up, not found, left pending and sent again by the next run."""
    items = [
        {"index": 0, "referenceId": "r1", "_id": "a1", "status": "created"},
        {"index": 1, "referenceId": "r2", "status": status, "error": "Phone number contains repeating digits pattern"},
    ]
    crm = FakeCrm(answer(200, {"results": items}))
    result = Harness(crm, settle_wait=7.0).submit(leads(1, 2))
    assert {ref: (o.state, o.message) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", None),
        "r2": ("rejected", "Phone number contains repeating digits pattern"),
    }
    assert crm.gets == [] and result.unknown == ()
