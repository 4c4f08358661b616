"""``make bench``: time leadimport against naive reference implementations, side by side.

Parts (``--part``, repeatable; default: all):

  validate  ``leadimport validate`` (the dry run) against bench/reference.py on a
            1,000,000-row CSV (target: at least 8x faster) and a 100,000-row XLSX
            (target: at least 4x faster); on both, peak memory no higher than the
            reference's.
  naive     ``leadimport validate`` against the shared naive script
            (``../shared/bench/naive_import.py``, what a user would write instead) on the
            1,000,000-row CSV of the shared generator (``../shared/bench/gen.py``) with its
            ``mapping_1m.yaml`` (target: at least 8x faster, peak memory no higher). Skipped,
            saying so, when the shared directory (``--shared-bench``) is not there.
  submit    ``leadimport run`` (with a ledger, as by default) of 1,000,000 valid leads into
            the sandbox in a process of its own at the CRM's limit (100 requests per 5 s,
            100-300 ms per request): the request span against the window's floor
            ((requests - 1) // 100 x 5 s; target: floor / span at least 0.90), the client's CPU
            per 1,000 leads and its peak memory (target: at most 1 GB); ``--submit-contrast``
            adds --concurrency 4 and --no-ledger (bench/submit_rate.py).
  duplicates  imports into a sandbox where 0%, 0.3%, 5% and 100% of the sheet's phones were already
            called, and each import again: key blocks, time and leads accepted, with the CRM's
            60 s duplicate window scaled down (target: at 0.3% no block; at 100% at most one per
            file and none on the rerun) (bench/dup_guard.py).
  ledger    ``leadimport run`` of 200,000 valid leads with and without the ledger, the
            rate limit out of the way (target: at most 10% slower with it)
            (bench/ledger_overhead.py).
  web       the --csv-rows CSV uploaded to ``leadimport serve`` and reviewed: the server's
            peak RSS (target: under 1.5 GB) and every review grid page's time (target: under
            1 s) (bench/web_upload.py).
  watch     ``leadimport watch --once`` of 20 files x 5,000 valid leads dropped at once into
            the sandbox at the CRM's limit (100 requests per 5 s, 100-300 ms per request):
            the whole drop against the time the limit allows for its requests (median of
            --repeats drops; target: within 10%); and the CPU a daemon uses idle, polling an inbox whose done/
            holds 10,000 files (target: under 1% of a core) (bench/watch_drop.py).
  wide      ``validate``, ``run`` (into the sandbox), ``inspect`` and ``mapping suggest`` of a CSV of
            100,000 columns x 3 rows against one of 3 columns x 100,000 rows, and of an XLSX of
            16,384 columns (Excel's most) x 3 rows against 3 x 16,384: CPU time and peak memory, wide
            against long (target: validate within 2x) (bench/wide_sheets.py).

Each command runs as its own process, the sides compared alternating, ``--repeats``
times; medians are reported because small shared machines are noisy. The exit code is
non-zero only when the benchmark itself failed (a command crashed, a report is missing);
a missed target is printed as MISSED.
"""

from __future__ import annotations

import argparse
import compileall
import os
import platform
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from dup_guard import DupSettings, duplicates_part
from generate import DATA_DIR, DEFAULT_SEED, SheetSpec, ensure_sheet
from ledger_overhead import LedgerSettings, ledger_part
from measure import Measurement, run_measured
from submit_rate import SubmitSettings, submit_part
from watch_drop import WatchBenchSettings, watch_part
from web_upload import WebSettings, web_part
from wide_sheets import WideSettings, wide_part

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MAPPING = BENCH / "mapping.yaml"
REFERENCE = BENCH / "reference.py"
OUR_OK_EXIT_CODES = (0, 1)  # 1: some rows are invalid, which every benchmark sheet has


@dataclass(frozen=True, slots=True)
class Case:
    """One file to time ours against the reference on, and the speed-up it must reach."""

    part: str
    spec: SheetSpec
    min_speedup: float
    sheet: Callable[[Path], Path] | None = None
    """Makes (or finds) the sheet in the data directory [default: bench/generate.py's sheet for ``spec``]."""
    origin: str = ""

    @property
    def label(self) -> str:
        return f"{self.origin}{self.spec.kind.upper()} {self.spec.rows:,} rows"


