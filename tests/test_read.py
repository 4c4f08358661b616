"""Reading files as people make them: encodings, delimiters, title rows, sheets, Excel numbers."""

from __future__ import annotations

import datetime as dt
import gzip
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest
import xlwt
from openpyxl import Workbook

from importer.config import parse_mapping
from importer.errors import ConfigError, LeadImportError, SourceError
from importer.read.source import ReadOptions, read_source
from importer.read.text import open_text
from tests.conftest import BASIC_MAPPING

MAPPING = parse_mapping(__import__("yaml").safe_load(BASIC_MAPPING), source="test.yaml", environ={})
ROWS = [
    ["Full Name", "Mobile No.", "E-mail", "City"],
    ["Renée Dubois", "9822033445", "renee@x.com", "Pune"],
    ["Zoë", "9822044556", "zoe@x.com", "Goa"],
]


def _text(rows: list[list[str]], delimiter: str = ",") -> str:
    return "\r\n".join(delimiter.join(r) for r in rows) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "prefix", "expected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("utf-16-le", b"\xff\xfe", "utf-16"),
        ("utf-16-be", b"\xfe\xff", "utf-16"),
        ("cp1252", b"", "cp1252"),
    ],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes, expected: str) -> None:
    """UTF-8, UTF-8 with BOM, UTF-16 with BOM and cp1252 files read to the same text."""
    path = tmp_path / "leads.csv"
    path.write_bytes(prefix + _text(ROWS, "\t" if "16" in encoding else ",").encode(encoding))
    table = read_source(path, MAPPING)
    assert table.encoding == expected
    assert table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]
    assert table.cells.columns[0] == "Full Name"  # no BOM left in the first header


@pytest.mark.parametrize(
    ("names", "note"),
    [
        (["Renée Dubois", "Zoë"], "accented names"),
        (["JOSÉ MÜLLER", "FRANÇOIS NÚÑEZ"], "names in capitals"),
        (["André", "Asha Rao"], "a single accented letter"),
    ],
)
def test_excel_for_mac_csv_is_read_as_mac_roman(tmp_path: Path, names: list[str], note: str) -> None:
    """Excel for Mac's "CSV (Macintosh)" is Mac Roman: é is byte 0x8E, which cp1252 reads as Ž."""
    path = tmp_path / "leads.csv"
    rows = [ROWS[0], [names[0], "9822033445", "a@x.com", "Pune"], [names[1], "9822044556", "b@x.com", "Goa"]]
    path.write_bytes(_text(rows).encode("mac_roman"))
    table = read_source(path, MAPPING)
    assert (table.encoding, table.cells["Full Name"].tolist()) == ("mac_roman", names), note


def test_windows_punctuation_keeps_a_file_cp1252(tmp_path: Path) -> None:
    """Curly quotes, dashes and a degree sign read as punctuation in cp1252 and as letters in Mac Roman:
    the file stays cp1252."""
    path = tmp_path / "leads.csv"
    rows = [
        [*ROWS[0], "Notes"],
        [*ROWS[1], "Rahul\u2019s \u201chot\u201d lead \u2013 call at 5\u00b0"],
        [*ROWS[2], "naïve… €5"],
    ]
    path.write_bytes(_text(rows).encode("cp1252"))
    table = read_source(path, MAPPING)
    assert table.encoding == "cp1252"
    assert table.cells["Notes"].tolist() == ["Rahul\u2019s \u201chot\u201d lead \u2013 call at 5\u00b0", "naïve… €5"]


def test_utf8_file_with_a_few_cp1252_bytes_keeps_its_names(tmp_path: Path) -> None:
    """A UTF-8 export with one line added by a Windows tool: only that line's bytes are read as cp1252."""
    path = tmp_path / "leads.csv"
    utf8 = "Full Name,Mobile No.\nराहुल शर्मा,9822033445\nJosé Fernandes,9822044556\n".encode()
    path.write_bytes(utf8 + "Renée “Bunty”,9822055667\n".encode("cp1252"))
    table = read_source(path, MAPPING)
    assert table.cells["Full Name"].tolist() == ["राहुल शर्मा", "José Fernandes", "Renée “Bunty”"]
    assert table.encoding == "utf-8 (3 bytes read as cp1252)"


