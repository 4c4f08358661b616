"""The report as people and spreadsheets see it: formula-safe cells, PII masking, send plan, progress off."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest

from importer.report.rows import formula_safe
from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, run_env


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x")', '\'=HYPERLINK("http://x")'),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("+919822033445", '="+919822033445"'),  # Excel would show 9.19822E+11
        ("+91 98220 33445", '="+91 98220 33445"'),  # Excel would run it as a formula
        ("09822033445", '="09822033445"'),  # Excel would drop the leading zero
        ("9822033445", "9822033445"),  # shown as written
        ("-42", "-42"),
        ("-3.5", "-3.5"),
        ("plain text", "plain text"),
    ],
)
def test_formula_triggers_are_neutralised(cell: str, written: str) -> None:
    """Each trigger character gets a leading apostrophe; phones Excel would change are written as the text
    formula ="..." (shown exactly as written); numbers Excel shows unchanged stay as they are."""
    assert formula_safe(pd.Series([cell])).iloc[0] == written


def test_csv_report_neutralises_cells_end_to_end(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A formula typed into the sheet comes out of the CSV report inert, the E.164 phone untouched."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text('Name,Phone,City\n"=1+2",+919822033445,@evil\n', encoding="utf-8")
    report = tmp_path / "r.csv"
    row = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report)).report[0]
    assert (row["Name"], row["City"], row["Phone"], row["phone_e164"]) == (
        "'=1+2",
        "'@evil",
        "+919822033445",  # as a spreadsheet shows it (written ="+919822033445")
        "+919822033445",
    )


def test_csv_report_opens_in_excel_with_its_accents(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The CSV report starts with a UTF-8 byte-order mark, so Excel shows Renée, not RenÃ©e."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nRenée Dubois,9822033445\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    run = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    raw = report.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and not raw[3:].startswith(b"\xef\xbb\xbf")
    assert "Renée Dubois".encode() in raw
    assert run.report[0]["Name"] == "Renée Dubois" and next(iter(run.report[0])) == "sheet_row"


PHONES = ["9822033445", "9822044556", "9822055667"]
EMAILS = ["asha.rao@example.com", "ravi.k@example.com", "zoe@example.com"]


def _pii_sheet(tmp_path: Path) -> Path:
    sheet = tmp_path / "leads.csv"
    lines = ["Name,Phone,Email,City"]
    lines += [f"P{i},{p},{e},Pune" for i, (p, e) in enumerate(zip(PHONES, EMAILS, strict=True))]
    lines += ["Dup,+91 " + PHONES[0] + ",x@example.com,Goa", "Bad email,9822066778,not-an-email@,Goa"]
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return sheet


def _assert_no_pii(text: str) -> None:
    for phone in [*PHONES, "9822066778"]:
        assert phone[:6] not in text  # nothing but the last 4 digits is ever shown
    for email in [*EMAILS, "x@example.com", "not-an-email@"]:
        assert email not in text and f"{email.split('@')[0]}@" not in text


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_mask_pii_leaves_no_full_phone_or_email_anywhere(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], fmt: str
) -> None:
    """With --mask-pii the terminal, the JSON summary and the report hold no full phone or email; the CRM gets them whole."""
    import zipfile

    sheet = _pii_sheet(tmp_path)
    report = tmp_path / f"r.{fmt}"
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=1000, rate_window=1.0
    )
    with Sandbox(settings) as crm:
        env = run_env(crm.base_url, tmp_path / "ledger.db")
        args = ["run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report), "--mask-pii"]
        text_run = run_cli(*args, env=env)
        json_run = run_cli(*args, "--json", "--report", str(tmp_path / f"again.{fmt}"), env=env)
        stored = {lead["phone"] for lead in crm.leads()}
    assert text_run.exit_code == 0, text_run.stderr
    assert stored == {"+91" + p for p in [*PHONES, "9822066778"]}
    if fmt == "csv":
        written = report.read_text(encoding="utf-8")
    else:
        with zipfile.ZipFile(report) as book:
            written = "".join(book.read(n).decode("utf-8") for n in book.namelist() if n.endswith(".xml"))
    assert "***3445" in written and "a***@example.com" in written
    for output in (written, text_run.output, text_run.stderr, json_run.output, json_run.stderr):
        _assert_no_pii(output)
    assert json.loads(json_run.output)["counts"]["already-imported"] == 4


def test_dry_run_prints_send_plan(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """validate says how many leads would go in how many requests, and the least time at the rate."""
    sheet = tmp_path / "leads.csv"
    rows = [f"P{i},9{i:09d}" for i in range(100_000, 102_500)]
    sheet.write_text("Name,Phone\n" + "\n".join(rows) + "\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--batch-size", "10", "--rate", "100/5s")
    valid = int(next(line.split()[1] for line in result.output.splitlines() if line.strip().startswith("valid")))
    requests = -(-valid // 10)
    assert (
        f"Send plan: {valid} leads in {requests} requests of up to 10; at least {((requests - 1) // 100) * 5} s"
        in result.output
    )
    data = json.loads(run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--json").output)
    assert data["send_plan"] == {"leads": valid, "requests": -(-valid // 1000), "min_seconds": 0.0}


def test_progress_bars_stay_off_when_not_a_terminal(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Under a test runner (no terminal) nothing but the summary is printed: no progress bars on stderr."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nAsha,9822033445\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()))
    assert result.stderr == ""
    assert "it/s" not in result.output and "rows/s" not in result.output


def test_a_file_without_header_row_is_named_so_and_masked(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A headerless sheet: the error says the first row is a lead, and --mask-pii hides its phone and email."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Rahul Sharma,9812345678,rahul.sharma@gmail.com\nPriya,9812345679,p@x.com\n", encoding="utf-8")
    args = ["validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv")]
    masked = run_cli(*args, "--mask-pii")
    assert masked.exit_code == 2
    assert "the file seems to have no header row" in masked.stderr
    assert "9812345678" not in masked.stderr and "rahul.sharma@" not in masked.stderr
    assert "5678" in masked.stderr
    plain = run_cli(*args)
    assert "'9812345678'" in plain.stderr


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_report_validated_again_keeps_its_skipped_rows_skipped(
    tmp_path: Path, suffix: str, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Validating the report itself (after fixing cells in it): its blank and total rows are still skipped,
    not turned into invalid rows by the report's own columns, and a clean file stays exit 0."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nAsha,9812345601\n,\nBina,9812345602\nTotal,2\n", encoding="utf-8")
    report = tmp_path / f"leads.report{suffix}"
    first = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    again = run_cli("validate", str(report), "--mapping", str(mapping_file()), "--report", str(tmp_path / "again.csv"))
    assert first.exit_code == again.exit_code == 0
    statuses = [(r["sheet_row"], r["status"], r["reason"]) for r in again.report]
    assert statuses == [
        ("2", "valid", ""),
        ("3", "skipped", "blank-row"),
        ("4", "valid", ""),
        ("5", "skipped", "summary-row"),
    ]
