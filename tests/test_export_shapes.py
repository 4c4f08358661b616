"""Shapes real exports and people's own workbooks take, read then sent into the sandbox: what each lead is sent with,
and a clear refusal for what cannot be read."""

from __future__ import annotations

import codecs
import json
import os
import re
import struct
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import xlwt
from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill

import importer
from importer.sandbox.server import Sandbox
from tests.conftest import ROOT, by_row
from tests.sandbox_util import MAPPING, good_phones, run_env
from tests.test_web import Page


def _validate_then_run(
    run_cli: Any, tmp_path: Path, path: Path, crm: Sandbox, mapping: str = MAPPING
) -> tuple[Any, dict[int, dict[str, str]]]:
    """``validate`` (its result) then ``run`` into the sandbox (its report rows)."""
    mapping_path = tmp_path / "mapping.yaml"
    mapping_path.write_text(mapping, encoding="utf-8")
    checked = run_cli("validate", str(path), "--mapping", str(mapping_path), "--no-ledger")
    report = tmp_path / "run.report.csv"
    sent = run_cli(
        "run", str(path), "--mapping", str(mapping_path), "--report", str(report), "--rate", "2000/1s", "--no-ledger",
        env=run_env(crm.base_url),
    )  # fmt: skip
    return checked, by_row(sent.report) if sent.exit_code in (0, 1) else {}


def _leads_sheet(rows: int) -> tuple[Workbook, list[str]]:
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet.append(["Name", "Phone", "Email", "City"])
    phones = good_phones(rows)
    for i, phone in enumerate(phones):
        sheet.append([f"Lead {i}", phone, f"lead{i}@example.com", "Pune"])
    return book, phones


