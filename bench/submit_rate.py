"""``--part submit``: how close ``leadimport run`` gets to the CRM's request limit, and at what CPU cost.

A sheet of unique valid leads (300 requests of 1,000 by default) is imported into a fresh
sandbox in its own process that enforces the CRM's limit of 100 requests per 5 s and
answers each request after 100-300 ms. From the sandbox's arrival log: the achieved rate,
requests / (last arrival - first arrival) over the whole run, as a share of the limit
(target: at least 90%); the most requests in any 5 s window (must be at most 100) and the
429s answered (must be 0). Beside it the client's wall time and CPU time (user + system
of the ``leadimport`` process, from ``os.wait4``). Runs with leadimport's default
concurrency (8) and with ``--concurrency 4``.
"""

from __future__ import annotations

import statistics
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from sandbox_import import SandboxImport, import_into_sandbox
from valid_leads import ensure_valid_sheet, valid_sheet_name

from importer.sandbox.server import SandboxSettings

CRM_LIMIT = SandboxSettings(rate_limit=100, rate_window=5.0, latency=(0.1, 0.3))
CONCURRENCY: tuple[int | None, ...] = (None, 4)  # None: leadimport's default (8); 4 for contrast
MIN_SHARE = 0.90


@dataclass(frozen=True, slots=True)
class SubmitSettings:
    rows: int
    repeats: int
    seed: int
    data_dir: Path
    python: str
    quick: bool


@dataclass(frozen=True, slots=True)
class SubmitRun:
    """One import at the limit, read from the sandbox's side and the client's."""

    concurrency: int | None
    result: SandboxImport

    @property
    def label(self) -> str:
        return "default" if self.concurrency is None else str(self.concurrency)

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
        return self.share >= MIN_SHARE and self.max_in_window <= CRM_LIMIT.rate_limit and self.rate_limited == 0


def _floor(requests: int) -> float:
    return ((requests - 1) // CRM_LIMIT.rate_limit) * CRM_LIMIT.rate_window if requests > 0 else 0.0


@dataclass(slots=True)
class SubmitResult:
    settings: SubmitSettings
    runs: list[SubmitRun] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failures and len(self.runs) == len(CONCURRENCY) * self.settings.repeats

    def print_results(self) -> None:
        limit = f"{CRM_LIMIT.rate_limit} requests / {CRM_LIMIT.rate_window:g} s"
        low, high = CRM_LIMIT.latency
        print()
        print(
            f"submit: {self.settings.rows:,} valid leads in batches of 1,000 into a sandbox allowing {limit},"
            f" {low * 1000:.0f}-{high * 1000:.0f} ms per request."
        )
        print(
            "req/s: requests / (last arrival - first) over the whole run; of limit: that / "
            f"{CRM_LIMIT.rate_limit / CRM_LIMIT.rate_window:g} req/s (target >= {MIN_SHARE:.0%});"
        )
        print(
            f"max/{CRM_LIMIT.rate_window:g}s: most arrivals in any window (<= {CRM_LIMIT.rate_limit}); 429: "
            "answered rate-limited (0); lead-in / tail: wall time before the first request and after the last;"
        )
        print(
            "leads/s: accepted leads / wall time; cpu: user+sys of leadimport, and as a share of one core over its"
            " wall time; CRM cpu: the sandbox's."
        )
        header = (
            f"{'concurrency':<11} {'requests':>8} {'span s':>7} {'req/s':>6} {'of limit':>8}"
            f" {f'max/{CRM_LIMIT.rate_window:g}s':>7} {'429':>4} {'lead-in':>7} {'tail':>5} {'wall s':>7}"
            f" {'leads/s':>8} {'cpu s':>6}"
            f" {'cpu/wall':>8} {'CRM cpu s':>9}  verdict"
        )
        print(header)
        print("-" * len(header))
        for run in self.runs:
            client = run.result.client
            print(
                f"{run.label:<11} {run.requests:>8} {run.span_s:>7.2f} {run.rate:>6.2f} {run.share:>8.1%}"
                f" {run.max_in_window:>7} {run.rate_limited:>4} {run.lead_in_s:>7.2f} {run.tail_s:>5.2f}"
                f" {client.wall_s:>7.2f}"
                f" {run.result.accepted / client.wall_s:>8,.0f} {client.cpu_s:>6.2f} {client.cpu_s / client.wall_s:>8.0%}"
                f" {run.result.sandbox.cpu_s:>9.2f}  {'met' if run.met else 'MISSED'}"
            )
        print()
        print(
            "of floor: the window's floor ((requests - 1) // 100 x 5 s) / the span, first request to last (target"
            f" >= {MIN_SHARE:.2f}); after ramp: the same from the first full-size batch (the duplicate guard's probe"
        )
        print("and ramp are by design); cpu ms/1k: the client's CPU per 1,000 leads; peak MiB: the client's.")
        header = (
            f"{'concurrency':<11} {'requests':>8} {'floor s':>7} {'span s':>7} {'of floor':>8} {'after ramp':>10}"
            f" {'cpu ms/1k':>9} {'peak MiB':>8}"
        )
        print(header)
        print("-" * len(header))
        for run in self.runs:
            print(
                f"{run.label:<11} {run.requests:>8} {run.floor_s:>7.1f} {run.span_s:>7.2f} {run.of_floor:>8.2f}"
                f" {run.of_floor_after_ramp:>10.2f} {run.cpu_ms_per_1k:>9.1f} {run.result.client.peak_kib / 1024:>8.0f}"
            )
        if self.settings.repeats > 1:
            for concurrency in CONCURRENCY:
                shares = [r.share for r in self.runs if r.concurrency == concurrency]
                if shares:
                    label = "default" if concurrency is None else str(concurrency)
                    print(f"  median of limit, concurrency {label}: {statistics.median(shares):.1%}")
        if self.settings.quick:
            print("(--quick: fewer requests than the target is set for; the verdicts are only indicative.)")
        for failure in self.failures:
            print(f"  FAILED: {failure}")


def submit_part(settings: SubmitSettings) -> SubmitResult:
    """Import the sheet at the CRM's limit with each concurrency, ``repeats`` times, alternating."""
    result = SubmitResult(settings)
    cached = (settings.data_dir / valid_sheet_name(settings.rows, settings.seed)).is_file()
    print(f"submit · {settings.rows:,} valid leads: {'cached sheet' if cached else 'generating the sheet ...'}")
    sheet = ensure_valid_sheet(settings.rows, settings.seed, settings.data_dir)
    for repeat in range(settings.repeats):
        order = CONCURRENCY if repeat % 2 == 0 else CONCURRENCY[::-1]
        for concurrency in order:
            options = ["--no-ledger"] if concurrency is None else ["--no-ledger", "--concurrency", str(concurrency)]
            with tempfile.TemporaryDirectory(prefix="leadimport-bench-") as tmp:
                try:
                    imported = import_into_sandbox(sheet, CRM_LIMIT, options, workdir=Path(tmp), python=settings.python)
                except RuntimeError as exc:  # ImportFailed, or the sandbox or launcher failed
                    result.failures.append(f"concurrency {concurrency or 'default'}: {exc}")
                    return result
            run = SubmitRun(concurrency, imported)
            result.runs.append(run)
            print(
                f"  repeat {repeat + 1}/{settings.repeats}, concurrency {run.label}: {run.requests} requests,"
                f" {run.rate:.2f} req/s ({run.share:.1%} of the limit), wall {imported.client.wall_s:.2f} s,"
                f" cpu {imported.client.cpu_s:.2f} s",
                flush=True,
            )
    return result
