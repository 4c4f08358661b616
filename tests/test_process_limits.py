"""The process as a script sees it: under a memory limit, and over many runs, leadimport ends with an exit
code of 0-3 and a message, never a traceback or a native abort (134)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from openpyxl import Workbook

from tests.sandbox_util import MAPPING, good_phones, write_sheet

ROOT = Path(__file__).resolve().parent.parent
STRESS_RUNS = int(os.environ.get("LEADIMPORT_STRESS_RUNS", "16"))
"""Runs of the stress test: a few in the normal suite, 200 under ``make stress``."""


def _leadimport(*args: str, memory: int | None = None, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    def limit() -> None:
        if memory is not None:
            resource.setrlimit(resource.RLIMIT_AS, (memory, memory))

    return subprocess.run(
        [sys.executable, "-m", "importer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=timeout,
        env={**os.environ, "PYTHONFAULTHANDLER": ""},
    )


def test_a_file_larger_than_the_memory_allowed_is_exit_2_naming_it(tmp_path: Path) -> None:
    """A 75 MB CSV under a 1 GiB address-space limit: exit 2 naming the file and its size, no traceback."""
    sheet = tmp_path / "big.csv"
    with sheet.open("w", encoding="utf-8") as out:
        out.write("Name,Phone,Email,City\n")
        for i in range(1_000_000):
            out.write(f"Name {i},98{i:08d},lead{i}@example.com,Pune and some words about the lead\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    done = _leadimport("validate", str(sheet), "-m", str(mapping), "--report", str(tmp_path / "r.csv"), memory=1 << 30)
    assert done.returncode == 2, done.stdout + done.stderr
    size = f"{sheet.stat().st_size / (1 << 20):.1f} MiB"
    assert f"ran out of memory reading or checking {sheet} ({size})" in done.stderr
    assert "Traceback" not in done.stderr and "MemoryError" not in done.stderr


def _small_files(folder: Path) -> list[list[str]]:
    """Small CSV and XLSX files and the commands to run on them."""
    mapping = folder / "m.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    phones = good_phones(12, seed=21)
    csv_sheet = write_sheet(folder / "leads.csv", phones, extra_rows=["Nameless,12,,", "Total,12,,"])
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone", "Email", "City"])
    for i, phone in enumerate(phones):
        sheet.append([f"L{i}", phone, f"l{i}@example.com", "Pune"])
    book.save(folder / "leads.xlsx")
    commands = []
    for file in (csv_sheet, folder / "leads.xlsx"):
        commands.append(["inspect", str(file)])
        commands.append(["validate", str(file), "-m", str(mapping), "--report", str(folder / f"{file.name}.r.csv")])
    return commands


@pytest.mark.stress
def test_many_runs_all_end_with_a_documented_exit_code(tmp_path: Path) -> None:
    """inspect and validate, run again and again several at once: every exit code is 0-3, no traceback,
    no native abort at interpreter exit (exit 134, "terminate called without an active exception")."""
    commands = _small_files(tmp_path)

    def one(i: int) -> tuple[int, str]:
        done = _leadimport(*commands[i % len(commands)], timeout=600)
        return done.returncode, done.stderr

    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(one, range(STRESS_RUNS)))
    codes = {code for code, _ in results}
    assert codes <= {0, 1, 2, 3}, [(c, e[-500:]) for c, e in results if c not in (0, 1, 2, 3)]
    assert codes <= {0, 1}  # the files are good but for one invalid row
    assert not [e for _, e in results if "Traceback" in e or "terminate called" in e]
