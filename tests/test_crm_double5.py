"""Answers a CRM gives that the contract does not list (docs/crm-contract.md §5), over real HTTP on loopback: an
account locked mid-run (HTTP 423), a gateway failing through a deploy (502/504 pages for minutes). No lead is lost
or sent twice, and the exit code follows docs/design.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

import importer
from importer.crm.recovery import RetryPolicy
from importer.sandbox.server import Sandbox
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet
from tests.test_crm_double import crm_settings
from tests.test_crm_double4 import _end_maintenance_after
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
