"""What python-calamine reads as empty in an XLSX sheet: error cells (#N/A) and formulas never computed.

Excel stores a formula's last result beside it; a file written by a script (or a library) often has
the formula alone, and calamine then gives an empty cell. An error (``#N/A`` from a failed lookup) also
comes out empty. Both are found here in the sheet's XML, so the error shows in the report as the person
sees it, and the summary can say which cells were never computed. So are what calamine does not report: hidden
rows, and whole numbers as their number format shows them (``000123``, ``+44 7400 123456``).

The XML is searched as bytes, each part first spelled as Excel spells it (:func:`_unprefixed`: a part written with
namespace prefixes, ``<x:row>``, as the Open XML SDK writes it, reads as ``<row>``); the parts are found through the
package's relationships. An ODS's, an XLS's and an XLSB's share of this comes from :mod:`importer.read.ods_rows`,
:mod:`importer.read.xls_rows` and :mod:`importer.read.xlsb_rows`.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, NamedTuple

from importer.read.formulas import literal_value
from importer.read.number_formats import Sections, digits_template, shown_number
from importer.read.ods_rows import ods_cells
from importer.read.xls_rows import xls_cells
from importer.read.xlsb_rows import xlsb_cells

_SHEET = re.compile(rb'<sheet\b[^>]*?\bname="([^"]*)"[^>]*?\br:id="([^"]*)"')
_SHEET_ID_FIRST = re.compile(rb'<sheet\b[^>]*?\br:id="([^"]*)"[^>]*?\bname="([^"]*)"')
_ERROR_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?\bt="e"[^>]*>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?<v>([^<]*)</v>'
)
# t="str": Excel computed the formula to text, here empty (IFERROR(...,"")): computed, not missing.
_UNCOMPUTED = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"(?![^>]*\bt="str")[^>]*>(<f\b[^>]*?(?:/>|>[^<]*</f>))(?:<v\s*/>|<v></v>)?</c>'
)
_HIDDEN_ROW = re.compile(rb'<row\b[^>]*?\br="([0-9]+)"[^>]*?\bhidden="(?:1|true)"')
# Number formats that show leading zeros (``000123`` for 123): custom formats of zeros only, and the styles using them.
_NUM_FMT = re.compile(rb"<numFmt\b([^>]*)>")
_FMT_ID = re.compile(rb'\bnumFmtId="([0-9]+)"')
_FMT_CODE = re.compile(rb'\bformatCode="([^"]*)"')
_CELL_XFS = re.compile(rb"<cellXfs\b[^>]*>(.*?)</cellXfs>", re.S)
_XF = re.compile(rb"<xf\b([^>]*)>")
_ZEROS = re.compile(rb"0{2,}")
_ESCAPES = {b"&amp;": b"&", b"&lt;": b"<", b"&gt;": b">", b"&quot;": b'"', b"&apos;": b"'"}


@dataclass(slots=True)
class HiddenCells:
    """Cells of one sheet calamine reads as empty, by (0-based row, 0-based column)."""

    errors: dict[tuple[int, int], str] = field(default_factory=dict)
    uncomputed: list[tuple[int, int]] = field(default_factory=list)
    padded: dict[tuple[int, int], str] = field(default_factory=dict)
    """Whole numbers shown with leading zeros by their number format (``000123``), as shown."""
    shown: dict[tuple[int, int], str] = field(default_factory=dict)
    """Whole numbers their number format shows with text around the digits (``+91 98220 33445``), as shown."""
    hidden_rows: list[int] = field(default_factory=list)
    """Rows Excel does not show (filtered out, or hidden by hand), 0-based."""
    formulas: dict[tuple[int, int], str | float] = field(default_factory=dict)
    """Formula cells whose stored result is missing or not to be trusted, with the value to read: a formula of
    literals computed (``="9876543210"``), else empty."""


def hidden_cells(path: Path, sheet: str) -> HiddenCells:
    """Error cells, hidden rows, numbers shown otherwise than their digits and formulas without a stored result in
    ``sheet`` of an XLSX/XLSM file (an ODS's, an XLS's and an XLSB's hidden rows and numbers so shown; nothing for
    others)."""
    found = HiddenCells()
    if _is_xls(path):
        xls = xls_cells(path, sheet)
        return HiddenCells(hidden_rows=xls.hidden_rows, padded=xls.padded, shown=xls.shown)
    try:
        with zipfile.ZipFile(path) as archive:
            if "content.xml" in archive.NameToInfo and "[Content_Types].xml" not in archive.NameToInfo:  # an ODS
                ods = ods_cells(archive, sheet)
                return HiddenCells(padded=ods.padded, shown=ods.shown, hidden_rows=ods.hidden_rows)
            if "xl/workbook.bin" in archive.NameToInfo:  # an XLSB
                xlsb = xlsb_cells(archive, sheet)
                return HiddenCells(hidden_rows=xlsb.hidden_rows, padded=xlsb.padded, shown=xlsb.shown)
            member = _sheet_member(archive, sheet)
            if member is None:
                return found
            xml = _unprefixed(archive.read(member))
            book, relations = _workbook_parts(archive)
            styles_part = next((m for kind, m in relations.values() if kind == "styles"), "xl/styles.xml")
            widths, templates = _number_styles(archive, styles_part)
            stale = _FULL_CALC.search(_unprefixed(archive.read(book))) is not None
    except (
        OSError,
        KeyError,
        ValueError,
        EOFError,
        zlib.error,
        zipfile.BadZipFile,
        RuntimeError,
    ):  # not a plain XLSX: nothing to add
        return found
    if widths or templates:
        shaped = b"|".join(str(style).encode() for style in [*widths, *templates])
        cell = re.compile(
            rb'<c r="([A-Z]{1,3})([0-9]+)" s="(' + shaped + rb')"(?: t="n")?>(?:<f\b[^>]*?(?:/>|>[^<]*</f>))?'
            rb"<v>([0-9]+)(?:\.0*)?</v>"
        )
        for col, row, style, digits in cell.findall(xml):
            at = (int(row) - 1, column_index(col.decode()))
            if int(style) in widths:
                found.padded[at] = digits.decode().zfill(widths[int(style)])
            elif (text := shown_number(int(digits), templates[int(style)])) is not None:
                found.shown[at] = text
    if b't="e"' in xml:
        for col, row, text in _ERROR_CELL.findall(xml):
            found.errors[(int(row) - 1, column_index(col.decode()))] = _unescape(text).decode("utf-8", "replace")
    if b'hidden="' in xml:
        found.hidden_rows = [int(row) - 1 for row in _HIDDEN_ROW.findall(xml)]
    if b"<f" in xml:
        found.uncomputed = [(int(row) - 1, column_index(col.decode())) for col, row, _ in _UNCOMPUTED.findall(xml)]
        found.formulas, unknown = _formula_values(xml, stale=stale) if stale or _NO_RESULT.search(xml) else ({}, set())
        if found.formulas:
            found.uncomputed = sorted({cell for cell in found.uncomputed if cell not in found.formulas} | unknown)
    return found


def _is_xls(path: Path) -> bool:
    """Whether the file is an OLE compound file (an .xls, whatever its name)."""
    try:
        with path.open("rb") as handle:
            return handle.read(8) == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
    except OSError:
        return False


_FULL_CALC = re.compile(rb'<calcPr\b[^>]*?\bfullCalcOnLoad="(?:1|true)"')
_FORMULA_CELL = re.compile(
    rb'<c r="([A-Z]{1,3})([0-9]+)"[^>]*?>(?:<f\b([^>]*?)(?:/>|>([^<]*)</f>))(?:<v>([^<]*)</v>|<v\s*/>)?</c>'
)
_NO_RESULT = re.compile(rb"(?:</f>|<f\b[^>]*/>)(?:<v\s*/>|<v></v>)?</c>")
"""A formula cell that stores no result (a script wrote the formula alone)."""
_SHARED_INDEX = re.compile(rb'\bsi="([0-9]+)"')


def _formula_values(xml: bytes, *, stale: bool) -> tuple[dict[tuple[int, int], str | float], set[tuple[int, int]]]:
    """Formula cells to read otherwise than their stored result, and those of them whose formula is not one of
    literals (read as empty). A result is missing when the file stores none (a script wrote the formula alone);
    a stored 0 is not to be trusted in a workbook that asks to compute every formula when opened
    (``fullCalcOnLoad``: XlsxWriter stores 0 for every formula)."""
    values: dict[tuple[int, int], str | float] = {}
    unknown: set[tuple[int, int]] = set()
    shared: dict[bytes, str | float | None] = {}
    for col, row, attributes, formula, stored in _FORMULA_CELL.findall(xml):
        index = _SHARED_INDEX.search(attributes) if b'"shared"' in attributes else None
        if formula:
            value = literal_value(_unescape(formula).decode("utf-8", "replace"))
            if index is not None:
                shared[index.group(1)] = value
        else:  # a copy of a shared formula: a formula of literals gives every copy its value
            value = shared.get(index.group(1)) if index is not None else None
        if stored and not (stale and stored == b"0"):
            continue  # a result the file holds (XlsxWriter's is always 0: the workbook asks Excel to compute it)
        cell = (int(row) - 1, column_index(col.decode()))
        if value is None:
            if not stored:
                continue  # none stored: read as empty and named, as any formula never computed
            value = ""
            unknown.add(cell)
        values[cell] = value
    return values, unknown


def apply_formulas(rows: list[list[object]], hidden: HiddenCells) -> None:
    """Put :attr:`HiddenCells.formulas` into ``rows`` (0-based, as calamine reads them), growing them as needed."""
    for (r, c), value in hidden.formulas.items():
        while len(rows) <= r:
            rows.append([])
        if len(rows[r]) <= c:
            rows[r].extend([""] * (c + 1 - len(rows[r])))
        rows[r][c] = value


def apply_shown(
    rows: list[list[object]], hidden: HiddenCells, start: int = 0, *, keep: Callable[[object], bool] | None = None
) -> None:
    """Put :attr:`HiddenCells.shown` into ``rows`` from row ``start`` on, where the cell still holds its number (and
    ``keep`` does not keep it a number)."""
    for (r, c), text in hidden.shown.items():
        if (
            start <= r < len(rows)
            and c < len(rows[r])
            and shows(value := rows[r][c], text)
            and not (keep and keep(value))
        ):
            rows[r][c] = text


def is_whole(value: object) -> bool:
    """Whether a workbook value is a whole number (what a number format of digits, or of zeros, can show)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and float(value).is_integer()


