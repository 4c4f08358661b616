"""``--part submit``: how close ``leadimport run`` gets to the CRM's request limit, and at what CPU cost.

A sheet of unique valid leads (1,000 requests of 1,000 by default) is imported, as ``leadimport run``
does by default (with a ledger, a fresh one each time), into a fresh sandbox in its own process that
enforces the CRM's limit of 100 requests per 5 s and answers each request after 100-300 ms. From the
sandbox's arrival log: the request span (first arrival to last) against the window's floor,
``((requests - 1) // 100) x 5 s``, the least span the CRM's sliding window allows (target: floor / span
at least 0.90); the most requests in any 5 s window (must be at most 100) and the 429s answered (must be
0). Beside it the client's CPU time per 1,000 leads (user + system of the ``leadimport`` process, from
``os.wait4``, reading and validating included) and its peak memory (target: at most 1 GB), and the load
average before each run. Medians over the repeats (3 by default). ``--submit-contrast`` adds runs with
``--concurrency 4`` and with ``--no-ledger``.
"""

from __future__ import annotations

import os
import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox_import import SandboxImport, import_into_sandbox
from valid_leads import ensure_valid_sheet, valid_sheet_name

from importer.sandbox.server import SandboxSettings

CRM_LIMIT = SandboxSettings(rate_limit=100, rate_window=5.0, latency=(0.1, 0.3))
MIN_SHARE = 0.90
MAX_PEAK_MIB = 1024


@dataclass(frozen=True, slots=True)
class Variant:
    """How ``leadimport run`` is started: its concurrency (None: the default, 8) and whether it keeps a ledger."""

    concurrency: int | None = None
    ledger: bool = True

    @property
    def label(self) -> str:
        parts = ["default" if self.concurrency is None else f"concurrency {self.concurrency}"]
        return ", ".join([*parts, "ledger" if self.ledger else "no ledger"])

    def options(self, workdir: Path) -> list[str]:
        options = ["--ledger", str(workdir / "ledger.sqlite3"), "--new-ledger"] if self.ledger else ["--no-ledger"]
        return options + ([] if self.concurrency is None else ["--concurrency", str(self.concurrency)])


DEFAULT = Variant()
CONTRAST = (Variant(concurrency=4), Variant(ledger=False))


@dataclass(frozen=True, slots=True)
class SubmitSettings:
    rows: int
    repeats: int
    seed: int
    data_dir: Path
    python: str
    quick: bool
    contrast: bool = False

    @property
    def variants(self) -> tuple[Variant, ...]:
        return (DEFAULT, *CONTRAST) if self.contrast else (DEFAULT,)


@dataclass(frozen=True, slots=True)
class SubmitRun:
    """One import at the limit, read from the sandbox's side and the client's."""

    variant: Variant
    result: SandboxImport
    load: float
    """The 1-minute load average just before the run."""

    @property
    def label(self) -> str:
        return self.variant.label

    @property
    def peak_mib(self) -> float:
        return self.result.client.peak_kib / 1024

    @property
    def requests(self) -> int:
        return self.result.sandbox.stats.initiate_requests

    @property
    def span_s(self) -> float:
        times = self.result.sandbox.stats.initiate_times
        return times[-1] - times[0] if len(times) > 1 else 0.0

    @property
    def lead_in_s(self) -> float:
        """From starting leadimport to its first request: reading, validating, building the payloads."""
        times = self.result.sandbox.stats.initiate_times
        return times[0] - self.result.started if times else 0.0

    @property
    def tail_s(self) -> float:
        """From the last request to leadimport's exit: the last answers, the report."""
        times = self.result.sandbox.stats.initiate_times
        return self.result.ended - times[-1] if times else 0.0

    @property
    def rate(self) -> float:
        """Requests per second over the whole run: first arrival to last, nothing left out."""
        return self.requests / self.span_s if self.span_s > 0 else 0.0

    @property
    def share(self) -> float:
        return self.rate / (CRM_LIMIT.rate_limit / CRM_LIMIT.rate_window)

    @property
    def floor_s(self) -> float:
        """The least span the server's sliding window allows for these requests: ((requests - 1) // limit) x window."""
        return _floor(self.requests)

    @property
    def of_floor(self) -> float:
        """The window's floor / the span: 1.0 is the CRM's ceiling, from the first request to the last."""
        return self.floor_s / self.span_s if self.span_s > 0 else 0.0

    @property
    def of_floor_after_ramp(self) -> float:
        """The same from the first request of the full batch size on: the duplicate guard's probe and ramp at
        the start (small batches while it learns the refusal rate) are by design and left out here."""
        stats = self.result.sandbox.stats
        sizes, times = stats.initiate_sizes, stats.initiate_times
        if not sizes:
            return 0.0
        first = next(i for i, size in enumerate(sizes) if size == max(sizes))
        span = times[-1] - times[first]
        return _floor(len(times) - first) / span if span > 0 else 0.0

    @property
    def cpu_ms_per_1k(self) -> float:
        """The client's CPU per 1,000 leads accepted (reading and validating included)."""
        return 1e6 * self.result.client.cpu_s / max(1, self.result.accepted)

    @property
    def max_in_window(self) -> int:
        return self.result.sandbox.stats.max_requests_in(CRM_LIMIT.rate_window)

    @property
    def rate_limited(self) -> int:
        return self.result.sandbox.stats.rate_limited

    @property
    def met(self) -> bool:
        return (
            self.of_floor >= MIN_SHARE
            and self.peak_mib <= MAX_PEAK_MIB
            and self.max_in_window <= CRM_LIMIT.rate_limit
            and self.rate_limited == 0
        )


