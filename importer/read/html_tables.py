"""HTML tables saved under an .xls name: what many web portals' "Export to Excel" buttons produce.

Excel opens such a file as one sheet, its tables one below the other, so people treat it as one. Its
rows are read the same way: every table that holds no other table (a page laid out with an outer table
keeps its data in the inner ones), in page order; ``<tr>`` of ``<td>``/``<th>`` cells; a ``colspan``
cell followed by empty cells, a ``rowspan`` cell repeated in the rows below it (as Excel fills a merged
cell's rows); ``<br>`` as a line break; every cell as the text it shows, except a whole number shown in
scientific notation (``9.19822E+11``) whose value Excel's HTML keeps in ``x:num``: that value is what Excel
opens, so it is read.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from importer.errors import SourceError
from importer.read.text import decode
from importer.read.workbook import lossy_phone_text

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_NOT_SHOWN = re.compile(r"display\s*:\s*none", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")
MAX_SPAN = 1000
"""A colspan or rowspan larger than this is taken as 1 (a page's typo must not make a million cells)."""


@dataclass(slots=True)
class _Table:
    order: int
    """Where the table starts in the page."""
    rows: list[list[str]] = field(default_factory=list)
    nested: bool = False
    """It holds another table (a layout table around the data)."""
    below: dict[int, tuple[str, int]] = field(default_factory=dict)
    """Column → (text, rows still to fill) of the rowspan cells reaching into the next rows."""
    hidden: set[int] = field(default_factory=set)
    """Its rows styled ``display:none`` (Excel's HTML for rows a filter hides), by index in ``rows``."""


class _Tables(HTMLParser):
    """Collects every table as rows of cell text (nested tables are read as their own)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[_Table] = []
        self._open: list[_Table] = []  # tables being read, innermost last
        self._cell: list[str] | None = None
        self._colspan = 1
        self._rowspan = 1
        self._started = 0
        self._number: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._end_cell()  # a table inside a cell: the cell ends with the text before it
            if self._open:
                self._open[-1].nested = True
            self._open.append(_Table(self._started))
            self._started += 1
        elif tag == "tr" and self._open:
            self._end_cell()
            self._end_row()
            self._open[-1].rows.append([])
            if _NOT_SHOWN.search(dict(attrs).get("style") or ""):
                self._open[-1].hidden.add(len(self._open[-1].rows) - 1)
        elif tag in ("td", "th") and self._open:
            self._end_cell()
            if not self._open[-1].rows:
                self._open[-1].rows.append([])
            self._cell = []
            given = dict(attrs)
            self._colspan, self._rowspan = _span(given.get("colspan")), _span(given.get("rowspan"))
            self._number = given.get("x:num")
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "table" and self._open:
            self._end_cell()
            self._end_row()
            self.tables.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def close(self) -> None:
        super().close()
        self._end_cell()
        self._end_row()
        while self._open:
            self.tables.append(self._open.pop())

    def _end_cell(self) -> None:
        if self._cell is None or not self._open:
            return
        lines = "".join(self._cell).split("\n")
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in lines).strip("\n")
        if self._number and _SHORTENED.fullmatch(text):
            text = _whole_number(self._number) or text
        table = self._open[-1]
        row = table.rows[-1]
        self._fill_from_above(table, row)
        start = len(row)
        row.extend([text] + [""] * (self._colspan - 1))
        if self._rowspan > 1:
            for column in range(start, len(row)):
                table.below[column] = (row[column], self._rowspan - 1)
        self._cell = None

    def _end_row(self) -> None:
        """Fill the row's columns after its last cell that a rowspan from above still covers."""
        if not self._open or not self._open[-1].rows:
            return
        table = self._open[-1]
        row = table.rows[-1]
        for column in sorted(c for c in table.below if c >= len(row)):
            row.extend([""] * (column - len(row)))
            self._fill_from_above(table, row)

    @staticmethod
    def _fill_from_above(table: _Table, row: list[str]) -> None:
        """Put the rowspan cells from the rows above that cover the row's next columns into it."""
        while len(row) in table.below:
            column = len(row)
            text, left = table.below[column]
            row.append(text)
            if left <= 1:
                del table.below[column]
            else:
                table.below[column] = (text, left - 1)


_SHORTENED = re.compile(r"[+-]?\d(?:[.,]\d+)?[Ee][+-]?\d+")
"""A number Excel shows in scientific notation (9.19822E+11): its digits beyond the first few are not shown."""


def _whole_number(value: str) -> str | None:
    """The digits of a whole number Excel keeps in a cell's ``x:num`` (``919822033445``, ``9.822044556E9``); None
    for another value."""
    try:
        number = float(value.strip())
    except ValueError:
        return None
    if not number.is_integer() or abs(number) >= 1e15 or lossy_phone_text(number) is not None:
        return None  # a value of six significant digits was already cut: the display says so, as damaged
    return str(int(number))


def _span(value: str | None) -> int:
    text = (value or "1").strip()
    span = int(text) if text.isdecimal() else 1  # not isdigit(): int() refuses ², which it allows
    return span if 1 <= span <= MAX_SPAN else 1


def html_rows(data: bytes, *, path: str) -> list[list[object]]:
    """The rows of an HTML page's tables, one below the other (tables holding tables left out), as text cells."""
    return html_table(data, path=path)[0]


def html_table(data: bytes, *, path: str) -> tuple[list[list[object]], list[int]]:
    """:func:`html_rows`, and which of them (0-based) the page hides (``display:none``)."""
    charset = _CHARSET.search(data[:4096])
    encoding = charset.group(1).decode("ascii") if charset else None
    try:
        text = decode(data, path=path, encoding=encoding).text
    except SourceError:  # a charset the page gets wrong: detect it as for any text file
        text = decode(data, path=path).text
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if any(any(cell for cell in row) for row in t.rows)]
    if not tables:
        raise SourceError(f"{path}: a web page (HTML) saved as a spreadsheet, but it holds no table with data.")
    leaves = sorted([t for t in tables if not t.nested] or tables, key=lambda t: t.order)
    main = max(leaves, key=lambda t: len(t.rows))
    width = _width(main)
    # Tables above the largest (a title, a header in a table of its own) become rows above its header;
    # below it, only tables as wide as it (the next day's leads), not a footer of totals.
    kept = [t for t in leaves if t.order <= main.order or _width(t) == width]
    rows: list[list[object]] = []
    hidden: list[int] = []
    for table in kept:
        hidden.extend(len(rows) + i for i in sorted(table.hidden))
        rows.extend(list(row) for row in table.rows)
    return rows, hidden


def _width(table: _Table) -> int:
    return max((len(row) for row in table.rows), default=0)