def test_excel_unicode_text_export(tmp_path: Path) -> None:
    """Excel's "Unicode Text" (UTF-16 LE with BOM, tab-separated) reads with the right delimiter."""
    path = tmp_path / "export.txt"
    path.write_bytes(b"\xff\xfe" + _text(ROWS, "\t").encode("utf-16-le"))
    table = read_source(path, MAPPING)
    assert table.delimiter == "\t"
    assert table.cells["Mobile No."].tolist() == ["9822033445", "9822044556"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    """Comma, semicolon, tab and pipe files are split correctly without being told."""
    rows = [*ROWS, ["Asha, Rao", "9822055667", "asha@x.com", "Delhi"]] if delimiter != "," else ROWS
    path = tmp_path / "leads.csv"
    path.write_text(_text(rows, delimiter), encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.delimiter == delimiter
    assert table.cells["City"].tolist()[:2] == ["Pune", "Goa"]


def test_overrides_for_encoding_delimiter_and_header_row(tmp_path: Path) -> None:
    """--encoding, --delimiter and --header-row win over detection."""
    path = tmp_path / "leads.csv"
    path.write_bytes(_text([["x;y"], *ROWS], ";").encode("latin-1"))
    table = read_source(path, MAPPING, ReadOptions(encoding="latin-1", delimiter=";", header_row=2))
    assert table.encoding == "latin-1"
    assert table.header_row == 2
    assert table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]


def test_title_rows_above_header_and_sheet_rows(tmp_path: Path) -> None:
    """The header is found below title rows; blank rows keep the numbering a person sees."""
    path = tmp_path / "leads.csv"
    path.write_text("Leads March 2026\n\nFull Name,Mobile No.\nA,9822033445\n\nB,9822044556\n", encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.header_row == 3
    assert table.sheet_row.tolist() == [4, 5, 6]
    assert table.cells["Full Name"].tolist() == ["A", "", "B"]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"])
def test_utf8_title_rows_with_accents_above_header(tmp_path: Path, bom: bytes) -> None:
    """UTF-8 is parsed from the file's own bytes: multi-byte title rows do not shift where the records start."""
    path = tmp_path / "leads.csv"
    title = "Événements \u2013 März 2026 \u2014 नई लीड्स 🎉\n\n"
    path.write_bytes(bom + (title + _text(ROWS)).encode("utf-8"))
    table = read_source(path, MAPPING)
    assert table.header_row == 3
    assert table.sheet_row.tolist() == [4, 5]
    assert table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]
    assert table.cells["City"].tolist() == ["Pune", "Goa"]
    preview = open_text(path)
    body = preview.decoded.body(preview.ends[2])
    assert body.utf8 is not None  # the bytes path, not a re-encoded copy
    assert bytes(body.as_utf8()).decode("utf-8") == preview.decoded.text[preview.ends[2] :]


def test_stray_quote_that_swallows_rows_is_refused(tmp_path: Path) -> None:
    """A quote opened and never closed where it should be would eat the rows below it: a clear error, not lost leads."""
    path = tmp_path / "leads.csv"
    rows = [f"P{i},98220{i:05d},p{i}@x.com,Pune" for i in range(8)]
    rows[3] = 'Bunty,9822000003,b@x.com,"Pune'
    path.write_text("Full Name,Mobile No.,E-mail,City\n" + "\n".join(rows) + "\n", encoding="utf-8")
    with pytest.raises(SourceError, match=r"row 5, column 'City': a quote \(\"\) opens a cell"):
        read_source(path, MAPPING)


@pytest.mark.parametrize(
    ("header", "row", "newline", "column"),
    [
        ("Full Name,Mobile No.,E-mail", 'Bunty,9822000003,"b@x.com', "\n", "E-mail"),  # three columns
        ("Full Name,Mobile No.", '"Bunty,9822000003', "\n", "Full Name"),  # two columns
        ("Full Name,Mobile No.,E-mail,City", 'Bunty,9822000003,b@x.com,"Pune', "\r", "City"),  # old Mac line ends
    ],
)
def test_stray_quote_is_refused_in_narrow_files_and_with_old_mac_line_ends(
    tmp_path: Path, header: str, row: str, newline: str, column: str
) -> None:
    width = header.count(",") + 1
    rows = [",".join([f"P{i}", f"98220{i:05d}", f"p{i}@x.com", "Pune"][:width]) for i in range(6)]
    rows[1] = row
    path = tmp_path / "leads.csv"
    path.write_bytes((newline.join([header, *rows]) + newline).encode("utf-8"))
    with pytest.raises(SourceError, match=rf"row 3, column '{column}': a quote"):
        read_source(path, MAPPING)


def test_a_narrow_file_keeps_a_multi_line_address_with_commas(tmp_path: Path) -> None:
    """Three columns, an address whose lines hold as many commas as a record but no phone or email: one cell."""
    path = tmp_path / "leads.csv"
    path.write_text(
        'Full Name,Mobile No.,Address\nAsha,9822033445,"Flat 4, MG Road, Kothrud\nNear the temple, Lane 3, Pune"\n'
        "Ravi,9822044556,Goa\n",
        encoding="utf-8",
    )
    table = read_source(path, MAPPING)
    assert table.cells["Address"].tolist() == ["Flat 4, MG Road, Kothrud\nNear the temple, Lane 3, Pune", "Goa"]


def test_multi_line_address_in_quotes_is_one_cell(tmp_path: Path) -> None:
    """A quoted cell may span lines (an address with commas): it stays one cell of one row."""
    path = tmp_path / "leads.csv"
    path.write_text(
        'Full Name,Mobile No.,E-mail,City\nAsha,9822033445,a@x.com,"Flat 4, MG Road,\nKothrud, Pune"\n'
        "Ravi,9822044556,r@x.com,Goa\n",
        encoding="utf-8",
    )
    table = read_source(path, MAPPING)
    assert table.cells["City"].tolist() == ["Flat 4, MG Road,\nKothrud, Pune", "Goa"]
    assert table.sheet_row.tolist() == [2, 3]


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_header_row_option_reaches_below_the_search_window(tmp_path: Path, suffix: str) -> None:
    """--header-row finds a header further down than the automatic search looks (a long notes block above it)."""
    rows = [[f"Note {i}"] for i in range(70)] + ROWS
    path = tmp_path / f"leads{suffix}"
    if suffix == ".csv":
        path.write_text(_text([[c for c in r] for r in rows]), encoding="utf-8")
    else:
        _workbook(path, {"Leads": [list(r) for r in rows]})
    with pytest.raises(LeadImportError, match=r"give --header-row N"):
        read_source(path, MAPPING)
    table = read_source(path, MAPPING, ReadOptions(header_row=71))
    assert table.header_row == 71 and table.sheet_row.tolist() == [72, 73]
    assert table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]


