"""``--part duplicates``: the duplicate guard against files holding phones the CRM has already called.

The CRM blocks the API key for an hour after more than 5 duplicate submissions within 60 s, and a phone
already called in the project is one. Each case imports a sheet of unique valid leads into a fresh
sandbox in which a share of the sheet's phones (0%, 0.3%, 5%, 100%) already had a call attempt, then
runs the same import again (the rerun must send nothing twice and block nothing). Time is scaled: the
sandbox's duplicate window and the client's (``SendOptions.duplicate_rule``) are ``WINDOW`` seconds
instead of 60, a block lasts ``BLOCK`` seconds instead of an hour, so the table also gives the time in
windows (the real minutes a real CRM would take). Targets: at 0.3% no block; at 100% at most one block
per file and none on the rerun.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from valid_leads import ensure_valid_sheet

import importer
from importer.crm.dup_budget import DuplicateRule
from importer.sandbox import server

WINDOW = 0.25
BLOCK = 1.0
RATE = importer.RateLimit(2000, 5.0)
"""The request rate scaled with the window (x20, not x240: the client's own pace stays what is measured)."""
MAPPING = Path(__file__).resolve().parent / "mapping.yaml"


@dataclass(frozen=True, slots=True)
class DupCase:
    share: float
    rows: int

    @property
    def label(self) -> str:
        return f"{self.share:.1%} already called, {self.rows:,} rows"


CASES = (DupCase(0.0, 8000), DupCase(0.003, 8000), DupCase(0.05, 8000), DupCase(1.0, 1000))
QUICK_CASES = (DupCase(0.0, 2000), DupCase(0.003, 2000), DupCase(0.05, 2000), DupCase(1.0, 300))


@dataclass(frozen=True, slots=True)
class DupSettings:
    seed: int
    data_dir: Path
    quick: bool


@dataclass(frozen=True, slots=True)
class Attempt:
    blocks: int
    seconds: float
    accepted: int
    rejected: int
    pending: int
    requests: int


@dataclass(slots=True)
class DupResult:
    rows: list[tuple[DupCase, Attempt, Attempt]] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return bool(self.rows)

    def print_results(self) -> None:
        print(f"\nDuplicate guard (window {WINDOW:g} s for 60 s, block {BLOCK:g} s for an hour)")
        head = f"{'case':<34}{'run':<7}{'blocks':>7}{'time s':>8}{'windows':>9}{'requests':>9}"
        print(head + f"{'accepted':>10}{'rejected':>10}{'pending':>9}")
        for case, first, rerun in self.rows:
            for name, a in (("first", first), ("rerun", rerun)):
                label = case.label if name == "first" else ""
                print(
                    f"{label:<34}{name:<7}{a.blocks:>7}{a.seconds:>8.1f}{a.seconds / WINDOW:>9.0f}{a.requests:>9}"
                    f"{a.accepted:>10}{a.rejected:>10}{a.pending:>9}"
                )
            verdict = _verdict(case, first, rerun)
            print(f"{'':<34}{verdict}")


def _verdict(case: DupCase, first: Attempt, rerun: Attempt) -> str:
    if case.share == 0.0 or 0 < case.share < 0.01:
        ok = first.blocks == 0 and rerun.blocks == 0
        return "ok: no block" if ok else "MISSED: the key was blocked"
    if case.share >= 1.0:
        ok = first.blocks <= 1 and rerun.blocks == 0
        return "ok: at most one block, none on the rerun" if ok else "MISSED: blocked more than once"
    return f"{first.blocks + rerun.blocks} block(s)"


class _BlockCounter:
    """Counts the sandbox's key blocks (each time its duplicate count passes the limit)."""

    def __init__(self, sandbox: server.Sandbox) -> None:
        state = sandbox._app.state
        self.blocks = 0
        original = state._note_duplicates

        def counted(now: float) -> None:
            before = state._blocked_until
            original(now)
            if state._blocked_until != before:
                self.blocks += 1

        state._note_duplicates = counted  # type: ignore[method-assign]


def _phones(sheet: Path) -> list[str]:
    rows = importer.validate_file(sheet, MAPPING).rows
    return [p for p in rows.loc[rows["status"] == "valid", "phone_e164"].tolist() if p]


def _attempt(sheet: Path, ledger: Path, sandbox: server.Sandbox, counter: _BlockCounter) -> Attempt:
    before = counter.blocks
    requests = sandbox.stats().initiate_requests
    started = time.monotonic()
    outcome = importer.import_file(
        sheet,
        MAPPING,
        token=server.SandboxSettings().token,
        base_url=sandbox.base_url,
        ledger=ledger,
        send=importer.SendOptions(duplicate_rule=DuplicateRule(window=WINDOW)),
        rate=RATE,
    )
    seconds = time.monotonic() - started
    counts = outcome.summary.counts
    return Attempt(
        blocks=counter.blocks - before,
        seconds=seconds,
        accepted=counts.get("accepted", 0),
        rejected=counts.get("rejected", 0),
        pending=counts.get("pending", 0),
        requests=sandbox.stats().initiate_requests - requests,
    )


def run_case(case: DupCase, settings: DupSettings) -> tuple[Attempt, Attempt]:
    sheet = ensure_valid_sheet(case.rows, settings.seed, settings.data_dir)
    phones = _phones(sheet)
    step = round(1 / case.share) if case.share else 0
    called = frozenset(phones[::step]) if step else frozenset()
    sandbox_settings = server.SandboxSettings(
        dup_window=WINDOW,
        block_seconds=BLOCK,
        preexisting_phones=called,
        rate_limit=RATE.max_requests,
        rate_window=RATE.per_seconds,
    )
    with tempfile.TemporaryDirectory() as tmp, server.Sandbox(sandbox_settings) as sandbox:
        counter = _BlockCounter(sandbox)
        ledger = Path(tmp) / "ledger.sqlite3"
        first = _attempt(sheet, ledger, sandbox, counter)
        time.sleep(BLOCK + WINDOW)  # a block the first run caused is over; the rerun is "an hour later"
        rerun = _attempt(sheet, ledger, sandbox, counter)
    return first, rerun


def duplicates_part(settings: DupSettings) -> DupResult:
    result = DupResult()
    for case in QUICK_CASES if settings.quick else CASES:
        first, rerun = run_case(case, settings)
        result.rows.append((case, first, rerun))
    return result
