"""What leadimport finds in a workbook's XML itself (hidden rows, error cells, formulas never computed, zero-padded
numbers) is found however the file spells its XML: an ODS as an XLSX, an XLSX whose parts use a namespace prefix
(``<x:worksheet xmlns:x=...>``, as .NET's Open XML SDK and some Java libraries write) as a plain one."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from typing import Any

import pytest
import xlwt
import yaml
from openpyxl import Workbook

from importer.config import parse_mapping
from importer.read.ods_rows import ods_cells
from importer.read.source import read_source

MAPPING_YAML = "project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Mobile No.\n"
MAPPING = parse_mapping(yaml.safe_load(MAPPING_YAML), source="m.yaml", environ={})

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"


def _ods_cell(t: str, cell: str) -> str:
    """A cell: text, empty, or ``=value|shown``: a number and the text its style shows (``=123|000123``)."""
    if cell.startswith("=") and "|" in cell:
        value, shown = cell[1:].split("|", 1)
        return f'<{t}:table-cell office:value-type="float" office:value="{value}"><text:p>{shown}</text:p></{t}:table-cell>'
    if cell:
        return f'<{t}:table-cell office:value-type="string"><text:p>{cell}</text:p></{t}:table-cell>'
    return f"<{t}:table-cell/>"


def write_ods(path: Path, sheets: dict[str, list[tuple[list[str], dict[str, str]]]], *, prefix: str = "table") -> Path:
    """An OpenDocument spreadsheet: per sheet, rows as (cells, the row's table attributes) (cells as
    :func:`_ods_cell` takes them), the table namespace spelled with ``prefix`` (LibreOffice writes ``table``; any
    prefix is the same XML). Number styles are named, not written: the file keeps each number's text as shown."""
    t = prefix
    body = []
    numbers = any(c.startswith("=") for rows in sheets.values() for cells, _ in rows for c in cells)
    styles = (
        '<office:automatic-styles><number:number-style style:name="N99"><number:text>+44 </number:text>'
        '<number:number number:min-integer-digits="1"/></number:number-style></office:automatic-styles>'
        if numbers
        else ""
    )
    for name, rows in sheets.items():
        body.append(f'<{t}:table {t}:name="{name}">')
        for cells, attributes in rows:
            extra = "".join(f' {t}:{k}="{v}"' for k, v in attributes.items())
            texts = "".join(_ods_cell(t, c) for c in cells)
            body.append(f"<{t}:table-row{extra}>{texts}</{t}:table-row>")
        body.append(f"</{t}:table>")
    content = (
        '<?xml version="1.0" encoding="UTF-8"?><office:document-content '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        f'xmlns:{t}="{_TABLE}" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:number="urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0" '
        'xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" office:version="1.2">'
        f"{styles}<office:body><office:spreadsheet>{''.join(body)}</office:spreadsheet></office:body></office:document-content>"
    )
    manifest = (
        '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest '
        'xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">'
        '<manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.'
        'spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
        "</manifest:manifest>"
    )
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet", zipfile.ZIP_STORED)
        archive.writestr("META-INF/manifest.xml", manifest)
        archive.writestr("content.xml", content)
    return path


def _mapping(tmp_path: Path) -> Path:
    path = tmp_path / "m.yaml"
    path.write_text(MAPPING_YAML, encoding="utf-8")
    return path


LEADS = [[f"Lead {i}", f"98200{i:05d}"] for i in range(6)]