def test_ragged_rows_are_padded_and_extra_cells_kept(tmp_path: Path) -> None:
    """Short rows are padded; cells beyond the header land in extra columns, never lost."""
    path = tmp_path / "leads.csv"
    path.write_text("Full Name,Mobile No.,City\nA,9822033445\nB,9822044556,Pune,extra\n", encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.cells["City"].tolist() == ["", "Pune"]
    assert table.cells["Column D"].tolist() == ["", "extra"]


def test_quoted_fields_with_newlines_and_delimiters(tmp_path: Path) -> None:
    """A quoted cell may hold the delimiter and line breaks."""
    path = tmp_path / "leads.csv"
    path.write_text(
        'Full Name,Mobile No.,City\n"Rao, Asha",9822033445,"Line1\nLine2"\nB,9822044556,Goa\n', encoding="utf-8"
    )
    table = read_source(path, MAPPING)
    assert table.cells["Full Name"].tolist() == ["Rao, Asha", "B"]
    assert table.cells["City"].tolist() == ["Line1\nLine2", "Goa"]


def test_apostrophes_and_excel_text_formulas_are_unwrapped(tmp_path: Path) -> None:
    """'9822033445 and ="9822033445" are read as the digits a person sees."""
    path = tmp_path / "leads.csv"
    path.write_text('Full Name,Mobile No.\nA,\'9822033445\nB,"=""9822044556"""\n', encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.cells["Mobile No."].tolist() == ["9822033445", "9822044556"]


def _workbook(path: Path, sheets: Mapping[str, Sequence[Sequence[object]]]) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


def test_xlsx_second_sheet_title_rows_and_excel_numbers(tmp_path: Path) -> None:
    """The first sheet whose header fits is used; Excel numbers come out as the digits shown."""
    path = _workbook(
        tmp_path / "leads.xlsx",
        {
            "Notes": [["Read me first"], ["Leads are on the next sheet"]],
            "Leads": [
                ["Dealer leads"],
                [],
                ["Full Name", "Mobile No.", "E-mail", "City", "Visited"],
                ["A", 9822033445, "a@x.com", 411001, dt.date(2026, 3, 2)],
                ["B", 9822044556.0, "b@x.com", 12.5, dt.datetime(2026, 3, 2, 14, 30)],
                ["C", 9.19822055667123e15, "c@x.com", "'0091", True],
                ["D", "9.822066778E+09", "d@x.com", 0.1 + 0.2, None],
            ],
        },
    )
    table = read_source(path, MAPPING)
    assert table.sheet == "Leads"
    assert table.header_row == 3
    assert table.sheet_row.tolist() == [4, 5, 6, 7]
    assert table.cells["Mobile No."].tolist() == ["9822033445", "9822044556", "9.19822055667123E+15", "9.822066778E+09"]
    assert table.cells["City"].tolist() == ["411001", "12.5", "0091", "0.3"]
    assert table.cells["Visited"].tolist() == ["2026-03-02", "2026-03-02 14:30:00", "TRUE", ""]


def test_visible_sheet_wins_over_a_hidden_one_that_fits(tmp_path: Path) -> None:
    """A hidden sheet (last month's leads) that fits the mapping is passed over for the visible one; --sheet still reaches it."""
    book = Workbook()
    old = book.active
    old.title = "Old"
    old.append(ROWS[0])
    old.append(["Stale Lead", "9822099999", "old@x.com", "Pune"])
    old.sheet_state = "hidden"
    leads = book.create_sheet("Leads")
    for row in ROWS:
        leads.append(row)
    path = tmp_path / "leads.xlsx"
    book.save(path)
    table = read_source(path, MAPPING)
    assert table.sheet == "Leads" and table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]
    assert read_source(path, MAPPING, ReadOptions(sheet="Old")).cells["Full Name"].tolist() == ["Stale Lead"]


def test_sheet_numbers_count_the_tabs_excel_shows(tmp_path: Path) -> None:
    """--sheet 1 is the first tab the person sees, not a hidden lookup sheet before it; a number past the
    visible tabs is refused with every sheet named, hidden ones marked."""
    book = Workbook()
    lookup = book.active
    lookup.title = "Lookup"
    lookup.append(ROWS[0])
    lookup.append(["Agent X", "9812399999", "agent@x.com", "Pune"])
    lookup.sheet_state = "hidden"
    for title, name in (("Jan", "Jan Lead"), ("Feb", "Feb Lead")):
        sheet = book.create_sheet(title)
        sheet.append(ROWS[0])
        sheet.append([name, "9822011111" if title == "Jan" else "9822022222", "", "Goa"])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    picked = [read_source(path, MAPPING, ReadOptions(sheet=n)).sheet for n in ("1", "2")]
    assert picked == ["Jan", "Feb"]
    with pytest.raises(SourceError, match=r"no sheet named '3'. Sheets: 'Lookup' \(hidden\), 'Jan', 'Feb'"):
        read_source(path, MAPPING, ReadOptions(sheet="3"))


def test_a_header_only_template_sheet_gives_way_to_the_sheet_with_leads(tmp_path: Path) -> None:
    """An empty 'Format' tab with the same header before the 'Leads' tab: the leads are read, and a note says
    why; when every fitting sheet is empty, the first is read (no rows)."""
    path = _workbook(tmp_path / "leads.xlsx", {"Format": [ROWS[0], [], []], "Leads": [list(r) for r in ROWS]})
    table = read_source(path, MAPPING)
    assert table.sheet == "Leads" and table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]
    assert "sheet 'Format' has the header but no rows below it; read 'Leads' instead" in table.notes
    both_empty = _workbook(tmp_path / "empty.xlsx", {"Format": [ROWS[0]], "Copy": [ROWS[0]]})
    table = read_source(both_empty, MAPPING)
    assert (table.sheet, len(table.cells), table.also_fit) == ("Format", 0, ("Copy",))


