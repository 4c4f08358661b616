"""`leadimport run` against the sandbox CRM over real HTTP: exactly once, rate, faults, stops."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

import importer
from importer._testing import faults
from importer.crm.dup_budget import DuplicateBudget
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import BASIC_MAPPING, PROCESS, PROJECT, CliRun, by_row, read_report
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet
from tests.waiting import ManualClock

FAST = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(FAST) as crm:
        yield crm


def _run(
    run_cli: Callable[..., CliRun], sheet: Path, mapping: Path, report: Path, env: dict[str, str], *extra: str
) -> CliRun:
    return run_cli(
        "run", str(sheet), "--mapping", str(mapping), "--report", str(report), "--rate", "2000/1s", *extra, env=env
    )


def test_multi_batch_file_stored_exactly_once(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """2,500 valid rows all land once, a probe batch of 5 first; invalid and duplicate rows are never sent."""
    phones = good_phones(2500)
    extra = [
        "Bad,98220abcde,bad@example.com,Pune",
        "Dup,+91 " + phones[10],
        "Fake,9999999999,,Goa",  # a made-up number and nothing else: invalid (beside an email it is left out)
        ",,,",
    ]
    sheet = write_sheet(tmp_path / "leads.csv", phones, extra_rows=extra)
    result = _run(run_cli, sheet, mapping_file(MAPPING), tmp_path / "r.csv", run_env(sandbox.base_url), "--no-ledger")
    assert result.exit_code == 1, result.stderr  # the invalid rows
    rows = by_row(result.report)
    stored = {lead["referenceId"]: lead for lead in sandbox.leads()}
    accepted = {r["referenceId"]: r for r in result.report if r["status"] == "accepted"}
    assert len(accepted) == 2500 and set(stored) == set(accepted)
    assert all(stored[ref]["_id"] == row["lead_id"] for ref, row in accepted.items())
    assert [rows[n]["status"] for n in range(2502, 2506)] == ["invalid", "duplicate", "invalid", "skipped"]
    assert {lead["phone"] for lead in stored.values()} == {"+91" + p for p in phones}
    stats = sandbox.stats()
    assert stats.duplicates == 0 and stats.initiate_sizes[0] == 5 and stats.max_leads_per_request <= 1000
    assert sum(stats.initiate_sizes) == 2500


def test_crm_rejections_land_on_their_rows(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A lead the CRM refuses is `rejected` on its own sheet row with the CRM's message verbatim."""
    phones = good_phones(30)
    httpx.post(
        sandbox.base_url + "/leads/bulk/initiate",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"leads": [{"projectId": PROJECT, "processId": PROCESS, "name": "Earlier", "phone": "+91" + phones[4]}]},
    ).raise_for_status()
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    result = _run(
        run_cli,
        sheet,
        mapping_file(MAPPING),
        tmp_path / "r.csv",
        run_env(sandbox.base_url),
        "--no-ledger",
        "--batch-size",
        "7",
    )
    assert result.exit_code == 1
    rows = by_row(result.report)
    assert rows[6]["status"] == "rejected"
    assert rows[6]["reason"] == "A call attempt has already been made to this phone number for this project"
    assert sum(r["status"] == "accepted" for r in result.report) == 29
    assert "Most common CRM rejections:" in result.output


