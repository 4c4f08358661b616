"""Spreadsheet workbooks (XLSX, XLSM, XLS, XLSB, ODS) read through python-calamine."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import struct
import zipfile
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path

from python_calamine import CalamineWorkbook, SheetVisibleEnum

from importer.errors import SourceError
from importer.read.guards import check_workbook
from importer.read.ods_prefixes import odf_with_usual_prefixes
from importer.read.ole import Damaged, check_compound_file
from importer.read.spreadsheetml import XmlWorkbook, is_spreadsheetml
from importer.read.xlsx_cells import HiddenCells, hidden_cells

WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
# Excel keeps 15 significant digits; a whole number above this was rounded by Excel.
EXACT_LIMIT = 10**15
LARGE_USED_RANGE = 250_000
"""Rows in a sheet's used range above which it is read row by row."""


Workbook = CalamineWorkbook | XmlWorkbook
"""A workbook as the readers use it: calamine's, or an Excel 2003 XML Spreadsheet read into the same shape."""


def open_workbook(path: Path) -> Workbook:
    """Open a workbook, or say clearly why it cannot be opened (or why it is not opened: a zip bomb)."""
    check_workbook(path)
    with path.open("rb") as handle:
        head = handle.read(4096)
    if is_spreadsheetml(head):
        return XmlWorkbook.from_path(path)
    usual = _ods_in_usual_prefixes(path) if head.startswith(b"PK") else None
    try:
        if usual is not None:  # an ODS whose XML spells its namespaces otherwise than LibreOffice
            return CalamineWorkbook.from_filelike(usual)
        if path.suffix.lower() in WORKBOOK_SUFFIXES:
            try:
                return CalamineWorkbook.from_path(str(path))  # the reader the name says
            except Exception:  # an .xlsx saved as .xls (portals do), an .xls renamed .xlsx: try by content
                pass
        with path.open("rb") as handle:  # a workbook renamed .csv too: its content says what it is
            return CalamineWorkbook.from_filelike(handle)
    except Exception as exc:  # calamine raises its own and plain errors alike
        if _encrypted(path):
            raise SourceError(
                f"{path}: this workbook is password-protected (encrypted), so it cannot be read. Open it in Excel "
                "with its password, then save a copy without one (File > Info > Protect Workbook > Encrypt with "
                "Password: clear the password) or save it as .csv, and import that copy."
            ) from None
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if path.suffix.lower() not in WORKBOOK_SUFFIXES:
            raise SourceError(
                f"{path}: not a text file but a workbook or ZIP archive that cannot be read ({text}). "
                "Open it in Excel and save it as .csv (or unzip it first)."
            ) from None
        raise SourceError(
            f"{path}: not a readable {path.suffix.lstrip('.').upper()} workbook ({text}). "
            "If it is password-protected or really a CSV/HTML file, save it again as .xlsx or .csv."
        ) from None


def _ods_in_usual_prefixes(path: Path) -> io.BytesIO | None:
    """An ODS whose ``content.xml`` uses other namespace prefixes than LibreOffice's, in LibreOffice's (None for
    any other file, which is read as it is)."""
    try:
        with zipfile.ZipFile(path) as archive:
            return odf_with_usual_prefixes(archive, str(path))
    except (OSError, KeyError, ValueError, EOFError, RuntimeError, zlib.error, zipfile.BadZipFile):
        return None  # calamine says what is wrong with it


def _encrypted(path: Path) -> bool:
    """Whether the file is a workbook Excel encrypted with a password: an .xlsx (or .xlsm, .xlsb) so encrypted is
    a compound file holding the encrypted package, whatever its name says; an encrypted .xls says so in calamine's
    error."""
    try:
        names = {stream.name for stream in check_compound_file(path)}
    except (Damaged, OSError, ValueError, struct.error, UnicodeDecodeError):
        return False
    return "EncryptedPackage" in names or "EncryptionInfo" in names


def sheet_hidden_cells(workbook: Workbook, path: Path, name: str) -> HiddenCells:
    """What the workbook reader does not give of a sheet (hidden rows, error cells, formulas without a result, ids
    padded with zeros): from the XML of an XLSX or ODS, the records of an XLS or XLSB, the parsed sheet of an XML
    Spreadsheet."""
    if isinstance(workbook, XmlWorkbook):
        sheet = workbook.get_sheet_by_name(name)
        return HiddenCells(hidden_rows=list(sheet.hidden_rows), padded=dict(sheet.padded), shown=dict(sheet.shown))
    return hidden_cells(path, name)


