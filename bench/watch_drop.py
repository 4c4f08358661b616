"""``--part watch``: a drop of many files into ``leadimport watch --once`` at the CRM's limit, and the idle cost.

Drop: ``files`` CSVs of ``rows`` unique valid leads each (20 x 5,000 by default) are put in an inbox at
once and imported by ``leadimport watch INBOX --once --settle 0`` into a sandbox in its own process that
enforces 100 requests per 5 s and answers each after 100-300 ms. The time the rate limit allows for
the drop's requests is ``requests / (100 / 5 s)``; the target is a whole drop (watcher start to exit)
within 10% of it. The drop runs ``repeats`` times (a fresh sandbox, inbox and ledger each time); the
median ratio of time taken to time allowed is the verdict. The most requests in any 5 s window (must be at most 100) and the 429s (must be 0)
come from the sandbox's log.

Idle: a daemon watches an inbox whose ``done/`` holds 10,000 files, for ``idle_s`` seconds after it
started; its CPU time over that span (from ``/proc/PID/stat``) as a share of one core (target: under 1%).
"""

from __future__ import annotations

import os
import signal
import statistics
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow.csv as pacsv
from measure import Measurement, run_measured
from sandbox_process import SandboxProcess, SandboxReport
from valid_leads import ensure_valid_sheet

from importer.sandbox.server import SandboxSettings
from importer.send import MAX_BATCH

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MAPPING = BENCH / "mapping.yaml"
CRM_LIMIT = SandboxSettings(rate_limit=100, rate_window=5.0, latency=(0.1, 0.3))
MAX_OVER = 0.10
MAX_IDLE_SHARE = 0.01


@dataclass(frozen=True, slots=True)
class WatchBenchSettings:
    files: int
    rows: int
    idle_files: int
    idle_s: float
    seed: int
    data_dir: Path
    python: str
    quick: bool
    repeats: int = 3
    report_format: str = "csv"


@dataclass(frozen=True, slots=True)
class DropRun:
    """One drop: the watcher's run and what the sandbox saw."""

    drop: Measurement
    sandbox: SandboxReport
    started: float
    """The watcher's start on the sandbox's clock (``time.monotonic()``, shared by the processes)."""

    @property
    def requests(self) -> int:
        return self.sandbox.stats.initiate_requests

    @property
    def allowed_s(self) -> float:
        """Seconds the CRM's rate limit allows for this drop's requests."""
        return self.requests / (CRM_LIMIT.rate_limit / CRM_LIMIT.rate_window)

    @property
    def ratio(self) -> float:
        """Time taken / time allowed."""
        return self.drop.wall_s / self.allowed_s if self.allowed_s else float("inf")

    def timeline(self) -> str:
        """Where the drop's time went, from the sandbox's arrival log: the first request, the duplicate guard's
        probe (the requests of fewer than a full batch before the first full one) and, past 100 requests, the
        earliest the CRM's window let the last one in (the arrival 100 requests before it + 5 s)."""
        times = [t - self.started for t in self.sandbox.stats.initiate_times]
        sizes = self.sandbox.stats.initiate_sizes
        if not times:
            return "no requests"
        probe = next((i for i, size in enumerate(sizes) if size >= MAX_BATCH), len(sizes))
        line = f"first request at {times[0]:.2f} s"
        if probe:
            line += (
                f"; the duplicate guard's probe: {probe} requests ({sum(sizes[:probe]):,} leads) until"
                f" {times[probe - 1]:.2f} s"
            )
        limit = CRM_LIMIT.rate_limit
        if len(times) > limit:
            line += (
                f"; the window let request {len(times)} in from {times[-1 - limit] + CRM_LIMIT.rate_window:.2f} s,"
                f" it came at {times[-1]:.2f} s"
            )
        return line