def test_a_stray_value_far_right_is_refused_before_gigabytes_are_read(tmp_path: Path) -> None:
    """One value typed in column XFD (Ctrl+Right on an empty row) makes a 1,300-row sheet 21 million cells:
    refused at once with what to do, rather than read for minutes into gigabytes."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet.append(ROWS[0])
    for i in range(1300):
        sheet.append([f"Lead {i}", f"98220{i:05d}", "", "Pune"])
    sheet["XFD5"] = "x"
    path = tmp_path / "leads.xlsx"
    book.save(path)
    with pytest.raises(SourceError, match=r"\[sheet 'Leads'\]: its used range is A1:XFD1301, far wider"):
        read_source(path, MAPPING)


@pytest.mark.parametrize("large_used_range", [250_000, 0])
def test_stray_space_far_below_adds_no_rows(
    tmp_path: Path, large_used_range: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lone space in a far cell (Excel's used range then reaching it) is not a run of blank data rows."""
    monkeypatch.setattr("importer.read.workbook.LARGE_USED_RANGE", large_used_range)  # both ways of reading
    book = Workbook()
    sheet = book.active
    for row in ROWS:
        sheet.append(row)
    sheet.append(["", "", "", ""])
    sheet.append(["Asha", "9822055667", "asha@x.com", "Goa"])  # after a blank row: kept, numbered
    sheet["D5000"] = " "
    path = tmp_path / "leads.xlsx"
    book.save(path)
    table = read_source(path, MAPPING)
    assert table.sheet_row.tolist() == [2, 3, 4, 5]
    assert table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë", "", "Asha"]


