"""The rows an Excel binary workbook (.xlsb) hides (hidden by hand, or filtered out), which neither the workbook
reader (calamine) nor pyxlsb reports: read from the sheet part's row records (``BrtRowHdr``, whose ``fDyZero`` flag
says Excel shows the row at no height).

The sheet part is first searched for a row record so flagged (a byte search, at C speed, each find checked for the
record's own shape): a sheet that hides no row, nearly every one, costs no more. Only when one may be there are the
part's records walked one by one, so that only real row records count."""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile

__all__ = ["xlsb_hidden_rows"]

_ROW_HEADER, _BUNDLE_SHEET, _END_BUNDLE = 0x0000, 0x009C, 0x0090
_HIDDEN = 0x10
"""``fDyZero`` in the row record's second flags byte (its 12th): the row has no height, so Excel does not show it."""
_ROW_FIXED = 17
"""A row record's bytes before its column spans (8 bytes each)."""
_MAX_SPANS = 16
_CANDIDATE = re.compile(
    rb"\x00(?:["
    + b"".join(re.escape(bytes([_ROW_FIXED + 8 * n])) for n in range(14))
    + rb"]|["
    + b"".join(re.escape(bytes([(_ROW_FIXED + 8 * n) & 0x7F | 0x80])) for n in range(14, _MAX_SPANS + 1))
    + rb"]\x01).{11}["
    + b"".join(re.escape(bytes([b])) for b in range(256) if b & _HIDDEN)
    + rb"]",
    re.DOTALL,
)
"""What a row record hiding its row may look like: type 0, a length of 17 plus 8 per column span (one byte, or two
from 14 spans on), and 11 bytes into its data, the flags with ``fDyZero`` set."""
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\b(Id|Target)\s*=\s*"([^"]*)"')


def xlsb_hidden_rows(archive: zipfile.ZipFile, sheet: str) -> list[int]:
    """The 0-based rows of ``sheet`` Excel does not show; none when the file cannot tell (it is read elsewhere)."""
    try:
        part = _sheet_part(archive, sheet)
        if part is None:
            return []
        data = archive.read(part)
        if not any(_row_shaped(data, m.start()) for m in _CANDIDATE.finditer(data)):
            return []
        return sorted(set(_walk_hidden(data)))
    except (OSError, KeyError, ValueError, EOFError, RuntimeError, IndexError, struct.error, zipfile.BadZipFile):
        return []  # hidden rows are a nicety


def _row_shaped(data: bytes, at: int) -> bool:
    """Whether the bytes at ``at`` have a row record's shape: its length matches its count of column spans."""
    length, start = data[at + 1], at + 2
    if length & 0x80:
        length, start = (length & 0x7F) | (data[at + 2] << 7), at + 3
    if start + _ROW_FIXED > len(data):
        return False
    spans: int = struct.unpack_from("<I", data, start + 13)[0]
    return spans <= _MAX_SPANS and length == _ROW_FIXED + 8 * spans


def _records(data: bytes) -> list[tuple[int, int, int]]:
    """(type, offset of the data, length) of every record of a part: each type and length written 7 bits a byte,
    the high bit saying another byte follows."""
    out, pos, end = [], 0, len(data)
    while pos < end:
        kind = data[pos]
        pos += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | ((data[pos] & 0x7F) << 7)
            pos += 1
        length, shift = 0, 0
        for _ in range(4):
            byte = data[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                break
        out.append((kind, pos, length))
        pos += length
    return out


def _walk_hidden(data: bytes) -> list[int]:
    """The rows the part's row records hide (:func:`_records`, inlined: a sheet has a record for every cell)."""
    rows, pos, end = [], 0, len(data)
    while pos < end:
        kind = data[pos]
        pos += 1
        if kind & 0x80:
            kind = (kind & 0x7F) | ((data[pos] & 0x7F) << 7)
            pos += 1
        length = data[pos]
        pos += 1
        if length & 0x80:
            length &= 0x7F
            for shift in (7, 14, 21):
                byte = data[pos]
                pos += 1
                length |= (byte & 0x7F) << shift
                if not byte & 0x80:
                    break
        if kind == _ROW_HEADER and length >= _ROW_FIXED and data[pos + 11] & _HIDDEN:
            rows.append(int.from_bytes(data[pos : pos + 4], "little"))
        pos += length
    return rows


def _sheet_part(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding ``sheet``, by the workbook part's sheet records and their relationships."""
    book = "xl/workbook.bin"
    if book not in archive.NameToInfo:
        return None
    data = archive.read(book)
    relation: str | None = None
    for kind, at, length in _records(data):
        if kind == _END_BUNDLE:
            break
        if kind != _BUNDLE_SHEET or length < 16:
            continue
        count = struct.unpack_from("<I", data, at + 8)[0]
        if count == 0xFFFFFFFF:
            continue
        rel_id = data[at + 12 : at + 12 + 2 * count].decode("utf-16-le")
        name_at = at + 12 + 2 * count
        name_count = struct.unpack_from("<I", data, name_at)[0]
        name = data[name_at + 4 : name_at + 4 + 2 * name_count].decode("utf-16-le")
        if name == sheet:
            relation = rel_id
            break
    if relation is None:
        return None
    rels = archive.read("xl/_rels/workbook.bin.rels")
    for element in _RELATIONSHIP.findall(rels):
        attributes = {k.decode(): v.decode() for k, v in _ATTRIBUTE.findall(element)}
        if attributes.get("Id") == relation and "Target" in attributes:
            target = attributes["Target"]
            path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            return path if path in archive.NameToInfo else None
    return None
