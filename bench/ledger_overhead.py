"""``--part ledger``: what the ledger costs an import (target: at most 10% slower than without it).

A sheet of unique valid leads (200,000 by default) is imported with ``--ledger`` (a fresh
ledger file each time) and with ``--no-ledger``, alternating which goes first, each run
into a fresh sandbox in its own process. The sandbox and the client allow 100,000
requests per second and the sandbox answers at once, so the client's own work, not the
CRM's limit, is what is timed. ``--ledger-at-limit`` adds the same comparison at the
CRM's real limit (100 requests per 5 s), where the limit sets the pace.
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox_import import SandboxImport, import_into_sandbox
from valid_leads import ensure_valid_sheet, valid_sheet_name

from importer.sandbox.server import SandboxSettings

MAX_RATIO = 1.10


@dataclass(frozen=True, slots=True)
class LedgerCase:
    """One pace to compare at: the sandbox's limit and the client's ``--rate``."""

    label: str
    sandbox: SandboxSettings
    rate: str


UNLIMITED = LedgerCase("no rate limit", SandboxSettings(rate_limit=100_000, rate_window=1.0), "100000/1s")
AT_LIMIT = LedgerCase("CRM limit 100/5s", SandboxSettings(rate_limit=100, rate_window=5.0), "100/5s")


@dataclass(frozen=True, slots=True)
class LedgerSettings:
    rows: int
    repeats: int
    seed: int
    data_dir: Path
    python: str
    quick: bool
    at_limit: bool


@dataclass(slots=True)
class LedgerCaseResult:
    """Every run of one case, with the ledger and without."""

    case: LedgerCase
    with_ledger: list[SandboxImport] = field(default_factory=list)
    without: list[SandboxImport] = field(default_factory=list)

    @property
    def with_s(self) -> float:
        return statistics.median(r.client.wall_s for r in self.with_ledger)

    @property
    def without_s(self) -> float:
        return statistics.median(r.client.wall_s for r in self.without)

    @property
    def ratio(self) -> float:
        return self.with_s / self.without_s

    @property
    def cpu_with_s(self) -> float:
        return statistics.median(r.client.cpu_s for r in self.with_ledger)

    @property
    def cpu_without_s(self) -> float:
        return statistics.median(r.client.cpu_s for r in self.without)

    @property
    def cpu_ratio(self) -> float:
        return self.cpu_with_s / self.cpu_without_s

    @property
    def measured(self) -> bool:
        return bool(self.with_ledger) and bool(self.without)


@dataclass(slots=True)
class LedgerResult:
    settings: LedgerSettings
    cases: list[LedgerCaseResult] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        expected = 2 if self.settings.at_limit else 1
        return not self.failures and len(self.cases) == expected and all(c.measured for c in self.cases)

    def print_results(self) -> None:
        print()
        print(
            f"ledger: {self.settings.rows:,} valid leads imported with a fresh --ledger and with --no-ledger;"
            f" medians of {self.settings.repeats} run(s) each."
        )
        print(
            f"ratio: wall time with / without (target <= {MAX_RATIO:g}); cpu: user+sys of leadimport,"
            " with / without (less sensitive to a busy machine)."
        )
        header = (
            f"{'case':<17} {'with s':>7} {'without s':>9} {'ratio':>6} {'target':>7}"
            f" {'cpu with':>8} {'cpu w/o':>8} {'cpu':>6}  verdict"
        )
        print(header)
        print("-" * len(header))
        for c in self.cases:
            if not c.measured:
                print(f"{c.case.label:<17} FAILED (see below)")
                continue
            print(
                f"{c.case.label:<17} {c.with_s:>7.2f} {c.without_s:>9.2f} {c.ratio:>6.3f} {'<=' + format(MAX_RATIO, 'g'):>7}"
                f" {c.cpu_with_s:>8.2f} {c.cpu_without_s:>8.2f} {c.cpu_ratio:>6.3f}"
                f"  {'met' if c.ratio <= MAX_RATIO else 'MISSED'}"
            )
        if self.settings.quick:
            print("(--quick: a smaller sheet than the target is set for; the verdicts are only indicative.)")
        print("Details:")
        for c in self.cases:
            print(
                f"  {c.case.label} (sandbox {c.case.sandbox.rate_limit}/{c.case.sandbox.rate_window:g}s,"
                f" leadimport --rate {c.case.rate})"
            )
            for name, runs in (("with", c.with_ledger), ("without", c.without)):
                if not runs:
                    continue
                wall = ", ".join(f"{r.client.wall_s:.2f}" for r in runs)
                cpu = ", ".join(f"{r.client.cpu_s:.2f}" for r in runs)
                crm = ", ".join(f"{r.sandbox.cpu_s:.2f}" for r in runs)
                mib = ", ".join(f"{r.client.peak_kib / 1024:.0f}" for r in runs)
                print(f"    {name:<8} wall s: {wall}   cpu s: {cpu}   peak MiB: {mib}   sandbox cpu s: {crm}")
        for failure in self.failures:
            print(f"  FAILED: {failure}")


def ledger_part(settings: LedgerSettings) -> LedgerResult:
    """Import the sheet with and without the ledger, alternating, ``repeats`` times per case."""
    result = LedgerResult(settings)
    cached = (settings.data_dir / valid_sheet_name(settings.rows, settings.seed)).is_file()
    print(f"ledger · {settings.rows:,} valid leads: {'cached sheet' if cached else 'generating the sheet ...'}")
    sheet = ensure_valid_sheet(settings.rows, settings.seed, settings.data_dir)
    for case in (UNLIMITED, AT_LIMIT) if settings.at_limit else (UNLIMITED,):
        outcome = LedgerCaseResult(case)
        result.cases.append(outcome)
        sides = [("with", outcome.with_ledger), ("without", outcome.without)]
        for repeat in range(settings.repeats):
            line = []
            for name, runs in sides if repeat % 2 == 0 else sides[::-1]:
                with tempfile.TemporaryDirectory(prefix="leadimport-bench-") as tmp:
                    ledger = (
                        ["--ledger", str(Path(tmp, "ledger.sqlite3")), "--new-ledger"]
                        if name == "with"
                        else ["--no-ledger"]
                    )
                    try:
                        imported = import_into_sandbox(
                            sheet,
                            case.sandbox,
                            ["--rate", case.rate, *ledger],
                            workdir=Path(tmp),
                            python=settings.python,
                        )
                    except RuntimeError as exc:  # ImportFailed, or the sandbox or launcher failed
                        result.failures.append(f"{case.label}, {name} ledger: {exc}")
                        return result
                runs.append(imported)
                line.append(f"{name} {imported.client.wall_s:6.2f} s (cpu {imported.client.cpu_s:.2f} s)")
            print(f"  {case.label}, repeat {repeat + 1}/{settings.repeats}: " + " · ".join(line), flush=True)
    return result
