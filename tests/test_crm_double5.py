"""Answers a CRM gives that the contract does not list, or leaves open (docs/crm-contract.md §5, §6), mostly over
real HTTP on loopback: an account locked mid-run (HTTP 423, with or without Retry-After), a gateway failing through
a deploy (502/504 pages for minutes), a long 503 outage, bulk caps in other words, refusals that stored part of the
batch, duplicates said by a status, errors given as an object. No lead is lost or sent twice, the key is never
blocked by our resends, and the exit code follows docs/design.md."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import importer
from importer.crm.client import CrmClient
from importer.crm.recovery import RetryPolicy
from importer.sandbox.server import Sandbox
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet
from tests.test_crm import SETTINGS, FakeClock, FakeCrm, Harness, SpyLimiter, accept_all, answer, crm_id, leads
from tests.test_crm_double import CALLED, crm_settings, import_into, statuses
from tests.test_crm_double4 import MAINTENANCE, _end_maintenance_after
from tests.waiting import ManualClock


def test_an_account_locked_mid_run_stops_it_with_the_rest_pending(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The CRM answers HTTP 423 {"error": "Account locked"} once the account is locked: the run stopped as "an
    unexpected body ... a bug in leadimport". It is the key being unusable: the run stops at once (exit 3), says the
    account is locked and what to do, the leads stored so far are accepted, the rest pending (none rejected), and
    the same command sends only those once the account is unlocked."""
    phones = good_phones(30, seed=501)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, report, ledger = mapping_file(MAPPING), tmp_path / "report.csv", tmp_path / "ledger.sqlite3"
    args = ["run", str(sheet), "--mapping", str(mapping), "--report", str(report), "--rate", "2000/1s",
            "--batch-size", "5", "--concurrency", "1"]  # fmt: skip
    with Sandbox(crm_settings(locked_after=2)) as crm:
        stopped = run_cli(*args, env=run_env(crm.base_url, ledger))
        stored_first = len(crm.leads())
    assert stopped.exit_code == 3, stopped.stderr
    assert "HTTP 423" in stopped.stderr and "Account locked" in stopped.stderr
    assert "unlock" in stopped.stderr and "bug in leadimport" not in stopped.stderr
    statuses = [row["status"] for row in by_row(stopped.report).values()]
    assert set(statuses) == {"accepted", "pending"} and statuses.count("accepted") == stored_first > 0
    with Sandbox(crm_settings()) as unlocked:
        resumed = run_cli(*args, env=run_env(unlocked.base_url, ledger))
        assert resumed.exit_code == 0, resumed.stderr
        assert len(unlocked.leads()) == 30 - stored_first


def _import(crm: Sandbox, sheet: Path, mapping: Path, ledger: Path, *, outage: float) -> importer.Outcome:
    return importer.import_file(
        sheet,
        mapping,
        token=TOKEN,
        base_url=crm.base_url,
        ledger=ledger,
        send=importer.SendOptions(inflight_grace=0.0),
        rate=importer.RateLimit(5000, 1.0),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0, outage=outage),
    )


@pytest.mark.parametrize("status", [502, 504])
def test_a_deploy_answering_gateway_pages_for_longer_than_the_retries_is_waited_out(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int
) -> None:
    """During a deploy nginx answers every request, sends and lookups alike, with its 502 (or 504) page and no
    Retry-After, for longer than a request's few tries: the run stopped after about 8 s (exit 3), where a 503
    is waited out. Lookups answered so say the CRM itself is down, not that a request of ours was lost: it is
    waited out within the outage bound, and then every lead is stored once (exit 0)."""
    phones = good_phones(10, seed=511)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger, clock = mapping_file(MAPPING), tmp_path / "ledger.sqlite3", ManualClock()
    with Sandbox(crm_settings(maintenance=3600.0, maintenance_status=status), clock=clock) as crm:
        ender = _end_maintenance_after(crm, clock, 14)
        outcome = _import(crm, sheet, mapping, ledger, outage=10.0)
        ender.join()
        stored = crm.leads()
    assert outcome.exit_code == 0, outcome.stop_message
    assert outcome.summary.counts == {"accepted": 10}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


