"""What the workbook reader does not give of an Excel 97-2003 workbook (.xls): the rows it hides (hidden by hand, or
filtered out), and whole numbers its number formats show otherwise than their digits (``00123`` for 123 formatted
``00000``, ``+91 98220 33445`` for ``"+91 "00000 00000``). Found in the workbook stream's records themselves,
without parsing the workbook a second time.

A sheet's rows are described by its ROW records, whose flags say whether Excel shows the row (``fDyZero``). The
sheet's records are searched for a ROW record so flagged first (a byte search, at C speed): a sheet that hides
no row, nearly every one, costs no more. Only when one may be there are the sheet's records walked one by one, so
that only real ROW records count (the same bytes could sit inside another record's data).

Number cells are found the same way, by their records' shape (NUMBER, RK, MULRK, a formula's number), only in
workbooks whose cell formats pad with zeros or show text around the digits; a cell so found is used only where the
reader holds that very number at that row and column."""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

from importer.read.number_formats import NumberStyle, number_style, shown_text
from importer.read.ole import Damaged, read_stream

__all__ = ["XlsCells", "rk_number", "xls_cells", "xls_hidden_rows"]

_BOF, _EOF, _BOUNDSHEET, _CODEPAGE, _ROW = 0x0809, 0x000A, 0x0085, 0x0042, 0x0208
_FORMAT, _XF = 0x041E, 0x00E0
# Each a lookahead, so that finds may overlap: a find in another record's data (a cell of row 6 holds the 06 00 a
# formula record starts with) must not swallow the real record starting within its bytes.
_NUMBER = re.compile(rb"(?=\x03\x02\x0e\x00(.{14}))", re.DOTALL)
_RK = re.compile(rb"(?=\x7e\x02\x0a\x00(.{10}))", re.DOTALL)
_MULRK = re.compile(rb"(?=\xbd\x00(..))", re.DOTALL)
_FORMULA = re.compile(rb"(?=\x06\x00(..)(.{14}))", re.DOTALL)
_HIDDEN = 0x20
"""``fDyZero`` in a ROW record's flags: the row's height is zero, so Excel does not show it."""
_HIDDEN_ROW = re.compile(
    rb"\x08\x02\x10\x00.{12}[" + b"".join(re.escape(bytes([b])) for b in range(256) if b & _HIDDEN) + b"]",
    re.DOTALL,
)
"""What a ROW record hiding its row looks like: its type, its length (16) and, 12 bytes into it, its flags."""
_BIFF8 = 0x0600


@dataclass(slots=True)
class XlsCells:
    """One sheet's hidden rows (0-based) and whole numbers shown otherwise than their digits, by (row, column)."""

    hidden_rows: list[int] = field(default_factory=list)
    padded: dict[tuple[int, int], str] = field(default_factory=dict)
    shown: dict[tuple[int, int], str] = field(default_factory=dict)


def xls_hidden_rows(path: Path, sheet: str) -> list[int]:
    """The 0-based rows of ``sheet`` Excel does not show; none when the file cannot tell (it is read elsewhere)."""
    return xls_cells(path, sheet).hidden_rows


def xls_cells(path: Path, sheet: str) -> XlsCells:
    """What the file says of ``sheet`` beyond its values; nothing when it cannot tell (it is read elsewhere)."""
    found = XlsCells()
    try:
        stream = read_stream(path, ("Workbook", "Book"))
        if stream is None:
            return found
        located = _sheet_span(stream, sheet)
        if located is None:
            return found
        span, formats = located
        if _HIDDEN_ROW.search(stream, *span) is not None:
            found.hidden_rows = sorted(set(_walk_hidden(stream, *span)))
        if formats:
            _numbers(stream, span, formats, found)
    except (OSError, Damaged, ValueError, struct.error, IndexError):  # a nicety: the values are read elsewhere
        return XlsCells()
    return found


_Formats = dict[int, NumberStyle]
"""Cell format (XF) index → how its number format shows a whole number otherwise than its digits."""


def _numbers(stream: bytes, span: tuple[int, int], formats: _Formats, found: XlsCells) -> None:
    """The sheet's whole numbers in cells of ``formats``, as shown."""
    start, stop = span

    def keep(row: int, column: int, xf: int, value: float) -> None:
        style = formats.get(xf)
        if style is None or value != value or not value.is_integer() or not 0 <= value < 1e15:
            return
        text = shown_text(int(value), style)
        if text is not None:
            (found.padded if isinstance(style, int) else found.shown)[(row, column)] = text

    for match in _NUMBER.finditer(stream, start, stop):
        row, column, xf, value = struct.unpack("<HHHd", match.group(1))
        keep(row, column, xf, value)
    for match in _RK.finditer(stream, start, stop):
        row, column, xf, rk = struct.unpack("<HHHI", match.group(1))
        keep(row, column, xf, rk_number(rk))
    for match in _MULRK.finditer(stream, start, stop):
        length = struct.unpack("<H", match.group(1))[0]
        at = match.end(1)
        if length < 12 or (length - 6) % 6 or at + length > stop:
            continue
        row, first = struct.unpack_from("<HH", stream, at)
        count = (length - 6) // 6
        if struct.unpack_from("<H", stream, at + length - 2)[0] != first + count - 1:
            continue  # the last column a MULRK names is its first plus its count: else not a MULRK
        for i in range(count):
            xf, rk = struct.unpack_from("<HI", stream, at + 4 + 6 * i)
            keep(row, first + i, xf, rk_number(rk))
    for match in _FORMULA.finditer(stream, start, stop):
        length = struct.unpack("<H", match.group(1))[0]
        row, column, xf, result = struct.unpack("<HHH8s", match.group(2))
        if length >= 20 and result[6:] != b"\xff\xff":  # a number (not a string, boolean or error) was the result
            keep(row, column, xf, struct.unpack("<d", result)[0])


