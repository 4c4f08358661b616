"""``--part wide``: a wide sheet costs what its cells cost (target: ``validate`` within 2x of a long sheet).

Two sheets of the same cells are compared, each command run on both: 100,000 columns x 3 rows against
3 columns x 100,000 rows (CSV), and 16,384 columns (Excel's most) x 3 rows against 3 columns x 16,384
rows (XLSX). Every sheet's Name, Phone and Email are mapped; a wide sheet's other columns are survey
answers (about a third empty) sent as metadata (``metadata_unmapped: true``). Timed: ``validate``,
``run`` into a fresh sandbox in its own process (no rate limit, no ledger), ``inspect`` and
``mapping suggest``. CPU time (user + system) is compared, being steadier than wall time on a shared
machine; peak memory is printed beside it.
"""

from __future__ import annotations

import collections
import csv
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from generate import _unique_mobiles
from measure import Measurement, run_measured
from sandbox_process import SandboxProcess

from importer.normalize.phones import normalize_phones
from importer.sandbox.server import SandboxSettings

ROOT = Path(__file__).resolve().parent.parent
VALIDATE_TARGET = 2.0
WIDE_ROWS = 3
EXCEL_COLUMNS = 16_384
SHEETS_VERSION = 1
MAPPING = """\
project_id: 64f0c0ffee0000000000aaaa
process_id: 64f0c0ffee0000000000beef
default_region: IN
metadata_unmapped: true
fields:
  name: Name
  phone: Phone
  email: Email
"""


@dataclass(frozen=True, slots=True)
class WideSettings:
    columns: int  # of the wide CSV; the long CSV has as many rows
    xlsx_columns: int
    repeats: int
    seed: int
    data_dir: Path
    python: str


@dataclass(frozen=True, slots=True)
class Pair:
    """A wide sheet and a long one of the same number of cells."""

    kind: str
    wide: Path
    long: Path
    cells: int


@dataclass(slots=True)
class PairResult:
    """Every run of one command on both sheets of a pair."""

    command: str
    pair: Pair
    wide: list[Measurement] = field(default_factory=list)
    long: list[Measurement] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def cpu(self, runs: list[Measurement]) -> float:
        return statistics.median(m.cpu_s for m in runs)

    def peak_mib(self, runs: list[Measurement]) -> float:
        return statistics.median(m.peak_kib for m in runs) / 1024


@dataclass(frozen=True, slots=True)
class WideResult:
    results: list[PairResult]

    @property
    def complete(self) -> bool:
        return all(not r.failures and r.wide and r.long for r in self.results)

    def print_results(self) -> None:
        print("\nwide: CPU s of each command, a wide sheet against a long one of as many cells (medians);")
        print(f"target: validate on the wide sheet within {VALIDATE_TARGET:g}x of the long one.")
        header = (
            f"{'command':<16} {'file':<5} {'cells':>8} {'long cpu s':>10} {'wide cpu s':>10} {'ratio':>6}"
            f" {'long MiB':>9} {'wide MiB':>9} {'ratio':>6}  verdict"
        )
        print(header)
        print("-" * len(header))
        for r in self.results:
            label = f"{r.command:<16} {r.pair.kind:<5} {r.pair.cells:>8,}"
            if r.failures or not r.wide or not r.long:
                print(f"{label} FAILED: " + "; ".join(r.failures))
                continue
            ratio = r.cpu(r.wide) / r.cpu(r.long)
            memory = r.peak_mib(r.wide) / r.peak_mib(r.long)
            verdict = ("met" if ratio <= VALIDATE_TARGET else "MISSED") if r.command == "validate" else ""
            print(
                f"{label} {r.cpu(r.long):>10.2f} {r.cpu(r.wide):>10.2f} {ratio:>5.1f}x"
                f" {r.peak_mib(r.long):>9.0f} {r.peak_mib(r.wide):>9.0f} {memory:>5.1f}x  {verdict}"
            )


