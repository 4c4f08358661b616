"""Answers a CRM gives that the contract does not list (docs/crm-contract.md §5), over real HTTP on loopback: an
account locked mid-run (HTTP 423), a gateway failing through a deploy (502/504 pages for minutes). No lead is lost
or sent twice, and the exit code follows docs/design.md."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING, good_phones, run_env, write_sheet
from tests.test_crm_double import crm_settings


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
