"""Excel 2003 XML Spreadsheets (SpreadsheetML: ``<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet">``),
which older CRMs and many "Export to Excel" buttons save as .xls or .xml, read into the shape the workbook reader
gives (:class:`XmlWorkbook` answers what :mod:`importer.read.workbook` asks of a calamine workbook).

The file is parsed once, streamed, by namespace (any prefix), with no document type allowed
(:mod:`importer.read.safe_xml`). Rows and cells are placed where Excel shows them: ``ss:Index`` skips rows and
columns, ``ss:MergeAcross`` and ``ss:MergeDown`` cover cells (kept as merged ranges), ``ss:Span`` stands for
rows written once. Data types are read as Excel holds them: Number as a number (so ``9876543210`` and a zero-padded
``NumberFormat`` or one of digits and text show as in any workbook), DateTime as a date, Boolean, Error (``#N/A``) and String as text (rich
text's pieces joined). Hidden rows (``ss:Hidden``, filtered out) and hidden sheets (``<Visible>SheetHidden``) are
reported as an XLSX's are.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from xml.parsers import expat

from python_calamine import SheetVisibleEnum

from importer.errors import SourceError
from importer.read.guards import check_memory
from importer.read.number_formats import Sections, digits_template, shown_number
from importer.read.safe_xml import NAMESPACE_SEPARATOR, safe_parser
from importer.read.text import decode

__all__ = ["XmlSheet", "XmlWorkbook", "is_spreadsheetml"]

_SS = "urn:schemas-microsoft-com:office:spreadsheet" + NAMESPACE_SEPARATOR
_X = "urn:schemas-microsoft-com:office:excel" + NAMESPACE_SEPARATOR
_WORKSHEET, _ROW, _CELL, _DATA = _SS + "Worksheet", _SS + "Row", _SS + "Cell", _SS + "Data"
_STYLE, _NUMBER_FORMAT, _VISIBLE = _SS + "Style", _SS + "NumberFormat", _X + "Visible"
_HIDDEN_STATES = {"SheetHidden": SheetVisibleEnum.Hidden, "SheetVeryHidden": SheetVisibleEnum.VeryHidden}
_ZEROS = re.compile(r"0{2,}")
CellValue = int | float | str | bool | dt.time | dt.date | dt.datetime | dt.timedelta
"""A cell as calamine gives it."""
MEMORY_PER_XML_BYTE = 5
"""Memory the file takes per byte as it is read and its cells held (measured about 4 for short text cells)."""
MAX_ROWS, MAX_COLUMNS = 1 << 20, 1 << 14
"""Excel's grid: an index past it is a damaged file."""


def is_spreadsheetml(head: bytes) -> bool:
    """Whether the start of a file is an Excel 2003 XML Spreadsheet."""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    text = head.decode("utf-16" if utf16 else "utf-8", errors="ignore").lower()
    return "urn:schemas-microsoft-com:office:spreadsheet" in text or 'progid="excel.sheet"' in text


@dataclass(frozen=True, slots=True)
class SheetMetadata:
    """A sheet's name and whether Excel shows its tab (as calamine describes a sheet)."""

    name: str
    visible: SheetVisibleEnum


@dataclass(slots=True)
class XmlSheet:
    """One worksheet: its rows from A1 (list index + 1 is Excel's row number), as calamine's ``to_python`` gives."""

    rows: list[list[CellValue]] = field(default_factory=list)
    merged_cell_ranges: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    hidden_rows: list[int] = field(default_factory=list)
    """0-based rows Excel does not show (filtered out, or hidden by hand)."""
    padded: dict[tuple[int, int], str] = field(default_factory=dict)
    """Whole numbers shown with leading zeros by their number format (``000123``), as shown."""
    shown: dict[tuple[int, int], str] = field(default_factory=dict)
    """Whole numbers their number format shows with text around the digits (``+91 98220 33445``), as shown."""
    start: tuple[int, int] = (0, 0)

    @property
    def height(self) -> int:
        return len(self.rows)

    def to_python(self, *, skip_empty_area: bool = False) -> list[list[CellValue]]:
        """The rows, each as long as the widest (calamine's shape)."""
        return list(self.iter_rows())

    def iter_rows(self) -> Iterator[list[CellValue]]:
        """The rows one by one, each as long as the widest."""
        width = max((len(r) for r in self.rows), default=0)
        for row in self.rows:
            yield [*row, *([""] * (width - len(row)))]


