"""HTML tables saved under an .xls name: what many web portals' "Export to Excel" buttons produce.

Excel opens such a file as a sheet, so people treat it as one. Its rows are read from the table
with the most rows (``<tr>`` of ``<td>``/``<th>`` cells; ``colspan`` repeated as empty cells,
``<br>`` as a line break), every cell as the text it shows.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from importer.errors import SourceError
from importer.textfile import decode

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)
_SPACES = re.compile(r"[ \t\r\n\f\u00a0]+")


class _Tables(HTMLParser):
    """Collects every table as rows of cell text (nested tables are read as their own)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[list[list[str]]] = []
        self._open: list[list[list[str]]] = []  # tables being read, innermost last
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._open.append([])
        elif tag == "tr" and self._open:
            self._end_cell()
            self._open[-1].append([])
        elif tag in ("td", "th") and self._open:
            self._end_cell()
            if not self._open[-1]:
                self._open[-1].append([])
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = int(span) if span.strip().isdigit() else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "table" and self._open:
            self._end_cell()
            self.tables.append(self._open.pop())

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def close(self) -> None:
        super().close()
        self._end_cell()
        while self._open:
            self.tables.append(self._open.pop())

    def _end_cell(self) -> None:
        if self._cell is None or not self._open:
            return
        lines = "".join(self._cell).split("\n")
        text = "\n".join(_SPACES.sub(" ", line).strip() for line in lines).strip("\n")
        self._open[-1][-1].extend([text] + [""] * (max(self._span, 1) - 1))
        self._cell = None


def html_rows(data: bytes, *, path: str) -> list[list[object]]:
    """The rows of the largest table of an HTML page, as text cells."""
    charset = _CHARSET.search(data[:4096])
    encoding = charset.group(1).decode("ascii") if charset else None
    try:
        text = decode(data, path=path, encoding=encoding).text
    except SourceError:  # a charset the page gets wrong: detect it as for any text file
        text = decode(data, path=path).text
    parser = _Tables()
    parser.feed(text)
    parser.close()
    tables = [t for t in parser.tables if any(any(cell for cell in row) for row in t)]
    if not tables:
        raise SourceError(f"{path}: a web page (HTML) saved as a spreadsheet, but it holds no table with data.")
    return [list(row) for row in max(tables, key=len)]
