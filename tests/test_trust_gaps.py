"""Exactly-once and trust when nobody is watching: contradictory options, answers that may have landed
but that the CRM is late to show, and files that are not what their name says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

import importer
from importer.crm.dup_budget import DuplicateRule
from importer.crm.recovery import RetryPolicy
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet
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
        retry=RetryPolicy(base_delay=0.01, max_delay=0.05, settle_wait=0.0),
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
