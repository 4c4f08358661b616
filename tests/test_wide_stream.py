"""A text file of very many columns read a chunk of rows at a time (parsed by the csv module, not Arrow's
reader) gives the report of the file read whole, byte for byte: quoted cells, doubled quotes, other scripts,
spreadsheet tricks, control characters, error values, CRLF line ends; and a file that reading cannot promise
the same rows for (a line break in a cell, a short row, bytes that are not UTF-8) is read whole instead."""

from __future__ import annotations

from pathlib import Path

import pytest

import importer
from importer.read.stream import QUOTED, RAGGED, TextStream
from importer.read.wide_rows import WIDE_COLUMNS

MAPPING = """\
project_id: 64f0c0ffee0000000000aaaa
process_id: 64f0c0ffee0000000000beef
default_region: IN
metadata_unmapped: true
fields:
  name: Name
  phone: Phone
  email: Email
"""
COLUMNS = 4 * WIDE_COLUMNS  # rows of about 50 kB: a block of Arrow's reader would hold only 20 of them
TRICKY = [
    '"Pune, Maharashtra"',
    '"She said ""call after 6"""',
    "José Müller",
    "東京都",
    "",
    " padded ",
    "'0123",
    '="00789"',
    "#REF!",
    "tab\there",
    "nul\x00inside",
    "=1+2",
    "+91 98201 23456",
    '"a ""quoted"", and, commas"',
]


def _sheet(path: Path, *, rows: int = 12, line_end: str = "\r\n", extra: str = "") -> Path:
    header = ["Name", "Phone", "Email", *(f"Q{i}" for i in range(COLUMNS - 3))]
    lines = [",".join(header)]
    for r in range(rows):
        answers = [TRICKY[(r * 7 + c) % len(TRICKY)] for c in range(COLUMNS - 3)]
        lines.append(",".join([f"Person {r}", f"98201{r:05d}", f"p{r}@example.com", *answers]))
    path.write_bytes((line_end.join(lines) + line_end + extra).encode("utf-8"))
    return path


def _reports(sheet: Path, tmp_path: Path) -> tuple[bytes, bytes, TextStream | None]:
    """The report of the file read whole, the one written while reading it a chunk at a time, and the stream
    the latter was read from (None: it was read whole)."""
    (tmp_path / "m.yaml").write_text(MAPPING)
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    whole = importer.validate_file(sheet, mapping).write_report(tmp_path / "whole.csv").read_bytes()
    outcome = importer.validate_file(sheet, mapping, report=tmp_path / "streamed.csv")
    assert outcome.report_path is not None
    return whole, outcome.report_path.read_bytes(), outcome.prepared.stream


@pytest.mark.parametrize("line_end", ["\r\n", "\n"])
def test_a_wide_file_streamed_gives_the_report_of_the_whole_file(tmp_path: Path, line_end: str) -> None:
    whole, streamed, stream = _reports(_sheet(tmp_path / "wide.csv", line_end=line_end), tmp_path)
    assert stream is not None and stream.wide  # parsed by the csv module
    assert streamed == whole
    text = streamed.decode("utf-8-sig")
    assert '"She said ""call after 6"""' in text and "東京都" in text  # the cells reached the report
    assert "control-characters" in text  # the NUL was removed and said so, as the whole read does


def test_a_wide_file_with_a_line_break_in_a_cell_is_read_by_arrows_quote_aware_parser(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "wide.csv", extra=",".join(["Late", "9820199999", "l@example.com", '"two\nlines"']))
    sheet.write_bytes(sheet.read_bytes() + ("," * (COLUMNS - 4)).encode() + b"\r\n")
    whole, streamed, stream = _reports(sheet, tmp_path)
    assert stream is not None and stream.mode == QUOTED  # not the csv module's line-by-line wide reading
    assert streamed == whole
    assert b'"two\nlines"' in streamed


def test_a_wide_file_with_a_short_row_is_read_as_a_ragged_file(tmp_path: Path) -> None:
    sheet = _sheet(tmp_path / "wide.csv", extra="Short,9820188888,s@example.com,only one answer\r\n")
    whole, streamed, stream = _reports(sheet, tmp_path)
    assert stream is not None and stream.mode == RAGGED
    assert streamed == whole
    assert "short-row" in streamed.decode("utf-8-sig")


def test_a_wide_header_is_matched_whatever_its_case_spacing_punctuation_and_script(tmp_path: Path) -> None:
    """A header row of more than a thousand cells finds the mapping's columns as a short one does: case,
    spaces and punctuation ignored, accented headers matched too."""
    (tmp_path / "m.yaml").write_text(
        "project_id: 64f0c0ffee0000000000aaaa\nprocess_id: 64f0c0ffee0000000000beef\ndefault_region: IN\n"
        "fields:\n  name: Nom complet\n  phone: Téléphone (mobile)\n  email: E-Mail\n"
        "metadata:\n  ville:\n    columns: [Ville]\n"
    )
    header = [f"Q{i}" for i in range(COLUMNS - 4)] + ["  NOM   COMPLET ", "TÉLÉPHONE MOBILE", "e_mail", "VILLE!"]
    rows = [[f"a{i}" for i in range(COLUMNS - 4)] + [f"Personne {r}", f"98201{r:05d}", f"p{r}@example.com", "Lyon"]
            for r in range(5)]  # fmt: skip
    sheet = tmp_path / "wide.csv"
    sheet.write_text("\n".join(",".join(row) for row in [header, *rows]) + "\n", encoding="utf-8")
    outcome = importer.validate_file(sheet, importer.load_mapping(tmp_path / "m.yaml"), report=tmp_path / "r.csv")
    assert outcome.rows["status"].tolist() == ["valid"] * 5
    assert outcome.table.columns == {
        "name": "NOM   COMPLET",
        "phone": "TÉLÉPHONE MOBILE",
        "email": "e_mail",
        "metadata.ville": "VILLE!",
    }
