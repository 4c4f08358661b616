"""Mutated CSV and XLSX files fed to ``leadimport validate``: whatever the bytes, the command ends with an
exit code of 0-3 and a message, never an unhandled exception.

A few examples run in the normal suite; ``make fuzz`` runs many more (LEADIMPORT_FUZZ_EXAMPLES).
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook

from importer.cli.commands import main
from tests.sandbox_util import MAPPING, good_phones

EXAMPLES = int(os.environ.get("LEADIMPORT_FUZZ_EXAMPLES", "15"))
PHONES = good_phones(6, seed=99)
SEED_CSV = (
    "Name,Phone,Email,City\n"
    + "".join(f"Lead {i},{p},l{i}@example.com,Pune\n" for i, p in enumerate(PHONES))
    + '"Quoted, name",+91 98220 33445,q@x.in,"Navi Mumbai, MH"\nTotal,7,,\n'
).encode("utf-8")
TOKENS = [
    b",",
    b";",
    b"\t",
    b'"',
    b"\n",
    b"\r",
    b"\x00",
    b"\x1a",
    b"\xff\xfe",
    b"\xef\xbb\xbf",
    b"=",
    b"'",
    b"9" * 40,
    b"@",
    b"\xe2\x80\xaa",
    b"#N/A",
    b"sep=;\n",
    b"Name,Phone\n",
    b"\xc3",
    b"<table>",
    b"PK\x03\x04",
]


def _seed_xlsx() -> bytes:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone", "Email", "City"])
    for i, phone in enumerate(PHONES):
        sheet.append([f"Lead {i}", phone, f"l{i}@example.com", "Pune"])
    sheet.append(["Merged", 9822033445.0, "=1+1", None])
    sheet.merge_cells("D2:D4")
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SEED_XLSX = _seed_xlsx()


def _seed_xls() -> bytes:
    import xlwt

    book = xlwt.Workbook()
    sheet = book.add_sheet("Leads")
    for r, row in enumerate(
        [["Name", "Phone", "Email"], *([f"Lead {i}", p, f"l{i}@x.in"] for i, p in enumerate(PHONES))]
    ):
        for c, value in enumerate(row):
            sheet.write(r, c, value)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


SEED_XLS = _seed_xls()


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few byte-level mutations: flips, deletions, insertions of tricky tokens, repeats."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=20))
            continue
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "delete", "insert", "token", "repeat", "truncate"]))
        if op == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        elif op == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=30))
        elif op == "token":
            data[at:at] = draw(st.sampled_from(TOKENS))
        elif op == "repeat":
            chunk = bytes(data[at : at + draw(st.integers(1, 200))])
            data[at:at] = chunk * draw(st.integers(2, 50))
        else:
            del data[at:]
    return bytes(data)


@st.composite
def mutated_xlsx(draw: st.DrawFn) -> bytes:
    """The seed workbook with one of its XML parts mutated and zipped again (so the reader parses it), or
    the archive's own bytes mutated."""
    if draw(st.booleans()):
        return draw(mutated(SEED_XLSX))
    with zipfile.ZipFile(io.BytesIO(SEED_XLSX)) as original:
        parts = {info.filename: original.read(info.filename) for info in original.infolist()}
    target = draw(st.sampled_from(sorted(parts)))
    parts[target] = draw(mutated(parts[target]))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out.getvalue()


def _validate(tmp: Path, name: str, data: bytes) -> None:
    """Run ``validate`` on ``data`` saved as ``name``; fail on an unhandled exception or another exit code."""
    sheet = tmp / name
    sheet.write_bytes(data)
    mapping = tmp / "m.yaml"
    if not mapping.exists():
        mapping.write_text(MAPPING, encoding="utf-8")
    result = CliRunner().invoke(
        main, ["validate", str(sheet), "-m", str(mapping), "--report", str(tmp / "r.csv")], catch_exceptions=True
    )
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception  # shrunk by Hypothesis and shown with its traceback: a finding
    assert result.exit_code in (0, 1, 2, 3), result.output
    assert "Traceback" not in result.output


FUZZ = settings(
    max_examples=EXAMPLES,
    deadline=None,
    derandomize=EXAMPLES <= 50,  # the suite's short run is the same every time; make fuzz explores
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture, HealthCheck.data_too_large],
)


@pytest.mark.fuzz
@FUZZ
@given(data=mutated(SEED_CSV), suffix=st.sampled_from([".csv", ".txt", ".xls", ".xlsx"]))
def test_mutated_csv_files_end_with_a_documented_exit_code(tmp_path: Path, data: bytes, suffix: str) -> None:
    """A CSV with flipped, deleted, inserted and repeated bytes (under several names): exit 0-3, no traceback."""
    _validate(tmp_path, f"leads{suffix}", data)


@pytest.mark.fuzz
@FUZZ
@given(data=mutated_xlsx(), suffix=st.sampled_from([".xlsx", ".csv"]))
def test_mutated_xlsx_files_end_with_a_documented_exit_code(tmp_path: Path, data: bytes, suffix: str) -> None:
    """An XLSX with a mutated part or mutated archive bytes: exit 0-3, no traceback."""
    _validate(tmp_path, f"leads{suffix}", data)


def test_a_sheet_part_with_a_broken_deflate_stream_is_exit_2(tmp_path: Path) -> None:
    """Found by the fuzz: a sheet part whose compressed bytes are damaged ("invalid distance too far back")
    made the look at its used range raise zlib.error, a traceback; it is an unreadable workbook (exit 2)."""
    import zlib

    with zipfile.ZipFile(io.BytesIO(SEED_XLSX)) as original:
        info = original.getinfo("xl/worksheets/sheet1.xml")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for offset in range(start + 2, start + info.compress_size):
        data = bytearray(SEED_XLSX)
        data[offset] ^= 0xFF
        try:
            with zipfile.ZipFile(io.BytesIO(bytes(data))) as damaged, damaged.open(info.filename) as handle:
                handle.read()
        except zlib.error:
            break
        except (zipfile.BadZipFile, EOFError, ValueError):
            continue
    else:
        pytest.skip("no single-byte change of this zlib's stream gives a zlib error")
    _validate(tmp_path, "leads.xlsx", bytes(data))


@pytest.mark.fuzz
@FUZZ
@given(data=mutated(SEED_XLS))
def test_mutated_xls_files_end_with_a_documented_exit_code(tmp_path: Path, data: bytes) -> None:
    """An XLS (an OLE compound file) with mutated bytes: exit 0-3, no traceback, no hang."""
    _validate(tmp_path, "leads.xls", data)