def _floor(requests: int) -> float:
    return ((requests - 1) // CRM_LIMIT.rate_limit) * CRM_LIMIT.rate_window if requests > 0 else 0.0


@dataclass(slots=True)
class SubmitResult:
    settings: SubmitSettings
    runs: list[SubmitRun] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failures and len(self.runs) == len(self.settings.variants) * self.settings.repeats

    def print_results(self) -> None:
        limit = f"{CRM_LIMIT.rate_limit} requests / {CRM_LIMIT.rate_window:g} s"
        low, high = CRM_LIMIT.latency
        print()
        print(
            f"submit: {self.settings.rows:,} valid leads in batches of 1,000 into a sandbox allowing {limit},"
            f" {low * 1000:.0f}-{high * 1000:.0f} ms per request."
        )
        print(
            "of floor: the window's floor ((requests - 1) // 100 x 5 s) / the span, first request to last (target"
            f" >= {MIN_SHARE:.2f}); after ramp: the same from the first full-size batch (the duplicate guard's"
        )
        print(
            f"probe and ramp left out); max/{CRM_LIMIT.rate_window:g}s: most arrivals in any window"
            f" (<= {CRM_LIMIT.rate_limit}); 429: answered rate-limited (0); lead-in / tail: wall time before the"
        )
        print(
            "first request and after the last; cpu ms/1k: the client's CPU (user+sys, reading and validating"
            f" included) per 1,000 leads; peak MiB: the client's (target <= {MAX_PEAK_MIB}); load: 1-min load"
        )
        print("average before the run; CRM cpu s: the sandbox's.")
        header = (
            f"{'run':<28} {'requests':>8} {'floor s':>7} {'span s':>7} {'of floor':>8} {'after ramp':>10}"
            f" {f'max/{CRM_LIMIT.rate_window:g}s':>7} {'429':>4} {'lead-in':>7} {'tail':>5} {'wall s':>7}"
            f" {'cpu s':>6} {'cpu ms/1k':>9} {'peak MiB':>8} {'load':>5} {'CRM cpu s':>9}  verdict"
        )
        print(header)
        print("-" * len(header))
        for run in self.runs:
            client = run.result.client
            print(
                f"{run.label:<28} {run.requests:>8} {run.floor_s:>7.1f} {run.span_s:>7.2f} {run.of_floor:>8.3f}"
                f" {run.of_floor_after_ramp:>10.3f} {run.max_in_window:>7} {run.rate_limited:>4}"
                f" {run.lead_in_s:>7.2f} {run.tail_s:>5.2f} {client.wall_s:>7.2f} {client.cpu_s:>6.2f}"
                f" {run.cpu_ms_per_1k:>9.1f} {run.peak_mib:>8.0f} {run.load:>5.2f} {run.result.sandbox.cpu_s:>9.2f}"
                f"  {'met' if run.met else 'MISSED'}"
            )
        for variant in self.settings.variants:
            runs = [r for r in self.runs if r.variant == variant]
            if len(runs) < 2:
                continue
            of_floor = statistics.median(r.of_floor for r in runs)
            peak = statistics.median(r.peak_mib for r in runs)
            print(
                f"  median of {len(runs)}, {variant.label}: of floor {of_floor:.3f}"
                f" ({'met' if of_floor >= MIN_SHARE else 'MISSED'}),"
                f" after ramp {statistics.median(r.of_floor_after_ramp for r in runs):.3f},"
                f" cpu {statistics.median(r.cpu_ms_per_1k for r in runs):.1f} ms/1k,"
                f" peak {peak:.0f} MiB ({'met' if peak <= MAX_PEAK_MIB else 'MISSED'}),"
                f" load {statistics.median(r.load for r in runs):.2f}"
            )
        if self.settings.quick:
            print("(--quick: fewer requests than the target is set for; the verdicts are only indicative.)")
        for failure in self.failures:
            print(f"  FAILED: {failure}")


def submit_part(settings: SubmitSettings) -> SubmitResult:
    """Import the sheet at the CRM's limit as each variant, ``repeats`` times, alternating."""
    result = SubmitResult(settings)
    cached = (settings.data_dir / valid_sheet_name(settings.rows, settings.seed)).is_file()
    print(f"submit · {settings.rows:,} valid leads: {'cached sheet' if cached else 'generating the sheet ...'}")
    sheet = ensure_valid_sheet(settings.rows, settings.seed, settings.data_dir)
    variants = settings.variants
    for repeat in range(settings.repeats):
        for variant in variants if repeat % 2 == 0 else variants[::-1]:
            load = os.getloadavg()[0]
            with tempfile.TemporaryDirectory(prefix="leadimport-bench-") as tmp:
                workdir = Path(tmp)
                try:
                    imported = import_into_sandbox(
                        sheet, CRM_LIMIT, variant.options(workdir), workdir=workdir, python=settings.python
                    )
                except RuntimeError as exc:  # ImportFailed, or the sandbox or launcher failed
                    result.failures.append(f"{variant.label}: {exc}")
                    return result
            run = SubmitRun(variant, imported, load)
            result.runs.append(run)
            print(
                f"  repeat {repeat + 1}/{settings.repeats}, {run.label}: {run.requests} requests in"
                f" {run.span_s:.2f} s, {run.of_floor:.3f} of the floor, cpu {run.cpu_ms_per_1k:.1f} ms/1k,"
                f" peak {run.peak_mib:.0f} MiB, load {load:.2f}",
                flush=True,
            )
    return result
