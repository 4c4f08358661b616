"""The public library API: what `import importer` offers, and an import through it into the sandbox."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import importer
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet


def test_every_public_name_resolves_and_all_is_sorted() -> None:
    """Each name in __all__ is importable from `importer`, and __all__ lists each once, in order."""
    for name in importer.__all__:
        assert getattr(importer, name) is not None, name
    assert len(set(importer.__all__)) == len(importer.__all__)
    assert importer.__all__ == sorted(importer.__all__, key=lambda n: (not n.isupper(), n[:1].islower(), n))


def test_import_changes_nothing_in_the_callers_process() -> None:
    """`import importer` sets no environment variable and loads neither pandas nor pyarrow."""
    code = (
        "import os, sys; before = dict(os.environ); import importer; "
        "assert dict(os.environ) == before, set(os.environ) ^ set(before); "
        "assert 'pandas' not in sys.modules and 'pyarrow' not in sys.modules; print('ok')"
    )
    env = {
        k: v
        for k, v in __import__("os").environ.items()
        if k not in ("MIMALLOC_ARENA_EAGER_COMMIT", "OPENBLAS_NUM_THREADS")
    }
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=False)
    assert done.stdout.strip() == "ok", done.stderr


def test_the_production_base_url_is_the_vendors() -> None:
    """The default CRM address is the one in the vendor's reference (docs/crm-contract.md)."""
    assert importer.DEFAULT_BASE_URL == "https://crm.uservox.ai/api/v1"


def test_validate_file_writes_nothing_and_write_report_writes_where_asked(tmp_path: Path) -> None:
    """The dry run leaves the folder as it was; the report appears only where write_report puts it."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(5))
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(MAPPING, encoding="utf-8")
    before = sorted(p.name for p in tmp_path.iterdir())
    outcome = importer.validate_file(sheet, importer.load_mapping(mapping_path))
    assert sorted(p.name for p in tmp_path.iterdir()) == before
    assert outcome.summary.counts == {"valid": 5}
    assert outcome.exit_code == 0
    assert outcome.plan is not None
    written = outcome.write_report(tmp_path / "out" / ".." / "checked.xlsx")
    assert written.name == "checked.xlsx" and written.exists()


def test_import_file_sends_once_and_records_the_run(tmp_path: Path) -> None:
    """import_file sends every valid lead with the ledger on; the same call again sends nothing."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(12))
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(MAPPING, encoding="utf-8")
    ledger = tmp_path / "ledger.sqlite3"
    seen: list[tuple[str, int, int | None]] = []
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with Sandbox(settings) as sandbox:
        first = importer.import_file(
            sheet,
            mapping_path,
            token=TOKEN,
            base_url=sandbox.base_url,
            ledger=ledger,
            progress=lambda *a: seen.append(a),
        )
        again = importer.import_file(sheet, mapping_path, token=TOKEN, base_url=sandbox.base_url, ledger=ledger)
        stored = sandbox.leads()
    assert first.summary.counts == {"accepted": 12} and first.exit_code == 0
    assert again.summary.counts == {"already-imported": 12}
    assert len(stored) == 12
    assert first.run_id is not None and again.run_id == first.run_id + 1
    assert ("sending", 12, 12) in seen
    report = first.write_report(tmp_path / "first.csv")
    with importer.Ledger(ledger) as opened:
        record = opened.run(first.run_id)
    assert record is not None and record.report == str(report.resolve())


def test_import_file_without_a_token_is_a_config_error(tmp_path: Path) -> None:
    """An empty token is refused before anything is read or sent."""
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(MAPPING, encoding="utf-8")
    with pytest.raises(importer.ConfigError, match="VOX_API_TOKEN"):
        importer.import_file(tmp_path / "none.csv", mapping_path, token=" ", ledger=None)


def test_preexisting_phones_are_refused_as_already_called(tmp_path: Path) -> None:
    """The sandbox refuses a lead whose phone already had a call attempt, as the CRM does."""
    phones = good_phones(3)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(MAPPING, encoding="utf-8")
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), preexisting_phones=frozenset({"+91" + phones[0][-10:]})
    )
    with Sandbox(settings) as sandbox:
        outcome = importer.import_file(sheet, mapping_path, token=TOKEN, base_url=sandbox.base_url, ledger=None)
    assert outcome.summary.counts == {"accepted": 2, "rejected": 1}
    rejected = outcome.rows[outcome.rows["status"] == "rejected"]
    assert "call attempt has already been made" in rejected["reason"].iloc[0]


def test_an_import_whose_file_is_edited_while_sending_writes_no_report_beside_other_cells(tmp_path: Path) -> None:
    """The report of a streamed import (as the CLI runs it) reads the sheet again: a cell edited while the leads were being sent (the number
    of rows unchanged) makes writing it an error saying the file changed, not a report pairing each row's
    status with cells that were never checked or sent."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(6))
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(MAPPING, encoding="utf-8")
    original = sheet.read_text(encoding="utf-8")
    edited = original.replace("P3,", "Q3,", 1)
    assert edited != original and len(edited) == len(original)

    def edit_when_sending(stage: str, done: int, total: int | None) -> None:
        if stage == "sending" and done == 0:
            sheet.write_text(edited, encoding="utf-8")

    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,))
    with Sandbox(settings) as sandbox:
        outcome = importer.import_file(
            sheet,
            mapping_path,
            token=TOKEN,
            base_url=sandbox.base_url,
            ledger=None,
            progress=edit_when_sending,
            streamed=True,
        )
        stored = sandbox.leads()
    assert outcome.summary.counts == {"accepted": 6} and len(stored) == 6
    assert sorted(str(lead["name"]) for lead in stored) == [f"P{i}" for i in range(6)]
    with pytest.raises(importer.SourceError, match="changed while it was being validated or sent"):
        outcome.write_report(tmp_path / "report.csv")
    assert not (tmp_path / "report.csv").exists()