@dataclass(frozen=True, slots=True)
class Settings:
    """Command-line choices every part uses."""

    repeats: int
    quick: bool
    csv_rows: int
    xlsx_rows: int
    seed: int
    data_dir: Path
    python: str
    shared_bench: Path = Path("../shared/bench")
    submit_rows: int = 1_000_000
    submit_repeats: int = 3  # each run takes a minute or more, bound by the rate limit
    submit_contrast: bool = False
    ledger_rows: int = 200_000
    ledger_at_limit: bool = False
    watch_files: int = 20
    watch_rows: int = 5_000
    watch_idle_files: int = 10_000
    watch_idle_s: float = 30.0
    watch_report_format: str = "csv"


@dataclass(slots=True)
class CaseResult:
    """All runs of one case, and what went wrong, if anything."""

    case: Case
    ours: list[Measurement] = field(default_factory=list)
    reference: list[Measurement] = field(default_factory=list)
    status_ours: dict[str, int] = field(default_factory=dict)
    status_reference: dict[str, int] = field(default_factory=dict)
    failures: list[str] = field(default_factory=list)

    @property
    def ours_s(self) -> float:
        return statistics.median(m.wall_s for m in self.ours)

    @property
    def reference_s(self) -> float:
        return statistics.median(m.wall_s for m in self.reference)

    @property
    def speedup(self) -> float:
        return self.reference_s / self.ours_s

    @property
    def cpu_speedup(self) -> float:
        """Reference CPU time / ours: steadier than wall time when other work shares the machine."""
        return statistics.median(m.cpu_s for m in self.reference) / statistics.median(m.cpu_s for m in self.ours)

    @property
    def ours_peak_kib(self) -> float:
        return statistics.median(m.peak_kib for m in self.ours)

    @property
    def reference_peak_kib(self) -> float:
        return statistics.median(m.peak_kib for m in self.reference)

    @property
    def memory_ratio(self) -> float:
        return self.ours_peak_kib / self.reference_peak_kib

    @property
    def complete(self) -> bool:
        return not self.failures and bool(self.ours) and bool(self.reference)


Command = Callable[[Path, Path], list[str]]


def validate_cases(settings: Settings) -> list[tuple[Case, Command, Command]]:
    """The dry run on the big CSV and on the XLSX."""

    def ours(sheet: Path, report: Path) -> list[str]:
        command = [settings.python, "-m", "importer", "validate", str(sheet), "--mapping", str(MAPPING)]
        return [*command, "--report", str(report), "--quiet"]

    def reference(sheet: Path, report: Path) -> list[str]:
        return [settings.python, str(REFERENCE), str(sheet), "--mapping", str(MAPPING), "--report", str(report)]

    return [
        (Case("validate", SheetSpec("csv", settings.csv_rows, settings.seed), 8.0), ours, reference),
        (Case("validate", SheetSpec("xlsx", settings.xlsx_rows, settings.seed), 4.0), ours, reference),
    ]


class PartResult(Protocol):
    """What a part hands back once it has run."""

    @property
    def complete(self) -> bool:
        """Every run finished and was checked (a missed target still counts as complete)."""
        ...

    def print_results(self) -> None:
        """The part's table of results and its verdicts."""
        ...


@dataclass(frozen=True, slots=True)
class ComparisonResult:
    """The cases of a part timed against the reference implementation."""

    results: list[CaseResult]
    settings: Settings

    @property
    def complete(self) -> bool:
        return all(r.complete for r in self.results)

    def print_results(self) -> None:
        print_results(self.results, self.settings)


def validate_part(settings: Settings) -> ComparisonResult:
    results = [run_case(case, ours, ref, settings) for case, ours, ref in validate_cases(settings)]
    return ComparisonResult(results, settings)


@dataclass(frozen=True, slots=True)
class SkippedPart:
    """A part that could not run here, and why."""

    name: str
    why: str

    @property
    def complete(self) -> bool:
        return True

    def print_results(self) -> None:
        print(f"\n{self.name}: skipped: {self.why}")


def naive_part(settings: Settings) -> PartResult:
    """The dry run against the shared naive script, on the shared generator's file."""
    shared = settings.shared_bench.resolve()
    script, generator, mapping = shared / "naive_import.py", shared / "gen.py", shared / "mapping_1m.yaml"
    missing = [p.name for p in (script, generator, mapping) if not p.is_file()]
    if missing:
        return SkippedPart("naive", f"{', '.join(missing)} not found in {shared} (see --shared-bench)")

    def make_sheet(data_dir: Path) -> Path:
        path = data_dir / f"shared-gen-{settings.csv_rows}.csv"
        if not path.is_file():
            data_dir.mkdir(parents=True, exist_ok=True)
            partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
            try:
                subprocess.run([settings.python, str(generator), str(settings.csv_rows), str(partial)], check=True)
                os.replace(partial, path)
            finally:
                partial.unlink(missing_ok=True)
        return path

    def ours(sheet: Path, report: Path) -> list[str]:
        command = [settings.python, "-m", "importer", "validate", str(sheet), "--mapping", str(mapping)]
        return [*command, "--report", str(report), "--quiet"]

    def naive(sheet: Path, report: Path) -> list[str]:
        return [settings.python, str(script), str(sheet), str(report)]

    spec = SheetSpec("csv", settings.csv_rows, settings.seed)
    case = Case("naive", spec, 8.0, sheet=make_sheet, origin="shared gen.py ")
    return ComparisonResult([run_case(case, ours, naive, settings)], settings)