def test_a_header_row_formatted_out_to_the_last_column_is_read(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A fill and bold dragged along the header row to column XFD (Ctrl+Shift+Right): Excel's used range is then
    A1:XFD1301, 21 million cells, but no cell right of the data holds a value. The sheet was refused as if a stray
    value sat there; it is read, and every lead sent."""
    book, phones = _leads_sheet(1300)
    sheet = book.active
    fill, bold = PatternFill("solid", fgColor="FFFF00"), Font(bold=True)
    for column in range(1, 16385):
        cell = sheet.cell(row=1, column=column)
        cell.fill, cell.font = fill, bold
    path = tmp_path / "leads.xlsx"
    book.save(path)
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "1300 data rows" in checked.output
    assert [r["status"] for r in rows.values()] == ["accepted"] * 1300
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{p}" for p in phones)
    shown = run_cli("inspect", str(path))
    assert shown.exit_code == 0, shown.output + shown.stderr


def test_a_stray_value_far_right_is_named_by_its_cell(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A real value far right (typed in XFD5) still stops the file before gigabytes are read, and the message names
    the cell to delete, also when the rest of the row is only formatted out to it."""
    book, _ = _leads_sheet(1300)
    sheet = book.active
    for column in range(5, 16385):
        sheet.cell(row=1, column=column).font = Font(bold=True)
    sheet["XFD5"] = "x"
    path = tmp_path / "leads.xlsx"
    book.save(path)
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 2
    assert "its used range is A1:XFD1301, far wider" in checked.stderr
    assert "far to the right of the data (in XFD5)" in checked.stderr
    assert not rows and not sandbox.leads()


def _bom_file_with_a_cp1252_row(path: Path, rows: int, filler: str = "") -> list[str]:
    """Excel's "CSV UTF-8" (a byte-order mark, Hindi and accented names), one row appended from a Windows tool in
    cp1252 (its right single quote is the byte 0x92, its á 0xE1)."""
    phones = good_phones(rows + 1)
    with path.open("wb") as out:
        out.write(codecs.BOM_UTF8 + b"Name,Phone,Email,City\n")
        for i in range(rows):
            out.write(f"Ren\u00e9e \u0930\u093e\u0935 {i},{phones[i]},l{i}@example.com,Pune{filler}\n".encode())
        out.write(f"Siobh\u00e1n O\u2019Brien,{phones[rows]},sob@example.com,Cork\n".encode("cp1252"))
    return phones


def test_a_utf8_file_with_a_byte_order_mark_and_a_cp1252_row(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A byte-order mark says UTF-8, and one row holds O'Brien with cp1252's quote: the file was refused ("byte 77 is not
    utf-8-sig", exit 2, which row?), where the same file without the mark was read. The mark settles the encoding:
    the stray bytes are read as cp1252, every name sent as written, and the summary says so."""
    path = tmp_path / "leads.csv"
    phones = _bom_file_with_a_cp1252_row(path, 3)
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "utf-8-sig (2 bytes read as cp1252)" in checked.output
    assert [r["status"] for r in rows.values()] == ["accepted"] * 4
    stored = {lead["name"]: lead["phone"] for lead in sandbox.leads()}
    assert stored["Siobhán O\u2019Brien"] == f"+91{phones[3]}"
    assert stored["Renée राव 0"] == f"+91{phones[0]}"


def test_a_large_marked_utf8_file_with_a_late_cp1252_row_streams_as_read_whole(tmp_path: Path) -> None:
    """The same past the opening megabytes the streamed reader first judges: the report is byte for byte that of
    reading the file whole."""
    path = tmp_path / "leads.csv"
    _bom_file_with_a_cp1252_row(path, 5000, filler="," + "n" * 1000)
    assert path.stat().st_size > 4 << 20
    (tmp_path / "m.yaml").write_text(MAPPING.replace("    columns: [City]", "    columns: [City, Notes]"))
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    whole = importer.validate_file(path, mapping)
    streamed = importer.validate_file(path, mapping, report=tmp_path / "streamed.csv")
    assert streamed.prepared.stream is not None
    assert streamed.table.encoding == whole.table.encoding == "utf-8-sig (2 bytes read as cp1252)"
    assert Path(str(streamed.report_path)).read_bytes() == whole.write_report(tmp_path / "whole.csv").read_bytes()
    assert "Siobhán O\u2019Brien" in (tmp_path / "whole.csv").read_text(encoding="utf-8-sig")


def test_a_csv_whose_cells_are_quoted_after_a_space(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A script that joins quoted cells with ', ' ("Asha", "98450 12345", "Pune, MH"), as hand-rolled exporters do:
    every cell but the first read with its space and quotes, so every phone was invalid-phone and the leads lost.
    The cells are read as their writer meant them, a comma or a doubled quote inside one too."""
    phones = good_phones(3)
    lines = [
        '"Name", "Phone", "Email", "City"',
        f'"Asha Rao", "{phones[0]}", "asha@example.com", "Pune, MH"',
        f'"Vikram ""Vicky"" Shah", "+91 {phones[1][:5]} {phones[1][5:]}", "vik@example.com", "Mumbai"',
        f'"Neha Gupta", "{phones[2]}", "", "Delhi"',
    ]
    path = tmp_path / "leads.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [r["status"] for r in rows.values()] == ["accepted"] * 3
    stored = {lead["name"]: (lead["phone"], lead.get("email"), lead["metadata"]) for lead in sandbox.leads()}
    assert stored == {
        "Asha Rao": (f"+91{phones[0]}", "asha@example.com", {"city": "Pune, MH"}),
        'Vikram "Vicky" Shah': (f"+91{phones[1]}", "vik@example.com", {"city": "Mumbai"}),
        "Neha Gupta": (f"+91{phones[2]}", None, {"city": "Delhi"}),
    }


@pytest.mark.parametrize("hint", ["sep=\t", "sep=|", "SEP=;"])
def test_excels_delimiter_hint_for_a_tab_is_not_a_row(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox, hint: str
) -> None:
    """Excel hides a first line ``sep=<tab>`` as it hides ``sep=;``: the report numbered every row one further down
    than Excel shows it (the header 'on row 2'). Rows are numbered as Excel shows them, read whole or streamed."""
    delimiter = hint[-1]
    phones = good_phones(2)
    lines = [hint, delimiter.join(["Name", "Phone", "Email", "City"])]
    lines += [delimiter.join([f"Lead {i}", p, f"l{i}@example.com", "Pune"]) for i, p in enumerate(phones)]
    path = tmp_path / "leads.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "header on row 1" in checked.output
    assert {n: r["status"] for n, r in rows.items()} == {2: "accepted", 3: "accepted"}
    (tmp_path / "m.yaml").write_text(MAPPING)
    whole = importer.validate_file(path, importer.load_mapping(tmp_path / "m.yaml"))
    assert whole.table.sheet_row.tolist() == [2, 3]


def test_a_workbook_a_script_wrote_from_an_excel_safe_csv(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """An export's Excel-safe cells (``="09845012345"``, ``=+91...``) written to XLSX by a script (XlsxWriter, as
    pandas' to_excel uses it): each is a formula whose stored result is 0, the workbook asking Excel to compute every
    formula when opened. Every phone was read as 0 and every lead sent without its number, without a word. A formula
    of literals is read as its value; one that reads other cells (``=B2&" "&C2``) is not trusted to be 0: it reads
    as empty, and the summary says to open and save the file in Excel."""
    import xlsxwriter

    phones = good_phones(4)
    path = tmp_path / "leads.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Leads")
    sheet.write_row(0, 0, ["Name", "Phone", "Email", "City", "First", "Last"])
    sheet.write_row(1, 0, ["Asha Rao", f'="0{phones[0]}"', "asha@example.com", '="Pune"'])
    sheet.write_row(2, 0, ["Vikram Shah", f"=+91{phones[1]}", "vik@example.com", '=CONCATENATE("Mum","bai")'])
    sheet.write_row(3, 0, ["Neha Gupta", f'="+91 "&"{phones[2]}"', "neha@example.com", "Delhi"])
    sheet.write_row(4, 0, ['=E5&" "&F5', phones[3], "ravi@example.com", "Goa", "Ravi", "Kumar"])
    book.close()
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 1, checked.output + checked.stderr
    assert "formula Excel never computed (A5)" in checked.output
    assert [rows[n]["status"] for n in (2, 3, 4)] == ["accepted"] * 3
    assert (rows[5]["status"], rows[5]["reason"]) == ("invalid", "missing-name")
    stored = {lead["name"]: (lead["phone"], lead["metadata"]) for lead in sandbox.leads()}
    assert stored == {
        "Asha Rao": (f"+91{phones[0]}", {"city": "Pune"}),
        "Vikram Shah": (f"+91{phones[1]}", {"city": "Mumbai"}),
        "Neha Gupta": (f"+91{phones[2]}", {"city": "Delhi"}),
    }
    suggested = run_cli("mapping", "suggest", str(path))  # its phone column is seen as one (it held 0s)
    assert "\n  phone: Phone\n" in suggested.output, suggested.output


def _encrypted_workbook(path: Path) -> Path:
    """What Excel's File > Info > Protect Workbook > Encrypt with Password makes of an .xlsx: a compound file (as an
    .xls is) holding an EncryptedPackage stream instead of the zip."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    for column, header in enumerate(["Name", "Phone", "Email", "City"]):
        sheet.write(0, column, header)
    book.save(str(path))
    data = bytearray(path.read_bytes())
    at = data.find("Workbook".encode("utf-16-le"))
    name = "EncryptedPackage".encode("utf-16-le") + b"\x00\x00"
    data[at : at + len(name)] = name
    struct.pack_into("<H", data, at + 0x40, len(name))  # the directory entry's name length
    path.write_bytes(bytes(data))
    return path


def test_a_password_protected_workbook_is_named_so_in_every_door(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox
) -> None:
    """A partner's workbook encrypted with a password: it said 'not a readable XLSX workbook (Cannot detect file
    format). If it is password-protected or really a CSV/HTML file...', leaving the person to guess. It says the
    workbook is password-protected and how to save a copy that can be read: in the CLI (exit 2), the watcher's
    result and the upload page."""
    said = "this workbook is password-protected (encrypted), so it cannot be read. Open it in Excel with its password"
    path = _encrypted_workbook(tmp_path / "Partner leads.xlsx")
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 2 and said in checked.stderr, checked.stderr
    assert not rows and not sandbox.leads()
    assert said in run_cli("inspect", str(path)).stderr

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    _encrypted_workbook(inbox / "partner.xlsx")
    watched = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(tmp_path / "mapping.yaml"),
         "--settle", "0.2", "--poll", "0.05", "--once"],
        cwd=ROOT, env={**os.environ, **run_env(sandbox.base_url, tmp_path / "l.db")}, capture_output=True, text=True,
        timeout=120,
    )  # fmt: skip
    assert watched.returncode == 1 and "Traceback" not in watched.stderr, watched.stderr
    (result,) = (inbox / "failed").glob("*.result.json")
    assert said in json.loads(result.read_text(encoding="utf-8"))["reason"]

    page = Page(tmp_path / "web")
    response = page.post("/upload", files={"file": ("Partner leads.xlsx", path.read_bytes())}, follow_redirects=False)
    assert response.status_code == 303
    upload = page.state.uploads.all()[0]
    assert upload.task is not None and upload.task.wait(60)
    shown = re.sub(r"<[^>]+>", "", page.get(f"/u/{upload.id}/sheet").text).replace("&#39;", "'")
    assert f"Partner leads.xlsx: {said}" in shown, shown
    assert not sandbox.leads()


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_a_file_cut_right_after_a_line_break_inside_a_quoted_cell(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox, newline: str
) -> None:
    """An export (or a copy still being written) that stops just after a line break inside a quoted cell (an
    address on two lines): the last row was sent with its city cut short ("Flat 4, MG Road" and a line break),
    its other cells padded (short-row), where stopping one character earlier or later made it cut-off-row.
    It is cut-off-row, and not sent, whole or streamed."""
    phones = good_phones(3)
    lines = ["Name,Phone,Email,City"] + [f"Lead {i},{p},l{i}@example.com,Pune" for i, p in enumerate(phones[:2])]
    path = tmp_path / "leads.csv"
    path.write_text(newline.join(lines) + newline + f'Last Lead,{phones[2]},last@example.com,"Flat 4, MG Road{newline}')
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 1, checked.output + checked.stderr
    assert (rows[4]["status"], rows[4]["reason"]) == ("invalid", "cut-off-row")
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{p}" for p in phones[:2])
    (tmp_path / "m.yaml").write_text(MAPPING)
    whole = importer.validate_file(path, importer.load_mapping(tmp_path / "m.yaml"))
    assert whole.summary.counts.get("invalid") == 1


def test_a_sheet_with_a_long_name_in_another_script_gets_its_report(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox
) -> None:
    """A file named in Devanagari (82 letters: 246 bytes of the 255 a name may hold): validate and run stopped
    with "cannot write the report ... File name too long" (exit 2), the report's name beside it being longer; a
    --report name that fits had no room for its temporary name either. The default report's name is shortened
    in the middle, and a long --report name is written as given."""
    phones = good_phones(2)
    path = tmp_path / ("लीड" * 27 + "X.csv")
    assert len(path.name.encode("utf-8")) == 248
    path.write_text("Name,Phone\n" + "".join(f"Lead {i},{p}\n" for i, p in enumerate(phones)), encoding="utf-8")
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    checked = run_cli("validate", str(path), "--mapping", str(mapping), "--no-ledger")
    assert checked.exit_code == 0, checked.output + checked.stderr
    (report,) = tmp_path.glob("*.report.csv")
    assert report.name.startswith("लीड" * 20) and "…" in report.name
    assert len(report.read_text(encoding="utf-8-sig").splitlines()) == 3
    named = tmp_path / ("रिपोर्ट" * 11 + "-final-copy.csv")  # 246 bytes: fits, but not with a temporary name's more
    assert len(named.name.encode("utf-8")) == 246
    sent = run_cli(
        "run", str(path), "--mapping", str(mapping), "--report", str(named), "--rate", "2000/1s", "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert sent.exit_code == 0, sent.output + sent.stderr
    assert {r["status"] for r in sent.report} == {"accepted"} and len(sandbox.leads()) == 2


@pytest.mark.parametrize("hint", ["sep=;", "sep=\t"])
def test_inspect_numbers_rows_as_validate_does_below_a_delimiter_hint(run_cli: Any, tmp_path: Path, hint: str) -> None:
    """Below Excel's hint line (which Excel hides), validate numbers rows as Excel shows them, but inspect (and the
    upload page and mapping suggest, which build on it) counted the hint: 'header on row 3' for the header Excel
    shows on row 2, and that number given to validate's --header-row (or saved as header_row) named a data row.
    Both number rows alike."""
    delimiter = hint[-1]
    phones = good_phones(2)
    lines = [hint, "Leads export, March", delimiter.join(["Name", "Phone", "Email", "City"])]
    lines += [delimiter.join([f"Lead {i}", p, f"l{i}@example.com", "Pune"]) for i, p in enumerate(phones)]
    path = tmp_path / "leads.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    shown = run_cli("inspect", str(path))
    assert shown.exit_code == 0, shown.output + shown.stderr
    found = re.search(r"header on row (\d+)", shown.output)
    assert found is not None and found.group(1) == "2", shown.output
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    report = tmp_path / "r.csv"
    checked = run_cli(
        "validate", str(path), "--mapping", str(mapping), "--header-row", found.group(1), "--report", str(report)
    )
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert "header on row 2" in checked.output
    assert [r["sheet_row"] for r in checked.report] == ["3", "4"]


def test_a_phone_in_quotation_marks_is_read(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A number pasted into a workbook with its quotation marks (from a JSON export, a chat or a document:
    "9845012345", “98450 12345”, «+91 98450 12345»): invalid-phone, the lead held back (or sent without its number
    beside an email), though the marks are no part of it; an email in them was read already."""
    phones = good_phones(4)
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Phone", "Email", "City"])
    written = [f'"{phones[0]}"', f"“{phones[1][:5]} {phones[1][5:]}”", f"«+91 {phones[2]}»", f"'{phones[3]}'"]
    for i, cell in enumerate(written):
        sheet.append([f"Lead {i}", cell, f'"l{i}@example.com"' if i == 0 else "", "Pune"])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    checked, rows = _validate_then_run(run_cli, tmp_path, path, sandbox)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [(r["status"], r["reason"], r["warnings"]) for r in rows.values()] == [("accepted", "", "")] * 4
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{p}" for p in phones)
