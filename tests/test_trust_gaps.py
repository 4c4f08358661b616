"""Exactly-once and trust when nobody is watching: contradictory options, answers that may have landed
but that the CRM is late to show, and files that are not what their name says."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet


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
