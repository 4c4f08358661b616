"""Imports against a CRM that answers in ways the contract leaves open (docs/crm-contract.md §6), over real
HTTP on loopback: every good lead is stored once, every row says what became of it, the exit code follows
docs/design.md, and a rerun sends nothing twice."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

import importer
from importer.crm.client import CrmClient, CrmSettings
from importer.crm.dup_budget import DuplicateRule
from importer.crm.limiter import RateLimiter
from importer.crm.recovery import OUTAGE_WAIT, RetryPolicy
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import ManualClock, wait_until

CALLED = "A call attempt has already been made to this phone number for this project"


def crm_settings(called: list[str] = (), **overrides: Any) -> SandboxSettings:  # type: ignore[assignment]
    """A sandbox for the test project whose project already called ``called`` (national numbers, IN)."""
    return SandboxSettings(
        token=TOKEN,
        project_id=PROJECT,
        process_ids=(PROCESS,),
        rate_limit=5000,
        rate_window=1.0,
        preexisting_phones=frozenset(f"+91{phone}" for phone in called),
        **overrides,
    )


def import_into(
    crm: Sandbox,
    sheet: Path,
    mapping: Path,
    ledger: Path,
    send: importer.SendOptions = importer.SendOptions(inflight_grace=0.0),
    settle_wait: float = 0.0,
    outage: float = OUTAGE_WAIT,
) -> importer.Outcome:
    """Import ``sheet`` (a resumed run checks an interrupted one's leads with the CRM at once: the sandbox
    stores a request before it answers); a CRM down for maintenance is waited out for ``outage`` seconds."""
    return importer.import_file(
        sheet,
        mapping,
        token=TOKEN,
        base_url=crm.base_url,
        ledger=ledger,
        send=send,
        rate=importer.RateLimit(5000, 1.0),
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=settle_wait, outage=outage),
    )


def statuses(outcome: importer.Outcome) -> dict[str, tuple[str, str]]:
    """Phone (as in the sheet) → (status, reason) of its row."""
    rows = outcome.rows
    return {
        str(phone)[-10:]: (str(status), str(reason) if isinstance(reason, str) else "")
        for phone, status, reason in zip(rows["phone_e164"], rows["status"], rows["reason"], strict=True)
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"answer_shape": "envelope"},
        {"answer_shape": "envelope", "error_shape": "guide"},
        {"answer_shape": "results"},
        {"answer_shape": "results", "mixed_status_400": True},
    ],
    ids=["envelope", "envelope-guide-errors", "results-by-index", "results-by-index-400"],
)
def test_per_lead_answers_in_another_layout_are_read_lead_by_lead(
    tmp_path: Path, mapping_file: Callable[..., Path], overrides: dict[str, Any]
) -> None:
    """A CRM that wraps its success/errors arrays in {"success": true, "data": {...}}, or answers one results
    list whose items name their lead by index: the refused leads are rejected with the CRM's message at once,
    never sent again (each resend is one more duplicate toward the key block), the others accepted."""
    phones = good_phones(12, seed=301)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=phones[:2], **overrides)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
        duplicates = crm.stats().duplicates
        again = import_into(crm, sheet, mapping, ledger)
        after = crm.stats()
    rows = statuses(outcome)
    assert {phone: rows[phone] for phone in phones[:2]} == {phone: ("rejected", CALLED) for phone in phones[:2]}
    assert all(rows[phone][0] == "accepted" for phone in phones[2:])
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones[2:])
    assert duplicates == 2 and outcome.exit_code == 1
    assert again.summary.counts == {"already-imported": 10, "rejected": 2} and after.duplicates == 2
    assert len(crm.leads()) == 10


@pytest.mark.parametrize("status", [400, 200])
def test_a_batch_refused_whole_for_one_lead_still_gets_the_others_in(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int
) -> None:
    """A CRM that refuses a whole batch for one lead's duplicate phone, with HTTP 400 or with HTTP 200 and
    {"success": false, "error": ...}: the batch is sent again lead by lead, the good leads are stored, the
    refused ones rejected with the CRM's message, and the key is never blocked."""
    phones = good_phones(12, seed=302)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[1], phones[7]], whole_batch_refusal=status)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
        stats = crm.stats()
    rows = statuses(outcome)
    assert rows[phones[1]] == rows[phones[7]] == ("rejected", CALLED)
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(set(phones) - {phones[1], phones[7]})
    assert outcome.summary.counts == {"accepted": 10, "rejected": 2} and outcome.exit_code == 1
    assert not stats.blocked and outcome.stop_message is None


