"""Workbooks built to exhaust memory (zip bombs, OLE streams declaring more than the file holds) are refused
before any reader parses them, with exit 2 and the part and its size named."""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import xlwt
from openpyxl import Workbook

from importer.read import guards
from tests.conftest import CliRun

SHEET = "xl/worksheets/sheet1.xml"


def _good_xlsx(path: Path) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (["Full Name", "Mobile No."], ["Asha", "9822033445"], ["Ravi", "9822044556"]):
        sheet.append(row)
    book.save(path)
    return path


def _with_padded_part(source: Path, target: Path, part: str, pad: int, *, anchor: bytes) -> Path:
    """``source`` again, with ``pad`` bytes of spaces inserted in ``part`` after ``anchor`` (still valid XML)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in original.infolist():
            data = original.read(info.filename)
            if info.filename != part:
                out.writestr(info.filename, data)
                continue
            head, found, tail = data.partition(anchor)
            assert found
            with out.open(part, "w") as handle:
                handle.write(head + anchor)
                block = b" " * (1 << 22)
                for _ in range(pad // len(block)):
                    handle.write(block)
                handle.write(tail)
    return target


def _declare_size(path: Path, part: str, size: int) -> None:
    """Rewrite the unpacked size the archive declares for ``part`` (local header and central directory)."""
    data = bytearray(path.read_bytes())
    name = part.encode()
    local = data.find(b"PK\x03\x04")
    while local != -1:
        if data[local + 30 : local + 30 + len(name)] == name:
            struct.pack_into("<I", data, local + 22, size)
        local = data.find(b"PK\x03\x04", local + 4)
    central = data.find(b"PK\x01\x02")
    while central != -1:
        if data[central + 46 : central + 46 + len(name)] == name:
            struct.pack_into("<I", data, central + 24, size)
        central = data.find(b"PK\x01\x02", central + 4)
    path.write_bytes(bytes(data))


def test_xlsx_zip_bomb_is_refused_naming_the_part(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A small XLSX whose sheet part inflates 1000 to 1 is refused (exit 2) before calamine reads it."""
    bomb = _with_padded_part(
        _good_xlsx(tmp_path / "good.xlsx"), tmp_path / "bomb.xlsx", SHEET, 96 << 20, anchor=b"<sheetData>"
    )
    assert bomb.stat().st_size < 1 << 20
    for args in (("validate", str(bomb), "--mapping", str(mapping_file())), ("inspect", str(bomb))):
        result = run_cli(*args)
        assert result.exit_code == 2, result.output + result.stderr
        assert SHEET in result.stderr and "96.0 MiB" in result.stderr and "zip bomb" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_part_declaring_gigabytes_is_refused(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """The declared size alone is enough to refuse: the bomb of the issue declared 3 GiB."""
    book = _good_xlsx(tmp_path / "declared.xlsx")
    _declare_size(book, SHEET, 3 << 30)
    result = run_cli("validate", str(book), "--mapping", str(mapping_file()))
    assert result.exit_code == 2
    assert SHEET in result.stderr and "declares 3.0 GiB" in result.stderr


def test_a_part_larger_than_it_declares_is_refused(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real unpacked size counts, not the one the archive claims (limits lowered to keep the test small)."""
    monkeypatch.setattr(guards, "DEFAULT_LIMITS", guards.WorkbookLimits(part_bytes=4 << 20, ratio_floor=1 << 40))
    book = _with_padded_part(
        _good_xlsx(tmp_path / "good.xlsx"), tmp_path / "liar.xlsx", SHEET, 8 << 20, anchor=b"<sheetData>"
    )
    _declare_size(book, SHEET, 2048)
    result = run_cli("validate", str(book), "--mapping", str(mapping_file()))
    assert result.exit_code == 2
    assert SHEET in result.stderr and "unpacks to more than 4.0 MiB" in result.stderr
    assert "declares 2.0 KiB" in result.stderr


def test_ods_zip_bomb_is_refused(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """An ODS is a zip too: its content.xml inflating 1000 to 1 is refused."""
    ods = tmp_path / "bomb.ods"
    with zipfile.ZipFile(ods, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        with out.open("content.xml", "w") as handle:
            handle.write(b'<?xml version="1.0"?><office:document-content>')
            for _ in range(20):
                handle.write(b" " * (4 << 20))
            handle.write(b"</office:document-content>")
    result = run_cli("validate", str(ods), "--mapping", str(mapping_file()))
    assert result.exit_code == 2
    assert "'content.xml'" in result.stderr and "80.0 MiB" in result.stderr


def test_xls_stream_declaring_more_than_the_file_is_refused(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """An XLS whose Workbook stream claims 3 GiB in a 6 KiB file is refused, naming the stream."""
    path = tmp_path / "bomb.xls"
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    for r, row in enumerate((["Full Name", "Mobile No."], ["Asha", "9822033445"])):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    good = run_cli("validate", str(path), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    assert good.exit_code == 0, good.stderr
    data = bytearray(path.read_bytes())
    entry = data.find("Workbook".encode("utf-16-le"))
    assert entry > 0
    struct.pack_into("<I", data, entry + 120, 3 << 30)
    path.write_bytes(bytes(data))
    result = run_cli("validate", str(path), "--mapping", str(mapping_file()))
    assert result.exit_code == 2
    assert "'Workbook'" in result.stderr and "declares 3.0 GiB" in result.stderr


def test_real_workbooks_pass_the_guard(tmp_path: Path) -> None:
    """A workbook of 300,000 repetitive rows (its sheet deflates about 15 to 1) is not taken for a bomb."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    for _ in range(100_000):
        sheet.append(["", "", "x", 1, None, "y"])
    path = tmp_path / "big.xlsx"
    book.save(path)
    guards.check_workbook(path)


def _xls(path: Path) -> Path:
    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    for r, row in enumerate((["Full Name", "Mobile No."], ["Asha", "9822033445"])):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    book.save(str(path))
    return path


@pytest.mark.parametrize("damage", ["directory count", "looping chain"])
def test_an_xls_whose_structure_would_exhaust_memory_is_refused(
    tmp_path: Path, mapping_file: Callable[..., Path], damage: str
) -> None:
    """Found by the fuzz: a sector chain that loops made the native reader ask for gigabytes and abort the
    process (exit 134); header counts larger than the file are refused alike. Now exit 2, "damaged"."""
    import resource
    import subprocess
    import sys

    path = _xls(tmp_path / "leads.xls")
    data = bytearray(path.read_bytes())
    if damage == "directory count":
        struct.pack_into("<I", data, 0x28, 0x7FFFFFFF)
    else:
        dir_start = struct.unpack_from("<I", data, 0x30)[0]
        fat_sector = struct.unpack_from("<I", data, 0x4C)[0]
        struct.pack_into("<I", data, 512 * (fat_sector + 1) + 4 * dir_start, dir_start)
    path.write_bytes(bytes(data))

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "importer", "validate", str(path), "-m", str(mapping_file())],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=120,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert "this XLS file is damaged" in done.stderr