def shows(value: object, text: str) -> bool:
    """Whether ``text`` is how a number format shows the whole number ``value``: its digits last (``00123``,
    ``+91 98220 33445``, ``LD-00123``)."""
    if not is_whole(value):
        return False
    number = float(value)  # type: ignore[arg-type]
    if not 0 <= number < 1e15:  # past 15 digits a float is not the file's digits: its text is taken as it is
        return True
    return re.sub(r"\D", "", text).endswith(str(int(number)))


def sheet_notes(hidden: HiddenCells, start: int, stop: int, width: int) -> tuple[str, ...]:
    """The summary's notes on the rows below the header (``start`` to ``stop``, 0-based; ``width`` columns): rows
    Excel does not show (leads like the others, read and sent, which a person who filtered the sheet may not
    expect) and formulas never computed."""
    notes = []
    rows = [r for r in hidden.hidden_rows if start <= r < stop]
    if rows:
        first = ", ".join(str(r + 1) for r in rows[:5])
        notes.append(
            f"{len(rows)} row(s) are hidden in Excel (filtered out or hidden by hand: rows {first}"
            f"{', ...' if len(rows) > 5 else ''}) and are read like the others; to leave them out, delete them or "
            "copy the visible rows to a new sheet"
        )
    uncomputed = sorted(cell for cell in hidden.uncomputed if cell[0] >= start and cell[1] < width)
    if uncomputed:
        first = ", ".join(f"{column_name(c)}{r + 1}" for r, c in uncomputed[:3])
        notes.append(
            f"{len(uncomputed)} cell(s) hold a formula Excel never computed ({first}"
            f"{', ...' if len(uncomputed) > 3 else ''}) and read as empty; open the file in Excel, save it, and run "
            "again to use their values"
        )
    return tuple(notes)


