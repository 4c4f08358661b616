"""An Excel 97-2003 workbook's hidden rows are found in its own records, in the one reading of the file: the rows
of the sheet read, at any depth of a large sheet, never another sheet's, never bytes that only look like a row."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import xlwt

from importer.read.ole import check_compound_file, read_stream
from importer.read.xls_rows import xls_cells, xls_hidden_rows
from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import good_phones, run_env

MAPPING = "project_id: p\nprocess_id: q\ndefault_region: IN\nfields:\n  name: Name\n  phone: Mobile No.\n"


def _book(path: Path, sheets: dict[str, tuple[int, set[int]]], *, lookalike: bool = False) -> Path:
    """Per sheet name: (leads, 0-based rows hidden); ``lookalike``: a formula whose text holds a hidden ROW
    record's bytes."""
    book = xlwt.Workbook(encoding="utf-8")
    for name, (count, hidden) in sheets.items():
        sheet = book.add_sheet(name)
        sheet.write(0, 0, "Name")
        sheet.write(0, 1, "Mobile No.")
        for i, phone in enumerate(good_phones(count, seed=500 + count), start=1):
            sheet.write(i, 0, f"Lead {i}")
            sheet.write(i, 1, phone)
        if lookalike:
            sheet.write(1, 2, xlwt.Formula('"' + "\x08\x02\x10\x00" + "\x01" * 12 + '\xff"'))
        for row in hidden:
            sheet.row(row).hidden = True
    book.save(str(path))
    return path


def test_hidden_rows_of_the_xls_sheet_asked_for_are_named(tmp_path: Path, run_cli: Any) -> None:
    """The summary names the rows hidden in the sheet read (by --sheet), not those of the sheet before it."""
    path = _book(tmp_path / "filtered.xls", {"Old": (4, {1, 2, 3}), "Лиды": (6, {2, 5})})
    (tmp_path / "m.yaml").write_text(MAPPING, encoding="utf-8")
    result = run_cli("validate", str(path), "--mapping", str(tmp_path / "m.yaml"), "--sheet", "Лиды", "--no-ledger")
    assert result.exit_code == 0, result.output + result.stderr
    assert "2 row(s) are hidden in Excel (filtered out or hidden by hand: rows 3, 6)" in result.output


def test_only_the_sheet_read_counts_in_a_large_xls_with_a_sheet_named_in_cyrillic(tmp_path: Path) -> None:
    """Rows hidden deep in a sheet of thousands (a stream of many sectors) are found; another sheet's are not."""
    path = _book(tmp_path / "big.xls", {"Notes": (50, {3, 4}), "Лиды": (6000, {1500, 5999})})
    assert xls_hidden_rows(path, "Лиды") == [1500, 5999]
    assert xls_hidden_rows(path, "Notes") == [3, 4]
    assert xls_hidden_rows(path, "Missing") == []


def test_bytes_that_only_look_like_a_hidden_row_are_not_one(tmp_path: Path) -> None:
    """A formula whose text holds the bytes of a hidden row's record hides no row."""
    path = _book(tmp_path / "lookalike.xls", {"Leads": (10, set())}, lookalike=True)
    assert b"\x08\x02\x10\x00" + b"\x01" * 12 + b"\xff" in path.read_bytes()
    assert xls_hidden_rows(path, "Leads") == []
    hiding = _book(tmp_path / "lookalike_hidden.xls", {"Leads": (10, {7})}, lookalike=True)
    assert xls_hidden_rows(hiding, "Leads") == [7]


_END, _FREE, _FAT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD


def _in_mini_stream(stream: bytes, path: Path) -> Path:
    """A compound file (version 3) holding ``stream`` as its Workbook stream, under 4 KiB so in 64-byte mini
    sectors, as a writer that does not pad the stream to 4 KiB saves a small workbook."""
    size = len(stream)
    assert size < 4096
    minis = -(-size // 64)
    container = stream.ljust(minis * 64, b"\0")
    sectors = -(-len(container) // 512)
    fat = [_FAT, _END, _END, *range(4, 3 + sectors), _END]
    header = bytearray(512)
    header[:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, 2, 1, _END, 0, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *[_FREE] * 108)

    def entry(name: str, kind: int, child: int, start: int, length: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", raw, 64, len(encoded), kind, 1, _FREE, _FREE, child)
        struct.pack_into("<IQ", raw, 116, start, length)
        return bytes(raw)

    directory = entry("Root Entry", 5, 1, 3, len(container)) + entry("Workbook", 2, _FREE, 0, size)
    mini_fat = [*range(1, minis), _END]
    parts = [
        bytes(header),
        struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat))),
        directory.ljust(512, b"\0"),
        struct.pack("<128I", *mini_fat, *[_FREE] * (128 - len(mini_fat))),
        container.ljust(sectors * 512, b"\0"),
    ]
    path.write_bytes(b"".join(parts))
    return path