def submit_rate_part(settings: Settings) -> PartResult:
    return submit_part(
        SubmitSettings(
            rows=settings.submit_rows,
            repeats=settings.submit_repeats,
            seed=settings.seed,
            data_dir=settings.data_dir,
            python=settings.python,
            quick=settings.quick,
            contrast=settings.submit_contrast,
        )
    )


def ledger_overhead_part(settings: Settings) -> PartResult:
    return ledger_part(
        LedgerSettings(
            rows=settings.ledger_rows,
            repeats=settings.repeats,
            seed=settings.seed,
            data_dir=settings.data_dir,
            python=settings.python,
            quick=settings.quick,
            at_limit=settings.ledger_at_limit,
        )
    )


def duplicates_guard_part(settings: Settings) -> PartResult:
    return duplicates_part(DupSettings(seed=settings.seed, data_dir=settings.data_dir, quick=settings.quick))


def web_upload_part(settings: Settings) -> PartResult:
    return web_part(
        WebSettings(rows=settings.csv_rows, seed=settings.seed, data_dir=settings.data_dir, python=settings.python)
    )


def watch_drop_part(settings: Settings) -> PartResult:
    return watch_part(
        WatchBenchSettings(
            files=settings.watch_files,
            rows=settings.watch_rows,
            idle_files=settings.watch_idle_files,
            idle_s=settings.watch_idle_s,
            seed=settings.seed,
            data_dir=settings.data_dir,
            python=settings.python,
            quick=settings.quick,
            repeats=settings.repeats,
            report_format=settings.watch_report_format,
        )
    )


def wide_sheets_part(settings: Settings) -> PartResult:
    return wide_part(
        WideSettings(
            columns=20_000 if settings.quick else 100_000,
            xlsx_columns=5_000 if settings.quick else 16_384,
            repeats=settings.repeats,
            seed=settings.seed,
            data_dir=settings.data_dir,
            python=settings.python,
        )
    )


PARTS: dict[str, Callable[[Settings], PartResult]] = {
    "validate": validate_part,
    "naive": naive_part,
    "submit": submit_rate_part,
    "duplicates": duplicates_guard_part,
    "ledger": ledger_overhead_part,
    "web": web_upload_part,
    "watch": watch_drop_part,
    "wide": wide_sheets_part,
}


def run_case(case: Case, ours: Command, reference: Command, settings: Settings) -> CaseResult:
    """Generate (or reuse) the sheet, then time both commands, alternating which goes first."""
    result = CaseResult(case)
    cached = case.sheet is None and (settings.data_dir / case.spec.filename).is_file()
    print(f"{case.part} · {case.label}: {'cached sheet' if cached else 'preparing the sheet ...'}", flush=True)
    sheet = case.sheet(settings.data_dir) if case.sheet else ensure_sheet(case.spec, settings.data_dir)
    with tempfile.TemporaryDirectory(prefix="leadimport-bench-") as tmp:
        reports = {"ours": Path(tmp, "ours.report.csv"), "reference": Path(tmp, "reference.report.csv")}
        sides: list[tuple[str, Command, list[Measurement], tuple[int, ...]]] = [
            ("ours", ours, result.ours, OUR_OK_EXIT_CODES),
            ("reference", reference, result.reference, (0,)),
        ]
        for repeat in range(settings.repeats):
            line = []
            for name, command, runs, ok_codes in sides if repeat % 2 == 0 else sides[::-1]:
                reports[name].unlink(missing_ok=True)
                _warm(sheet)
                try:
                    m = run_measured(command(sheet, reports[name]), cwd=ROOT)
                except RuntimeError as exc:
                    result.failures.append(f"{name}: {exc}")
                    return result
                if m.exit_code not in ok_codes:
                    tail = "\n    ".join(m.stderr.strip().splitlines()[-15:])
                    result.failures.append(f"{name} exited {m.exit_code}: {' '.join(m.argv)}\n    {tail}")
                    return result
                if not reports[name].is_file():
                    result.failures.append(f"{name} wrote no report: {' '.join(m.argv)}")
                    return result
                runs.append(m)
                line.append(f"{name} {m.wall_s:6.2f} s {_mib(m.peak_kib):7.0f} MiB")
            print(f"  repeat {repeat + 1}/{settings.repeats}: " + " · ".join(line), flush=True)
        result.status_ours = status_counts(reports["ours"])
        result.status_reference = status_counts(reports["reference"])
    rows = sum(result.status_ours.values())
    if rows != case.spec.rows:
        result.failures.append(f"ours reported {rows:,} rows for a sheet of {case.spec.rows:,}")
    return result


