"""The ledger while a run is going on: batches folded in the background, a ledger that fails mid-run."""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from importer.config import load_mapping
from importer.crm import CrmClient, CrmSettings
from importer.errors import LedgerError
from importer.ledger import Ledger
from importer.ledger_fold import MIN_BATCHES, BackgroundFold
from importer.limiter import RateLimit, RateLimiter
from importer.pipeline import prepare
from importer.sandbox import Sandbox, SandboxSettings
from importer.submit import LedgerRun, SendOptions, send_rows
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.test_ledger import begin, key, refs


def _stored_batches(path: Path) -> int:
    """Batches not folded yet, as another process reading the file sees them."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute("SELECT count(*) FROM batches").fetchone()[0])


def test_settled_batches_are_folded_while_the_run_goes_on(tmp_path: Path) -> None:
    """Once enough batches have their outcomes they move into the lead table before the run ends,
    and a later lead with a folded lead's phone is still held back."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        run = begin(ledger)
        batches = [[key(b * 5 + i) for i in range(5)] for b in range(MIN_BATCHES + 2)]
        for batch in batches:
            assert ledger.claim(run, PROJECT, PROCESS, batch).claimed == batch
            ledger.record(run, [(k.reference_id, "accepted", f"id-{k.reference_id}", None) for k in batch])
        deadline = time.monotonic() + 10
        while _stored_batches(path) > 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert _stored_batches(path) <= 2, "settled batches were not folded while the run went on"

        again = key(900, phone=batches[0][3].phone)
        claim = ledger.claim(run, PROJECT, PROCESS, [again])
        assert claim.claimed == []
        known = claim.known[again.sheet_row]
        assert (known.reference_id, known.state, known.matched_by) == ("ref-3", "accepted", "phone")

        ledger.end_run(run, counts={"accepted": 50}, outcome="complete", report=None)
        assert _stored_batches(path) == 0
        found = ledger.lookup(PROJECT, PROCESS, refs([k for batch in batches for k in batch]))
        assert len(found) == 5 * len(batches)
        assert {k.state for k in found.values()} == {"accepted"}


def test_background_fold_keeps_its_first_error_and_stops() -> None:
    """A fold that raises ends the thread with the error kept for the run to report."""
    calls: list[list[int]] = []

    def fold(batch_ids: list[int]) -> None:
        calls.append(batch_ids)
        raise LedgerError("the disk holding the ledger is full")

    background = BackgroundFold(fold, min_batches=2)
    background.settled([1])
    assert calls == [] and background.error is None
    background.settled([2, 3])
    deadline = time.monotonic() + 5
    while background.error is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert isinstance(background.error, LedgerError)
    background.settled([4, 5])
    background.stop()
    assert calls == [[1, 2, 3]]


@pytest.fixture
def crm() -> Iterator[Sandbox]:
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0
    )
    with Sandbox(settings) as sandbox:
        yield sandbox


def test_ledger_locked_mid_run_stops_sending_and_the_next_run_finds_what_was_sent(tmp_path: Path, crm: Sandbox) -> None:
    """The ledger becomes unwritable right after the CRM answered the first batch: the run stops
    without sending more, that batch's rows are reported unconfirmed, and the next run finds them in
    the CRM instead of sending them again."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(30, seed=61))
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    mapping = load_mapping(tmp_path / "mapping.yaml")
    prepared = prepare(sheet, mapping)
    path = tmp_path / "ledger.sqlite3"
    settings = CrmSettings(base_url=crm.base_url, token=TOKEN, project_id=PROJECT, process_id=PROCESS)
    blocker = sqlite3.connect(path, isolation_level=None, check_same_thread=False)

    def lock_after_first_answer(response: httpx.Response) -> None:
        if response.request.method == "POST" and not blocker.in_transaction:
            blocker.execute("BEGIN IMMEDIATE")

    options = SendOptions(batch_size=10, concurrency=1)
    limiter = RateLimiter.for_rate(RateLimit(1000, 1.0))
    with Ledger(path, busy_timeout=0.2) as ledger:
        run = ledger.begin_run(
            file=str(sheet), fingerprint="f" * 64, mapping="m", project_id=PROJECT, process_id=PROCESS, command="t"
        )
        http = httpx.Client(event_hooks={"response": [lock_after_first_answer]})
        with CrmClient(settings, limiter=limiter, http=http) as client:
            sent = send_rows(
                prepared.rows,
                prepared.leads.metadata,
                client,
                project_id=PROJECT,
                process_id=PROCESS,
                options=options,
                ledger=LedgerRun(ledger, run),
            )
    blocker.execute("ROLLBACK")
    blocker.close()

    assert sent.stop_message is not None and "locked" in sent.stop_message
    assert "Nothing more was sent" in sent.stop_message
    statuses = sent.rows["status"].tolist()
    reasons = sent.rows["reason"].tolist()
    assert statuses == ["pending"] * 30
    assert reasons[:10] == ["unconfirmed: the next run checks it with the CRM before sending"] * 10
    assert set(reasons[10:]) == {"not sent: the run stopped before this row"}
    assert len(crm.leads()) == 10

    with Ledger(path) as ledger:
        run = ledger.begin_run(
            file=str(sheet), fingerprint="f" * 64, mapping="m", project_id=PROJECT, process_id=PROCESS, command="t"
        )
        with CrmClient(settings, limiter=limiter) as client:
            again = send_rows(
                prepared.rows,
                prepared.leads.metadata,
                client,
                project_id=PROJECT,
                process_id=PROCESS,
                options=options,
                ledger=LedgerRun(ledger, run),
            )
    assert again.stop_message is None
    assert again.rows["status"].tolist() == ["accepted"] * 30
    assert len(crm.leads()) == 30 and crm.stats().duplicates == 0