def test_a_rejected_row_is_sent_again_only_once_it_is_changed(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Rows the CRM rejected are not sent again with the same sheet (the ledger remembers what was sent);
    a row refused because its phone was already called is not sent again even once corrected (the phone is
    what the CRM refuses), while the ledger still knows the others."""
    phones = good_phones(20, seed=71)
    httpx.post(
        sandbox.base_url + "/leads/bulk/initiate",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={
            "leads": [
                {"projectId": PROJECT, "processId": PROCESS, "name": "Earlier", "phone": "+91" + phones[n]}
                for n in (3, 7)
            ]
        },
    ).raise_for_status()
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, report, env = mapping_file(MAPPING), tmp_path / "r.csv", run_env(sandbox.base_url, tmp_path / "l.db")
    first = _run(run_cli, sheet, mapping, report, env)
    assert [r["status"] for r in first.report].count("rejected") == 2
    sent = sandbox.stats().initiate_requests
    again = _run(run_cli, sheet, mapping, report, env)
    assert sandbox.stats().initiate_requests == sent  # nothing sent
    rows = by_row(again.report)
    assert (rows[5]["status"], rows[9]["status"]) == ("rejected", "rejected")
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("P3,", "Pooja Rao,"), encoding="utf-8")
    fixed = _run(run_cli, sheet, mapping, report, env)
    assert sandbox.stats().initiate_requests == sent  # the phone is still taken: sending it would be refused
    rows = by_row(fixed.report)
    assert rows[5]["status"] == "rejected" and "already been made" in rows[5]["reason"]
    assert "not sent again" in rows[5]["reason"]
    assert rows[9]["status"] == "rejected"
    assert sum(r["status"] == "already-imported" for r in fixed.report) == 18


@pytest.mark.parametrize("error_shape", ["reference", "guide"])
def test_faults_still_exactly_once(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], error_shape: str
) -> None:
    """With 5% injected 5xx and 5% store-then-drop faults every valid row is stored once, with no duplicate seen."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0,
        fault_5xx=0.05, fault_drop=0.05, seed=11, error_shape=error_shape, mixed_status_400=error_shape == "guide",
    )  # fmt: skip
    phones = good_phones(2100, seed=3)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    with Sandbox(settings) as crm:
        result = _run(
            run_cli, sheet, mapping_file(MAPPING), tmp_path / "r.csv", run_env(crm.base_url, tmp_path / "l.db"),
            "--batch-size", "50", "--rate", "5000/1s", "--concurrency", "6",
        )  # fmt: skip
        stats = crm.stats()
        stored = [lead["referenceId"] for lead in crm.leads()]
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(map(str, stored)) == sorted(r["referenceId"] for r in result.report)
    assert len(stored) == len(set(stored)) == 2100
    assert stats.duplicates == 0 and not stats.blocked


def test_block_stops_the_run_and_resume_completes(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A key block mid-run: exit 3, unsent rows pending, no request after it; after it lifts, the same import
    finishes. The hour is the sandbox's clock moved on, and the second run's duplicate guard keeps time by that
    clock too (an hour later, the first run's refusals are long out of the CRM's minute), not by the wall."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0,
        dup_threshold=5, dup_window=60.0, block_seconds=3600.0,
    )  # fmt: skip
    clock = ManualClock()  # the block lifts when the test moves the sandbox's clock on
    phones = good_phones(500, seed=5)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger, report = mapping_file(MAPPING), tmp_path / "ledger.db", tmp_path / "r.csv"
    with Sandbox(settings, clock=clock) as crm:
        taken = [
            {"projectId": PROJECT, "processId": PROCESS, "name": "Old", "phone": "+91" + p} for p in phones[100:110]
        ]
        httpx.post(
            crm.base_url + "/leads/bulk/initiate", headers={"Authorization": f"Bearer {TOKEN}"}, json={"leads": taken}
        )
        env = run_env(crm.base_url, ledger)
        first = _run(run_cli, sheet, mapping, report, env, "--batch-size", "100", "--concurrency", "1")
        stats = crm.stats()
        assert first.exit_code == 3
        assert "blocked" in first.stderr.lower()  # why it stopped: on stderr, in every mode
        assert "Why rows are pending:" in first.output and "not sent: the run stopped" in first.output
        statuses = [r["status"] for r in first.report]
        accepted = statuses.count("accepted")
        # ten already-called phones in a row: the request holding them blocks the key, whatever the pace
        refused = statuses.count("rejected")
        assert 5 < refused <= 10 and statuses.count("pending") == 500 - refused - accepted > 0
        assert stats.duplicates == refused and stats.blocked
        start, wall = clock(), time.time
        clock.advance(3600.0)
        guard = DuplicateBudget(clock=clock, wall=lambda: wall() + clock() - start)
        second = importer.import_file(
            sheet, mapping, token=TOKEN, base_url=crm.base_url, ledger=ledger, streamed=True,
            send=importer.SendOptions(batch_size=100, concurrency=1, inflight_grace=0.0, duplicates=guard),
            rate=importer.RateLimit(2000, 1.0),
        )  # fmt: skip
        stored = crm.leads()
        assert crm.stats().duplicates == 10 and not crm.stats().blocked  # no phone refused twice; no block
    assert second.exit_code == 1  # the rejected rows stay rejected; nothing resent
    final = [r["status"] for r in read_report(second.write_report(report))]
    assert final.count("already-imported") == accepted and final.count("accepted") == 490 - accepted
    assert final.count("rejected") == 10
    assert len(stored) == 10 + 490 and len({lead["phone"] for lead in stored}) == 500