def test_cells_merged_down_a_column_fill_every_row(tmp_path: Path) -> None:
    """A city merged over three leads gives each of them the city; a title merged across columns stays put."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Dealer leads, March"])
    sheet.merge_cells("A1:D1")
    sheet.append(ROWS[0])
    sheet.append(["Asha", "9822033445", "asha@x.com", "Pune"])
    sheet.append(["Ravi", "9822044556", "ravi@x.com", None])
    sheet.append(["Zoë", "9822055667", "zoe@x.com", None])
    sheet.merge_cells("D3:D5")
    sheet.append(["Imran", "9822066778", "imran@x.com", "Goa"])
    path = tmp_path / "leads.xlsx"
    book.save(path)
    table = read_source(path, MAPPING)
    assert table.header_row == 2
    assert table.cells["City"].tolist() == ["Pune", "Pune", "Pune", "Goa"]


@pytest.mark.parametrize("suffix", [".xlsx", ".csv"])
def test_two_row_header_with_group_labels(tmp_path: Path, suffix: str) -> None:
    """ "Contact" over "Mobile No." and "E-mail" (merged in Excel): the two rows are one header, data below both."""
    rows = [
        ["Full Name", "Contact", "", "City"],
        ["", "Mobile No.", "E-mail", ""],
        ["Asha", "9822033445", "asha@x.com", "Pune"],
        ["Ravi", "9822044556", "ravi@x.com", "Goa"],
    ]
    path = tmp_path / f"leads{suffix}"
    if suffix == ".csv":
        path.write_text(_text(rows), encoding="utf-8")
    else:
        book = Workbook()
        sheet = book.active
        for row in rows:
            sheet.append([cell or None for cell in row])
        sheet.merge_cells("B1:C1")
        sheet.merge_cells("A1:A2")
        sheet.merge_cells("D1:D2")
        book.save(path)
    table = read_source(path, MAPPING)
    # (in the workbook, the merged cells fill row 2 so that it alone is the whole header)
    assert table.header_text == ("rows 1-2" if suffix == ".csv" else "row 2")
    assert table.sheet_row.tolist() == [3, 4]
    assert table.cells[table.columns["email"]].tolist() == ["asha@x.com", "ravi@x.com"]
    assert table.cells[table.columns["phone"]].tolist() == ["9822033445", "9822044556"]


def test_sheet_option_and_unknown_sheet(tmp_path: Path) -> None:
    """--sheet picks a sheet by name or number; an unknown name lists the sheets."""
    rows: list[list[object]] = [["Full Name", "Mobile No."], ["A", 9822033445]]
    path = _workbook(tmp_path / "leads.xlsx", {"One": rows, "Two": [["Name", "Phone"], ["B", 9822044556]]})
    assert read_source(path, MAPPING, ReadOptions(sheet="two")).cells["Name"].tolist() == ["B"]
    assert read_source(path, MAPPING, ReadOptions(sheet="2")).sheet == "Two"
    with pytest.raises(SourceError, match=r"no sheet named 'Three'. Sheets: 'One', 'Two'"):
        read_source(path, MAPPING, ReadOptions(sheet="Three"))


def test_no_sheet_fits_lists_sheets_and_headers(tmp_path: Path) -> None:
    """When no sheet has the mapped columns, the error names every sheet and its header."""
    path = _workbook(tmp_path / "leads.xlsx", {"Calls": [["Caller", "Number"], ["A", 1]], "Empty": []})
    with pytest.raises(SourceError) as err:
        read_source(path, MAPPING)
    text = str(err.value)
    assert "sheet 'Calls', row 1: 'Caller', 'Number'" in text
    assert "sheet 'Empty': empty" in text


def test_missing_column_names_headers_and_closest(tmp_path: Path) -> None:
    """A mapped column that is not there is named with the headers found and the closest one."""
    path = tmp_path / "leads.csv"
    path.write_text("Full Name,Mobile Number,City\nA,9822033445,Pune\n", encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        read_source(path, MAPPING)
    text = str(err.value)
    assert "fields.phone: no column named 'Mobile No.' / 'Phone'" in text
    assert "Closest header: 'Mobile Number'" in text
    assert "Headers found: 'Full Name', 'Mobile Number', 'City'" in text


def test_the_closest_header_is_the_closest_to_any_alias(tmp_path: Path) -> None:
    """Typos in every header: each field names the header most like one of its aliases, not the first close one."""
    path = tmp_path / "leads.csv"
    path.write_text("Nme,Mobile Numbr,Email\nA,9822033445,a@x.com\n", encoding="utf-8")
    text = "fields:\n  name: [Name, Full Name]\n  phone: [Phone, Mobile]\n"
    mapping = parse_mapping(__import__("yaml").safe_load(text), source="typo.yaml", environ={})
    with pytest.raises(ConfigError) as err:
        read_source(path, mapping)
    assert "fields.phone: no column named 'Phone' / 'Mobile'. Closest header: 'Mobile Numbr'." in str(err.value)
    assert "fields.name: no column named 'Name' / 'Full Name'. Closest header: 'Nme'." in str(err.value)


def test_xls_workbook(tmp_path: Path) -> None:
    """Old .xls workbooks read like .xlsx ones, integers without .0."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    rows: list[list[str | int]] = [["Full Name", "Mobile No."], ["A", 9822033445], ["B", "98220 44556"]]
    for r, row in enumerate(rows):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    path = tmp_path / "leads.xls"
    book.save(str(path))
    table = read_source(path, MAPPING)
    assert table.cells["Mobile No."].tolist() == ["9822033445", "98220 44556"]


