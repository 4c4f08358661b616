"""What the workbook reader (calamine) does not give of an Excel binary workbook (.xlsb), nor pyxlsb: the rows it
hides (hidden by hand, or filtered out), read from the sheet part's row records (``BrtRowHdr``, whose ``fDyZero`` flag
says Excel shows the row at no height); and whole numbers its number formats show otherwise than their digits
(``00123``, ``+91 98220 33445``), from the styles part's formats and the sheet's number cells.

The sheet part is first searched for a row record so flagged (a byte search, at C speed, each find checked for the
record's own shape): a sheet that hides no row, nearly every one, costs no more. Only when one may be there are the
part's records walked one by one, so that only real row records count; so are they when a cell format of the
workbook pads with zeros or shows text around the digits."""

from __future__ import annotations

import posixpath
import re
import struct
import zipfile
from dataclasses import dataclass, field

from importer.read.number_formats import NumberStyle, number_style, shown_text
from importer.read.xls_rows import rk_number

__all__ = ["XlsbCells", "xlsb_cells", "xlsb_hidden_rows"]

_ROW_HEADER, _BUNDLE_SHEET, _END_BUNDLE = 0x0000, 0x009C, 0x0090
_CELL_RK, _CELL_REAL, _FORMULA_NUMBER = 0x0002, 0x0005, 0x0009
_FORMAT, _BEGIN_CELL_XFS, _XF, _END_CELL_XFS = 0x002C, 0x0269, 0x002F, 0x026A
_HIDDEN = 0x10
"""``fDyZero`` in the row record's second flags byte (its 12th): the row has no height, so Excel does not show it."""
_ROW_FIXED = 17
"""A row record's bytes before its column spans (8 bytes each)."""
_MAX_SPANS = 16
_CANDIDATE = re.compile(  # a lookahead: finds may overlap (a lookalike's bytes may run into a real record's)
    rb"(?=\x00(?:["
    + b"".join(re.escape(bytes([_ROW_FIXED + 8 * n])) for n in range(14))
    + rb"]|["
    + b"".join(re.escape(bytes([(_ROW_FIXED + 8 * n) & 0x7F | 0x80])) for n in range(14, _MAX_SPANS + 1))
    + rb"]\x01).{11}["
    + b"".join(re.escape(bytes([b])) for b in range(256) if b & _HIDDEN)
    + rb"])",
    re.DOTALL,
)
"""What a row record hiding its row may look like: type 0, a length of 17 plus 8 per column span (one byte, or two
from 14 spans on), and 11 bytes into its data, the flags with ``fDyZero`` set."""
_RELATIONSHIP = re.compile(rb"<(?:\w+:)?Relationship\b[^>]*>")
_ATTRIBUTE = re.compile(rb'\b(Id|Target)\s*=\s*"([^"]*)"')


@dataclass(slots=True)
class XlsbCells:
    """One sheet's hidden rows (0-based) and whole numbers shown otherwise than their digits, by (row, column)."""

    hidden_rows: list[int] = field(default_factory=list)
    padded: dict[tuple[int, int], str] = field(default_factory=dict)
    shown: dict[tuple[int, int], str] = field(default_factory=dict)


def xlsb_hidden_rows(archive: zipfile.ZipFile, sheet: str) -> list[int]:
    """The 0-based rows of ``sheet`` Excel does not show; none when the file cannot tell (it is read elsewhere)."""
    return xlsb_cells(archive, sheet).hidden_rows


def xlsb_cells(archive: zipfile.ZipFile, sheet: str) -> XlsbCells:
    """What the file says of ``sheet`` beyond its values; nothing when it cannot tell (it is read elsewhere)."""
    try:
        part = _sheet_part(archive, sheet)
        if part is None:
            return XlsbCells()
        data = archive.read(part)
        styles = _styles(archive)
        if not styles and not any(_row_shaped(data, m.start()) for m in _CANDIDATE.finditer(data)):
            return XlsbCells()
        found = _walk(data, styles)
        found.hidden_rows = sorted(set(found.hidden_rows))
        return found
    except (OSError, KeyError, ValueError, EOFError, RuntimeError, IndexError, struct.error, zipfile.BadZipFile):
        return XlsbCells()  # a nicety: the values are read elsewhere


def _styles(archive: zipfile.ZipFile) -> dict[int, NumberStyle]:
    """Cell format index → how its number format shows a whole number otherwise than its digits."""
    if "xl/styles.bin" not in archive.NameToInfo:
        return {}
    data = archive.read("xl/styles.bin")
    codes: dict[int, NumberStyle] = {}
    formats: list[int] = []
    inside = False
    for kind, at, length in _records(data):
        if kind == _FORMAT and length >= 6:
            count = struct.unpack_from("<I", data, at + 2)[0]
            code = data[at + 6 : at + 6 + 2 * count].decode("utf-16-le", errors="replace")
            if (style := number_style(code)) is not None:
                codes[struct.unpack_from("<H", data, at)[0]] = style
        elif kind == _BEGIN_CELL_XFS:
            inside = True
        elif kind == _END_CELL_XFS:
            break
        elif kind == _XF and inside and length >= 4:
            formats.append(struct.unpack_from("<H", data, at + 2)[0])
    return {i: codes[f] for i, f in enumerate(formats) if f in codes}


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


def _walk(data: bytes, styles: dict[int, NumberStyle]) -> XlsbCells:
    """The part's hidden rows and its numbers in cells of ``styles`` as shown (:func:`_records`, inlined: a sheet
    has a record for every cell)."""
    found, row, pos, end = XlsbCells(), 0, 0, len(data)
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
        if kind == _ROW_HEADER and length >= _ROW_FIXED:
            row = int.from_bytes(data[pos : pos + 4], "little")
            if data[pos + 11] & _HIDDEN:
                found.hidden_rows.append(row)
        elif styles and kind in (_CELL_RK, _CELL_REAL, _FORMULA_NUMBER) and length >= 12:
            style = styles.get(int.from_bytes(data[pos + 4 : pos + 7], "little"))  # iStyleRef: 24 bits
            if style is not None:
                if kind == _CELL_RK:
                    value = rk_number(int.from_bytes(data[pos + 8 : pos + 12], "little"))
                else:
                    value = struct.unpack_from("<d", data, pos + 8)[0] if length >= 16 else float("nan")
                if value == value and value.is_integer() and 0 <= value < 1e15:
                    text = shown_text(int(value), style)
                    column = int.from_bytes(data[pos : pos + 4], "little")
                    if text is not None:
                        (found.padded if isinstance(style, int) else found.shown)[(row, column)] = text
        pos += length
    return found


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
