"""The duplicate guard against the sandbox: phones the CRM has already called never get the key blocked by
our own pace, and a phone it refused is never sent again."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import importer
from importer.crm.dup_budget import DuplicateRule
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet

WINDOW = 0.4
"""The CRM's 60 s duplicate window, scaled down (sandbox and client alike) so the tests take seconds."""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(_settings([])) as crm:
        yield crm


def _settings(called: list[str], **extra: object) -> SandboxSettings:
    return SandboxSettings(
        token=TOKEN,
        project_id=PROJECT,
        process_ids=(PROCESS,),
        rate_limit=5000,
        rate_window=1.0,
        dup_window=WINDOW,
        block_seconds=30.0,
        preexisting_phones=frozenset("+91" + p for p in called),
        **extra,  # type: ignore[arg-type]
    )


def _import(sheet: Path, mapping: Path, crm: Sandbox, ledger: Path) -> importer.Outcome:
    return importer.import_file(
        sheet,
        mapping,
        token=TOKEN,
        base_url=crm.base_url,
        ledger=ledger,
        rate=importer.RateLimit(5000, 1.0),
        send=importer.SendOptions(duplicate_rule=DuplicateRule(window=WINDOW)),
    )


def test_a_file_of_only_already_called_phones_never_blocks_the_key_and_the_rerun_sends_nothing(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """40 leads, every phone already called: each is refused once, at most 5 per window, so the key is never
    blocked; the rerun reports them rejected with the CRM's message without sending anything."""
    phones = good_phones(40, seed=81)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    with Sandbox(_settings(phones)) as crm:
        first = _import(sheet, mapping, crm, ledger)
        stats = crm.stats()
        assert not stats.blocked and stats.duplicates == 40
        assert first.summary.counts == {"rejected": 40} and first.stop_message is None
        assert max(stats.initiate_sizes) <= 5
        again = _import(sheet, mapping, crm, ledger)
        assert crm.stats().initiate_requests == stats.initiate_requests  # nothing sent
    assert again.summary.counts == {"rejected": 40}
    reasons = set(again.rows["reason"])
    assert len(reasons) == 1 and "A call attempt has already been made" in reasons.pop()
    assert "not sent again" in again.rows["reason"].iloc[0]


def test_a_few_already_called_phones_in_a_large_file_block_nothing(
    tmp_path: Path, mapping_file: Callable[..., Path]
) -> None:
    """2,000 leads with 0.5% already called, spread through the file: every other lead is accepted, the
    called ones rejected, and the CRM never sees more than 5 refusals in a window."""
    phones = good_phones(2000, seed=83)
    called = phones[100::200]
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    with Sandbox(_settings(called)) as crm:
        done = _import(sheet, mapping_file(MAPPING), crm, tmp_path / "ledger.sqlite3")
        stats = crm.stats()
    assert not stats.blocked and stats.duplicates == len(called)
    assert done.summary.counts == {"accepted": 2000 - len(called), "rejected": len(called)}
    assert stats.initiate_sizes[0] == 5 and max(stats.initiate_sizes) > 50  # a probe, then larger batches


def test_a_phone_refused_as_called_is_not_sent_again_from_another_file(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A phone the CRM refused as already called in one import is reported rejected, unsent, when another
    file brings it again under another name (a payload the ledger has not seen refused)."""
    phones = good_phones(6, seed=85)
    mapping = mapping_file(MAPPING)
    with Sandbox(_settings(phones[:1])) as sandbox:
        env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
        first = write_sheet(tmp_path / "first.csv", phones[:3], prefix="A")
        result = run_cli("run", str(first), "--mapping", str(mapping), "--report", str(tmp_path / "a.csv"), env=env)
        assert by_row(result.report)[2]["status"] == "rejected"
        before = sandbox.stats().duplicates
        other = write_sheet(tmp_path / "other.csv", [phones[0], *phones[3:]], prefix="B")
        result = run_cli("run", str(other), "--mapping", str(mapping), "--report", str(tmp_path / "b.csv"), env=env)
        assert sandbox.stats().duplicates == before  # not refused a second time: never sent
    row = by_row(result.report)[2]
    assert row["status"] == "rejected" and "not sent again" in row["reason"]
    assert [r["status"] for r in result.report[1:]] == ["accepted"] * 3
