"""A text file cut short in the middle of a row (a copy, upload or export that stopped early, a file taken while
still being written): it ends inside a quoted cell that never closes (opened on its last line, or on an earlier
one when the cell holds line breaks, the file's last line break then inside it), or with no line break after a last
row that has fewer cells than the header while the row before it is whole. The CSV reader takes what is there as the row; this says so, so the
row is not sent with a value cut short. Files in UTF-16 (with or without a byte-order mark) are read as such."""

from __future__ import annotations

import codecs
import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa

from importer.read.text import _bomless_utf16

__all__ = [
    "TAIL_CHARS",
    "ends_inside_quote",
    "ends_mid_row",
    "file_cut_short",
    "file_tail",
    "last_row",
]

TAIL_CHARS = 65_536
"""Characters at the end of a text looked at: the last line of a lead file is shorter."""

_DELIMITERS = (",", ";", "\t", "|")


def ends_inside_quote(text: str, delimiter: str) -> bool:
    """Whether ``text`` ends, with no line break, inside a quoted cell opened on its last line."""
    if not text or text.endswith(("\n", "\r")):
        return False
    line = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
    if '"' not in line:
        return False
    inside, at_start, at = False, True, 0
    while at < len(line):
        char = line[at]
        if inside and char == '"':
            if line.startswith('""', at):  # a quote written inside a quoted cell
                at += 2
                continue
            inside = False
        elif not inside and char == '"' and at_start:
            inside = True
        at_start = not inside and char == delimiter
        at += 1
    return inside


def ends_mid_row(text: str, delimiter: str, last_row: Sequence[str | None], missing: np.ndarray | None = None) -> bool:
    """Whether ``text`` (the end of a file) stops in the middle of its last row, which the reader made
    ``last_row``; ``missing``: the cells each row of the file (or of its last chunk) lacked, if any did."""
    if not text or not any(v and v.strip() for v in last_row):
        return False
    if text.endswith(("\n", "\r")):  # a quote never closed took the last line break into its cell
        return _inside_quoted_value(text, delimiter, last_row)
    if ends_inside_quote(text, delimiter) or _inside_quoted_value(text, delimiter, last_row):
        return True
    # A last row short of cells with the row before it whole: the file stopped mid-row (an exporter that leaves
    # out trailing empty cells does so on many rows, and such a last row says nothing).
    return missing is not None and len(missing) > 0 and missing[-1] > 0 and (len(missing) < 2 or missing[-2] == 0)


def last_row(columns: pa.Table | Sequence[Sequence[str | None]]) -> list[str | None]:
    """The cells of the last row of a parsed table (given as an Arrow table or as columns); none when empty."""
    if isinstance(columns, pa.Table):
        return [column[-1].as_py() for column in columns.columns] if columns.num_rows else []
    return [column[-1] for column in columns if len(column)]


def _inside_quoted_value(text: str, delimiter: str, last_row: Sequence[str | None]) -> bool:
    """Whether ``text`` ends with the last value of ``last_row`` as an opened quoted cell that never closes: the
    reader took the rest of the file, line breaks and all, for that cell."""
    value = next((v for v in reversed(last_row) if v), "")
    if not value or not value.strip('"'):  # a cell of quotes alone reads the same closed or not
        return False
    raw = '"' + value.replace('"', '""')
    if not text.endswith(raw) or len(raw) > len(text):
        return False
    before = text[: len(text) - len(raw)]
    return before == "" or before.endswith((delimiter, "\n", "\r"))


def file_tail(path: Path, size: int = 4096) -> str | None:
    """About the last ``size`` bytes of the text file at ``path``, decoded (UTF-8, or UTF-16 when its opening
    says so); None when it cannot be read."""
    ends = _file_ends(path, size)
    return None if ends is None else ends[1]


def _file_ends(path: Path, size: int = 4096) -> tuple[str, str] | None:
    """The opening 4 KiB and about the last ``size`` bytes of the text file at ``path``, decoded as
    :func:`file_tail` decodes them; None when it cannot be read."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
            handle.seek(0, 2)
            start = max(0, handle.tell() - size)
            codec = _utf16(head)
            bom = 2 if head[:2] in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE) else 0
            if codec is not None:
                start = max(bom, start - start % 2)
            handle.seek(start)
            tail = handle.read()
    except OSError:
        return None
    opening = head[bom : len(head) - (len(head) - bom) % 2] if codec is not None else head
    return opening.decode(codec or "utf-8", errors="ignore"), tail.decode(codec or "utf-8", errors="ignore")


def file_cut_short(path: Path) -> Literal["quote", "row"] | None:
    """How the text file at ``path`` ends cut short, its ends read once: ``"quote"`` when inside a quoted cell of
    its last line (with any usual delimiter), ``"row"`` when, with no line break, in a last line of fewer cells
    than the header while the line before it has them all: what the reader reports ``cut-off-row`` (an exporter
    that leaves out trailing empty cells does so on the line before too). None when neither, or when it cannot
    be read."""
    ends = _file_ends(path)
    if ends is None:
        return None
    head, tail = ends
    if any(ends_inside_quote(tail, d) for d in _DELIMITERS):
        return "quote"
    return "row" if _ends_short_row(head, tail) else None


def _ends_short_row(head: str, tail: str) -> bool:
    """Whether ``tail`` (a file's end; ``head``: its opening) ends, with no line break, in a last line of fewer
    cells than the widest opening line while the line before it has them all."""
    if not tail or tail.endswith(("\n", "\r")):
        return False
    lines = tail.splitlines()
    if len(lines) < 2 or not lines[-1].strip():
        return False
    opening = head.splitlines()[:-1] or head.splitlines()  # whole lines only
    for delimiter in _DELIMITERS:
        width = max((_cells(line, delimiter) for line in opening), default=0)
        if width > 1 and _cells(lines[-1], delimiter) < width == _cells(lines[-2], delimiter):
            return True
    return False


def _cells(line: str, delimiter: str) -> int:
    """How many cells ``line`` holds, quoted cells read as the reader reads them."""
    return len(next(csv.reader([line], delimiter=delimiter), []))


def _utf16(head: bytes) -> str | None:
    """The UTF-16 codec a file opening with ``head`` is written in, if any."""
    if head.startswith(codecs.BOM_UTF16_LE):
        return "utf-16-le"
    if head.startswith(codecs.BOM_UTF16_BE):
        return "utf-16-be"
    return _bomless_utf16(head)