def _warm(path: Path) -> None:
    """Read the sheet just before a timed run, so that each side finds it in the page cache.

    This machine's page cache is reclaimed eagerly; without this, whichever side happens to read
    the sheet from disk pays for the disk too.
    """
    with path.open("rb") as handle:
        while handle.read(1 << 22):
            pass


def status_counts(report: Path) -> dict[str, int]:
    """Rows per status in a report's ``status`` column."""
    table = pacsv.read_csv(
        report,
        convert_options=pacsv.ConvertOptions(include_columns=["status"], column_types={"status": pa.string()}),
    )
    counts = pc.value_counts(table.column("status")).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in sorted(counts, key=lambda c: -int(c["counts"]))}


def print_results(results: list[CaseResult], settings: Settings) -> None:
    """The table of medians and ratios, the targets, then per-run details."""
    header = (
        f"{'part':<9} {'file':<5} {'rows':>10} {'ours s':>8} {'ref s':>8} {'speed-up':>9} {'target':>7} {'cpu':>6}"
        f" {'ours MiB':>9} {'ref MiB':>9} {'mem':>6}  {'speed':<7} {'memory':<7}"
    )
    print()
    print(f"Medians of {settings.repeats} run(s). speed-up: reference wall time / ours (the target);")
    print("cpu: the same for user+system CPU time (less sensitive to a busy machine); mem: ours peak / reference peak.")
    print(header)
    print("-" * len(header))
    for r in results:
        spec = r.case.spec
        if not r.complete:
            print(f"{r.case.part:<9} {spec.kind.upper():<5} {spec.rows:>10,} FAILED (see below)")
            continue
        speed_ok = r.speedup >= r.case.min_speedup
        memory_ok = r.ours_peak_kib <= r.reference_peak_kib
        print(
            f"{r.case.part:<9} {spec.kind.upper():<5} {spec.rows:>10,} {r.ours_s:>8.2f} {r.reference_s:>8.2f}"
            f" {r.speedup:>8.1f}x {'>=' + format(r.case.min_speedup, 'g') + 'x':>7} {r.cpu_speedup:>5.1f}x"
            f" {_mib(r.ours_peak_kib):>9.0f} {_mib(r.reference_peak_kib):>9.0f} {r.memory_ratio:>6.2f}"
            f"  {'met' if speed_ok else 'MISSED':<7} {'met' if memory_ok else 'MISSED':<7}"
        )
    if settings.quick:
        print("(--quick: smaller sheets than the targets are set for; the verdicts are only indicative.)")
    print()
    print("Details (peak MiB = max of ru_maxrss and sampled PSS of the whole process tree):")
    for r in results:
        print(f"  {r.case.part} · {r.case.label}")
        for name, runs in (("ours", r.ours), ("reference", r.reference)):
            if not runs:
                continue
            times = ", ".join(f"{m.wall_s:.2f}" for m in runs)
            cpu = ", ".join(f"{m.cpu_s:.2f}" for m in runs)
            rss = ", ".join(f"{_mib(m.maxrss_kib):.0f}" for m in runs)
            pss = ", ".join(f"{_mib(m.tree_pss_kib):.0f}" for m in runs)
            print(f"    {name:<10} wall s: {times}   cpu s: {cpu}   ru_maxrss MiB: {rss}   tree PSS MiB: {pss}")
        for name, counts in (("ours", r.status_ours), ("reference", r.status_reference)):
            if counts:
                print(f"    {name:<10} statuses: " + ", ".join(f"{s} {n:,}" for s, n in counts.items()))
        for failure in r.failures:
            print(f"    FAILED: {failure}")


def _mib(kib: float) -> float:
    return kib / 1024