@pytest.mark.parametrize(
    "message",
    [
        "API key suspended for 60 minutes due to repeated duplicate submissions",
        "Too many duplicate requests: this key is locked. Try again later.",
    ],
)
def test_a_block_said_in_other_words_stops_the_run_at_once(
    tmp_path: Path, mapping_file: Callable[..., Path], message: str
) -> None:
    """The CRM blocks the key and says so without the word "blocked": the run stops at its first 429 with
    the key block (exit 3, the rest pending), rather than sending into the block again and again as if it
    were a rate limit; once the block is over, the same command sends the rest. (One batch at a time: with
    several, the next batch may leave while the refused lead is looked up, and meet the block too.)"""
    phones = good_phones(12, seed=303)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    # One duplicate blocks the key: the first request (a probe of 5) carries the called phone.
    clock = ManualClock()
    settings = crm_settings(called=phones[:1], dup_threshold=0, block_message=message)
    one_at_a_time = importer.SendOptions(inflight_grace=0.0, concurrency=1)
    with Sandbox(settings, clock=clock) as crm:
        outcome = import_into(crm, sheet, mapping, ledger, send=one_at_a_time)
        requests = crm.stats().requests
        clock.advance(settings.block_seconds)  # the hour is over
        resumed = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
    assert outcome.stop_kind is importer.StopKind.KEY_BLOCKED and outcome.exit_code == 3
    assert message in str(outcome.stop_message)
    # The probe, then the lookup of the refused lead, which the block refused: nothing more was sent.
    assert requests == 2
    assert outcome.summary.counts == {"accepted": 4, "rejected": 1, "pending": 7}
    assert resumed.summary.counts == {"already-imported": 4, "rejected": 1, "accepted": 7}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones[1:])


def test_lookups_answering_200_for_a_missing_lead_are_read_as_not_found(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A CRM whose GET /leads/get says {"success": false, "error": "Lead not found"} under HTTP 200: a lead
    refused as a duplicate is looked up (it may be ours from an earlier request), not found, and rejected with
    the CRM's message; the run goes on and every other lead is stored."""
    phones = good_phones(8, seed=304)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[2]], missing_lead_status=200)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
    assert statuses(outcome)[phones[2]] == ("rejected", CALLED)
    assert outcome.summary.counts == {"accepted": 7, "rejected": 1} and outcome.stop_message is None
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(set(phones) - {phones[2]})


def test_a_crm_answering_after_the_timeout_is_not_sent_the_batch_again_whole() -> None:
    """The CRM stores a batch but answers only after the client's read timeout, so nothing is found when the
    client first looks. Sending the whole batch again would make each of its leads a duplicate submission
    and block the key for an hour: only a probe of 5 goes again, its answer is lost too, and the leads are
    looked up, found, and accepted; the key is not blocked and nothing is stored twice."""
    leads = [
        {"projectId": PROJECT, "processId": PROCESS, "name": f"Lead {n}", "phone": f"+9198450{n:05d}",
         "referenceId": f"late-{n}"}
        for n in range(20)
    ]  # fmt: skip
    with (
        Sandbox(crm_settings(store_delay=1.5)) as crm,
        CrmClient(
            CrmSettings(crm.base_url, TOKEN, PROJECT, PROCESS),
            limiter=RateLimiter.for_rate(importer.RateLimit(5000, 1.0)),
            retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
            timeout=httpx.Timeout(1.0, connect=5.0),
        ) as client,
    ):
        result = client.submit(leads)
        wait_until(lambda: crm.stats().held == 0 and len(crm.leads()) == 20 and crm.stats().duplicates >= 5)
        stats = crm.stats()
        stored = crm.leads()
    assert result.stop is None and not result.unsent and not result.unknown
    assert {ref: outcome.state for ref, outcome in result.outcomes.items()} == {
        str(lead["referenceId"]): "accepted" for lead in leads
    }
    assert {str(lead["_id"]) for lead in stored} == {outcome.lead_id for outcome in result.outcomes.values()}
    assert stats.initiate_requests == 2 and stats.duplicates == 5 and not stats.blocked


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_an_api_moved_within_the_crm_site_gets_every_lead(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int
) -> None:
    """The CRM redirects its endpoints to another path on the same host (the API moved to /api/v2): the
    requests follow with their method and body, every good lead is stored once, refused ones rejected,
    and a rerun sends nothing again."""
    phones = good_phones(12, seed=305)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[3]], moved_to="/api/v2", redirect_status=status)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
        again = import_into(crm, sheet, mapping, ledger)
    assert statuses(outcome)[phones[3]] == ("rejected", CALLED)
    assert outcome.summary.counts == {"accepted": 11, "rejected": 1} and outcome.exit_code == 1
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(set(phones) - {phones[3]})
    assert again.summary.counts == {"already-imported": 11, "rejected": 1} and len(crm.leads()) == 11