def test_a_deploy_outlasting_the_bound_stops_the_run_resumably(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """The gateway pages outlast the outage bound: exit 3, every row pending, the 502 named; nothing stored."""
    phones = good_phones(4, seed=512)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger, clock = mapping_file(MAPPING), tmp_path / "ledger.sqlite3", ManualClock()
    with Sandbox(crm_settings(maintenance=3600.0, maintenance_status=502), clock=clock) as crm:
        stopped = _import(crm, sheet, mapping, ledger, outage=0.5)
        assert crm.leads() == []
    assert stopped.exit_code == 3 and stopped.summary.counts == {"pending": 4}
    assert "HTTP 502: 502 Bad Gateway" in str(stopped.stop_message)


# -- a long outage costs only its wait ---------------------------------------------------------------------------


class _Outage:
    """A CRM whose gateway answers 503 with a maintenance page until ``down`` seconds have passed on a clock that
    moves only when the client waits; ``sends_only``: lookups are answered all along (the endpoint that takes leads
    is the one down). Then it stores every lead sent."""

    def __init__(self, down: float, *, sends_only: bool) -> None:
        self.clock = FakeClock()
        self.down, self.sends_only = down, sends_only
        self.posts: list[float] = []
        self.gets = 0
        self.stored: set[str] = set()

    def __call__(self, request: httpx.Request) -> httpx.Response:
        post = request.method == "POST"
        if post:
            self.posts.append(self.clock.now)
        else:
            self.gets += 1
        if self.clock.now < self.down and (post or not self.sends_only):
            return httpx.Response(503, text=MAINTENANCE.text, headers={"Content-Type": "text/html"})
        if post:
            sent = json.loads(request.content)["leads"]
            self.stored.update(lead["referenceId"] for lead in sent)
            return accept_all(sent)
        ref = request.url.params["referenceId"]
        if ref in self.stored:
            return answer(200, {"success": True, "data": {"_id": crm_id(ref), "referenceId": ref}})
        return answer(404, {"success": False, "error": "Lead not found"})


@pytest.mark.parametrize("sends_only", [False, True], ids=["crm-down", "sends-down"])
def test_a_long_outage_costs_its_wait_and_a_few_lookups_per_try(
    sends_only: bool, caplog: pytest.LogCaptureFixture
) -> None:
    """Five minutes of 503 maintenance pages (to sends only, or to lookups too): each try of a batch of 50 looked up
    all 50 leads first, and each 503 to a resend counted its leads as possible duplicate refusals, so the guard
    paused a minute at a time, said the CRM "refused 5 leads as duplicates", and the import ended 5 minutes after
    the CRM was back. A sample of 3 leads is looked up per try. The leads sent again still count as possible
    refusals while no lookup shows them stored (a gateway answers 503 after passing a request on: Heroku's timeout,
    Envoy's reset; tests/test_trust_gaps.py), so the guard's pacing ends the import within five duplicate minutes
    of the CRM's return, each lead stored once and the key never blocked."""
    crm = _Outage(300.0, sends_only=sends_only)
    client = CrmClient(
        SETTINGS,
        limiter=SpyLimiter(crm.clock, []),
        http=httpx.Client(transport=httpx.MockTransport(crm)),
        retry=RetryPolicy(),
        sleep=crm.clock.sleep,
    )
    with caplog.at_level("INFO", logger="importer.crm"):
        result = client.submit(leads(*range(1, 51)))
    assert result.stop is None and {o.state for o in result.outcomes.values()} == {"accepted"}
    assert len(result.outcomes) == 50 and crm.stored == {f"r{n}" for n in range(1, 51)}
    said = " ".join(record.getMessage() for record in caplog.records)
    assert "The CRM is unavailable (HTTP 503: Scheduled maintenance); trying again in" in said
    # The leads sent again count as possible refusals while lookups cannot show them stored (a 503 may be a
    # gateway's after the CRM stored the request), so the guard paces the sends after the CRM's return.
    assert crm.clock.now <= 300.0 + 5 * 60.0
    assert crm.gets <= 3 * len(crm.posts) + 50 * (not sends_only) + 50


@pytest.mark.parametrize(
    "message",
    [
        "Maximum of {cap} items allowed per request",
        "Batch size exceeds limit of {cap}",
        "too many items (max {cap})",
        "Request entity refused: please send smaller batches",
    ],
)
def test_a_bulk_cap_in_other_words_is_kept_for_the_next_requests(
    tmp_path: Path, mapping_file: Callable[..., Path], message: str
) -> None:
    """A CRM whose bulk cap is 100 says so in words without "leads" (or without the number): the batch refused was
    halved, but every later batch was sent whole again, refused and halved again (eight 400s for 900 leads). The
    cap read from the message, or else the half size that the CRM took whole, is kept: once the first request over
    the cap is refused, none goes over it, and every lead is stored once."""
    phones = good_phones(900, seed=521)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(bulk_cap=100, bulk_cap_message=message)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        sizes = crm.stats().initiate_sizes
        stored = crm.leads()
    assert outcome.exit_code == 0 and outcome.summary.counts == {"accepted": 900}
    assert len([size for size in sizes if size > 100]) == 1, sizes
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


@pytest.mark.parametrize("message", ["Phone exceeds maximum length of 15 digits", "Name is limited to 80 characters"])
def test_a_lone_lead_refused_with_a_number_in_the_message_is_rejected_not_a_bug(message: str) -> None:
    """A lead refused alone with a message holding a limit about one of its cells is that lead's refusal (rejected
    with the CRM's words), not a bulk cap a lone lead cannot be split under (a stop as leadimport's bug)."""
    result = Harness(FakeCrm(answer(400, {"error": message}))).submit(leads(1))
    assert result.stop is None and result.outcomes["r1"].state == "rejected"
    assert result.outcomes["r1"].message == message


@pytest.mark.parametrize("status", [403, 404])
def test_a_refusal_that_stored_part_of_the_batch_keeps_those_leads(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int
) -> None:
    """The project goes inactive (403) or the process is deleted (404) while a bulk request is processed: the CRM
    stored its first two leads and says so in the refusal's body (``success[]`` beside the error). Every lead was
    marked unsent, so the next run sent the stored two again, each a duplicate submission toward the key block. The
    stored ones are accepted with their ids, the run stops (exit 3) with the rest pending, and the next run sends
    only the rest: no duplicate reaches the CRM."""
    phones = good_phones(10, seed=531)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(partial_refusal=status, partial_after=2)) as crm:
        stopped = import_into(crm, sheet, mapping, ledger)
        first = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in crm.leads()}
        resumed = import_into(crm, sheet, mapping, ledger)
        stats, stored = crm.stats(), crm.leads()
    assert stopped.exit_code == 3 and stopped.summary.counts == {"accepted": 2, "pending": 8}
    assert {p: s for p, (s, _) in statuses(stopped).items() if s == "accepted"} == dict.fromkeys(first, "accepted")
    assert {p: str(i) for p, i in zip(phones, stopped.rows["lead_id"], strict=True) if p in first} == first
    assert resumed.exit_code == 0 and resumed.summary.counts == {"already-imported": 2, "accepted": 8}
    assert stats.duplicates == 0 and sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


