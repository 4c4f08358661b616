"""An Excel binary workbook's (.xlsb) hidden rows are named in the summary, as an XLSX's, XLS's and ODS's are: read
from the sheet's own row records, never another sheet's, never bytes that only look like a row record."""

from __future__ import annotations

import struct
import zipfile
from pathlib import Path
from typing import Any

from importer.read.xlsb_rows import xlsb_hidden_rows
from tests.sandbox_util import good_phones

MAPPING = "project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Mobile No.\n"


def _record(kind: int, data: bytes = b"") -> bytes:
    """A BIFF12 record: its type and length 7 bits a byte, the high bit saying another byte follows."""
    head = bytes([kind]) if kind < 0x80 else bytes([(kind & 0x7F) | 0x80, kind >> 7])
    length, size = len(data), b""
    while True:
        byte, length = length & 0x7F, length >> 7
        size += bytes([byte | (0x80 if length else 0)])
        if not length:
            break
    return head + size + data


def _text(value: str) -> bytes:
    return struct.pack("<I", len(value)) + value.encode("utf-16-le")


def _sheet(rows: list[list[str | int]], hidden: set[int], spans: int = 1, styled: tuple[int, ...] = ()) -> bytes:
    """A sheet part: each row's header (hidden ones flagged fDyZero; ``spans`` column spans, one as Excel writes for
    a row of fewer than 1,024 columns) and its cells: text as inline strings, numbers as reals of the cell format
    after the general one for each of the ``styled`` columns (in their order), else the general one."""
    width = max(len(r) for r in rows)
    out = [_record(0x81), _record(0x94, struct.pack("<IIII", 0, len(rows) - 1, 0, width - 1)), _record(0x91)]
    for r, row in enumerate(rows):
        flags = 0x10 if r in hidden else 0
        head = struct.pack("<IIHBBBI", r, 0, 300, 0, flags, 0, spans)
        out.append(_record(0x00, head + struct.pack("<II", 0, width) * spans))
        for c, value in enumerate(row):
            if isinstance(value, int):
                style = styled.index(c) + 1 if c in styled else 0
                out.append(_record(0x05, struct.pack("<IId", c, style, float(value))))
            else:
                out.append(_record(0x06, struct.pack("<II", c, 0) + _text(value)))
    out += [_record(0x92), _record(0x82)]
    return b"".join(out)


def _styles(codes: list[str]) -> bytes:
    """A styles part: the number formats (numbered from 164) and a cell format for each after the general one."""
    out = [_record(0x267, struct.pack("<I", len(codes)))]
    out += [_record(0x2C, struct.pack("<H", 164 + i) + _text(code)) for i, code in enumerate(codes)]
    out.append(_record(0x269, struct.pack("<I", len(codes) + 1)))
    out += [
        _record(0x2F, struct.pack("<HH", 0xFFFF, number) + b"\0" * 12) for number in [0, *range(164, 164 + len(codes))]
    ]
    out.append(_record(0x26A))
    return b"".join(out)


def write_xlsb(
    path: Path,
    sheets: dict[str, tuple[list[list[str | int]], set[int]]],
    *,
    spans: int = 1,
    formats: dict[int, str] | None = None,
) -> Path:
    """A workbook of sheets of inline strings and numbers, rows hidden as given, in Excel's binary format;
    ``formats``: column → the number format of its numbers."""
    book = [_record(0x83)]
    rels = []
    styled = tuple(formats or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        if formats:
            archive.writestr("xl/styles.bin", _styles(list(formats.values())))
        for i, (name, (rows, hidden)) in enumerate(sheets.items(), start=1):
            book.append(_record(0x9C, struct.pack("<II", 0, i) + _text(f"rId{i}") + _text(name)))
            rels.append(
                f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                f'worksheet" Target="worksheets/sheet{i}.bin"/>'
            )
            archive.writestr(f"xl/worksheets/sheet{i}.bin", _sheet(rows, hidden, spans, styled))
        book += [_record(0x90), _record(0x9D, b"\0" * 26), _record(0x84)]
        archive.writestr("xl/workbook.bin", b"".join(book))
        archive.writestr(
            "xl/_rels/workbook.bin.rels",
            '<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/'
            f'2006/relationships">{"".join(rels)}</Relationships>',
        )
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="bin" ContentType="application/vnd.ms-excel.sheet.binary.macroEnabled.'
            'main"/></Types>',
        )
    return path