@pytest.mark.parametrize("prefix", [b"", b"\xef\xbb\xbf", b"\r\n<meta charset='utf-8'>\r\n"])
def test_html_table_saved_as_xls_is_read(tmp_path: Path, prefix: bytes) -> None:
    """A portal's "Export to Excel" (an HTML table under .xls) reads like the sheet Excel shows."""
    page = (
        "<html><head><style>td{}</style></head><body><table><tr><td colspan=4>Leads &amp; enquiries</td></tr>"
        "<tr><th>Full Name</th><th>Mobile No.</th><th>E-mail</th><th>City</th></tr>"
        "<tr><td>Ren&eacute;e  Dubois</td><td> 9822033445 </td><td>renee@x.com</td><td>Flat 4<br>Pune</td></tr>"
        "<tr><td>Zo\u00eb</td><td>9822044556</td><td>zoe@x.com</td><td>Goa</td></tr></table></body></html>"
    )
    path = tmp_path / "export.xls"
    path.write_bytes(prefix + page.encode("utf-8"))
    table = read_source(path, MAPPING)
    assert table.header_row == 2 and table.sheet_row.tolist() == [3, 4]
    assert table.cells["Full Name"].tolist() == ["Renée Dubois", "Zoë"]
    assert table.cells["Mobile No."].tolist() == ["9822033445", "9822044556"]
    assert table.cells["City"].tolist() == ["Flat 4\nPune", "Goa"]