def _duplicate_item(held: str) -> list[dict[str, object]]:
    return [
        {"index": 0, "_id": "id-r1", "referenceId": "r1", "status": "created"},
        {"index": 1, "_id": held, "referenceId": "r2", "status": "Duplicate"},
    ]


def test_a_results_item_with_an_id_and_status_duplicate_is_a_duplicate_refusal() -> None:
    """A results item ``{"_id": ..., "status": "Duplicate"}`` (no message): it was rejected "without a message",
    not counted toward the key block, never looked up. By the contract (§2, §5) a duplicate is a refusal that counts
    toward the block, and the id is the lead the CRM already holds: the guard counts it, the lead is looked up by its
    referenceId (an earlier request of ours may have stored it), and, not ours, it is rejected saying "Duplicate"
    and which lead the CRM holds."""
    h = Harness(FakeCrm(answer(200, {"results": _duplicate_item("5f00aa00aa00aa00aa00aa01")})))
    result = h.submit(leads(1, 2))
    assert result.outcomes["r1"].state == "accepted" and result.outcomes["r2"].state == "rejected"
    assert result.outcomes["r2"].message == "Duplicate (the CRM's existing lead 5f00aa00aa00aa00aa00aa01)"
    assert h.crm.gets == ["r2"] and h.client.duplicates.stats().refused == 1