@dataclass(slots=True)
class XmlWorkbook:
    """An Excel 2003 XML Spreadsheet, read whole."""

    path: str
    sheets: dict[str, XmlSheet] = field(default_factory=dict)
    sheets_metadata: list[SheetMetadata] = field(default_factory=list)

    @property
    def sheet_names(self) -> list[str]:
        return list(self.sheets)

    def get_sheet_by_name(self, name: str) -> XmlSheet:
        return self.sheets[name]

    @classmethod
    def from_path(cls, path: Path) -> XmlWorkbook:
        """Parse the file, or say where its XML is broken (an export that wrote a bare ``&`` or was cut short)."""
        check_memory(path, path.stat().st_size, "this Excel XML spreadsheet", per_byte=MEMORY_PER_XML_BYTE)
        reader = _Reader(cls(str(path)))
        parser = safe_parser(str(path))
        parser.StartElementHandler = reader.start
        parser.EndElementHandler = reader.end
        parser.CharacterDataHandler = reader.text
        parser.buffer_text = True
        data, skipped = _from_declaration(path.read_bytes())
        data = _as_declared(data, str(path))
        try:
            parser.Parse(data, True)
        except expat.ExpatError as exc:
            raise SourceError(
                f"{path}: this Excel 2003 XML spreadsheet is not well-formed XML at line {exc.lineno + skipped}, column "
                f"{exc.offset + 1} ({expat.ErrorString(exc.code)}): the program that exported it wrote it wrongly, "
                "or it was cut short. Open it in Excel and save it as .xlsx or .csv, or export it again.",
                file=str(path),
            ) from None
        except (LookupError, ValueError) as exc:  # an encoding Python does not know, an index past Excel's grid
            raise SourceError(
                f"{path}: this Excel 2003 XML spreadsheet cannot be read ({exc}).", file=str(path)
            ) from None
        if not reader.book.sheets:
            raise SourceError(f"{path}: this Excel 2003 XML spreadsheet holds no worksheet.", file=str(path))
        return reader.book


_MARKS = (b"\xff\xfe", b"\xfe\xff")
_BLANKS = {
    b"\xff\xfe": (b" \x00", b"\t\x00", b"\r\x00", b"\n\x00"),
    b"\xfe\xff": (b"\x00 ", b"\x00\t", b"\x00\r", b"\x00\n"),
}


