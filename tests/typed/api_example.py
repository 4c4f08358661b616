"""A typed use of the public API, checked by mypy (strict) in tests/test_public_api.py: the lazy names carry
their real types, so a caller's mistakes show before anything runs."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

import importer


def dry_run(sheet: Path, mapping_path: Path) -> tuple[dict[str, int], int, Path]:
    mapping: importer.LeadMapping = importer.load_mapping(mapping_path)
    outcome: importer.Outcome = importer.validate_file(sheet, mapping, read=importer.ReadOptions())
    rows: pd.DataFrame = outcome.rows
    assert len(rows) == outcome.summary.total
    report: Path = outcome.write_report(sheet.with_suffix(".report.xlsx"), mask_pii=True)
    return dict(outcome.summary.counts), outcome.exit_code, report


def send(sheet: Path, mapping_path: Path, token: str) -> int | None:
    settings = importer.SandboxSettings(token=token)
    with importer.Sandbox(settings) as crm:
        try:
            done = importer.import_file(sheet, mapping_path, token=token, base_url=crm.base_url, ledger=None)
        except importer.LeadImportError as exc:
            return exc.exit_code
    return done.run_id


def explain(code: str) -> str:
    issue: importer.Issue | None = importer.issues.lookup(code)
    return issue.title if issue else code