def sheets_by_preference(workbook: Workbook) -> list[str]:
    """The sheet names, visible sheets first: a hidden sheet (old data, lookups) is tried only after them."""
    hidden = hidden_sheets(workbook)
    names = list(workbook.sheet_names)
    return [n for n in names if n not in hidden] + [n for n in names if n in hidden]


def hidden_sheets(workbook: Workbook) -> set[str]:
    """The names of sheets Excel does not show as tabs (hidden or very hidden)."""
    try:
        return {m.name for m in workbook.sheets_metadata if m.visible != SheetVisibleEnum.Visible}
    except Exception:  # metadata is a nicety: without it, every sheet counts as shown
        return set()


def sheet_rows(workbook: Workbook, name: str, *, where: str = "") -> list[list[object]]:
    """Every row of a sheet from cell A1 to its last row with a value, so list index + 1 is Excel's row number.

    Rows after the last value are left out: a stray space far down (Excel's used range then reaching row
    1,048,576) would otherwise make a million blank rows.
    """
    try:
        sheet = workbook.get_sheet_by_name(name)
        if sheet.height <= LARGE_USED_RANGE:
            rows: list[list[object]] = sheet.to_python(skip_empty_area=False)  # type: ignore[assignment]
            end = len(rows)
            while end and blank_row(rows[end - 1]):
                end -= 1
            return _fill_merged_down(rows[:end], sheet.merged_cell_ranges)
        # A huge used range: row by row, so blank rows after the last value are never held.
        pad: list[object] = [""] * (sheet.start[1] if sheet.start else 0)  # rows start at the first used column
        rows, blank_run = [], 0
        for row in sheet.iter_rows():
            if blank_row(row):
                blank_run += 1
                continue
            rows.extend([] for _ in range(blank_run))
            blank_run = 0
            rows.append([*pad, *row])
        return _fill_merged_down(rows, sheet.merged_cell_ranges)
    except Exception as exc:
        raise SourceError(
            f"{where}{': ' if where else ''}sheet {name!r} cannot be read ({type(exc).__name__}: {exc}): the workbook "
            "is damaged, or was cut short when it was copied or saved. Open it in Excel (which may repair it) and "
            "save it again, or save the sheet as .csv, then run again.",
            file=where or None,
        ) from None


def opening_rows(workbook: Workbook, name: str, limit: int) -> list[list[object]]:
    """The first ``limit`` rows of a sheet as :func:`sheet_rows` gives them, without reading the rest."""
    sheet = workbook.get_sheet_by_name(name)
    pad: list[object] = [""] * (sheet.start[1] if sheet.start else 0)
    rows = [[*pad, *row] for row in itertools.islice(sheet.iter_rows(), limit)]
    return _fill_merged_down(rows, sheet.merged_cell_ranges)


def _fill_merged_down(rows: list[list[object]], merged: object) -> list[list[object]]:
    """Cells merged down a column (a dealer's name over its leads) read as the merged value on every row.

    Only the range's first column is filled: what spreads across columns stays in its own.
    """
    for (top, left), (bottom, _) in merged if isinstance(merged, list) else ():
        if bottom <= top or top >= len(rows) or left >= len(rows[top]):
            continue
        value = rows[top][left]
        for r in range(top + 1, min(bottom, len(rows) - 1) + 1):
            row = rows[r]
            if len(row) <= left:
                row.extend([""] * (left + 1 - len(row)))
            if row[left] == "":
                row[left] = value
    return rows


def merged_ranges(workbook: Workbook, name: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """A sheet's merged cells, as ((top, left), (bottom, right)), 0-based (none where the format keeps none)."""
    try:
        merged = workbook.get_sheet_by_name(name).merged_cell_ranges
    except Exception:  # a nicety: without it, merged header cells read as they did
        return []
    return list(merged) if isinstance(merged, list) else []


def name_merged_header(header: list[str], row: int, merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]) -> bool:
    """Name the empty cells of a header row (0-based ``row``) that a header cell merged across them covers: a
    "Mobile No." merged over the country code's column and the number's reads "Mobile No.", "Mobile No. (2)", as
    a header typed twice is named, so a mapping can name each. Returns whether any cell was named."""
    named = False
    for (top, left), (bottom, right) in merged:
        if not top <= row <= bottom or right <= left or left >= len(header) or not header[left].strip():
            continue
        for k, column in enumerate(range(left + 1, right + 1), start=2):
            if column >= len(header):
                header.extend([""] * (column + 1 - len(header)))
            if not header[column].strip():
                header[column] = f"{header[left].strip()} ({k})"
                named = True
    return named