def test_rows_hidden_in_an_ods_are_named_in_the_summary_like_an_xlsx(tmp_path: Path, run_cli: Any) -> None:
    """LibreOffice's hidden and filtered rows (``table:visibility``) are read like the others and named in the
    summary by the rows a person sees, counting the rows a repeat stands for (a blank row written once for two)."""
    rows: list[tuple[list[str], dict[str, str]]] = [
        ([""], {}),
        (["Leads export"], {}),
        ([""], {"number-rows-repeated": "2"}),
        (["Name", "Mobile No."], {}),
    ]
    for i, lead in enumerate(LEADS):
        hidden = {2: "collapse", 4: "filter"}.get(i)
        rows.append((lead, {"visibility": hidden} if hidden else {}))
    path = write_ods(tmp_path / "filtered.ods", {"Leads": rows})
    report = tmp_path / "r.csv"
    result = run_cli(
        "validate", str(path), "--mapping", str(_mapping(tmp_path)), "--report", str(report), "--no-ledger"
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert [r["sheet_row"] for r in result.report] == ["6", "7", "8", "9", "10", "11"]
    assert "2 row(s) are hidden in Excel (filtered out or hidden by hand: rows 8, 10)" in result.output


def test_ods_hidden_rows_are_found_by_namespace_not_by_prefix(tmp_path: Path) -> None:
    """The table namespace written with another prefix than LibreOffice's is the same XML: its hidden rows are found."""
    rows: list[tuple[list[str], dict[str, str]]] = [(["Name", "Mobile No."], {})] + [
        (lead, {"visibility": "filter"} if i == 1 else {}) for i, lead in enumerate(LEADS)
    ]
    path = write_ods(tmp_path / "t.ods", {"Leads": rows}, prefix="t")
    with zipfile.ZipFile(path) as archive:
        assert ods_cells(archive, "Leads").hidden_rows == [2]


def test_hidden_rows_of_another_ods_sheet_are_not_named(tmp_path: Path) -> None:
    """Only the sheet read counts: rows hidden in another tab say nothing about this one."""
    other = [(["x"], {"visibility": "collapse"}) for _ in range(4)]
    leads: list[tuple[list[str], dict[str, str]]] = [(row, {}) for row in [["Name", "Mobile No."], *LEADS]]
    path = write_ods(tmp_path / "two.ods", {"Notes": other, "Leads": leads})
    table = read_source(path, MAPPING)
    assert table.sheet == "Leads" and not any("hidden" in note for note in table.notes)


_MAIN = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = b"http://schemas.openxmlformats.org/package/2006/relationships"
_OFFICE_RELS = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def with_prefixes(plain: Path, out: Path, *, strict: bool = False) -> Path:
    """The same workbook with every SpreadsheetML and relationships part written with namespace prefixes: elements
    as ``x:`` and ``rel:``, the sheet's relationship id as ``d4p1:id`` (what .NET's XmlWriter names a prefix it
    makes up); ``strict``: in Strict Open XML's namespaces."""
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            for namespace, prefix in ((_MAIN, b"x"), (_RELS, b"rel")):
                if b'xmlns="' + namespace + b'"' in data:
                    data = re.sub(rb"<(/?)([A-Za-z][\w.-]*)(?=[\s/>])", rb"<\1" + prefix + rb":\2", data)
                    data = data.replace(b'xmlns="' + namespace + b'"', b"xmlns:" + prefix + b'="' + namespace + b'"')
            if b'xmlns:r="' + _OFFICE_RELS + b'"' in data:
                data = data.replace(b'xmlns:r="', b'xmlns:d4p1="').replace(b" r:id=", b" d4p1:id=")
            if strict:
                data = data.replace(_MAIN, b"http://purl.oclc.org/ooxml/spreadsheetml/main")
                data = data.replace(_OFFICE_RELS, b"http://purl.oclc.org/ooxml/officeDocument/relationships")
            target.writestr(info, data)
    return out


def _busy_workbook(path: Path) -> Path:
    """A workbook with what only our own XML scans see: hidden rows, an error cell, a formula without a result, an
    id padded with zeros by its number format, a phone written as a formula of literals."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads & more"
    sheet.append(["Name", "Mobile No.", "Lead ID", "Score", "Total"])
    for i, lead in enumerate(LEADS):
        sheet.append([*lead, 120 + i, "#N/A" if i == 1 else i, "=D3*2" if i == 2 else None])
        sheet.cell(row=i + 2, column=3).number_format = "000000"
    sheet["B5"] = '="9820000999"'
    for row in (3, 6):
        sheet.row_dimensions[row].hidden = True
    book.save(path)
    return path


@pytest.mark.parametrize("strict", [False, True])
def test_an_xlsx_written_with_namespace_prefixes_reads_as_the_plain_one(tmp_path: Path, strict: bool) -> None:
    """Hidden rows, #N/A, zero-padded ids, formulas never computed and formulas of literals are all found in an
    XLSX whose parts use namespace prefixes, exactly as in the same workbook written plainly (also in the
    namespaces of Strict Open XML)."""
    plain = _busy_workbook(tmp_path / "plain.xlsx")
    prefixed = with_prefixes(plain, tmp_path / "prefixed.xlsx", strict=strict)
    assert b"<x:row" in zipfile.ZipFile(prefixed).read("xl/worksheets/sheet1.xml")
    want, got = read_source(plain, MAPPING), read_source(prefixed, MAPPING)
    assert want.cells["Lead ID"].iloc[0] == "000120" and want.cells["Score"].iloc[1] == "#N/A"
    assert want.cells["Mobile No."].iloc[3] == "9820000999"
    assert any("hidden in Excel" in note for note in want.notes)
    assert any("never computed" in note for note in want.notes)
    assert got.notes == want.notes
    assert got.cells.equals(want.cells)


def _moved(plain: Path, out: Path) -> Path:
    """The same workbook with its parts in ``book/`` instead of ``xl/`` (the package's relationships say where),
    the workbook's relationships relative to it."""
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info).replace(b"/xl/", b"/book/").replace(b'"xl/', b'"book/')
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(b'Target="/book/', b'Target="')
            target.writestr(info.filename.replace("xl/", "book/"), data)
    return out


def test_an_xlsx_whose_parts_lie_elsewhere_reads_as_the_plain_one(tmp_path: Path) -> None:
    """The workbook part is where the package's relationships put it, not always xl/workbook.xml: what our scans
    find is found there too."""
    plain = _busy_workbook(tmp_path / "plain.xlsx")
    moved = _moved(plain, tmp_path / "moved.xlsx")
    assert "book/workbook.xml" in zipfile.ZipFile(moved).namelist()
    want, got = read_source(plain, MAPPING), read_source(moved, MAPPING)
    assert got.notes == want.notes and got.cells.equals(want.cells)


def test_an_ods_number_reads_as_its_style_shows_it(tmp_path: Path) -> None:
    """LibreOffice keeps a number's text as its style shows it: a mobile typed as a number with a "+44 " style reads
    +44 7400 123456 (its country code kept), an id with six minimum digits 000123; a number with decimals or
    thousands reads as its value."""
    mapping = parse_mapping(
        yaml.safe_load(MAPPING_YAML + "metadata:\n  lead_id: Lead ID\n  amount: Amount\n"), source="m.yaml", environ={}
    )
    rows: list[tuple[list[str], dict[str, str]]] = [
        (["Name", "Mobile No.", "Lead ID", "Amount"], {}),
        (["Amy", "=7400123456|+44 7400 123456", "=123|000123", "=1234.5|1,234.50"], {}),
        (["Ben", "=7400123457|+44 (0) 7400 123457", "=124|LD-124", "=1234|1,234"], {}),
    ]
    table = read_source(write_ods(tmp_path / "uk.ods", {"Leads": rows}), mapping)
    assert table.cells["Mobile No."].tolist() == ["+44 7400 123456", "+44 (0) 7400 123457"]
    assert table.cells["Lead ID"].tolist() == ["000123", "LD-124"]
    assert table.cells["Amount"].tolist() == ["1234.5", "1234"]


def test_rows_hidden_in_an_xls_are_named_in_the_summary(tmp_path: Path, run_cli: Any) -> None:
    """An Excel 97-2003 workbook's hidden rows are read like the others and named, as an XLSX's are."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    for r, row in enumerate([["Name", "Mobile No."], *LEADS]):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    sheet.row(2).hidden = True
    sheet.row(5).hidden = True
    path = tmp_path / "filtered.xls"
    book.save(str(path))
    report = tmp_path / "r.csv"
    result = run_cli(
        "validate", str(path), "--mapping", str(_mapping(tmp_path)), "--report", str(report), "--no-ledger"
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert len(result.report) == 6
    assert "2 row(s) are hidden in Excel (filtered out or hidden by hand: rows 3, 6)" in result.output
