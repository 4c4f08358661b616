"""The rows an Excel 97-2003 workbook (.xls) hides (hidden by hand, or filtered out), which the workbook reader does
not report: found in the workbook stream's records themselves, without parsing the workbook a second time.

A sheet's rows are described by its ROW records, whose flags say whether Excel shows the row (``fDyZero``). The
sheet's records are searched for a ROW record so flagged first (a byte search, at C speed): a sheet that hides
no row, nearly every one, costs no more. Only when one may be there are the sheet's records walked one by one, so
that only real ROW records count (the same bytes could sit inside another record's data)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

from importer.read.ole import Damaged, read_stream

__all__ = ["xls_hidden_rows"]

_BOF, _EOF, _BOUNDSHEET, _CODEPAGE, _ROW = 0x0809, 0x000A, 0x0085, 0x0042, 0x0208
_HIDDEN = 0x20
"""``fDyZero`` in a ROW record's flags: the row's height is zero, so Excel does not show it."""
_HIDDEN_ROW = re.compile(
    rb"\x08\x02\x10\x00.{12}[" + b"".join(re.escape(bytes([b])) for b in range(256) if b & _HIDDEN) + b"]",
    re.DOTALL,
)
"""What a ROW record hiding its row looks like: its type, its length (16) and, 12 bytes into it, its flags."""
_BIFF8 = 0x0600


def xls_hidden_rows(path: Path, sheet: str) -> list[int]:
    """The 0-based rows of ``sheet`` Excel does not show; none when the file cannot tell (it is read elsewhere)."""
    try:
        stream = read_stream(path, ("Workbook", "Book"))
        if stream is None:
            return []
        span = _sheet_span(stream, sheet)
        if span is None or _HIDDEN_ROW.search(stream, *span) is None:
            return []
        return sorted(set(_walk_hidden(stream, *span)))
    except (OSError, Damaged, ValueError, struct.error, IndexError):  # hidden rows are a nicety
        return []


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


def _sheet_span(stream: bytes, sheet: str) -> tuple[int, int] | None:
    """Where ``sheet``'s substream starts in the workbook stream, and where the next one starts (or the end)."""
    globals_ = _records(stream, 0, len(stream))
    if not globals_ or globals_[0][0] != _BOF:
        return None
    version = struct.unpack_from("<H", stream, globals_[0][1])[0]
    encoding = "cp1252"
    starts: dict[str, int] = {}
    for kind, at, length in globals_:
        if kind == _CODEPAGE and length >= 2 and version != _BIFF8:
            encoding = f"cp{struct.unpack_from('<H', stream, at)[0]}"
        elif kind == _BOUNDSHEET and length >= 8:
            position = struct.unpack_from("<I", stream, at)[0]
            count = stream[at + 6]
            if version == _BIFF8:
                wide = stream[at + 7] & 1
                raw = stream[at + 8 : at + 8 + count * (2 if wide else 1)]
                name = raw.decode("utf-16-le" if wide else "latin-1", errors="replace")
            else:
                name = stream[at + 7 : at + 7 + count].decode(_known(encoding), errors="replace")
            starts.setdefault(name, position)
    start = starts.get(sheet)
    if start is None or start >= len(stream):
        return None
    stop = min((p for p in starts.values() if p > start), default=len(stream))
    return start, stop


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