def test_auth_failure_and_unknown_process_stop_cleanly(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A wrong token (403) and an unknown process (404) stop at once with a clear message, exit 3, rows pending."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(20))
    mapping = mapping_file(MAPPING)
    bad_token = {**run_env(sandbox.base_url), "VOX_API_TOKEN": "wrong-token-123"}
    denied = _run(run_cli, sheet, mapping, tmp_path / "a.csv", bad_token, "--no-ledger")
    assert denied.exit_code == 3
    assert "VOX_API_TOKEN" in denied.stderr and "wrong-token-123" not in denied.output + denied.stderr
    assert {r["status"] for r in denied.report} == {"pending"}
    missing = _run(
        run_cli,
        sheet,
        mapping,
        tmp_path / "b.csv",
        run_env(sandbox.base_url),
        "--no-ledger",
        "--process-id",
        "64f0c0ffee00000000000000",
    )
    assert missing.exit_code == 3
    assert "Process not found" in missing.stderr
    assert sandbox.leads() == []


def test_rate_and_batch_size_limits_are_kept(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """No request carries more than the batch size and no 1 s window sees more than the rate."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=10, rate_window=1.0, latency=(0.01, 0.05)
    )
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(300, seed=9))
    with Sandbox(settings) as crm:
        result = run_cli(
            "run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"),
            "--batch-size", "12", "--rate", "10/1s", "--concurrency", "4", "--no-ledger", env=run_env(crm.base_url),
        )  # fmt: skip
        stats = crm.stats()
    assert result.exit_code == 0
    assert stats.rate_limited == 0
    assert stats.max_requests_in(1.0) <= 10
    assert stats.max_leads_per_request == 12 and sum(stats.initiate_sizes) == 300


def test_missing_token_exits_2(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Without VOX_API_TOKEN nothing is read or sent, and the message says what to set."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2))
    result = run_cli("run", str(sheet), "--mapping", str(mapping_file(MAPPING)), env={"VOX_API_TOKEN": ""})
    assert result.exit_code == 2
    assert "VOX_API_TOKEN is not set" in result.stderr


def test_ledger_failing_at_the_end_still_reports_what_was_sent(
    tmp_path: Path,
    sandbox: Sandbox,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The ledger failing (disk full) after the leads went out: exit 3, not "nothing sent"; the report shows them."""
    from importer.errors import LedgerError
    from importer.ledger.store import Ledger

    def full(*args: object, **kwargs: object) -> None:
        raise LedgerError("the disk holding the ledger is full; free some space, then run the same command to resume.")

    monkeypatch.setattr(Ledger, "end_run", full)
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(30))
    env = run_env(sandbox.base_url, tmp_path / "ledger.db")
    result = _run(run_cli, sheet, mapping_file(MAPPING), tmp_path / "r.csv", env)
    assert result.exit_code == 3
    assert "disk holding the ledger is full" in result.stderr and "run the same command" in result.stderr
    assert [r["status"] for r in result.report] == ["accepted"] * 30 and len(sandbox.leads()) == 30


def test_run_stopped_before_its_rows_shows_what_earlier_runs_settled(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A run stopped (key blocked) before it reaches rows an earlier run got in reports them already-imported,
    with their lead ids, not "not sent"."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0,
        dup_threshold=5, dup_window=60.0, block_seconds=60.0,
    )  # fmt: skip
    old, new = good_phones(150, seed=8)[:100], good_phones(150, seed=8)[100:]
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.db"
    with Sandbox(settings) as crm:
        env = run_env(crm.base_url, ledger)
        first = _run(run_cli, write_sheet(tmp_path / "a.csv", old), mapping, tmp_path / "r1.csv", env)
        assert first.exit_code == 0
        ids = {r["referenceId"]: r["lead_id"] for r in first.report}
        dup = [{"projectId": PROJECT, "processId": PROCESS, "name": "Old", "phone": "+91" + p} for p in old[:6]]
        httpx.post(  # six duplicate submissions: the key is now blocked for a minute
            crm.base_url + "/leads/bulk/initiate", headers={"Authorization": f"Bearer {TOKEN}"}, json={"leads": dup}
        )
        assert crm.stats().blocked, crm.stats().summary()
        both = write_sheet(tmp_path / "b.csv", new + old, prefix="Q")  # new leads first: the block stops the run there
        second = _run(run_cli, both, mapping, tmp_path / "r2.csv", env, "--batch-size", "50", "--concurrency", "1")
        assert second.exit_code == 3
        rows = {r["referenceId"]: r for r in second.report}
        assert all(rows[ref]["status"] == "already-imported" and rows[ref]["lead_id"] == i for ref, i in ids.items())
        assert [r["status"] for r in second.report[:50]] == ["pending"] * 50


def test_a_report_that_cannot_be_written_after_sending_is_not_nothing_sent(
    tmp_path: Path,
    sandbox: Sandbox,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The leads went in but the report cannot be written: exit 3 (not 2, "nothing sent"), the counts, how
    to rebuild the report; the ledger ends the run, and `show --report` rebuilds it."""
    phones = good_phones(30, seed=77)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    blocker = tmp_path / "not-a-folder"

    def block(point: str) -> None:  # a file takes the report folder's place while the leads are sent
        if point == "report":
            blocker.write_text("a file where the report's folder should be", encoding="utf-8")

    monkeypatch.setattr(faults, "reach", block)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.db"
    env = run_env(sandbox.base_url, ledger)
    result = _run(run_cli, sheet, mapping, blocker / "r.csv", env)
    assert result.exit_code == 3
    assert "accepted" in result.output and "only the report is missing" in result.stderr
    assert "Report: not written" in result.output
    assert len(sandbox.leads()) == 30
    history = run_cli("history", "--ledger", str(ledger))
    assert "complete" in history.output
    rebuilt = run_cli("show", "1", "--ledger", str(ledger), "--report", str(tmp_path / "again.csv"))
    assert rebuilt.exit_code == 0, rebuilt.output + rebuilt.stderr
    assert {row["status"] for row in rebuilt.report} == {"accepted"}


def test_a_lead_whose_phone_is_only_on_a_later_copy_reaches_the_crm_with_it(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The first row of a lead has its email only, its copy the phone: the CRM gets one lead with both."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email,City\nAsha,,asha@x.com,Pune\nAsha K,+91 98220 33445,ASHA@x.com,Pune\n", encoding="utf-8"
    )
    result = _run(run_cli, sheet, mapping_file(MAPPING), tmp_path / "r.csv", run_env(sandbox.base_url), "--no-ledger")
    assert result.exit_code == 0, result.stderr
    rows = by_row(result.report)
    assert (rows[2]["status"], rows[2]["warnings"], rows[3]["status"]) == (
        "accepted",
        "phone-from-duplicate",
        "duplicate",
    )
    [stored] = sandbox.leads()
    assert (stored["name"], stored["phone"], stored["email"]) == ("Asha", "+919822033445", "asha@x.com")


def test_a_lead_with_only_a_last_name_is_sent_with_it_as_its_name(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """First Name empty, Last Name Verma: the CRM needs name or firstName, so it gets name Verma (and a warning)."""
    mapping = mapping_file(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  firstName: First Name\n  lastName: Last Name\n"
        "  phone: Phone\n"
    )
    sheet = tmp_path / "leads.csv"
    sheet.write_text("First Name,Last Name,Phone\nRahul,Sharma,9812345670\n,Verma,9812345671\n", encoding="utf-8")
    result = _run(run_cli, sheet, mapping, tmp_path / "r.csv", run_env(sandbox.base_url), "--no-ledger")
    assert result.exit_code == 0, result.stderr
    rows = by_row(result.report)
    assert (rows[3]["status"], rows[3]["warnings"]) == ("accepted", "name-from-last-name")
    stored = {lead["phone"]: lead for lead in sandbox.leads()}
    assert (stored["+919812345671"].get("name"), stored["+919812345671"].get("lastName")) == ("Verma", "Verma")
    assert stored["+919812345670"].get("firstName") == "Rahul"


def test_walk_ins_sharing_the_dealers_email_are_each_stored_once_without_it(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Three walk-ins with the dealer's sales@ address and their own phones: three leads in the CRM, none
    refused (the CRM takes an email once per project): only the first is sent with that address."""
    sheet = tmp_path / "walkins.csv"
    phones = good_phones(3, seed=5)
    sheet.write_text(
        "Name,Phone,Email\n"
        + "".join(f"{n},{p},sales@shreemotors.in\n" for n, p in zip(("Asha", "Bina", "Esha"), phones, strict=True)),
        encoding="utf-8",
    )
    result = _run(run_cli, sheet, mapping_file(), tmp_path / "r.csv", run_env(sandbox.base_url), "--no-ledger")
    assert result.exit_code == 0, result.stderr
    assert [r["status"] for r in result.report] == ["accepted"] * 3
    stored = sandbox.leads()
    assert sorted(str(lead["phone"]) for lead in stored) == sorted("+91" + p for p in phones)
    by_phone = {lead["phone"]: lead.get("email") or "" for lead in stored}
    assert [by_phone["+91" + p] for p in phones] == ["sales@shreemotors.in", "", ""]
    assert [r["warnings"] for r in result.report] == ["", "shared-email", "shared-email"]
    assert sandbox.stats().duplicates == 0


def test_next_weeks_walk_in_with_the_dealers_email_is_sent_without_it(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Last week's walk-in went in with the dealer's address; this week's (another phone) is another person:
    accepted, sent without that address (the CRM takes it once), and the row says so, instead of being
    reported already-imported under last week's lead."""
    env = run_env(sandbox.base_url, tmp_path / "ledger.db")
    phones = good_phones(2, seed=9)
    weeks = []
    for week, (name, phone) in enumerate(zip(("Asha", "Bina"), phones, strict=True)):
        sheet = tmp_path / f"week{week}.csv"
        sheet.write_text(f"Name,Phone,Email\n{name},{phone},sales@shreemotors.in\n", encoding="utf-8")
        weeks.append(_run(run_cli, sheet, mapping_file(), tmp_path / f"r{week}.csv", env))
    assert [w.exit_code for w in weeks] == [0, 0]
    row = weeks[1].report[0]
    assert (row["status"], row["reason"]) == (
        "accepted",
        "sent without its email: an earlier lead with another phone has that address",
    )
    by_phone = {lead["phone"]: lead.get("email") or "" for lead in sandbox.leads()}
    assert by_phone == {"+91" + phones[0]: "sales@shreemotors.in", "+91" + phones[1]: ""}
    assert sandbox.stats().duplicates == 0


def test_a_block_after_the_last_answer_says_nothing_is_pending(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Five leads whose phones the CRM has already called, in one batch, at a CRM stricter than documented
    (a block after 4): all refused, and the refusals block the key. Every row has its answer: the summary
    says none is pending rather than "rows kept as pending", and the exit code is 3, as for any key block
    (the key is unusable for an hour)."""
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), dup_threshold=4)
    phones = good_phones(5, seed=13)
    first = tmp_path / "first.csv"
    first.write_text("Name,Phone\n" + "".join(f"Old {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    again = tmp_path / "again.csv"
    again.write_text(
        "Lead ID,Name,Phone\n" + "".join(f"B{i},New {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8"
    )
    mapping = mapping_file(BASIC_MAPPING.replace("fields:\n", "fields:\n  referenceId: Lead ID\n"))
    with Sandbox(settings) as sandbox:
        env = run_env(sandbox.base_url)
        assert _run(run_cli, first, mapping_file(), tmp_path / "r1.csv", env, "--no-ledger").exit_code == 0
        result = _run(run_cli, again, mapping, tmp_path / "r2.csv", env, "--no-ledger")
        assert sandbox.stats().blocked
    assert [r["status"] for r in result.report] == ["rejected"] * 5
    assert result.exit_code == 3
    assert "Every row has its answer (none is pending), but the CRM then stopped the run:" in result.stderr
    assert "Stopped:" not in result.output + result.stderr


def test_a_sheet_saved_over_while_its_leads_were_sent_still_gets_every_rows_outcome(
    tmp_path: Path,
    sandbox: Sandbox,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """`run` reads a CSV a chunk at a time and reads it again for the report. When the scheduled export writes
    the next file over it before the report (same path), the report still holds every row's status, reason and
    lead, with the sheet's own columns left blank, the run ends as finished, and a note says why."""
    from importer._testing import faults

    phones = good_phones(6)
    sheet = write_sheet(tmp_path / "leads.csv", phones, extra_rows=["Bad,98220abcde,bad@example.com,Pune"])
    reach = faults.reach

    def save_over(point: str) -> None:
        if point == "report":
            write_sheet(sheet, good_phones(3, seed=99), prefix="Q")  # the next export, fewer rows
        reach(point)

    monkeypatch.setattr(faults, "reach", save_over)
    report = tmp_path / "r.csv"
    result = _run(run_cli, sheet, mapping_file(MAPPING), report, run_env(sandbox.base_url), "--no-ledger")
    assert result.exit_code == 1, result.stderr  # finished, one row invalid: not "the report is missing" (3)
    assert "changed while its leads were being sent" in result.stderr
    assert [r["status"] for r in result.report] == ["accepted"] * 6 + ["invalid"]
    assert result.report[-1]["reason"] == "invalid-phone"
    assert {r["phone_e164"].strip('="') for r in result.report[:6]} == {"+91" + p for p in phones}
    assert all(r["Name"] == "" and r["City"] == "" for r in result.report)  # the sheet's cells: not the new file's
    assert {lead["phone"] for lead in sandbox.leads()} == {"+91" + p for p in phones}