def _with_embedded(stream: bytes, embedded: bytes, path: Path) -> Path:
    """A compound file (version 3) holding ``stream`` as its Workbook stream and, in a storage beside it, another
    Workbook stream (``embedded``), as Excel saves a workbook with an embedded worksheet object; both under 4 KiB,
    so in 64-byte mini sectors."""
    firsts = [-(-len(stream) // 64), -(-len(embedded) // 64)]
    container = stream.ljust(firsts[0] * 64, b"\0") + embedded.ljust(firsts[1] * 64, b"\0")
    sectors = -(-len(container) // 512)
    fat = [_FAT, _END, _END, *range(4, 3 + sectors), _END]
    header = bytearray(512)
    header[:8] = bytes.fromhex("d0cf11e0a1b11ae1")
    struct.pack_into("<HHHHH", header, 0x18, 0x3E, 3, 0xFFFE, 9, 6)
    struct.pack_into("<IIIIIIIIII", header, 0x28, 0, 1, 1, 0, 4096, 2, 1, _END, 0, 0)
    struct.pack_into("<109I", header, 0x4C, 0, *[_FREE] * 108)

    def entry(name: str, kind: int, right: int, child: int, start: int, length: int) -> bytes:
        raw = bytearray(128)
        encoded = (name + "\0").encode("utf-16-le")
        raw[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", raw, 64, len(encoded), kind, 1, _FREE, right, child)
        struct.pack_into("<IQ", raw, 116, start, length)
        return bytes(raw)

    directory = (
        entry("Root Entry", 5, _FREE, 1, 3, len(container))
        + entry("Workbook", 2, 2, _FREE, 0, len(stream))
        + entry("MBD0001", 1, _FREE, 3, 0, 0)
        + entry("Workbook", 2, _FREE, _FREE, firsts[0], len(embedded))
    )
    mini_fat = [*range(1, firsts[0]), _END, *range(firsts[0] + 1, sum(firsts)), _END]
    parts = [
        bytes(header),
        struct.pack("<128I", *fat, *[_FREE] * (128 - len(fat))),
        directory.ljust(512, b"\0"),
        struct.pack("<128I", *mini_fat, *[_FREE] * (128 - len(mini_fat))),
        container.ljust(sectors * 512, b"\0"),
    ]
    path.write_bytes(b"".join(parts))
    return path


def test_an_embedded_workbook_object_is_not_read_for_the_workbook(tmp_path: Path) -> None:
    """An .xls holding another workbook as an embedded object (its own Workbook stream, in a storage): the rows
    hidden are the workbook's own, whatever the embedded one's sheet of the same name hides."""
    own = read_stream(_book(tmp_path / "own.xls", {"L": (2, {1})}), ("Workbook",))
    other = read_stream(_book(tmp_path / "other.xls", {"L": (2, {2})}), ("Workbook",))
    assert own is not None and other is not None
    path = _with_embedded(own[:4032], other[:4032], tmp_path / "embedding.xls")
    assert [s.name for s in check_compound_file(path)] == ["Root Entry", "Workbook", "Workbook"]
    assert xls_hidden_rows(path, "L") == [1]


def test_a_small_xls_in_the_mini_stream_and_a_damaged_one(tmp_path: Path) -> None:
    """A workbook under 4 KiB (its stream kept in 64-byte mini sectors) is read; a damaged file hides nothing."""
    path = _book(tmp_path / "small.xls", {"L": (2, {1})})
    stream = read_stream(path, ("Workbook",))
    assert stream is not None
    small = _in_mini_stream(stream[:4032], tmp_path / "mini.xls")
    assert [s.size for s in check_compound_file(small)] == [4032, 4032]
    assert xls_hidden_rows(small, "L") == [1]
    broken = tmp_path / "broken.xls"
    broken.write_bytes(path.read_bytes()[:600])
    assert xls_hidden_rows(broken, "L") == []


def _formatted_book(path: Path, phones: list[str]) -> Path:
    """Lead IDs typed as numbers formatted 00000, mobiles as numbers formatted "+44 "0000 000000."""
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    padded, coded = xlwt.easyxf(num_format_str="00000"), xlwt.easyxf(num_format_str='"+44 "0000 000000')
    for c, header in enumerate(["Lead ID", "Name", "Mobile No."]):
        sheet.write(0, c, header)
    for i, phone in enumerate(phones, start=1):
        sheet.write(i, 0, 122 + i, padded)
        sheet.write(i, 1, f"Lead {i}")
        sheet.write(i, 2, int(phone), coded)
    book.save(str(path))
    return path


def test_an_xls_reads_numbers_as_their_formats_show_them(tmp_path: Path, run_cli: Any, sandbox: Sandbox) -> None:
    """An .xls Lead ID formatted 00000 goes in as 00123 (as the same sheet saved as .xlsx does, so the lead is one
    lead whichever file brings it), and a UK mobile whose +44 is only in its format keeps it, in an Indian sheet."""
    path = _formatted_book(tmp_path / "formatted.xls", ["7400123456", "7400123457"])
    mapping = tmp_path / "m.yaml"
    text = MAPPING.replace("project_id: p\nprocess_id: q", f"project_id: {PROJECT}\nprocess_id: {PROCESS}")
    mapping.write_text(text + "  referenceId: Lead ID\n", encoding="utf-8")
    env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    result = run_cli("run", str(path), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), env=env)
    assert result.exit_code == 0, result.output + result.stderr
    stored = {str(lead["referenceId"]): lead["phone"] for lead in sandbox.leads()}
    assert stored == {"00123": "+447400123456", "00124": "+447400123457"}
    shown = run_cli("inspect", str(path))
    assert "00123, 00124" in shown.output and "+44 7400 123456" in shown.output


def test_numbers_of_a_mulrk_record_read_as_shown(tmp_path: Path) -> None:
    """Excel writes a row's run of small numbers as one MULRK record: each of its cells reads as its format shows."""
    path = _formatted_book(tmp_path / "small.xls", ["7400123456"])
    stream = read_stream(path, ("Workbook",))
    assert stream is not None
    rk = re.search(rb"\x7e\x02\x0a\x00\x01\x00\x00\x00(..)(....)", stream, re.DOTALL)  # A2: 123, padded format
    assert rk is not None
    xf, value = rk.group(1), rk.group(2)
    seven = struct.pack("<I", (7 << 2) | 2)  # an RK integer
    mulrk = b"\xbd\x00\x12\x00\x01\x00\x00\x00" + xf + value + xf + seven + b"\x01\x00"  # A2 and B2
    changed = (stream[: rk.start()] + mulrk + stream[rk.end() :])[:4032]
    assert changed.rstrip(b"\0").endswith(b"\x0a")  # the EOF record closing the sheet is kept
    cells = xls_cells(_in_mini_stream(changed, tmp_path / "mulrk.xls"), "Leads")
    assert cells.padded[(1, 0)] == "00123" and cells.padded[(1, 1)] == "00007"
    assert cells.shown[(1, 2)] == "+44 7400 123456"


def test_a_formula_id_in_any_row_reads_as_its_format_shows_it(tmp_path: Path, run_cli: Any, sandbox: Sandbox) -> None:
    """Lead IDs computed by formulas (=120+1 ...) formatted 00000, beside text cells: every one goes in padded,
    also in Excel's row 8, whose cell before the formula holds the bytes 06 00 (its row) that a formula record
    starts with."""
    phones = good_phones(9, seed=77)
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    padded = xlwt.easyxf(num_format_str="00000")
    for c, header in enumerate(["Name", "Lead ID", "Mobile No."]):
        sheet.write(0, c, header)
    for i, phone in enumerate(phones, start=1):
        sheet.write(i, 0, f"Lead {i}")
        sheet.write(i, 1, xlwt.Formula(f"120+{i}"), padded)
        sheet.write(i, 2, phone)
    path = tmp_path / "formulas.xls"
    book.save(str(path))
    data = bytearray(path.read_bytes())  # the results Excel would have stored (xlwt stores none)
    for found in re.finditer(rb"\x06\x00..([\x01-\x09])\x00\x01\x00..(.{8})", bytes(data), re.DOTALL):
        data[found.start(2) : found.end(2)] = struct.pack("<d", 120.0 + found.group(1)[0])
    path.write_bytes(bytes(data))
    mapping = tmp_path / "m.yaml"
    text = MAPPING.replace("project_id: p\nprocess_id: q", f"project_id: {PROJECT}\nprocess_id: {PROCESS}")
    mapping.write_text(text + "  referenceId: Lead ID\n", encoding="utf-8")
    env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    result = run_cli("run", str(path), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), env=env)
    assert result.exit_code == 0, result.output + result.stderr
    assert sorted(str(lead["referenceId"]) for lead in sandbox.leads()) == [f"{120 + i:05d}" for i in range(1, 10)]
