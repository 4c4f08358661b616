"""Shared fixtures: files built in tmp_path, the CLI driven through Click's CliRunner."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from importer.cli.commands import main
from importer.sandbox.server import Sandbox, SandboxSettings

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "64f0c0ffee0000000000aaaa"
PROCESS = "64f0c0ffee0000000000beef"

BASIC_MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: [Full Name, Name]
  phone: [Mobile No., Phone]
  email:
    columns: [E-mail, Email]
    required: false
metadata:
  city:
    columns: [City]
    required: false
"""


@dataclass
class CliRun:
    exit_code: int
    output: str
    stderr: str
    report: list[dict[str, str]]


def read_report(path: Path) -> list[dict[str, str]]:
    """The CSV report as a list of rows keyed by column name, each cell as a spreadsheet shows it (a phone
    written ="+91..." so that Excel keeps it whole is +91...; tests/test_report_safety.py checks the form)."""
    rows = list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return [{k: _shown(v) for k, v in row.items()} for row in rows]


def _shown(cell: str) -> str:
    if cell.startswith('="') and cell.endswith('"') and len(cell) > 2:
        return cell[2:-1].replace('""', '"')
    return cell


@pytest.fixture(autouse=True)
def _no_inflight_grace(monkeypatch: pytest.MonkeyPatch) -> None:
    """Resumes in tests check an interrupted run's leads with the CRM at once (the sandbox stores before it
    answers, and a test kills a run only after that or before sending); the grace has its own tests."""
    monkeypatch.setenv("LEADIMPORT_INFLIGHT_GRACE", "0")


@pytest.fixture(autouse=True)
def _own_default_ledger(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The default ledger (run, and validate reading it) is the test's own, never the user's."""
    monkeypatch.setenv("LEADIMPORT_LEDGER", str(tmp_path / "default-ledger.sqlite3"))


@pytest.fixture
def mapping_file(tmp_path: Path) -> Callable[[str], Path]:
    """Write a mapping YAML (default: a basic name/phone/email mapping) and return its path."""

    def make(text: str = BASIC_MAPPING, name: str = "mapping.yaml") -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return make


@pytest.fixture
def run_cli(tmp_path: Path) -> Callable[..., CliRun]:
    """Run ``leadimport ARGS``; the report (if written to --report) is parsed."""

    def run(*args: str, env: dict[str, str] | None = None) -> CliRun:
        runner = CliRunner()
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        report: list[dict[str, str]] = []
        if "--report" in args:
            path = Path(args[args.index("--report") + 1])
            if path.exists() and path.suffix == ".csv":
                report = read_report(path)
        return CliRun(result.exit_code, result.stdout, result.stderr, report)

    return run


def by_row(report: list[dict[str, str]]) -> dict[int, dict[str, str]]:
    """Report rows keyed by sheet_row."""
    return {int(r["sheet_row"]): r for r in report}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    """The test project's sandbox CRM over loopback, at a rate no test waits on (a module may define its own)."""
    from tests.sandbox_util import TOKEN  # it imports this module

    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0
    )
    with Sandbox(settings) as crm:
        yield crm
