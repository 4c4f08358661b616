"""Exactly-once and trust when nobody is watching: contradictory options, answers that may have landed
but that the CRM is late to show, and files that are not what their name says."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import importer
from importer.crm.dup_budget import DuplicateRule
from importer.crm.recovery import RetryPolicy
from importer.pipeline import prepare
from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch.settle import BROKEN_ZIP_FACTOR, Settler
from tests.conftest import PROCESS, PROJECT, ROOT, CliRun, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet
from tests.test_web import Page
from tests.waiting import ManualClock


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1)
    with Sandbox(settings) as crm:
        yield crm


@pytest.mark.parametrize(
    ("command", "words", "named"),
    [
        ("run", ["--ledger", "{ledger}", "--no-ledger"], ("--ledger", "--no-ledger")),
        ("run", ["--no-ledger", "--new-ledger"], ("--new-ledger", "--no-ledger")),
        ("validate", ["--no-ledger", "--ledger", "{ledger}"], ("--ledger", "--no-ledger")),
    ],
    ids=["run-ledger-no-ledger", "run-new-ledger-no-ledger", "validate-ledger-no-ledger"],
)
def test_contradictory_ledger_options_are_a_usage_error_naming_both(
    tmp_path: Path,
    sandbox: Sandbox,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    command: str,
    words: list[str],
    named: tuple[str, ...],
) -> None:
    """`--ledger X --no-ledger` (or --new-ledger with --no-ledger) cannot both be meant: exit 2 naming both
    options, nothing sent, no report written; it used to run with no ledger, silently dropping --ledger."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=1201))
    ledger = tmp_path / "ledger.sqlite3"
    args = [w.format(ledger=ledger) for w in words]
    result = run_cli(command, str(sheet), "--mapping", str(mapping_file(MAPPING)), *args, env=run_env(sandbox.base_url))
    assert result.exit_code == 2
    assert all(option in result.stderr for option in named), result.stderr
    assert sandbox.stats().initiate_requests == 0 and not sandbox.leads()
    assert not (tmp_path / "leads.report.csv").exists() and not ledger.exists()


def crm_settings(**overrides: Any) -> SandboxSettings:
    """A sandbox for the test project, with the given contract variants and faults."""
    return SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, **overrides
    )


def import_into(crm: Sandbox, sheet: Path, mapping: Path, ledger: Path) -> importer.Outcome:
    """Import ``sheet`` as a scheduled run would (an interrupted run's leads are checked at once)."""
    return importer.import_file(
        sheet,
        mapping,
        token=TOKEN,
        base_url=crm.base_url,
        ledger=ledger,
        # The CRM's duplicate window is shortened on our side, so that the run paced after refusals ends soon.
        send=importer.SendOptions(inflight_grace=0.0, duplicate_rule=DuplicateRule(window=1.0)),
        rate=importer.RateLimit(5000, 1.0),
        # A 503 storm is waited out for 2 s, not --outage-wait's 10 minutes, before the run stops (exit 3).
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0, outage=2.0),
    )


def rows_by_phone(outcome: importer.Outcome) -> dict[str, tuple[str, str, str]]:
    """National phone → (status, reason, lead_id) of its row."""
    rows = outcome.rows
    return {
        str(phone)[-10:]: (str(status), str(reason) if isinstance(reason, str) else "", str(lead_id or ""))
        for phone, status, reason, lead_id in zip(
            rows["phone_e164"], rows["status"], rows["reason"], rows["lead_id"], strict=True
        )
    }