def name_header_merges(
    workbook: Workbook, name: str, preview: list[list[str]], rows: list[list[object]] | None, row: int = -1
) -> bool:
    """:func:`name_merged_header` on the header row ``row`` of a sheet's ``preview`` (and of its ``rows``); on every
    row of ``preview`` when ``row`` is -1 (to see whether any row fits a mapping)."""
    merged = merged_ranges(workbook, name)
    if row < 0:
        return any([name_merged_header(cells, i, merged) for i, cells in enumerate(preview)])
    if row >= len(preview) or not name_merged_header(preview[row], row, merged):
        return False
    if rows is not None:
        rows[row] = list(preview[row])
    return True


def blank_row(row: Sequence[object]) -> bool:
    """Whether a row holds nothing but empty or whitespace-only cells."""
    return row.count("") == len(row) or all(isinstance(c, str) and not c.strip() for c in row)


def _float_text(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        return ""
    if value.is_integer() and abs(value) < EXACT_LIMIT:
        return str(int(value))
    # Whole numbers past 15 digits come out in scientific notation, which the phone
    # normalizer recognises as damaged; other floats as Excel shows them.
    return f"{value:.15g}".replace("e+", "E+").replace("e-", "E-")


def _duration_text(value: dt.timedelta) -> str:
    """A duration as Excel's [h]:mm:ss shows it: 36:00:00, not "1 day, 12:00:00"."""
    seconds = round(value.total_seconds())
    sign, seconds = ("-" if seconds < 0 else ""), abs(seconds)
    return f"{sign}{seconds // 3600}:{seconds % 3600 // 60:02d}:{seconds % 60:02d}"


def _datetime_text(value: dt.datetime) -> str:
    if value.time() == dt.time(0):
        return value.date().isoformat()
    return value.isoformat(sep=" ", timespec="seconds")


_CONVERT: dict[type, Callable[[object], str]] = {
    float: _float_text,  # type: ignore[dict-item]
    int: str,
    bool: lambda v: "TRUE" if v else "FALSE",
    dt.datetime: _datetime_text,  # type: ignore[dict-item]
    dt.date: lambda v: v.isoformat(),  # type: ignore[attr-defined]
    dt.time: lambda v: v.isoformat(),  # type: ignore[attr-defined]
    dt.timedelta: _duration_text,  # type: ignore[dict-item]
}


GENERAL_DIGITS = 6
"""Significant digits Excel's General format keeps when a number of 12 digits or more is shown as 9.19822E+11."""


def lossy_phone_text(value: object) -> str | None:
    """Excel's 9.19822E+11 for a numeric phone cell holding no more digits than such a display, else None.

    A 12-digit number (91 and a mobile) is shown as 9.19822E+11 and saved so in a CSV; opened again and
    saved as a workbook, the cell holds 919822000000, a different valid number. Excel shows up to 11
    digits in full, so shorter numbers are left alone: 2240000000 is a real board line.
    """
    if type(value) not in (float, int) or value != value or value in (float("inf"), float("-inf")):
        return None
    number = float(value)  # type: ignore[arg-type]
    if not number.is_integer() or not 10**11 <= abs(number) < EXACT_LIMIT:
        return None
    digits = str(int(abs(number)))
    if len(digits.rstrip("0")) > GENERAL_DIGITS:
        return None
    mantissa = f"{abs(number):.{GENERAL_DIGITS - 1}E}".split("E")[0].rstrip("0").rstrip(".")
    return f"{'-' if number < 0 else ''}{mantissa}E+{len(digits) - 1:02d}"


def cell_text(value: object) -> str:
    """A cell as the text a person sees: integers without .0, ISO dates, no None."""
    if type(value) is str:
        return value
    if value is None:
        return ""
    convert = _CONVERT.get(type(value))
    return convert(value) if convert else str(value)


def column_texts(rows: list[list[object]], start: int, width: int) -> list[list[str]]:
    """Rows from ``start`` on, as columns of text (short rows padded)."""
    body = rows[start:]
    if any(len(r) != width for r in body):
        body = [list(r[:width]) + [""] * (width - len(r)) for r in body]
    if not body:
        return [[] for _ in range(width)]
    # Most cells are already text; only the others go through the conversion.
    return [[v if type(v) is str else cell_text(v) for v in values] for values in zip(*body, strict=True)]