_DIMENSION = re.compile(rb'<(?:[\w.-]+:)?dimension\b[^>]*?\bref="([A-Z]{1,3})([0-9]+)(?::([A-Z]{1,3})([0-9]+))?"')
# A cell calamine reads a value from: an opening tag (not empty-element: a cell only formatted is `<c r="E1" s="3"/>`),
# then its formula if any, then a value that is not empty or an inline string. A namespace prefix (`<x:c>`, as the
# Open XML SDK writes) is allowed throughout.
_VALUED_CELL = re.compile(
    rb"<(?:[\w.-]+:)?c\b([^>]*?)(?<!/)>(?:<(?:[\w.-]+:)?f\b[^>]*?(?:/>|>[^<]*</(?:[\w.-]+:)?f>))?"
    rb"<(?:[\w.-]+:)?(?:v>[^<]|is\b)"
)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]+)"')
_SCAN_CHUNK = 4 << 20
WIDE_COLUMNS = 1000
HUGE_CELLS = 20_000_000
"""A sheet wider than this many columns and larger than this many cells is a stray value far to the
right, not data: reading it whole would take gigabytes."""


class StrayValue(NamedTuple):
    """A sheet's used range made huge by a value far right of the data."""

    used: str
    """The range the sheet's values span (A1:XFD1301)."""
    cell: str
    """The rightmost of them (XFD5); empty when the sheet does not place its cells."""


