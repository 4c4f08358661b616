"""Recovery after a crash is fast and visible: one lookup per lead that may have reached the CRM, many at
once within the rate budget, with progress; the CRM's rate limiting is summed up in one line."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import httpx
import pytest

import importer
from importer.ledger.store import LeadKey, Ledger
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet


def test_leads_a_crashed_run_left_in_flight_are_checked_concurrently_with_progress(
    tmp_path: Path, mapping_file: Callable[..., Path], caplog: pytest.LogCaptureFixture
) -> None:
    """160 leads of a killed run were in flight (and reached the CRM): the next import looks each up once,
    32 at a time against a CRM taking 0.4 s per answer (8 s one batch of 8 after another), reports progress
    and says what it is checking; every lead is accepted, none sent again."""
    phones = good_phones(160, seed=111)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping = mapping_file(MAPPING)
    rows = importer.validate_file(sheet, mapping).rows
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.4, 0.4)
    )
    path = tmp_path / "ledger.sqlite3"
    with Sandbox(settings) as crm:
        leads = [
            {"projectId": PROJECT, "processId": PROCESS, "name": f"P{i}", "phone": p, "referenceId": r}
            for i, (p, r) in enumerate(zip(rows["phone_e164"], rows["referenceId"], strict=True))
        ]
        httpx.post(
            crm.base_url + "/leads/bulk/initiate", headers={"Authorization": f"Bearer {TOKEN}"}, json={"leads": leads}
        ).raise_for_status()
        with Ledger(path) as ledger:  # a run that claimed and sent them all, then died
            run = ledger.begin_run(
                file=str(sheet), fingerprint="f" * 64, mapping="m", project_id=PROJECT, process_id=PROCESS, command="t"
            )
            keys = [
                LeadKey(str(r), str(p), "", int(n), "")
                for r, p, n in zip(rows["referenceId"], rows["phone_e164"], rows["sheet_row"], strict=True)
            ]
            claim = ledger.claim(run, PROJECT, PROCESS, keys)
            assert claim.batch_id is not None
            ledger.mark_sent(run, claim.batch_id)
        before = crm.stats()
        seen: list[tuple[str, int, int | None]] = []
        started = time.monotonic()
        outcome = importer.import_file(
            sheet,
            mapping,
            token=TOKEN,
            base_url=crm.base_url,
            ledger=path,
            rate=importer.RateLimit(5000, 1.0),
            progress=lambda stage, done, total: seen.append((stage, done, total)),
        )
        took = time.monotonic() - started
        after = crm.stats()
    assert outcome.summary.counts == {"accepted": 160}
    lookups = (after.requests - after.initiate_requests) - (before.requests - before.initiate_requests)
    assert lookups == 160 and after.initiate_requests == before.initiate_requests  # one each; nothing resent
    checking = [(done, total) for stage, done, total in seen if stage == "checking"]
    assert checking[0] == (0, 160) and checking[-1] == (160, 160) and len(checking) == 161
    assert took < 7.0  # 8 at a time: 8 s of lookups alone
    assert "checking 160 leads of run 1 that may have reached the CRM" in caplog.text


def test_rate_limiting_is_one_line_at_the_end(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], caplog: pytest.LogCaptureFixture
) -> None:
    """A CRM allowing fewer requests than --rate asks: its 429s are waited out and summed up in one line."""
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=4, rate_window=1.0)
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(40, seed=113))
    with Sandbox(settings) as crm:
        result = run_cli(
            "run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--rate", "100/1s", "--batch-size", "5",
            "--no-ledger", "-q", env=run_env(crm.base_url),
        )  # fmt: skip
        limited = crm.stats().rate_limited
    assert result.exit_code == 0 and limited > 1
    lines = [r.getMessage() for r in caplog.records if r.levelno >= 30 and "429" in r.getMessage()]
    assert len(lines) == 1 and f"rate-limited {limited} requests" in lines[0]