def test_a_duplicate_results_item_for_a_lead_an_earlier_request_stored_is_accepted() -> None:
    """The same answer for a lead the CRM holds under our referenceId (an earlier request of ours landed): it is
    looked up and accepted with its id, not rejected."""
    h = Harness(FakeCrm(answer(200, {"results": _duplicate_item(crm_id("r2"))}), stored=["r2"]))
    result = h.submit(leads(1, 2))
    assert {ref: (o.state, o.lead_id) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", "id-r1"),
        "r2": ("accepted", "id-r2"),
    }


def test_a_423_with_a_short_retry_after_is_waited_out(tmp_path: Path, mapping_file: Callable[..., Path]) -> None:
    """The CRM locks the account for a moment and says for how long (HTTP 423, ``Retry-After: 1``): the run
    stopped as a locked account to be unlocked by an administrator (exit 3). A Retry-After says the lock ends by
    itself then: a short one is waited out like a plain 429, and every lead is stored once (exit 0)."""
    phones = good_phones(20, seed=541)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = crm_settings(locked_after=1, locked_requests=1, locked_retry_after=1.0)
    with Sandbox(settings) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
    assert outcome.exit_code == 0, outcome.stop_message
    assert outcome.summary.counts == {"accepted": 20}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


def test_a_423_asking_for_an_hour_stops_until_then(tmp_path: Path, mapping_file: Callable[..., Path]) -> None:
    """A 423 whose Retry-After asks for an hour: past what a run waits (5 minutes, as for a 429), so the run stops
    resumably (exit 3, the rest pending) as blocked until then, saying how long; not as a lock to ask an
    administrator about."""
    phones = good_phones(12, seed=542)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(locked_after=1, locked_retry_after=3600.0)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = len(crm.leads())
    assert outcome.exit_code == 3 and outcome.stop_kind is importer.StopKind.KEY_BLOCKED
    assert "for 60 minutes (HTTP 423: Account locked)" in str(outcome.stop_message)
    assert outcome.blocked_until is not None
    assert outcome.summary.counts == {"accepted": stored, "pending": 12 - stored}


def test_queued_work_due_on_the_sandbox_clock_is_done_before_the_next_answer() -> None:
    """The sandbox's queued bulk request (``process_later``) is processed by a timer; on a loaded machine a timer
    fires late, and a lookup made after the wait found the lead missing (a flaky test). Work that is due is done
    before any later request is answered: here its timer is an hour away, the sandbox's clock is moved past it, and
    the next lookup finds the lead."""
    clock = ManualClock()
    with Sandbox(crm_settings(process_later=3600.0), clock=clock) as crm:
        lead = {"projectId": crm.settings.project_id, "processId": crm.settings.process_ids[0], "name": "Asha",
                "phone": "+919845012345", "referenceId": "queued-1"}  # fmt: skip
        headers = {"Authorization": f"Bearer {TOKEN}"}
        with httpx.Client(base_url=crm.base_url, headers=headers) as http:
            queued = http.post("/leads/bulk/initiate", json={"leads": [lead]})
            query = {"referenceId": "queued-1", "projectId": lead["projectId"], "processId": lead["processId"]}
            before = http.get("/leads/get", params=query)
            clock.advance(3600.0)
            after = http.get("/leads/get", params=query)
    assert queued.status_code == 202 and before.status_code == 404
    assert after.status_code == 200 and after.json()["data"]["referenceId"] == "queued-1"


