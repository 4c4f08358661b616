"""What the workbook reader does not give of an OpenDocument spreadsheet, read from its ``content.xml`` by namespace
(whatever prefix the file uses): the rows it hides (hidden by hand, or filtered out: ``table:visibility``), and
whole numbers its number styles show otherwise than their digits (``000123`` for 123, ``+44 7400 123456`` for
7400123456), which the file keeps as the cell's text."""

from __future__ import annotations

import contextlib
import re
import zipfile
from dataclasses import dataclass, field
from xml.parsers import expat

from importer.read.safe_xml import NAMESPACE_SEPARATOR, safe_parser

__all__ = ["OdsCells", "ods_cells"]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0" + NAMESPACE_SEPARATOR
_OFFICE = "urn:oasis:names:tc:opendocument:xmlns:office:1.0" + NAMESPACE_SEPARATOR
_TEXT = "urn:oasis:names:tc:opendocument:xmlns:text:1.0" + NAMESPACE_SEPARATOR
_SHEET, _ROW = _TABLE + "table", _TABLE + "table-row"
_CELLS = (_TABLE + "table-cell", _TABLE + "covered-table-cell")
_NAME, _VISIBILITY = _TABLE + "name", _TABLE + "visibility"
_ROWS_REPEATED, _COLUMNS_REPEATED = _TABLE + "number-rows-repeated", _TABLE + "number-columns-repeated"
_VALUE_TYPE, _VALUE = _OFFICE + "value-type", _OFFICE + "value"
_PARAGRAPH, _SPACE, _SPACES = _TEXT + "p", _TEXT + "s", _TEXT + "c"
MAX_ROWS, MAX_COLUMNS = 1 << 20, 1 << 14
"""Rows and columns a sheet can have (LibreOffice and Excel): a repeat past them (the empty rows to the sheet's end)
stops there."""
_NUMBER_STYLE = re.compile(rb"<([\w.-]+):number-style\b.*?</\1:number-style>", re.DOTALL)
"""A style for plain numbers (``float`` cells), whatever prefix the document gives its namespace; a date's or a
currency's style (text between its parts) is not one: those cells are no ``float`` cells."""
_SHOWS_MORE = re.compile(rb"<[\w.-]+:text>|min-integer-digits=\"(?:[2-9]|[1-9][0-9])")
"""What makes a number style show text or leading zeros."""


@dataclass(slots=True)
class OdsCells:
    """One sheet's hidden rows and numbers shown otherwise than their digits, by 0-based (row, column)."""

    hidden_rows: list[int] = field(default_factory=list)
    padded: dict[tuple[int, int], str] = field(default_factory=dict)
    """Whole numbers shown with leading zeros (``000123``), as shown."""
    shown: dict[tuple[int, int], str] = field(default_factory=dict)
    """Whole numbers shown with text around the digits (``+44 7400 123456``), as shown."""


def ods_cells(archive: zipfile.ZipFile, sheet: str) -> OdsCells:
    """What the file says of ``sheet`` beyond its values (nothing when it hides no row and styles no number)."""
    content = archive.read("content.xml")
    found = OdsCells()
    styles = archive.read("styles.xml") if "styles.xml" in archive.NameToInfo else b""
    numbers = any(
        _SHOWS_MORE.search(style.group()) for part in (content, styles) for style in _NUMBER_STYLE.finditer(_head(part))
    )
    if not numbers and b"visibility" not in content:
        return found
    reader = _Reader(found, sheet, numbers=numbers)
    parser = safe_parser(f"{archive.filename or 'the ODS file'} (content.xml)")
    parser.StartElementHandler = reader.start
    parser.EndElementHandler = reader.end
    parser.CharacterDataHandler = reader.text
    parser.buffer_text = True
    with contextlib.suppress(expat.ExpatError, ValueError):  # a damaged part: what was found so far
        parser.Parse(content, True)
    return found


class _Reader:
    def __init__(self, found: OdsCells, sheet: str, *, numbers: bool) -> None:
        self.found, self.sheet, self.numbers = found, sheet, numbers
        self.depth = 0  # tables open: 1 inside the sheet asked for, more inside a table nested in one of its cells
        self.row = 0  # 0-based row of the next row
        self.rows = 1  # rows the current row stands for
        self.column = 0
        self.cell: tuple[int, int, str] | None = None  # column, columns repeated, digits of the whole number
        self.parts: list[str] = []

    def start(self, name: str, attributes: dict[str, str]) -> None:
        if name == _SHEET:
            if self.depth or attributes.get(_NAME) == self.sheet:
                self.depth += 1
        elif self.depth != 1:
            return
        elif name == _ROW:
            self.rows = max(min(_count(attributes.get(_ROWS_REPEATED)), MAX_ROWS - self.row), 0)
            if attributes.get(_VISIBILITY) in ("collapse", "filter"):
                self.found.hidden_rows.extend(range(self.row, self.row + self.rows))
            self.column = 0
        elif name in _CELLS:
            columns = max(min(_count(attributes.get(_COLUMNS_REPEATED)), MAX_COLUMNS - self.column), 0)
            digits = _whole(attributes.get(_VALUE)) if attributes.get(_VALUE_TYPE) == "float" else None
            self.cell = (self.column, columns, digits) if self.numbers and digits is not None else None
            self.parts = []
            self.column += columns
        elif self.cell is not None:
            if name == _PARAGRAPH and self.parts:
                self.parts.append("\n")
            elif name == _SPACE:
                self.parts.append(" " * _count(attributes.get(_SPACES)))

    def text(self, data: str) -> None:
        if self.cell is not None:
            self.parts.append(data)

    def end(self, name: str) -> None:
        if name == _SHEET and self.depth:
            self.depth -= 1
        elif self.depth != 1:
            return
        elif name == _ROW:
            self.row += self.rows
        elif name in _CELLS and self.cell is not None:
            self._keep("".join(self.parts).strip())
            self.cell = None

    def _keep(self, shown: str) -> None:
        """Keep a whole number's text when its style shows it otherwise than its digits, but still as that number:
        its digits last, no decimals or thousands (``1,234.00`` is a number shown as numbers are)."""
        assert self.cell is not None
        column, columns, digits = self.cell
        if shown == digits or not shown or "," in shown or "." in shown or len(shown) > 60:
            return
        if not re.sub(r"\D", "", shown).endswith(digits):
            return
        into = self.found.padded if shown.isdigit() else self.found.shown
        for r in range(self.row, self.row + min(self.rows, 1000)):
            for c in range(column, column + min(columns, 1000)):
                into[(r, c)] = shown


def _head(part: bytes) -> bytes:
    """A part up to its body (``<office:body>``, any prefix): where its styles are, without the sheets' cells."""
    body = part.find(b":body")
    return part[:body] if body >= 0 else part


def _count(text: str | None) -> int:
    return int(text) if text and text.strip().isdigit() else 1


def _whole(text: str | None) -> str | None:
    """The digits of a whole number of zero or more (``7400123456``, ``123``), else None."""
    try:
        number = float(text or "")
    except ValueError:
        return None
    if not number.is_integer() or not 0 <= number < 1e15:
        return None
    return str(int(number))