def parse_args(argv: list[str] | None) -> tuple[Settings, list[str]]:
    parser = argparse.ArgumentParser(
        description="Time leadimport against naive reference implementations.",
        epilog="Parts: " + ", ".join(PARTS) + ". Generated sheets are cached in bench/.data/.",
    )
    parser.add_argument("--part", action="append", choices=list(PARTS), help="Part to run (repeatable) [default: all].")
    parser.add_argument("--repeats", type=int, help="Runs of each command per file [default: 3].")
    parser.add_argument(
        "--quick",
        action="store_true",
        help="Smoke run on small sheets (50,000 CSV, 5,000 XLSX, 50,000 submit and 20,000 ledger rows).",
    )
    parser.add_argument("--csv-rows", type=int, help="Rows of the CSV [default: 1,000,000; --quick: 50,000].")
    parser.add_argument("--xlsx-rows", type=int, help="Rows of the XLSX [default: 100,000; --quick: 5,000].")
    parser.add_argument(
        "--submit-rows", type=int, help="Valid leads the submit part sends [default: 1,000,000; --quick: 50,000]."
    )
    parser.add_argument(
        "--submit-contrast",
        action="store_true",
        help="Also run the submit part with --concurrency 4 and with --no-ledger.",
    )
    parser.add_argument(
        "--ledger-rows", type=int, help="Valid leads the ledger part sends [default: 200,000; --quick: 20,000]."
    )
    parser.add_argument(
        "--ledger-at-limit",
        action="store_true",
        help="Also compare with and without the ledger at the CRM's limit of 100 requests per 5 s (slow).",
    )
    parser.add_argument("--watch-files", type=int, help="Files the watch part drops at once [default: 20; --quick: 5].")
    parser.add_argument("--watch-rows", type=int, help="Valid leads per dropped file [default: 5,000; --quick: 2,000].")
    parser.add_argument(
        "--watch-idle", type=float, help="Seconds the idle watcher is measured [default: 30; --quick: 10]."
    )
    parser.add_argument(
        "--watch-report-format",
        choices=["csv", "xlsx"],
        default="csv",
        help="Report format of the watch part's drop [default: csv; xlsx is the watcher's own default, and costs"
        " far more CPU per file].",
    )
    parser.add_argument(
        "--shared-bench",
        type=Path,
        default=Path(os.environ.get("LEADIMPORT_SHARED_BENCH") or ROOT.parent / "shared" / "bench"),
        help="The shared naive script, generator and mapping [default: $LEADIMPORT_SHARED_BENCH, else"
        " ../shared/bench beside the clone].",
    )
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Generator seed.")
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR, help="Where generated sheets are cached.")
    args = parser.parse_args(argv)
    if args.repeats is not None and args.repeats < 1:
        parser.error("--repeats must be at least 1")
    settings = Settings(
        repeats=args.repeats or 3,
        quick=args.quick,
        csv_rows=args.csv_rows or (50_000 if args.quick else 1_000_000),
        xlsx_rows=args.xlsx_rows or (5_000 if args.quick else 100_000),
        seed=args.seed,
        data_dir=args.data_dir,
        python=sys.executable,
        shared_bench=args.shared_bench,
        submit_rows=args.submit_rows or (50_000 if args.quick else 1_000_000),
        submit_repeats=args.repeats or (1 if args.quick else 3),
        submit_contrast=args.submit_contrast,
        ledger_rows=args.ledger_rows or (20_000 if args.quick else 200_000),
        ledger_at_limit=args.ledger_at_limit,
        watch_files=args.watch_files or (5 if args.quick else 20),
        watch_rows=args.watch_rows or (2_000 if args.quick else 5_000),
        watch_idle_files=2_000 if args.quick else 10_000,
        watch_idle_s=args.watch_idle or (10.0 if args.quick else 30.0),
        watch_report_format=args.watch_report_format,
    )
    return settings, list(dict.fromkeys(args.part or PARTS))


def main(argv: list[str] | None = None) -> int:
    settings, parts = parse_args(argv)
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    print(f"Python {platform.python_version()} · {os.cpu_count()} CPUs · load {load} · {settings.python}")
    # Every timed command imports leadimport afresh: its modules are compiled once here, as a user's
    # first run would leave them (PYTHONDONTWRITEBYTECODE would otherwise have each run compile them again).
    compileall.compile_dir(Path(__file__).resolve().parent.parent / "importer", quiet=1)
    results = [PARTS[part](settings) for part in parts]
    for result in results:
        result.print_results()
    busy = os.getloadavg()[0]
    if busy > 0.5 * (os.cpu_count() or 1):
        print(f"\nNote: load average {busy:.2f} on {os.cpu_count()} CPUs at the end: other work shared the machine.")
    return 0 if all(r.complete for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
