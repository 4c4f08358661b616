"""The ledger across runs: batches sealed into the key index, segments merged; a ledger that fails mid-run."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from importer.config import load_mapping
from importer.crm.client import CrmClient, CrmSettings
from importer.crm.limiter import RateLimit, RateLimiter
from importer.ledger.matching import LeadKey
from importer.ledger.store import Ledger
from importer.pipeline import prepare
from importer.sandbox.server import Sandbox, SandboxSettings
from importer.send.submit import LedgerRun, SendOptions, send_rows
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.test_ledger import begin, key, refs


def _batches(path: Path) -> tuple[int, int]:
    """Open and sealed batches, as another process reading the file sees them."""
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT count(*) - coalesce(sum(sealed), 0), coalesce(sum(sealed), 0) FROM batches"
        ).fetchone()
        return int(row[0]), int(row[1])


def _segments(path: Path) -> list[int]:
    with sqlite3.connect(path) as conn:
        return [int(row[0]) for row in conn.execute("SELECT size FROM segments ORDER BY segment_id")]


def _run(ledger: Ledger, batches: list[list[LeadKey]], *, end: bool = True) -> int:
    run_id = begin(ledger)
    for batch in batches:
        assert refs(ledger.claim(run_id, PROJECT, PROCESS, batch).claimed) == refs(batch)
        ledger.record(run_id, [(k.reference_id, "accepted", f"lead-{k.reference_id}", None) for k in batch])
    if end:
        ledger.end_run(run_id, counts={}, outcome="complete", report=None)
    return run_id


def test_a_runs_batches_are_sealed_when_it_ends_and_found_by_any_key(tmp_path: Path) -> None:
    """While a run goes on its batches stay open; when it ends they are sealed into the key index, and a
    later run finds their leads by referenceId, phone and email (another process as well)."""
    path = tmp_path / "ledger.sqlite3"
    batches = [[key(b * 5 + i) for i in range(5)] for b in range(4)]
    with Ledger(path) as ledger:
        run_id = _run(ledger, batches, end=False)
        assert _batches(path) == (4, 0)
        ledger.end_run(run_id, counts={}, outcome="complete", report=None)
        assert _batches(path) == (0, 4) and _segments(path) == [20]
    with Ledger(path) as other:
        later = begin(other)
        again = [key(900, phone=batches[0][3].phone), key(901, phone="", email=batches[3][1].email), key(7), key(902)]
        result = other.claim(later, PROJECT, PROCESS, again)
        assert refs(result.claimed) == ["ref-902"]
        assert {row: (k.reference_id, k.matched_by, k.lead_id) for row, k in result.known.items()} == {
            902: ("ref-3", "phone", "lead-ref-3"),
            903: ("ref-16", "email", "lead-ref-16"),
            9: ("ref-7", "referenceId", "lead-ref-7"),
        }
        found = other.lookup(PROJECT, PROCESS, refs([k for batch in batches for k in batch]))
        assert len(found) == 20 and {k.state for k in found.values()} == {"accepted"}


def test_settled_batches_are_sealed_before_the_run_ends(tmp_path: Path) -> None:
    """Once nothing more is sent, the run's settled batches can be sealed while its report is written; a batch
    with a lead still in flight stays open until the run ends, and the leads of both still hold back."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        run_id = _run(ledger, [[key(1), key(2)]], end=False)
        assert refs(ledger.claim(run_id, PROJECT, PROCESS, [key(3)]).claimed) == ["ref-3"]
        ledger.seal_settled(run_id)
        assert _batches(path) == (1, 1) and _segments(path) == [2]
        later = ledger.claim(begin(ledger), PROJECT, PROCESS, [key(1), key(3), key(4, phone=key(2).phone)])
        assert sorted(k.reference_id for k in later.known.values()) == ["ref-1", "ref-2", "ref-3"]
        ledger.end_run(run_id, counts={}, outcome="stopped", report=None)
        assert _batches(path) == (0, 1)  # ref-3's batch, in flight, was folded into ``leads``
        assert ledger.lookup(PROJECT, PROCESS, ["ref-3"])["ref-3"].state == "pending"  # claimed, never sent


def test_a_lead_claimed_again_counts_by_its_latest_claim(tmp_path: Path) -> None:
    """A lead rejected in one run and sent again with another phone by a later one: the old phone no
    longer finds it, the new one does, and its state is the later run's."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        first = begin(ledger)
        ledger.claim(first, PROJECT, PROCESS, [key(1)])
        ledger.record(first, [("ref-1", "rejected", None, "Invalid phone")])
        ledger.end_run(first, counts={}, outcome="complete", report=None)
        fixed = key(1, phone="+919876512345", payload="new")
        second = _run(ledger, [[fixed]])
        third = begin(ledger)
        result = ledger.claim(third, PROJECT, PROCESS, [key(2, phone=key(1).phone), key(3, phone=fixed.phone)])
        assert refs(result.claimed) == ["ref-2"]
        assert (result.known[5].reference_id, result.known[5].state, result.known[5].run_id) == (
            "ref-1",
            "accepted",
            second,
        )
        assert ledger.lookup(PROJECT, PROCESS, ["ref-1"])["ref-1"].state == "accepted"
        assert [r["reference_id"] for r in ledger.leads_of_run(first)] == []
        assert [(r["reference_id"], r["state"]) for r in ledger.leads_of_run(second)] == [("ref-1", "accepted")]


def test_segments_of_many_runs_are_merged_and_every_lead_is_still_found(tmp_path: Path) -> None:
    """Each run adds a segment; similar sizes are merged, so the index stays a few segments however many
    runs there were, and every lead of every run still holds back its referenceId, phone and email."""
    path = tmp_path / "ledger.sqlite3"
    leads = [key(n) for n in range(60)]
    with Ledger(path) as ledger:
        for run in range(20):
            _run(ledger, [leads[run * 3 : run * 3 + 3]])
        sizes = _segments(path)
        assert sum(sizes) == 60 and len(sizes) <= 5, sizes
        later = begin(ledger)
        again = [
            key(1000 + n, phone=k.phone) if n % 2 else key(1000 + n, phone="", email=k.email)
            for n, k in enumerate(leads)
        ]
        result = ledger.claim(later, PROJECT, PROCESS, again)
        assert result.claimed == []
        assert sorted(k.reference_id for k in result.known.values()) == sorted(refs(leads))


def test_a_key_index_made_with_another_hash_is_rebuilt(tmp_path: Path) -> None:
    """A ledger whose key index another hash function wrote (another pandas, say) is indexed again when
    opened: nothing it holds is missed."""
    path = tmp_path / "ledger.sqlite3"
    with Ledger(path) as ledger:
        _run(ledger, [[key(1), key(2)]])
    with sqlite3.connect(path) as conn:
        conn.execute("UPDATE meta SET value = 'other' WHERE key = 'key_hash'")
        conn.execute("UPDATE segments SET ref_hashes = zeroblob(length(ref_hashes))")
    with Ledger(path) as ledger:
        result = ledger.claim(begin(ledger), PROJECT, PROCESS, [key(1), key(3)])
        assert refs(result.claimed) == ["ref-3"]
    assert _segments(path) == [2] and _batches(path) == (1, 1)


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
    with Ledger(path, busy_timeout=0.2, new=True) as ledger:  # the blocker's connection made it an empty file
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
    assert reasons[:5] == ["unconfirmed: the next run checks it with the CRM before sending"] * 5  # the probe
    assert set(reasons[5:]) == {"not sent: the run stopped before this row"}
    assert len(crm.leads()) == 5

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