@pytest.mark.parametrize("status", [502, 504])
def test_leads_a_lost_request_stored_but_the_crm_shows_late_are_not_reported_rejected(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int
) -> None:
    """The CRM stores the first request but a gateway answers for it (502/504), and its lookups show the new
    leads only much later: sent again, those leads are refused as duplicates of themselves. They are in the
    CRM, so their rows must not say rejected (a refusal kept for ever, 'not sent again' by every rerun, and
    leads the user would fix and send again as duplicates): they stay pending as unconfirmed, and once the
    CRM shows them the rerun accepts them with the CRM's ids, sending none of them again."""
    phones = good_phones(12, seed=1202)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger, clock = mapping_file(MAPPING), tmp_path / "ledger.sqlite3", ManualClock()
    settings = crm_settings(proxy_page=status, proxy_every=10_000, proxy_stores=True, show_after=600.0)
    with Sandbox(settings, clock=clock) as crm:
        first = import_into(crm, sheet, mapping, ledger)
        stored = {str(lead["phone"])[-10:]: str(lead["_id"]) for lead in crm.leads()}
        rows = rows_by_phone(first)
        assert sorted(stored) == sorted(phones) and len(crm.leads()) == 12
        assert not any(status == "rejected" for status, _, _ in rows.values()), rows
        late = [phone for phone, (status, _, _) in rows.items() if status == "pending"]
        assert late and all("unconfirmed" in rows[phone][1] for phone in late)
        assert all(rows[phone][2] == stored[phone] for phone in set(phones) - set(late))
        assert first.exit_code == 3 and not crm.stats().blocked
        sent = sum(crm.stats().initiate_sizes)
        clock.advance(601.0)  # the CRM now shows what it stored
        again = import_into(crm, sheet, mapping, ledger)
        assert sum(crm.stats().initiate_sizes) == sent  # nothing sent again
        assert len(crm.leads()) == 12
    rows = rows_by_phone(again)
    assert again.exit_code == 0 and {status for status, _, _ in rows.values()} <= {"accepted", "already-imported"}
    assert {phone: lead_id for phone, (_, _, lead_id) in rows.items()} == stored


class ShiftClock:
    """The monotonic clock, moved on by :meth:`advance` (the CRM's windows still pass in real time)."""

    def __init__(self) -> None:
        self._shift = 0.0

    def __call__(self) -> float:
        return time.monotonic() + self._shift

    def advance(self, seconds: float) -> None:
        self._shift += seconds


@pytest.mark.parametrize("status", [502, 503])  # 503: Heroku's request timeout, Envoy's upstream reset
def test_a_crm_whose_answers_are_all_lost_and_that_shows_leads_late_does_not_get_the_key_blocked(
    tmp_path: Path, mapping_file: Callable[..., Path], status: int
) -> None:
    """Every answer is lost (a gateway answers 502 or 503 after the CRM stored the request) and lookups show nothing
    yet: each sending again of the first request's leads is refused, unseen, as duplicates of themselves.
    Sent a third time within the CRM's minute, they passed its limit and the key was blocked for an hour;
    now the leads sent again count as possible refusals, the next request waits the window out, the run
    stops as the CRM kept failing (exit 3, resumable), the key is not blocked, and no row is rejected."""
    phones = good_phones(12, seed=1203)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    # The CRM counts its window from when requests arrive, half our window: under load a request may arrive
    # late after our clock started counting, and the test is of the run's waiting, not of that margin.
    settings = crm_settings(proxy_page=status, proxy_stores=True, show_after=600.0, dup_window=0.5)
    with Sandbox(settings, clock=ShiftClock()) as crm:
        outcome = import_into(crm, sheet, mapping_file(MAPPING), tmp_path / "ledger.sqlite3")
        stats = crm.stats()
    assert not stats.blocked and outcome.exit_code == 3
    assert outcome.stop_kind is not importer.StopKind.KEY_BLOCKED, outcome.stop_message
    assert set(outcome.rows["status"]) <= {"pending", "accepted"}  # a 503's sampled lookups may confirm some


CUT_WORKBOOKS = {"empty": b"", "one-byte": b"P", "zip-start": b"PK", "one-letter": b"x"}