def stray_far_right(path: Path, sheet: str) -> StrayValue | None:
    """The used range of an XLSX sheet, and its rightmost value, when a stray value far right makes it huge, else
    None.

    The sheet's ``<dimension>`` is only a claim: Excel counts cells that are merely formatted (a fill dragged along
    the header row to column XFD) and some generators write the whole sheet. So a huge claim is checked against the
    cells that hold values, which is what a reader holds in memory."""
    try:
        with zipfile.ZipFile(path) as archive:
            member = _sheet_member(archive, sheet)
            if member is None:
                return None
            with archive.open(member) as handle:
                head = handle.read(4096)
                found = _DIMENSION.search(head)
                if found is None or found.group(3) is None:
                    return None
                first, last = column_index(found.group(1).decode()), column_index(found.group(3).decode())
                if not _huge(last - first + 1, int(found.group(4)) - int(found.group(2)) + 1):
                    return None
                return _valued_extent(head, handle, (b"%s%s:%s%s" % found.groups()).decode())
    except (OSError, KeyError, ValueError, EOFError, zlib.error, zipfile.BadZipFile, RuntimeError):
        return None


def _huge(width: int, height: int) -> bool:
    return width > WIDE_COLUMNS and width * height > HUGE_CELLS


def _valued_extent(head: bytes, handle: IO[bytes], claimed: str) -> StrayValue | None:
    """The range the cells holding values span, with the rightmost of them, when it is huge; else None. ``claimed``
    (the dimension) stands when some valued cell gives no reference to place it by."""
    top = left = 1 << 30
    bottom = right = -1
    rightmost = ""
    pending = head
    while True:
        chunk = handle.read(_SCAN_CHUNK)
        data = pending + chunk
        # cut after the last row's end (`</row>`, `</x:row>`): no cell is split there
        cut = len(data) if not chunk else data.rfind(b"row>") + 4
        if cut < 4:
            pending = data
            continue
        for attributes in _VALUED_CELL.findall(data, 0, cut):
            ref = _CELL_REF.search(attributes)
            if ref is None:
                return StrayValue(claimed, "")
            row, column = int(ref.group(2)), column_index(ref.group(1).decode())
            top, bottom, left = min(top, row), max(bottom, row), min(left, column)
            if column > right:
                right, rightmost = column, (ref.group(1) + ref.group(2)).decode()
        pending = data[cut:]
        if not chunk:
            break
    if right < 0 or not _huge(right - left + 1, bottom - top + 1):
        return None
    return StrayValue(f"{column_name(left)}{top}:{column_name(right)}{bottom}", rightmost)


def _number_styles(archive: zipfile.ZipFile, part: str) -> tuple[dict[int, int], dict[int, Sections]]:
    """Cell style index → digits shown, for the styles whose number format pads with zeros (``000000``); and → the
    format's sections, for the styles whose number format shows digits with text (``"+91 "00000 00000``)."""
    try:
        styles = _unprefixed(archive.read(part))
    except KeyError:
        return {}, {}
    formats: dict[bytes, int] = {}
    shapes: dict[bytes, Sections] = {}
    for attributes in _NUM_FMT.findall(styles):
        number, code = _FMT_ID.search(attributes), _FMT_CODE.search(attributes)
        text = _unescape(code.group(1)) if code else b""
        shown = text.split(b";")[0].replace(b'"', b"")
        if number and _ZEROS.fullmatch(shown):
            formats[number.group(1)] = len(shown)
        elif number and (sections := digits_template(text.decode("utf-8", "replace"))) is not None:
            shapes[number.group(1)] = sections
    xfs = _CELL_XFS.search(styles)
    if not (formats or shapes) or xfs is None:
        return {}, {}
    widths, templates = {}, {}
    for index, attributes in enumerate(_XF.findall(xfs.group(1))):
        number = _FMT_ID.search(attributes)
        if number and number.group(1) in formats:
            widths[index] = formats[number.group(1)]
        elif number and number.group(1) in shapes:
            templates[index] = shapes[number.group(1)]
    return widths, templates