def rk_number(rk: int) -> float:
    """An RK number: a 30-bit integer or the top of a double, divided by 100 when flagged."""
    value = float(rk >> 2) if rk & 2 else struct.unpack("<d", struct.pack("<Q", (rk & 0xFFFFFFFC) << 32))[0]
    if rk & 2 and rk & 0x80000000:
        value = float((rk >> 2) - (1 << 30))
    return value / 100 if rk & 1 else value


def _format_code(stream: bytes, at: int, length: int, biff8: bool, encoding: str) -> tuple[int, str]:
    """A FORMAT record's number and code."""
    number = struct.unpack_from("<H", stream, at)[0]
    if biff8:
        count, flags = struct.unpack_from("<HB", stream, at + 2)
        raw = stream[at + 5 : at + 5 + count * (2 if flags & 1 else 1)]
        return number, raw.decode("utf-16-le" if flags & 1 else "latin-1", errors="replace")
    count = stream[at + 2]
    return number, stream[at + 3 : at + 3 + count].decode(encoding, errors="replace")


def _records(stream: bytes, start: int, stop: int) -> list[tuple[int, int, int]]:
    """(type, offset of the data, length) of the records from ``start`` up to the end of that substream."""
    out, pos, depth = [], start, 0
    while pos + 4 <= stop:
        kind, length = struct.unpack_from("<HH", stream, pos)
        out.append((kind, pos + 4, length))
        pos += 4 + length
        if kind == _BOF:
            depth += 1  # a chart's substream nested in a sheet's has its own BOF and EOF
        elif kind == _EOF:
            depth -= 1
            if depth <= 0:
                break
    return out


def _sheet_span(stream: bytes, sheet: str) -> tuple[tuple[int, int], _Formats] | None:
    """Where ``sheet``'s substream starts in the workbook stream, and where the next one starts (or the end); and
    the workbook's cell formats that show whole numbers otherwise than their digits."""
    globals_ = _records(stream, 0, len(stream))
    if not globals_ or globals_[0][0] != _BOF:
        return None
    version = struct.unpack_from("<H", stream, globals_[0][1])[0]
    encoding = "cp1252"
    starts: dict[str, int] = {}
    codes: dict[int, str] = {}
    xfs: list[int] = []
    for kind, at, length in globals_:
        if kind == _CODEPAGE and length >= 2 and version != _BIFF8:
            encoding = _known(f"cp{struct.unpack_from('<H', stream, at)[0]}")
        elif kind == _FORMAT and length >= 3:
            number, code = _format_code(stream, at, length, version == _BIFF8, encoding)
            codes[number] = code
        elif kind == _XF and length >= 4:
            xfs.append(struct.unpack_from("<H", stream, at + 2)[0])
        elif kind == _BOUNDSHEET and length >= 8:
            position = struct.unpack_from("<I", stream, at)[0]
            count = stream[at + 6]
            if version == _BIFF8:
                wide = stream[at + 7] & 1
                raw = stream[at + 8 : at + 8 + count * (2 if wide else 1)]
                name = raw.decode("utf-16-le" if wide else "latin-1", errors="replace")
            else:
                name = stream[at + 7 : at + 7 + count].decode(encoding, errors="replace")
            starts.setdefault(name, position)
    start = starts.get(sheet)
    if start is None or start >= len(stream):
        return None
    stop = min((p for p in starts.values() if p > start), default=len(stream))
    styles = {number: style for number, code in codes.items() if (style := number_style(code)) is not None}
    return (start, stop), {i: styles[f] for i, f in enumerate(xfs) if f in styles}


def _known(encoding: str) -> str:
    try:
        "".encode(encoding)
    except LookupError:
        return "cp1252"
    return encoding


def _walk_hidden(stream: bytes, start: int, stop: int) -> list[int]:
    """The rows the sheet's own ROW records (not a nested chart's) hide."""
    rows, depth = [], 0
    for kind, at, length in _records(stream, start, stop):
        if kind == _BOF:
            depth += 1
        elif kind == _EOF:
            depth -= 1
        elif kind == _ROW and depth == 1 and length >= 16 and stream[at + 12] & _HIDDEN:
            rows.append(struct.unpack_from("<H", stream, at)[0])
    return rows
