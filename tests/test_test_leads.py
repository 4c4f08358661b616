"""A lead form's test lead (Meta's Lead Ads Testing Tool) in an export is no lead: skipped and said so."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from pathlib import Path

from tests.conftest import PROCESS, PROJECT, CliRun, by_row

MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: full_name
  phone: phone_number
  email: email
  referenceId: id
metadata:
  city: city
"""


def _meta_export(path: Path) -> Path:
    """Meta's download: UTF-16 with a byte-order mark, tab-separated; the testing tool's lead among real ones."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter="\t", lineterminator="\n")
    writer.writerow(
        ["id", "created_time", "ad_id", "form_name", "is_organic", "full_name", "phone_number", "email", "city"]
    )
    writer.writerow(["l:1200000000000001", "2026-11-28T10:00:00+0530", "", "Home loan form", "true",
                     "<test lead: dummy data for full_name>", "<test lead: dummy data for phone_number>",
                     "test@fb.com", "<test lead: dummy data for city>"])  # fmt: skip
    for i, phone in enumerate(["9845012345", "8105012346", "7305012347"]):
        writer.writerow([f"l:120000000000001{i}", "2026-12-01T10:00:00+0530", "ag:120210000000000000",
                         "Home loan form", "false", f"Person {chr(65 + i)} Kumar", f"p:+91{phone}", f"p{i}@gmail.com",
                         "Pune"])  # fmt: skip
    path.write_bytes(text.getvalue().encode("utf-16"))
    return path


def test_the_testing_tools_lead_is_skipped(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The test lead is skipped as test-lead (not an invalid row that fails a clean export's exit code); the real
    leads are valid."""
    sheet = _meta_export(tmp_path / "leads.csv")
    result = run_cli("validate", str(sheet), "-m", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 0, result.output
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["reason"]) for n in range(2, 6)] == [
        ("skipped", "test-lead"), ("valid", ""), ("valid", ""), ("valid", "")
    ]  # fmt: skip
    assert "test-lead" in result.output