def _leads(count: int, seed: int) -> list[list[str | int]]:
    leads: list[list[str | int]] = [["Name", "Mobile No."]]
    return leads + [[f"Lead {i}", p] for i, p in enumerate(good_phones(count, seed=seed))]


def test_rows_hidden_in_an_xlsb_are_named_in_the_summary(tmp_path: Path, run_cli: Any) -> None:
    """The rows a filter hides in the sheet read are read like the others and named; another tab's are not."""
    path = write_xlsb(
        tmp_path / "filtered.xlsb", {"Leads": (_leads(6, 901), {2, 5}), "Old": (_leads(4, 902), {1, 2, 3})}
    )
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    result = run_cli("validate", str(path), "--mapping", str(tmp_path / "m.yaml"), "--no-ledger")
    assert result.exit_code == 0, result.output + result.stderr
    assert "6 data rows" in result.output
    assert "2 row(s) are hidden in Excel (filtered out or hidden by hand: rows 3, 6)" in result.output


def test_xlsb_hidden_rows_by_sheet_and_lookalike_bytes(tmp_path: Path) -> None:
    """Each sheet's own rows; a cell whose text holds a hidden row record's bytes hides nothing."""
    # type 0, length 25 (one column span), fDyZero 11 bytes on, then a count of one span: as a cell's UTF-16 text
    shaped = b"\x00\x19" + b"\x00" * 11 + b"\x10\x00" + struct.pack("<I", 1) + b"\x00"
    rows: list[list[str | int]] = [*_leads(3, 903), ["Note", shaped.decode("utf-16-le")]]
    path = write_xlsb(tmp_path / "two.xlsb", {"A": (rows, set()), "Б": (_leads(3, 904), {0, 3})})
    with zipfile.ZipFile(path) as archive:
        assert shaped in archive.read("xl/worksheets/sheet1.bin")
        assert xlsb_hidden_rows(archive, "A") == []
        assert xlsb_hidden_rows(archive, "Б") == [0, 3]
        assert xlsb_hidden_rows(archive, "Missing") == []


def test_xlsb_rows_of_many_column_spans_are_read(tmp_path: Path) -> None:
    """A row record as long as a row of 16 column spans writes (a length of two bytes) is read like a short one."""
    path = write_xlsb(tmp_path / "wide.xlsb", {"A": (_leads(4, 905), {1, 4})}, spans=16)
    with zipfile.ZipFile(path) as archive:
        assert xlsb_hidden_rows(archive, "A") == [1, 4]


def test_an_xlsb_reads_numbers_as_their_formats_show_them(tmp_path: Path, run_cli: Any) -> None:
    """A Lead ID formatted 00000 reads 00123 and a mobile whose +44 is only in its format keeps it, as in an XLSX."""
    rows: list[list[str | int]] = [["Lead ID", "Name", "Mobile No."]]
    rows += [[123 + i, f"Lead {i}", 7400123456 + i] for i in range(2)]
    path = write_xlsb(
        tmp_path / "formatted.xlsb", {"Leads": (rows, set())}, formats={0: "00000", 2: '"+44 "0000 000000'}
    )
    (tmp_path / "m.yaml").write_text(MAPPING + "  referenceId: Lead ID\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    result = run_cli(
        "validate", str(path), "--mapping", str(tmp_path / "m.yaml"), "--report", str(report), "--no-ledger"
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert [(r["referenceId"], r["phone_e164"]) for r in result.report] == [
        ("00123", "+447400123456"),
        ("00124", "+447400123457"),
    ]
    assert "00123, 00124" in run_cli("inspect", str(path)).output


def test_a_hidden_row_after_a_name_that_ends_like_a_row_record_is_named(tmp_path: Path, run_cli: Any) -> None:
    """The name "Ewa Kępska" last in the row before a hidden Excel row 18: its UTF-16 bytes (00 19 for "Kę") start
    what looks like a row record, whose bytes run into the hidden row's own record. That row is named still."""
    leads = _leads(20, 905)
    rows: list[list[str | int]] = [[mobile, name] for name, mobile in leads]
    rows[16][1] = "Ewa Kępska"
    path = write_xlsb(tmp_path / "names_last.xlsb", {"Leads": (rows, {17})})
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    result = run_cli("validate", str(path), "--mapping", str(tmp_path / "m.yaml"), "--no-ledger")
    assert result.exit_code == 0, result.output + result.stderr
    assert "1 row(s) are hidden in Excel (filtered out or hidden by hand: rows 18)" in result.output