def test_errors_given_as_an_object_keyed_by_reference_id_are_refusals(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A CRM that gives ``errors`` as an object (``{"<referenceId>": "A call attempt has already been made ..."}``)
    instead of a list: the refusal was not read, the lead was looked up, not found, and sent again, a second
    duplicate submission toward the key block. Each entry is that lead's refusal: rejected with the CRM's words,
    sent once."""
    phones = good_phones(12, seed=551)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[3]], errors_keyed=True)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stats, stored = crm.stats(), crm.leads()
    assert statuses(outcome)[phones[3]] == ("rejected", CALLED)
    assert outcome.summary.counts == {"accepted": 11, "rejected": 1} and stats.duplicates == 1
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(set(phones) - {phones[3]})


@pytest.mark.parametrize(
    "errors",
    [{"phone": "Invalid phone number format"}, {"phone": ["Invalid phone number format"]}],
    ids=["text", "list"],
)
def test_a_lone_lead_refused_with_field_errors_is_rejected_with_them(errors: dict[str, object]) -> None:
    """A 400 whose only words are a validation object naming fields (``{"success": false, "errors": {"phone":
    "Invalid phone number format"}}``) stopped the run as leadimport's bug ("no message"): it is the lead's
    refusal, rejected with "phone: Invalid phone number format"."""
    result = Harness(FakeCrm(answer(400, {"success": False, "errors": errors}))).submit(leads(1))
    assert result.stop is None and result.outcomes["r1"].state == "rejected"
    assert result.outcomes["r1"].message == "phone: Invalid phone number format"


def test_a_refusal_naming_stored_leads_only_by_id_leaves_the_batch_to_be_looked_up() -> None:
    """A 403 whose body gives ``success[]`` items holding only ids (which leads they are it does not say): some
    of the batch was stored, so no lead is taken for unsent (sent again by the next run, a stored one would be a
    duplicate): each is unconfirmed, for the next run to look up first."""
    body = {
        "success": False,
        "error": "Project is inactive",
        "data": {"success": [{"_id": "5f00aa00aa00aa00aa00aa07"}]},
    }
    result = Harness(FakeCrm(answer(403, body))).submit(leads(1, 2, 3))
    assert result.stop is not None and result.outcomes == {}
    assert sorted(result.unknown) == ["r1", "r2", "r3"] and result.unsent == ()


@pytest.mark.parametrize(
    ("item", "message"),
    [
        (
            {"referenceId": "r2", "success": False, "error": "Invalid phone number format"},
            "Invalid phone number format",
        ),
        (
            {"referenceId": "r2", "success": "false", "message": "Invalid phone number format"},
            "Invalid phone number format",
        ),
        ({"referenceId": "r2", "_id": "5f00aa", "status": "Duplicate"}, "Duplicate (the CRM's existing lead 5f00aa)"),
        (
            {"referenceId": "r2", "_id": "5f00aa", "status": "skipped"},
            "skipped: a duplicate (the CRM's existing lead 5f00aa)",
        ),
        ({"referenceId": "r2", "_id": "5f00aa", "duplicate": True}, "Duplicate (the CRM's existing lead 5f00aa)"),
    ],
    ids=["failed", "failed-as-text", "status-duplicate", "status-skipped", "duplicate-flag"],
)
def test_a_success_item_saying_its_lead_was_not_created_is_a_refusal(item: dict[str, object], message: str) -> None:
    """An item in ``success[]`` that says its lead failed, or that the CRM holds it already (a status or flag), was
    taken for a stored lead: accepted with no id, or with the id of the lead the CRM already had. It is that
    lead's refusal: a failure is rejected in the CRM's words; a duplicate is counted toward the key block, looked up
    (not ours here) and rejected naming the CRM's lead."""
    body = {"success": [{"_id": crm_id("r1"), "referenceId": "r1"}, item], "errors": []}
    h = Harness(FakeCrm(answer(200, body)))
    result = h.submit(leads(1, 2))
    assert result.outcomes["r1"].state == "accepted" and result.outcomes["r2"].state == "rejected"
    assert result.outcomes["r2"].message == message
    duplicate = "duplicate" in message.lower()
    assert h.crm.gets == (["r2"] if duplicate else []) and h.client.duplicates.stats().refused == int(duplicate)


@pytest.mark.parametrize(
    "error", [None, "", 0, {}, []], ids=["null", "empty-text", "zero", "empty-object", "empty-list"]
)
def test_a_success_item_with_an_empty_error_is_a_stored_lead(error: object) -> None:
    """A success[] item carrying its lead's _id and an ``error`` that says none (null, "", 0, {} or []): the lead is
    stored, accepted with that id, not rejected with the message "0" or "" (fixed and sent again, a duplicate)."""
    body = {"success": [{"_id": crm_id(f"r{n}"), "referenceId": f"r{n}", "error": error} for n in (1, 2)], "errors": []}
    h = Harness(FakeCrm(answer(200, body)))
    result = h.submit(leads(1, 2))
    assert {ref: (o.state, o.lead_id) for ref, o in result.outcomes.items()} == {
        "r1": ("accepted", crm_id("r1")),
        "r2": ("accepted", crm_id("r2")),
    }
