"""The rows an OpenDocument spreadsheet hides (hidden by hand, or filtered out: ``table:visibility``), which the
workbook reader does not report, read from its ``content.xml`` by namespace, whatever prefix the file uses."""

from __future__ import annotations

import zipfile
from xml.parsers import expat

from importer.read.safe_xml import NAMESPACE_SEPARATOR, safe_parser

__all__ = ["ods_hidden_rows"]

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0" + NAMESPACE_SEPARATOR
_SHEET, _ROW = _TABLE + "table", _TABLE + "table-row"
_NAME, _REPEATED, _VISIBILITY = _TABLE + "name", _TABLE + "number-rows-repeated", _TABLE + "visibility"
MAX_ROWS = 1 << 20
"""Rows a sheet can have (LibreOffice and Excel): a repeat past them (the empty rows to the sheet's end) stops there."""


def ods_hidden_rows(archive: zipfile.ZipFile, sheet: str) -> list[int]:
    """The 0-based rows of ``sheet`` whose visibility is ``collapse`` or ``filter`` (none when the file hides none)."""
    content = archive.read("content.xml")
    if b"visibility" not in content:
        return []
    hidden: list[int] = []
    depth = 0  # tables open: 1 inside the sheet asked for, more inside a table nested in one of its cells
    row = 0

    def start(name: str, attributes: dict[str, str]) -> None:
        nonlocal depth, row
        if name == _SHEET:
            if depth or attributes.get(_NAME) == sheet:
                depth += 1
        elif name == _ROW and depth == 1:
            repeated = min(int(attributes.get(_REPEATED, "1") or 1), MAX_ROWS - row)
            if attributes.get(_VISIBILITY) in ("collapse", "filter"):
                hidden.extend(range(row, row + repeated))
            row += max(repeated, 0)

    def end(name: str) -> None:
        nonlocal depth
        if name == _SHEET and depth:
            depth -= 1

    parser = safe_parser(f"{archive.filename or 'the ODS file'} (content.xml)")
    parser.StartElementHandler = start
    parser.EndElementHandler = end
    try:
        parser.Parse(content, True)
    except (expat.ExpatError, ValueError):
        return hidden  # a damaged part: the rows found so far (the reader says what is wrong)
    return hidden