def wide_part(settings: WideSettings) -> WideResult:
    """Make (or reuse) the sheets, then time each command on the wide and the long one, alternating."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    mapping = settings.data_dir / "wide-mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    print(f"wide · preparing the sheets ({settings.columns:,} and {settings.xlsx_columns:,} columns) ...", flush=True)
    pairs = [
        _pair(settings, settings.columns, ".csv", _write_csv),
        _pair(settings, settings.xlsx_columns, ".xlsx", _write_xlsx),
    ]
    results = []
    for pair in pairs:
        for command in ("validate", "run", "inspect", "mapping suggest"):
            results.append(_time_pair(command, pair, mapping, settings))
    return WideResult(results)


def _time_pair(command: str, pair: Pair, mapping: Path, settings: WideSettings) -> PairResult:
    result = PairResult(command, pair)
    for repeat in range(settings.repeats):
        sides = [("wide", pair.wide, result.wide), ("long", pair.long, result.long)]
        for name, sheet, runs in sides if repeat % 2 == 0 else sides[::-1]:
            with tempfile.TemporaryDirectory(prefix="leadimport-wide-") as tmp:
                try:
                    measured = _run(command, sheet, mapping, Path(tmp), settings.python)
                except RuntimeError as exc:
                    result.failures.append(f"{name}: {exc}")
                    return result
            if measured.exit_code != 0:
                tail = " | ".join(measured.stderr.strip().splitlines()[-5:])
                result.failures.append(f"{name} exited {measured.exit_code}: {tail}")
                return result
            runs.append(measured)
        print(
            f"  {command} · {pair.kind}: long {result.long[-1].cpu_s:.2f} s, wide {result.wide[-1].cpu_s:.2f} s CPU",
            flush=True,
        )
    return result


def _run(command: str, sheet: Path, mapping: Path, workdir: Path, python: str) -> Measurement:
    """One command on one sheet, measured (``run`` into a fresh sandbox of its own)."""
    base = [python, "-m", "importer"]
    report = ["--report", str(workdir / "report.csv"), "--quiet"]
    if command == "validate":
        return run_measured([*base, "validate", str(sheet), "--mapping", str(mapping), *report], cwd=ROOT)
    if command == "inspect":
        return run_measured([*base, "inspect", str(sheet)], cwd=ROOT)
    if command == "mapping suggest":
        return run_measured([*base, "mapping", "suggest", str(sheet)], cwd=ROOT)
    sandbox_settings = SandboxSettings(rate_limit=100_000, rate_window=1.0)
    with SandboxProcess(sandbox_settings, python=python) as sandbox:
        env = {**os.environ, "VOX_API_TOKEN": sandbox_settings.token, "VOX_BASE_URL": sandbox.base_url}
        argv = [*base, "run", str(sheet), "--mapping", str(mapping), *report, "--no-ledger", "--rate", "100000/1s"]
        measured = run_measured(argv, cwd=ROOT, env=env)
    if measured.exit_code == 0:
        statuses = _statuses(workdir / "report.csv")
        if set(statuses) != {"accepted"}:
            raise RuntimeError(f"not every lead was accepted: {statuses}")
    return measured


def _statuses(report: Path) -> dict[str, int]:
    """Rows per status in a report (read with the csv module: Arrow's reader wants a header row under 1 MB)."""
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = csv.reader(handle)
        at = next(rows).index("status")
        return dict(collections.Counter(row[at] for row in rows))


def _valid_phones(count: int, seed: int) -> list[str]:
    """``count`` distinct Indian mobile numbers the importer takes as valid."""
    rng = np.random.default_rng(seed)
    drawn = _unique_mobiles(rng, count + count // 5 + 10)
    phones = [str(p) for p in drawn]
    issues = normalize_phones(pd.Series(phones, dtype=object), "IN").issue.to_numpy(dtype=object)
    valid = [p for p, issue in zip(phones, issues, strict=True) if not issue]
    if len(valid) < count:
        raise RuntimeError("too few valid phones drawn")
    return valid[:count]


def _wide_rows(columns: int, seed: int) -> list[list[str]]:
    """A header and WIDE_ROWS leads, each with ``columns - 3`` answers (about a third empty)."""
    rng = np.random.default_rng(seed)
    phones = _valid_phones(WIDE_ROWS, seed)
    rows = [["Name", "Phone", "Email", *(f"Question {i + 1}" for i in range(columns - 3))]]
    for r in range(WIDE_ROWS):
        answers = rng.integers(0, 30, size=columns - 3)
        cells = ["" if a < 10 else f"answer {a}" for a in answers.tolist()]
        rows.append([f"Person {r + 1}", phones[r], f"person{r + 1}@example.com", *cells])
    return rows


def _long_rows(rows: int, seed: int) -> list[list[str]]:
    phones = _valid_phones(rows, seed)
    body = [[f"Person {r + 1}", phones[r], f"person{r + 1}@example.com"] for r in range(rows)]
    return [["Name", "Phone", "Email"], *body]


def _pair(settings: WideSettings, columns: int, suffix: str, write: Callable[[Path, list[list[str]]], None]) -> Pair:
    """The wide sheet of ``columns`` columns and the long one of as many rows (made once, then reused)."""
    stem = f"s{settings.seed}-v{SHEETS_VERSION}{suffix}"
    wide = settings.data_dir / f"wide-{columns}c-{WIDE_ROWS}r-{stem}"
    long = settings.data_dir / f"long-3c-{columns}r-{stem}"
    if not wide.is_file():
        _cached(wide, lambda path: write(path, _wide_rows(columns, settings.seed)))
    if not long.is_file():
        _cached(long, lambda path: write(path, _long_rows(columns, settings.seed)))
    return Pair(suffix.removeprefix(".").upper(), wide, long, columns * WIDE_ROWS)


def _cached(path: Path, write: Callable[[Path], None]) -> Path:
    if not path.is_file():
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial{path.suffix}")
        try:
            write(partial)
            os.replace(partial, path)
        finally:
            partial.unlink(missing_ok=True)
    return path


def _write_csv(path: Path, rows: list[list[str]]) -> None:
    path.write_text("".join(",".join(row) + "\n" for row in rows), encoding="utf-8")


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    for row in rows:
        sheet.append([cell or None for cell in row])
    workbook.save(str(path))
