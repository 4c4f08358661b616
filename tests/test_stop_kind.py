"""``Outcome.stop_kind`` and ``Outcome.blocked_until``: why an import stopped, as data, against the sandbox CRM."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import importer
from importer import StopKind
from importer.sandbox.server import Sandbox, SandboxSettings
from importer.send.submit import SendOptions
from importer.watch.stops import Verdict, classify
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet


def _mapping(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def test_a_key_block_stops_the_import_as_key_blocked_with_the_end_of_the_block(tmp_path: Path) -> None:
    """One already-called phone trips the CRM's block: the outcome says key-blocked, and when it can have lifted."""
    phones = good_phones(60, seed=21)
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0,
        preexisting_phones=frozenset({"+91" + phones[2]}), dup_threshold=0,
    )  # fmt: skip
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    before = datetime.now(UTC)
    with Sandbox(settings) as crm:
        outcome = importer.import_file(
            sheet,
            _mapping(tmp_path),
            token=TOKEN,
            base_url=crm.base_url,
            ledger=tmp_path / "ledger.db",
            send=SendOptions(batch_size=10, concurrency=1),
        )
        assert crm.stats().blocked
    assert outcome.exit_code == 3
    assert outcome.stop_kind is StopKind.KEY_BLOCKED
    assert outcome.blocked_until is not None
    assert before + timedelta(minutes=59) < outcome.blocked_until < datetime.now(UTC) + timedelta(minutes=61)
    assert outcome.summary.counts.get("pending", 0) > 0
    assert classify(outcome.stop_kind, pending=1, why=outcome.pending, stopping=False) is Verdict.KEY_BLOCKED


def test_a_token_of_another_project_stops_the_import_as_auth_failed(tmp_path: Path) -> None:
    """HTTP 403 (the token is not the project's): auth-failed, no block time; the watcher would stop, not wait."""
    settings = SandboxSettings(token="another-token-1234", project_id=PROJECT, process_ids=(PROCESS,))
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(5, seed=22))
    with Sandbox(settings) as crm:
        outcome = importer.import_file(
            sheet, _mapping(tmp_path), token=TOKEN, base_url=crm.base_url, ledger=tmp_path / "ledger.db"
        )
    assert outcome.exit_code == 3
    assert outcome.stop_kind is StopKind.AUTH_FAILED
    assert outcome.blocked_until is None
    assert outcome.summary.counts == {"pending": 5}
    assert classify(outcome.stop_kind, pending=5, why=outcome.pending, stopping=False) is Verdict.FATAL


def test_an_import_that_did_not_stop_has_no_stop_kind(tmp_path: Path) -> None:
    """Every row answered: no stop kind, no block."""
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000)
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(5, seed=23))
    with Sandbox(settings) as crm:
        outcome = importer.import_file(
            sheet, _mapping(tmp_path), token=TOKEN, base_url=crm.base_url, ledger=tmp_path / "ledger.db"
        )
    assert outcome.exit_code == 0
    assert (outcome.stop_kind, outcome.blocked_until, outcome.stop_message) == (None, None, None)


def test_run_json_names_the_stop_kind(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """`leadimport run --json` says why the run stopped as data: auth-failed for a token of another project."""
    settings = SandboxSettings(token="another-token-1234", project_id=PROJECT, process_ids=(PROCESS,))
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=24))
    with Sandbox(settings) as crm:
        env = {"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": crm.base_url, "LEADIMPORT_LEDGER": str(tmp_path / "l.db")}
        result = run_cli("run", str(sheet), "--mapping", str(_mapping(tmp_path)), "--json", env=env)
    assert result.exit_code == 3
    payload = json.loads(result.output)
    assert (payload["stop_kind"], payload["blocked_until"]) == ("auth-failed", None)