def column_index(letters: str) -> int:
    """0-based index of an Excel column name (A → 0, Z → 25, AA → 26)."""
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - ord("A") + 1
    return index - 1


def column_name(index: int) -> str:
    """Excel's name of a 0-based column index."""
    name = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(ord("A") + rest) + name
    return name


def _sheet_member(archive: zipfile.ZipFile, sheet: str) -> str | None:
    """The archive member holding the sheet named ``sheet``."""
    book, relations = _workbook_parts(archive)
    names = _unprefixed(archive.read(book))
    ids = {_unescape(n).decode(): r.decode() for n, r in _SHEET.findall(names)}
    ids.update({_unescape(n).decode(): r.decode() for r, n in _SHEET_ID_FIRST.findall(names)})
    member = relations.get(ids.get(sheet, ""), ("", ""))[1]
    return member if member in archive.NameToInfo else None


_RELATIONSHIP = re.compile(rb"<Relationship\b([^>]*)>")
_RELATIONSHIP_ATTRIBUTE = re.compile(rb'\b(Id|Type|Target)\s*=\s*"([^"]*)"')


def _workbook_parts(archive: zipfile.ZipFile) -> tuple[str, dict[str, tuple[str, str]]]:
    """The workbook part (``xl/workbook.xml`` as Excel names it; wherever the package's relationships put it) and
    its relationships: id → (kind, archive member), the kind being the last word of its type (``worksheet``)."""
    book = next((m for kind, m in _relations(archive, "").values() if kind == "officeDocument"), "xl/workbook.xml")
    return book, _relations(archive, book)


def _relations(archive: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """A part's relationships (the package's for ``""``): id → (kind, archive member); none when it has none."""
    folder = PurePosixPath(part).parent
    try:
        rels = _unprefixed(archive.read(str(folder / "_rels" / f"{PurePosixPath(part).name}.rels")))
    except KeyError:
        return {}
    found = {}
    for attributes in _RELATIONSHIP.findall(rels):
        given = dict(_RELATIONSHIP_ATTRIBUTE.findall(attributes))
        target = _unescape(given.get(b"Target", b"")).decode()
        member = target.lstrip("/") if target.startswith("/") else posixpath.normpath(str(folder / target))
        found[given.get(b"Id", b"").decode()] = (given.get(b"Type", b"").decode().rsplit("/", 1)[-1], member)
    return found


_NAMESPACES = (
    (b"http://schemas.openxmlformats.org/spreadsheetml/2006/main", b""),
    (b"http://schemas.openxmlformats.org/package/2006/relationships", b""),
    (b"http://schemas.openxmlformats.org/officeDocument/2006/relationships", b"r:"),
    (b"http://purl.oclc.org/ooxml/spreadsheetml/main", b""),  # Strict Open XML, as Excel saves it on request
    (b"http://purl.oclc.org/ooxml/officeDocument/relationships", b"r:"),
)
"""The namespaces our scans name, with the prefix they are written with: elements of a part's own namespace bare
(``<row>``), the relationship id ``r:id``."""
_PREFIX_OF = re.compile(rb'xmlns:([A-Za-z_][\w.-]*)\s*=\s*"([^"]*)"')


def _unprefixed(xml: bytes) -> bytes:
    """A part's XML with the prefixes it binds to the namespaces our scans look for (:data:`_NAMESPACES`) spelled as
    the scans expect: ``<x:row>`` becomes ``<row>`` and ``d4p1:id`` becomes ``r:id``, so a workbook the Open XML SDK
    or a Java library wrote reads as Excel's own (a prefix is only a name for its namespace)."""
    if b"xmlns:" not in xml:
        return xml
    for prefix, namespace in set(_PREFIX_OF.findall(xml)):
        wanted = next((spelled for ns, spelled in _NAMESPACES if ns == namespace), None)
        if wanted is None or prefix + b":" == wanted:
            continue
        if wanted:  # an attribute's prefix: `d4p1:id="rId1"`
            xml = re.sub(rb"(?<=[\s\"'])" + re.escape(prefix) + rb":(?=[\w.-]+\s*=)", wanted, xml)
        else:  # elements' prefix: `<x:row ...>`, `</x:row>`
            xml = re.sub(rb"<(/?)" + re.escape(prefix) + rb":", rb"<\1", xml)
    return xml


def _unescape(text: bytes) -> bytes:
    for escaped, plain in _ESCAPES.items():
        text = text.replace(escaped, plain)
    return text