def _from_declaration(data: bytes) -> tuple[bytes, int]:
    """The file from its first markup on, and how many lines were left out before it: a script's export often
    opens with a blank line (before its byte-order mark's text, or after it), which Excel passes over and an XML
    parser refuses before the declaration."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    mark = data[:2] if data.startswith(_MARKS) else b""
    body = data[len(mark) :]
    if mark:
        at = 0
        while body[at : at + 2] in _BLANKS[mark]:
            at += 2
        skipped = body[:at].count(_BLANKS[mark][3])
    else:
        at = len(body) - len(body.lstrip(b" \t\r\n"))
        skipped = body[:at].count(b"\n")
    return mark + body[at:], skipped


_DECLARED = re.compile(rb"""^<\?xml[^>]*?\bencoding\s*=\s*["']([\w.:-]+)["']""")


def _as_declared(data: bytes, where: str) -> bytes:
    """The file in the encoding it declares: an export that says UTF-8 (or nothing, which means UTF-8) but writes
    its names in cp1252 (``Müller`` as one byte ü), as scripts do, is read as the text files are read (the names
    kept), not refused at the first such byte."""
    if data.startswith(_MARKS):
        return data
    declared = _DECLARED.match(data)
    if declared is not None and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        return data  # a code page the file names: the parser decodes it
    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        return decode(data, path=where).text.encode("utf-8")


def _attribute(attributes: dict[str, str], name: str) -> str | None:
    """An ``ss:`` attribute, also when a generator wrote it without its prefix."""
    value = attributes.get(_SS + name)
    return value if value is not None else attributes.get(name)


def _index(attributes: dict[str, str], name: str, limit: int) -> int | None:
    text = _attribute(attributes, name)
    if text is None or not text.strip():
        return None
    value = int(text)
    if not 0 <= value <= limit:
        raise ValueError(f"ss:{name}={value} is past Excel's grid")
    return value


class _Reader:
    """The expat handlers: a worksheet's rows as they are read."""

    def __init__(self, book: XmlWorkbook) -> None:
        self.book = book
        self.sheet: XmlSheet | None = None
        self.row = -1  # 0-based row being read
        self.next_row = 0  # 0-based row of a next Row without ss:Index
        self.column = 0  # 0-based column of the next cell
        self.cell: tuple[int, str, str | None] | None = None  # column, data type, style
        self.data: list[str] | None = None  # text of the cell's Data being read
        self.depth = 0  # elements open inside that Data (rich text)
        self.level = 0  # elements open
        self.cell_level = 0  # elements open around the cell's own Data
        self.visible: list[str] | None = None
        self.style: str | None = None
        self.zero_styles: dict[str, int] = {}
        self.shapes: dict[str, Sections] = {}
        self.parents: dict[str, str] = {}

    def start(self, name: str, attributes: dict[str, str]) -> None:
        self.level += 1
        if self.data is not None:
            self.depth += 1
        elif name == _ROW and self.sheet is not None:
            at = _index(attributes, "Index", MAX_ROWS)
            self.row = at - 1 if at else self.next_row
            self.column = 0
            span = _index(attributes, "Span", MAX_ROWS) or 0
            self.next_row = self.row + span + 1  # a row written once for ``span`` more: the next row is below them
            if _attribute(attributes, "Hidden") in ("1", "true"):
                self.sheet.hidden_rows.extend(range(self.row, self.next_row))
        elif name == _CELL and self.sheet is not None:
            at = _index(attributes, "Index", MAX_COLUMNS)
            column = at - 1 if at else self.column
            across = _index(attributes, "MergeAcross", MAX_COLUMNS) or 0
            down = _index(attributes, "MergeDown", MAX_ROWS) or 0
            if across or down:
                self.sheet.merged_cell_ranges.append(((self.row, column), (self.row + down, column + across)))
            self.column = column + across + 1
            self.cell = (column, "", _attribute(attributes, "StyleID"))
            self.cell_level = self.level
        elif name == _DATA and self.cell is not None and self.level == self.cell_level + 1:  # not a comment's
            self.cell = (self.cell[0], _attribute(attributes, "Type") or "String", self.cell[2])
            self.data, self.depth = [], 0
        elif name == _WORKSHEET:
            sheet_name = _attribute(attributes, "Name") or f"Sheet{len(self.book.sheets) + 1}"
            if sheet_name in self.book.sheets:  # one would hide the other: its leads left out without a word
                raise SourceError(
                    f"{self.book.path}: this Excel 2003 XML spreadsheet has two worksheets named {sheet_name!r}, "
                    "which Excel does not allow; export it again (or rename one sheet in a text editor) and run again.",
                    file=self.book.path,
                )
            self.sheet, self.row, self.next_row = XmlSheet(), -1, 0
            self.book.sheets[sheet_name] = self.sheet
            self.book.sheets_metadata.append(SheetMetadata(sheet_name, SheetVisibleEnum.Visible))
        elif name == _VISIBLE:
            self.visible = []
        elif name == _STYLE:
            self.style = _attribute(attributes, "ID")
            parent = _attribute(attributes, "Parent")
            if self.style and parent:
                self.parents[self.style] = parent
        elif name == _NUMBER_FORMAT and self.style:
            shown = (_attribute(attributes, "Format") or "").split(";")[0].replace('"', "")
            if _ZEROS.fullmatch(shown):
                self.zero_styles[self.style] = len(shown)
            elif (sections := digits_template(_attribute(attributes, "Format") or "")) is not None:
                self.shapes[self.style] = sections

    def text(self, data: str) -> None:
        if self.data is not None:
            self.data.append(data)
        elif self.visible is not None:
            self.visible.append(data)

    def end(self, name: str) -> None:
        self.level -= 1
        if self.data is not None:
            if self.depth:
                self.depth -= 1
                return
            self._store("".join(self.data))
            self.data = None
        elif name == _CELL:
            self.cell = None
        elif name == _VISIBLE and self.visible is not None:
            state = _HIDDEN_STATES.get("".join(self.visible).strip())
            if state is not None and self.book.sheets_metadata:
                self.book.sheets_metadata[-1] = SheetMetadata(self.book.sheets_metadata[-1].name, state)
            self.visible = None
        elif name == _WORKSHEET:
            self.sheet = None
        elif name == _STYLE:
            self.style = None

    def _store(self, text: str) -> None:
        if self.sheet is None or self.cell is None or self.row < 0:
            return
        column, kind, style = self.cell
        value = _value(kind, text)
        rows = self.sheet.rows
        while len(rows) <= self.row:
            rows.append([])
        row = rows[self.row]
        if len(row) <= column:
            row.extend([""] * (column + 1 - len(row)))
        row[column] = value
        if not (isinstance(value, float) and value.is_integer() and value >= 0):
            return
        style = self._format_style(style)
        if style in self.zero_styles:
            self.sheet.padded[(self.row, column)] = str(int(value)).zfill(self.zero_styles[style])
        elif style in self.shapes and (shown := shown_number(int(value), self.shapes[style])) is not None:
            self.sheet.shown[(self.row, column)] = shown

    def _format_style(self, style: str | None) -> str | None:
        """The style, or the parent it takes its number format from, whose format pads with zeros or shows digits
        with text; None when none does."""
        seen: set[str] = set()
        while style and style not in seen:
            if style in self.zero_styles or style in self.shapes:
                return style
            seen.add(style)
            style = self.parents.get(style)
        return None


def _value(kind: str, text: str) -> CellValue:
    """A cell's value as a workbook reader gives it: a number, a date, a truth value, or text."""
    if kind == "Number":
        try:
            return float(text)
        except ValueError:
            return text
    if kind == "DateTime":
        try:
            return dt.datetime.fromisoformat(text.strip())
        except ValueError:
            return text
    if kind == "Boolean":
        return text.strip() in ("1", "true", "TRUE")
    return text