def test_a_redirect_to_another_host_stops_the_run_without_sending_the_token_there(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """A redirect to another site is not followed (the request carries the API token): the run stops with
    exit 3, naming the address to set VOX_BASE_URL to, and every row stays pending."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(4, seed=306))
    with Sandbox(crm_settings(moved_to="http://localhost:9/api/v2")) as crm:
        outcome = import_into(crm, sheet, mapping_file(MAPPING), tmp_path / "ledger.sqlite3")
    assert outcome.stop_kind is importer.StopKind.WRONG_ADDRESS and outcome.exit_code == 3
    assert "a redirect to http://localhost:9/api/v2/leads/bulk/initiate" in str(outcome.stop_message)
    assert outcome.summary.counts == {"pending": 4}


def test_a_page_answering_in_the_crms_place_stops_the_run(tmp_path: Path, mapping_file: Callable[..., Path]) -> None:
    """Something between us and the CRM (a proxy, a sign-in page) answers every request with HTTP 200 and an
    HTML page, and nothing reaches the CRM: after the batch is looked up, sent once more and looked up again,
    the run stops (exit 3) saying what answered, rather than sending every batch twice into it; the rows stay
    pending, and the same command sends them once the way is clear."""
    phones = good_phones(60, seed=307)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(proxy_page=200)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger)
        sent = crm.stats().initiate_requests
    assert outcome.exit_code == 3 and outcome.stop_kind is importer.StopKind.CLIENT_BUG
    assert "<html>" in str(outcome.stop_message) and "VOX_BASE_URL" in str(outcome.stop_message)
    # The first batch (or the two the duplicate guard let out at once) sent twice, then nothing more.
    assert outcome.summary.counts == {"pending": 60} and sent <= 4
    with Sandbox(crm_settings()) as crm:  # the proxy is gone
        resumed = import_into(crm, sheet, mapping, ledger)
        stored = crm.leads()
    assert resumed.summary.counts == {"accepted": 60}
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(phones)


@pytest.mark.parametrize(("status", "every"), [(200, 2), (502, 2), (504, 3)])
def test_a_proxy_page_after_the_crm_stored_the_batch_loses_no_lead(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int, every: int
) -> None:
    """The CRM stores a batch, but a proxy answers in its place with an HTML page (200, 502 Bad Gateway, 504
    Gateway Timeout): the leads are looked up and accepted with their ids, a refused one is rejected with
    the CRM's message, none is stored twice, and the key is not blocked. (The CRM's duplicate window is 2 s
    here: the leads of a partly stored request are sent again only once it has passed.)"""
    phones = good_phones(24, seed=308)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    settings = crm_settings(called=[phones[0]], proxy_page=status, proxy_every=every, proxy_stores=True, dup_window=2.0)
    send = importer.SendOptions(duplicate_rule=DuplicateRule(window=2.0), inflight_grace=0.0)
    with Sandbox(settings) as crm:
        outcome = import_into(crm, sheet, mapping_file(MAPPING), tmp_path / "ledger.sqlite3", send)
        stored = crm.leads()
        stats = crm.stats()
    assert statuses(outcome)[phones[0]] == ("rejected", CALLED)
    assert outcome.summary.counts == {"accepted": 23, "rejected": 1} and outcome.exit_code == 1
    ids = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in stored}
    assert len(stored) == 23 and sorted(ids) == sorted(phones[1:])
    rows = outcome.rows
    assert {str(p)[-10:]: i for p, i in zip(rows["phone_e164"], rows["lead_id"], strict=True) if p[-10:] in ids} == ids
    assert not stats.blocked


def test_a_crm_processing_batches_after_answering_202_gets_each_lead_once(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """The CRM answers 202 ("queued for processing") and stores the batch a moment later, refusing a called
    phone silently: the leads are looked up after the settle wait and accepted with their ids; none is sent
    again (it would be a duplicate once processed), and the one the CRM never stored stays pending as
    unconfirmed (exit 3), for the next run to look up first."""
    phones = good_phones(12, seed=309)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(crm_settings(called=[phones[6]], process_later=0.2)) as crm:
        outcome = import_into(crm, sheet, mapping, ledger, settle_wait=2.0)
        stats = crm.stats()
        stored = crm.leads()
    rows = statuses(outcome)
    assert rows[phones[6]] == ("pending", "unconfirmed: the next run checks it with the CRM before sending")
    assert outcome.summary.counts == {"accepted": 11, "pending": 1} and outcome.exit_code == 3
    assert sorted(str(lead["phone"])[-10:] for lead in stored) == sorted(set(phones) - {phones[6]})
    assert sum(stats.initiate_sizes) == 12 and stats.duplicates == 1