def test_html_rowspan_cells_fill_the_rows_they_cover(tmp_path: Path) -> None:
    """A date cell spanning two rows, and a two-level header (Full Name over both header rows, a group over
    Mobile No./E-mail): every row keeps its cells in their columns, as the merged cells Excel shows."""
    page = (
        "<table><tr><th rowspan=2>Full Name</th><th colspan=2>Contact</th><th rowspan=2>City</th></tr>"
        "<tr><th>Mobile No.</th><th>E-mail</th></tr>"
        "<tr><td>Asha</td><td>9822033445</td><td rowspan=2>team@x.com</td><td>Pune</td></tr>"
        "<tr><td>Bina</td><td>9822044556</td><td>Goa</td></tr>"
        "<tr><td>Chetan</td><td>9822055667</td><td>c@x.com</td><td rowspan=3>Agra</td></tr>"
        "<tr><td>Deepa</td><td>9822066778</td><td>d@x.com</td></tr></table>"
    )
    path = tmp_path / "export.xls"
    path.write_text(page, encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.cells["Full Name"].tolist() == ["Asha", "Bina", "Chetan", "Deepa"]
    assert table.cells["Mobile No."].tolist() == ["9822033445", "9822044556", "9822055667", "9822066778"]
    assert table.cells["E-mail"].tolist() == ["team@x.com", "team@x.com", "c@x.com", "d@x.com"]
    assert table.cells["City"].tolist() == ["Pune", "Goa", "Agra", "Agra"]


def test_html_tables_are_read_one_below_the_other(tmp_path: Path) -> None:
    """One table per day (the second repeating the header), a header kept in a table of its own, all inside a
    layout table: read as Excel shows the page, every lead once. A narrower table of totals below is not."""
    header = "<tr><th>Full Name</th><th>Mobile No.</th><th>City</th></tr>"
    page = (
        "<table><tr><td><h3>1 March</h3>"
        f"<table>{header}</table>"
        "<table><tr><td>Asha</td><td>9822033445</td><td>Pune</td></tr></table>"
        "<h3>2 March</h3>"
        f"<table>{header}<tr><td>Bina</td><td>9822044556</td><td>Goa</td></tr>"
        "<tr><td>Chetan</td><td>9822055667</td><td>Agra</td></tr></table>"
        "<table><tr><td>Total leads</td><td>3</td></tr><tr><td>Hot</td><td>2</td></tr></table>"
        "</td></tr></table>"
    )
    path = tmp_path / "export.xls"
    path.write_text(page, encoding="utf-8")
    table = read_source(path, MAPPING)
    names = table.cells["Full Name"].tolist()
    assert [n for n in names if n != "Full Name"] == ["Asha", "Bina", "Chetan"]  # the repeated header is skipped later
    assert table.header_row == 1


def test_html_export_opening_with_a_php_notice_is_read(tmp_path: Path) -> None:
    """A portal's export that prints a PHP warning before its table is still the table."""
    path = tmp_path / "export.xls"
    path.write_text(
        "<br />\n<b>Warning</b>:  Undefined variable $x in <b>/var/www/export.php</b> on line <b>12</b><br />\n"
        "<table><tr><th>Full Name</th><th>Mobile No.</th></tr><tr><td>Asha</td><td>9822033445</td></tr></table>",
        encoding="utf-8",
    )
    assert read_source(path, MAPPING).cells["Mobile No."].tolist() == ["9822033445"]


def test_xls_name_with_text_inside(tmp_path: Path) -> None:
    """A web export that is really tab-separated text under an .xls name is read as text."""
    path = tmp_path / "export.xls"
    path.write_text("Full Name\tMobile No.\nA\t9822033445\n", encoding="utf-8")
    assert read_source(path, MAPPING).cells["Mobile No."].tolist() == ["9822033445"]


def test_long_cell_in_the_opening_rows_is_read(tmp_path: Path) -> None:
    """A notes cell longer than Python csv's default 128 KiB limit near the top is still just a cell."""
    path = tmp_path / "leads.csv"
    path.write_text(f"Full Name,Mobile No.,City\nAsha,9822033445,{'P' * 200_000}\n", encoding="utf-8")
    assert len(read_source(path, MAPPING).cells["City"].iloc[0]) == 200_000


def test_numeric_header_reads_as_typed(tmp_path: Path) -> None:
    """A header typed as a number (a year) is named as Excel shows it, not 2024.0."""
    path = _workbook(tmp_path / "leads.xlsx", {"Leads": [[*ROWS[0], 2024], [*ROWS[1], 5]]})
    table = read_source(path, MAPPING)
    assert "2024" in table.cells.columns and table.cells["2024"].tolist() == ["5"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("empty.csv", b"", "the file is empty"),
        ("page.xls", b"<html><body><table></table></body></html>", "holds no table with data"),
        ("bom.xls", b"\xef\xbb\xbf<html><body><table></table></body></html>", "holds no table with data"),
        ("meta.xls", b"<meta http-equiv=Content-Type content='text/html'>\n<html><table>", "holds no table with data"),
        ("blank.xls", b"\r\n\r\n<html><table>", "holds no table with data"),
        ("wide.xls", "<html><table>".encode("utf-16"), "holds no table with data"),
        (
            "xmlss.xls",
            b'<?xml version="1.0"?>\n<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">',
            "Excel 2003 XML spreadsheet",
        ),
        ("broken.xlsx", b"PK\x03\x04 not really a zip", "not a readable XLSX workbook"),
        ("leads.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
    ],
)
def test_unusable_files_fail_clearly(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    """Files that cannot be leads get a SourceError that says why and names the file."""
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(LeadImportError, match=re.escape(message)) as err:
        read_source(path, MAPPING)
    assert name in str(err.value)


def test_excel_sep_hint_line(tmp_path: Path) -> None:
    """A first line `sep=;` (Excel's delimiter hint) sets the delimiter and is not a data row; Excel does not
    show it, so rows are numbered as Excel shows them (header on row 1), --header-row counting the same way."""
    path = tmp_path / "leads.csv"
    path.write_text("\ufeffsep=;\nFull Name;Mobile No.\nRao, Asha;9822033445\nRavi;9822044556\n", encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.delimiter == ";" and table.header_row == 1
    assert table.cells["Full Name"].tolist() == ["Rao, Asha", "Ravi"]
    assert table.sheet_row.tolist() == [2, 3]
    again = read_source(path, MAPPING, ReadOptions(header_row=1))
    assert again.header_row == 1 and again.sheet_row.tolist() == [2, 3]


def test_large_file_reads_every_row(tmp_path: Path) -> None:
    """A file larger than the preview window still finds its header and keeps every row, numbered."""
    path = tmp_path / "big.csv"
    rows = [f"P{i},98{i:08d},p{i}@x.com,Pune" for i in range(40_000)]
    path.write_text("Exported leads\n\nFull Name,Mobile No.,E-mail,City\n" + "\n".join(rows) + "\n", encoding="utf-8")
    assert path.stat().st_size > (1 << 20)
    table = read_source(path, MAPPING)
    assert table.header_row == 3 and len(table.cells) == 40_000
    assert table.sheet_row[[0, -1]].tolist() == [4, 40_003]
    assert table.cells["Full Name"].iloc[-1] == "P39999"


def test_workbooks_named_as_the_other_kind_are_read_by_content(tmp_path: Path) -> None:
    """Portals save a real XLSX as report.xls, and people rename an old .xls to .xlsx: both read."""
    book = _workbook(tmp_path / "made.xlsx", {"Leads": [list(r) for r in ROWS]})
    xlsx_as_xls = tmp_path / "report.xls"
    book.rename(xlsx_as_xls)
    assert read_source(xlsx_as_xls, MAPPING).cells["Full Name"].tolist() == [r[0] for r in ROWS[1:]]
    old = xlwt.Workbook()
    sheet = old.add_sheet("Leads")
    for r, row in enumerate(ROWS):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    xls_as_xlsx = tmp_path / "renamed.xlsx"
    old.save(str(xls_as_xlsx))
    assert read_source(xls_as_xlsx, MAPPING).cells["Mobile No."].tolist() == [r[1] for r in ROWS[1:]]


def test_a_workbook_renamed_csv_is_read_as_the_workbook_it_is(tmp_path: Path) -> None:
    """People rename leads.xlsx to leads.csv: the content, not the name, says how to read it."""
    book = _workbook(tmp_path / "leads.xlsx", {"Leads": [list(r) for r in ROWS]})
    renamed = tmp_path / "leads.csv"
    book.rename(renamed)
    table = read_source(renamed, MAPPING)
    assert table.sheet == "Leads"
    assert table.cells["Full Name"].tolist() == [r[0] for r in ROWS[1:]]
    zipped = tmp_path / "archive.csv"
    zipped.write_bytes(b"PK\x03\x04" + b"\x00" * 64)
    with pytest.raises(SourceError, match=r"not a text file but a workbook or ZIP archive"):
        read_source(zipped, MAPPING)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (gzip.compress(b"Name,Phone\nAsha,9812345678\n"), "this is a gzip-compressed file, not a spreadsheet; unpack"),
        (b'[{"name": "Asha", "phone": "9812345678"}]', "this is JSON data, not a spreadsheet"),
        (b'{"leads": []}', "this is JSON data, not a spreadsheet"),
        (b"%PDF-1.7\n", "this is a PDF document, not a spreadsheet"),
    ],
)
def test_files_that_are_no_spreadsheet_are_named(tmp_path: Path, content: bytes, message: str) -> None:
    """A gzip, JSON or PDF file saved as .csv says what it is, instead of a header made of its bytes."""
    path = tmp_path / "leads.csv"
    path.write_bytes(content)
    with pytest.raises(SourceError, match=re.escape(message)):
        read_source(path, MAPPING)


def test_durations_read_as_excel_shows_them_and_a_file_of_blank_lines_is_named(tmp_path: Path) -> None:
    import datetime as dt

    from importer.read.workbook import cell_text

    assert [cell_text(dt.timedelta(days=1, hours=12)), cell_text(dt.timedelta(minutes=5, seconds=3))] == [
        "36:00:00",
        "0:05:03",
    ]
    path = tmp_path / "blank.csv"
    path.write_text("\n\n,,\n\n", encoding="utf-8")
    with pytest.raises(SourceError, match="the file holds only blank lines"):
        read_source(path, MAPPING)


def test_a_stray_value_far_to_the_right_of_a_csv_adds_one_column_not_thousands(tmp_path: Path) -> None:
    """One row with a value 16,000 columns to the right (a paste gone astray): the file reads as the header's
    columns plus that one, named by its letter, instead of 16,000 empty columns of every row."""
    lines = ["Name,Phone,Email"] + [f"Lead {i},98220{i:05d},l{i}@example.com" for i in range(300)]
    lines[150] += "," * 16000 + "stray"
    lines[200] += ",,note"
    path = tmp_path / "stray.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    table = read_source(path, MAPPING, ReadOptions())
    assert list(table.cells.columns) == ["Name", "Phone", "Email", "Column E", "Column WQM"]
    assert table.cells["Column WQM"].tolist().count("stray") == 1
    assert table.cells["Column E"].tolist().count("note") == 1
    assert table.cells.loc[149, "Phone"] == "9822000149"


def test_rows_hidden_in_excel_are_read_and_the_summary_says_so(tmp_path: Path, run_cli: Any) -> None:
    """A sheet filtered in Excel (rows 3 and 5 hidden) is read whole, as the file holds it; the summary names the
    hidden rows, so a person who filtered it to the leads they meant does not send the others unawares."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Name", "Mobile No."])
    for i in range(5):
        sheet.append([f"Lead {i}", f"98200{i:05d}"])
    for row in (3, 5):
        sheet.row_dimensions[row].hidden = True
    path = tmp_path / "filtered.xlsx"
    book.save(path)
    mapping = tmp_path / "m.yaml"
    mapping.write_text("project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Mobile No.\n")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(path), "--mapping", str(mapping), "--report", str(report), "--no-ledger")
    assert result.exit_code == 0, result.output + result.stderr
    assert len(result.report) == 5
    assert "2 row(s) are hidden in Excel (filtered out or hidden by hand: rows 3, 5)" in result.output


@pytest.mark.parametrize("delimiter", [",", ";"])
def test_a_file_of_rows_each_wrapped_in_quotes_says_how_to_split_them(
    tmp_path: Path, run_cli: Any, delimiter: str
) -> None:
    """Rows pasted into Excel's column A and saved as CSV ("Name,Phone" per line): exit 2, and the message says
    each row is one cell and how to split it, not only that no column is named Name."""
    path = tmp_path / "pasted.csv"
    path.write_text(f'"Name{delimiter}Phone"\n"Asha Rao{delimiter}9820012345"\n"Ravi K{delimiter}9820012346"\n')
    mapping = tmp_path / "m.yaml"
    mapping.write_text("project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n")
    result = run_cli("validate", str(path), "--mapping", str(mapping), "--no-ledger")
    assert result.exit_code == 2
    assert "Row 1 is one cell holding a whole row" in result.stderr and "Text to Columns" in result.stderr