@dataclass(slots=True)
class WatchResult:
    settings: WatchBenchSettings
    runs: list[DropRun] = field(default_factory=list)
    idle_cpu_s: float = 0.0
    idle_wall_s: float = 0.0
    failures: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.failures and bool(self.runs)

    def print_results(self) -> None:
        s = self.settings
        print()
        print(
            f"watch: {s.files} files x {s.rows:,} valid leads dropped at once, `leadimport watch --once`"
            f" ({s.report_format} reports), sandbox at"
            f" {CRM_LIMIT.rate_limit}/{CRM_LIMIT.rate_window:g}s with 100-300 ms per request."
        )
        for i, run in enumerate(self.runs, 1):
            stats = run.sandbox.stats
            print(
                f"  drop {i}: {run.requests} requests; time allowed {run.allowed_s:.2f} s, time taken"
                f" {run.drop.wall_s:.2f} s, ratio {run.ratio:.2f}; cpu {run.drop.cpu_s:.2f} s;"
                f" max/{CRM_LIMIT.rate_window:g}s {stats.max_requests_in(CRM_LIMIT.rate_window)}"
                f" (<= {CRM_LIMIT.rate_limit}), 429s {stats.rate_limited}"
            )
            print(f"    {run.timeline()}")
        if self.runs:
            ratio = statistics.median(r.ratio for r in self.runs)
            allowed = statistics.median(r.allowed_s for r in self.runs)
            taken = statistics.median(r.drop.wall_s for r in self.runs)
            verdict = "met" if ratio <= 1 + MAX_OVER else "MISSED"
            print(
                f"  drop, median of {len(self.runs)}: time allowed {allowed:.2f} s, time taken {taken:.2f} s,"
                f" ratio {ratio:.2f} (target <= {1 + MAX_OVER:.2f}) {verdict}"
            )
        if self.idle_wall_s:
            share = self.idle_cpu_s / self.idle_wall_s
            print(
                f"  idle: {s.idle_files:,} files in done/, {self.idle_wall_s:.1f} s watched: cpu {self.idle_cpu_s:.3f} s ="
                f" {share:.2%} of a core (target < {MAX_IDLE_SHARE:.0%}) {'met' if share < MAX_IDLE_SHARE else 'MISSED'}"
            )
        if s.quick:
            print("(--quick: a smaller drop than the target is set for; the verdicts are only indicative.)")
        for failure in self.failures:
            print(f"  FAILED: {failure}")


def watch_part(settings: WatchBenchSettings) -> WatchResult:
    result = WatchResult(settings)
    sheet = ensure_valid_sheet(settings.files * settings.rows, settings.seed, settings.data_dir)
    table = pacsv.read_csv(sheet, convert_options=pacsv.ConvertOptions(strings_can_be_null=False))
    with tempfile.TemporaryDirectory(prefix="leadimport-bench-watch-") as tmp:
        work = Path(tmp)
        for repeat in range(settings.repeats):
            drop = work / f"drop-{repeat}"
            inbox = drop / "inbox"
            inbox.mkdir(parents=True)
            for i in range(settings.files):
                pacsv.write_csv(table.slice(i * settings.rows, settings.rows), inbox / f"drop-{i:02d}.csv")
            argv = [settings.python, "-m", "importer", "watch", str(inbox), "--mapping", str(MAPPING), "--once",
                    "--settle", "0", "--poll", "0.05", "--report-format", settings.report_format, "--ledger", str(drop / "ledger.db")]  # fmt: skip
            with SandboxProcess(CRM_LIMIT, python=settings.python) as sandbox:
                env = {**os.environ, "VOX_API_TOKEN": CRM_LIMIT.token, "VOX_BASE_URL": sandbox.base_url}
                started = time.monotonic()
                measured = run_measured(argv, cwd=ROOT, env=env)
                run = DropRun(measured, sandbox.report(), started)
            done = len([p for p in (inbox / "done").iterdir() if p.suffix == ".csv" and ".report." not in p.name])
            if measured.exit_code != 0 or done != settings.files:
                result.failures.append(
                    f"watch exited {measured.exit_code}, {done} files done: {measured.stderr[-800:]}"
                )
                return result
            result.runs.append(run)
            print(
                f"  watch drop {repeat + 1}/{settings.repeats}: {run.drop.wall_s:.2f} s for {run.requests} requests"
                f" (allowed {run.allowed_s:.2f} s)",
                flush=True,
            )
        idle_inbox = work / "idle"
        (idle_inbox / "done").mkdir(parents=True)
        for i in range(settings.idle_files):
            (idle_inbox / "done" / f"20261206T000000.{i % 1000:03d}Z_file-{i}.csv").write_bytes(b"x")
        idle = [a for a in argv if a != "--once"]
        idle[4] = str(idle_inbox)
        idle[idle.index("--poll") + 1] = "1"
        env = {**os.environ, "VOX_API_TOKEN": "t", "VOX_BASE_URL": "http://127.0.0.1:9/api/v1"}
        proc = subprocess.Popen(idle, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            deadline = time.monotonic() + 60
            while not (idle_inbox / "processing").is_dir() and time.monotonic() < deadline:
                time.sleep(0.1)
            time.sleep(1.0)  # start-up over
            before, started = _cpu_s(proc.pid), time.monotonic()
            time.sleep(settings.idle_s)
            result.idle_cpu_s, result.idle_wall_s = _cpu_s(proc.pid) - before, time.monotonic() - started
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.communicate(timeout=30)
    return result


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