@pytest.mark.parametrize("content", CUT_WORKBOOKS.values(), ids=CUT_WORKBOOKS.keys())
def test_a_cut_short_workbook_is_named_so_by_the_cli(
    tmp_path: Path, content: bytes, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A 0-byte, 1-byte or 2-byte bad.xlsx (a copy or upload cut short) is said to be not the Excel workbook
    its name says, with its size: exit 2. It was read as text: 'PK' made 'the mapping does not fit the
    header ... Headers found: PK', which sent the user looking at their mapping."""
    sheet = tmp_path / "bad.xlsx"
    sheet.write_bytes(content)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--no-ledger")
    assert result.exit_code == 2
    assert "bad.xlsx: this is not an Excel workbook, as its name (.xlsx) says" in result.stderr
    assert f"{len(content)} byte" in result.stderr and "cut short" in result.stderr
    assert "Headers found" not in result.stderr


def test_a_cut_short_workbook_is_named_so_by_the_watcher_and_the_upload_page(tmp_path: Path, sandbox: Sandbox) -> None:
    """The same words in the watcher's result JSON (the file in failed/) and on the upload page."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    for name, content in (("empty.xlsx", b""), ("one.xlsx", b"P")):
        (inbox / name).write_bytes(content)
    env = {**os.environ, **run_env(sandbox.base_url, tmp_path / "l.db")}
    done = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(tmp_path / "mapping.yaml"),
         "--settle", "0.1", "--poll", "0.05", "--once"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert "Traceback" not in done.stderr
    results = {
        path.name.split("_", 1)[1].removesuffix(".result.json"): json.loads(path.read_text(encoding="utf-8"))
        for path in (inbox / "failed").glob("*.result.json")
    }
    assert set(results) == {"empty.xlsx", "one.xlsx"}
    assert (
        "not an Excel workbook, as its name (.xlsx) says, but an empty file (0 bytes)"
        in results["empty.xlsx"]["reason"]
    )
    assert "not an Excel workbook, as its name (.xlsx) says, but only the first 1 byte" in results["one.xlsx"]["reason"]
    page = Page(tmp_path / "web")
    upload = page.upload(
        inbox / "failed" / next(p.name for p in (inbox / "failed").iterdir() if p.name.endswith("one.xlsx"))
    )
    html = page.get(f"/u/{upload.id}/sheet").text  # type: ignore[attr-defined]
    assert "this is not an Excel workbook, as its name (.xlsx) says, but only the first 1 byte" in html
    assert 'role="alert"' in html


@pytest.mark.parametrize("first_city", ["Pune", '"Flat 2\nPune"'], ids=["plain", "cell-with-a-line-break"])
def test_a_csv_cut_short_inside_a_quoted_cell_reports_its_last_row_and_sends_it_not(
    tmp_path: Path,
    sandbox: Sandbox,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    first_city: str,
) -> None:
    """A CSV that ends inside a quoted cell of its last row (an export or copy that stopped mid-row): the row is
    invalid as cut-off-row, not sent with the value cut short ('Mum' for 'Mumbai'); the other rows go in, in
    validate and run alike (a file with a line break in a cell is read whole, not streamed). A file that ends
    on a closed quote is read as it is."""
    phones = good_phones(3, seed=1204)
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        f'Name,Phone,City\nA One,{phones[0]},{first_city}\nB Two,{phones[1]},"Navi, Mum', encoding="utf-8", newline=""
    )
    mapping, env = mapping_file(MAPPING), run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    for command in ("validate", "run"):
        report = tmp_path / f"{command}.report.csv"
        extra = ["--new-ledger"] if command == "run" else ["--no-ledger"]
        result = run_cli(command, str(sheet), "--mapping", str(mapping), "--report", str(report), *extra, env=env)
        rows = by_row(result.report)
        assert result.exit_code == 1, result.stderr
        assert (rows[3]["status"], rows[3]["reason"]) == ("invalid", "cut-off-row")
        assert rows[2]["status"] == ("valid" if command == "validate" else "accepted")
    assert [str(lead["phone"]) for lead in sandbox.leads()] == [f"+91{phones[0]}"]
    # The whole-file reader (the upload page's, and run's for a file it cannot stream) says the same.
    read_whole = prepare(sheet, importer.load_mapping(mapping)).rows
    assert read_whole["reason"].tolist()[-1] == "cut-off-row" and read_whole["reason"].tolist()[0] == ""
    whole = tmp_path / "whole.csv"
    whole.write_text(f'Name,Phone,City\nC Three,{phones[2]},"Navi, Mumbai"', encoding="utf-8", newline="")
    result = run_cli("validate", str(whole), "--mapping", str(mapping), "--report", str(tmp_path / "w.csv"))
    assert result.exit_code == 0 and by_row(result.report)[2]["City"] == "Navi, Mumbai"


def test_the_watcher_waits_for_a_csv_that_ends_inside_a_quoted_cell(tmp_path: Path) -> None:
    """A sender that paused mid-row (inside a quoted cell) longer than --settle: the file is not taken (the
    status says why); once the row is finished it is. One that stays cut is taken after several settle
    periods, and its last row is reported cut off (above)."""
    clock = ManualClock()
    settler = Settler(1.0, clock=clock)
    path = tmp_path / "leads.csv"
    path.write_text('Name,Phone,Notes\nA One,9845012345,"call after 5', encoding="utf-8", newline="")
    settler.check(path)
    clock.advance(1.5)
    verdict = settler.check(path)
    assert not verdict.ready and "ends inside a quoted cell" in verdict.waiting_for
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write(' pm, ""urgent"""\n')
    settler.check(path)
    clock.advance(1.5)
    assert settler.check(path).ready
    path.write_text('Name,Phone,Notes\nA One,9845012345,"call after 5', encoding="utf-8", newline="")
    settler.check(path)
    clock.advance(1.0 * BROKEN_ZIP_FACTOR + 0.5)
    assert settler.check(path).ready


def test_one_file_dropped_in_the_inbox_and_a_source_folder_at_once_is_imported_once(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """The same file dropped at once into the inbox and into a source subfolder whose mapping sends to the same
    project and process: one copy is imported (done/), the other waits for it and is then named a duplicate
    of it (duplicate/, nothing sent); it used to be imported too, all its rows already-imported, in done/."""
    inbox, mappings = tmp_path / "inbox", tmp_path / "mappings"
    (inbox / "dealers").mkdir(parents=True)
    mappings.mkdir()
    (mappings / "dealers.yaml").write_text(MAPPING, encoding="utf-8")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(6, seed=1205)
    write_sheet(inbox / "leads.csv", phones)
    (inbox / "dealers" / "leads.csv").write_bytes((inbox / "leads.csv").read_bytes())
    env = {**os.environ, **run_env(sandbox.base_url, tmp_path / "l.db")}
    done = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(tmp_path / "mapping.yaml"),
         "--mappings-dir", str(mappings), "--settle", "0.1", "--poll", "0.05", "--once", "--report-format", "csv"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    results = [json.loads(p.read_text(encoding="utf-8")) for p in inbox.rglob("*.result.json")]
    assert sorted(result["state"] for result in results) == ["done", "duplicate"]
    imported = next(result for result in results if result["state"] == "done")
    assert imported["counts"] == {"accepted": 6}
    twin = next(result for result in results if result["state"] == "duplicate")
    assert "already imported in run" in twin["reason"] and "nothing was sent" in twin["reason"]
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{p}" for p in phones)
    assert sum(sandbox.stats().initiate_sizes) == 6


def test_watch_once_ends_when_the_crm_silently_drops_a_lead(tmp_path: Path) -> None:
    """A CRM that answers 200 but leaves a lead it refused out of its answer (in neither success nor errors):
    `watch --once` imports the other rows, leaves the file pending in processing/ with a result saying the CRM
    has not confirmed the row, and ends with exit 3. It used to say the row 'was being sent by another import'
    and take the file up again and again, so --once never ended."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(8, seed=1206)
    write_sheet(inbox / "leads.csv", phones)
    settings = crm_settings(quiet_refusals=True, preexisting_phones=frozenset({f"+91{phones[2]}"}))
    with Sandbox(settings) as crm:
        env = {**os.environ, **run_env(crm.base_url, tmp_path / "l.db")}
        done = subprocess.run(
            [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(tmp_path / "mapping.yaml"),
             "--settle", "0.1", "--poll", "0.05", "--once", "--report-format", "csv"],
            cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert done.returncode == 3, done.stderr
    assert "another import" not in done.stderr
    assert stored == sorted(f"+91{p}" for p in phones if p != phones[2])
    results = {p.name.split("_", 1)[1]: json.loads(p.read_text(encoding="utf-8")) for p in inbox.rglob("*.result.json")}
    pending = results["leads.csv.result.json"]
    assert pending["state"] == "pending" and pending["counts"] == {"accepted": 7, "pending": 1}
    assert "not confirmed" in pending["stop_reason"]
