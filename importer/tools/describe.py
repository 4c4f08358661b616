"""A lead file described without a mapping: sheets, header row, and what each column holds."""

from __future__ import annotations

import collections
import functools
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Literal

import pyarrow as pa

from importer.arguments import source_path
from importer.errors import SourceError
from importer.normalize.phone_forms import FLOAT_TAIL, fold_phone_cell
from importer.normalize.phones import PLACEHOLDERS
from importer.read.header import HEADER_SEARCH_ROWS, column_letter
from importer.read.html_tables import html_rows
from importer.read.sniff import check_source_file, workbook_kind
from importer.read.source import HTML_SHEET, describe_delimiter, is_row_serial, pick_sheet, refuse_stray_far_right
from importer.read.text import RaggedColumns, open_text, parse_table, sep_hint
from importer.read.workbook import (
    cell_text,
    column_texts,
    hidden_sheets,
    lossy_phone_text,
    merged_ranges,
    name_merged_header,
    open_workbook,
    sheet_hidden_cells,
    sheet_rows,
)
from importer.read.xlsx_cells import apply_formulas, apply_shown, shows

Kind = Literal["phone", "email", "date", "number", "name", "text", "empty"]
KIND_LABELS: dict[str, str] = {
    "phone": "phone-like",
    "email": "email-like",
    "date": "date-like",
    "number": "number",
    "name": "name-like",
    "text": "text",
    "empty": "empty",
}
# How many distinct values of a column are classified; the rest only count toward fill.
KIND_SAMPLE = 5000

LONG_TEXT = 320
"""Cells longer than this are free text, whatever they hold."""
_EMAIL = re.compile(r"[^\s@,;<>]+@+[^\s@,;<>]+")
_DATE = re.compile(
    r"\d{4}-\d{1,2}-\d{1,2}(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
    r"|\d{1,2}[/.\-]\d{1,2}[/.\-](?:\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[ap]m)?)?"
    r"|\d{1,2}[\s\-/]+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?[\s\-/,]+\d{2,4}"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2},?\s+\d{4}",
    re.IGNORECASE,
)
_NUMBER = re.compile(r"[+-]?[$€£₹]?\s?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d+)?%?|[+-]?\d+(?:\.\d+)?[eE][+-]?\d+")
_PHONE_PREFIX = re.compile(r"^(?:p|tel|ph|phone|mob|mobile|cell|m)\s*[:.]\s*", re.IGNORECASE)
_PHONE_EXT = re.compile(r"\s*(?:ext\.?|extn\.?|extension|x|#)\s*\d{1,6}\s*$", re.IGNORECASE)
_PHONE_SPLIT = re.compile(r"\s*(?:[,;/|&]|:::|\s+or\s+)\s*", re.IGNORECASE)  # ::: joins numbers in Google Contacts
_PHONE_CHARS = re.compile(r"\(?\+?[\d\s().\-\[\]\u2010-\u2015\u2212\ufe58\ufe63\u30fc]+")
"""(+91) 98450-12345 (Jotform, country pickers); the dashes Word, Excel and a Japanese keyboard type (an en dash, a
minus sign, the long-vowel mark of 090\u30fc1234\u30fc5678), which the import reads as hyphens."""
_SCIENTIFIC = re.compile(r"\+?\d+(?:\.\d+)?[eE]\+?(\d+)")
_PLAIN_DECIMAL = re.compile(r"\d+\.\d+")
_NAME = re.compile(r"[^\W\d_]+(?:[ '\u2019.\-]+[^\W\d_]+)*\.?")
_ISO_STAMP = re.compile(
    r"\d{4}-\d{2}-\d{2}[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)?", re.I
)
_COORDINATE = re.compile(r"[+-]?(?:0|[1-9]\d{0,2})\.\d{3,}")
"""12.9716 or -73.935242: a latitude or longitude, never a phone number."""
_IP_ADDRESS = re.compile(r"(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)")
"""192.168.10.200 (no octet with a leading zero: 02.123.45.67 is a Belgian phone number)."""
_NOT_PHONE_WORDS = frozenset((
    "id", "ids", "uid", "uuid", "guid", "ip", "ipaddress", "lat", "latitude", "lng", "lon", "long", "longitude",
    "coordinates", "geo", "date", "time", "datetime", "timestamp", "created", "createdat", "createdon", "createdtime",
    "updated", "modified", "zip", "zipcode", "postal", "postcode", "postalcode", "pincode", "pin", "plz", "cep", "cap",
    "amount", "price", "revenue", "count", "score", "age", "year", "birthday", "dob",
    # what else a sheet numbers (Loan Account Number, Policy No, Order #): ten digits there read as a mobile
    "account", "acct", "loan", "policy", "invoice", "inv", "order", "ticket", "tracking", "awb", "docket",
    "consignment", "shipment", "membership", "folio", "consumer", "registration", "application", "admission",
    "enrollment", "enrolment", "roll", "receipt", "bill", "transaction", "txn", "utr", "payment", "cheque", "voucher",
    "coupon", "claim", "complaint", "case", "challan", "certificate", "pnr", "booking", "imei", "serial", "sku",
    "card", "pan", "aadhaar", "aadhar", "gst", "gstin", "passport", "licence", "license", "meter",
))  # fmt: skip
"""Header words that make a column of long numbers something other than phones (ids, coordinates, dates, the
numbers of accounts, orders and documents)."""
# How many rows (evenly spread) TableInspection keeps row-aligned for the suggester's cross-column checks.
ROW_SAMPLE = 400


@dataclass(frozen=True, slots=True)
class ColumnProfile:
    """What one column holds below the header."""

    position: int  # 0-based column index
    header: str  # the header cell, trimmed ("" when blank)
    fill_rate: float  # share of data rows with a non-empty cell
    samples: tuple[str, ...]  # distinct values, in file order
    kind: Kind
    shares: Mapping[str, float]  # per value kind, the share of filled (non-placeholder) cells
    filled: int
    distinct: int
    serial: bool = False
    """The cells number the rows 1, 2, 3 ... (a row serial, begun again in every export: no lasting id)."""
    most_common: int = 0
    """How many filled cells hold the column's most common value (an office line shared by many rows)."""

    @property
    def letter(self) -> str:
        """The column as Excel names it: A, B, ... AA."""
        return column_letter(self.position)

    @property
    def label(self) -> str:
        """The header, or the column letter when the header is blank."""
        return self.header or f"column {self.letter}"


@dataclass(frozen=True, slots=True)
class TableInspection:
    """One sheet (or the one table of a text file)."""

    sheet: str | None
    header_row: int | None  # as a person counts rows; None when no header was found
    data_rows: int  # non-blank rows below the header
    blank_rows: int
    columns: tuple[ColumnProfile, ...]
    title_rows: tuple[tuple[str, ...], ...]  # the rows above the header
    rows: tuple[tuple[str, ...], ...] = ()
    """Up to ROW_SAMPLE data rows, evenly spread over the table, one cell per column (not in ``as_dict``)."""

    def cells(self, header: str) -> list[str]:
        """The sampled rows' cells of the (first) column headed ``header``."""
        at = _positions(self.columns).get(header)
        return [] if at is None else [row[at] for row in self.rows if at < len(row)]


def _positions(columns: tuple[ColumnProfile, ...]) -> dict[str, int]:
    """Each header's (first) column position, worked out once per table (the last one asked about is kept):
    the lookup is made for each column of a sheet that may have 100,000."""
    global _LAST_POSITIONS
    kept = _LAST_POSITIONS
    if kept is not None and kept[0] is columns:
        return kept[1]
    found: dict[str, int] = {}
    for column in columns:
        found.setdefault(column.header, column.position)
    _LAST_POSITIONS = (columns, found)
    return found


_LAST_POSITIONS: tuple[tuple[ColumnProfile, ...], dict[str, int]] | None = None


@dataclass(frozen=True, slots=True)
class FileInspection:
    """A file described without a mapping."""

    path: str
    file_type: Literal["text", "workbook"]
    encoding: str | None
    delimiter: str | None
    sheets: tuple[str, ...]
    tables: tuple[TableInspection, ...]

    def as_dict(self) -> dict[str, object]:
        """Plain JSON-ready data."""
        data = asdict(self)
        for table in data["tables"]:
            table.pop("rows", None)
            for column in table["columns"]:
                column["kind"] = KIND_LABELS[column["kind"]]
                column["shares"] = {KIND_LABELS[k]: round(v, 3) for k, v in column["shares"].items()}
                column["fill_rate"] = round(column["fill_rate"], 3)
        return data


def inspect_file(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    sample_rows: int = 5,
    header_row: int | None = None,
) -> FileInspection:
    """Detect encoding, delimiter, sheets and header row; profile every column."""
    p = check_source_file(source_path(path))
    kind = workbook_kind(p)  # by content: portals save CSV or HTML as .xls, people rename workbooks .csv
    if kind == "workbook":
        return _inspect_workbook(p, sheet, sample_rows, header_row)
    if kind == "html":
        table = _inspect_rows(HTML_SHEET, html_rows(p.read_bytes(), path=str(p)), sample_rows, (), header_row)
        return FileInspection(str(p), "workbook", None, None, (HTML_SHEET,), (table,))
    return _inspect_text(p, encoding, delimiter, sample_rows, header_row)


def _header_index(preview: list[list[str]], header_row: int | None, where: str) -> int | None:
    """The 0-based header row: the one asked for (1-based), else the one detected."""
    if header_row is None:
        return detect_header(preview)
    if not 1 <= header_row <= min(len(preview), HEADER_SEARCH_ROWS):
        raise SourceError(
            f"{where}: the header row must be one of the first {min(len(preview), HEADER_SEARCH_ROWS)} rows, "
            f"not row {header_row}."
        )
    return header_row - 1


def _inspect_text(
    p: Path, encoding: str | None, delimiter: str | None, sample_rows: int, header_row: int | None = None
) -> FileInspection:
    text = open_text(p, encoding=encoding, delimiter=delimiter)
    decoded, delim, preview, ends = text.decoded, text.delimiter, text.records, text.ends
    if preview and sep_hint(preview[0], delim):  # rows numbered as Excel shows them, as validate and run number them
        preview, ends = preview[1:], ends[1:]
    index = _header_index(preview, header_row, str(p))
    if index is None:
        table = _table(None, preview, None, [], sample_rows)
    else:
        width = len(preview[index])
        body = decoded.body(ends[index] if index < len(ends) else len(decoded.text))
        table = _table(
            None,
            preview,
            index,
            _text_columns(parse_table(body, delim, width, str(p), skip_spaces=text.skip_spaces)),
            sample_rows,
        )
    return FileInspection(str(p), "text", decoded.encoding, delim, (), (table,))


def _text_columns(parsed: pa.Table | RaggedColumns) -> list[list[str]]:
    if isinstance(parsed, pa.Table):
        return [[str(v) for v in column.to_pylist()] for column in parsed.columns]
    return parsed.columns


def _inspect_workbook(p: Path, sheet: str | None, sample_rows: int, header_row: int | None = None) -> FileInspection:
    workbook = open_workbook(p)
    names = tuple(workbook.sheet_names)
    wanted = [pick_sheet(list(names), sheet, p, hidden=hidden_sheets(workbook))] if sheet is not None else list(names)
    tables = []
    for name in wanted:
        refuse_stray_far_right(p, name)
        try:
            rows = sheet_rows(workbook, name)
        except SourceError as exc:
            raise SourceError(f"{p}: {exc}") from None
        cells = sheet_hidden_cells(workbook, p, name)
        apply_formulas(rows, cells)  # ="9876543210" as read and sent, not its stored 0
        # +44 7400 123456 as read and sent (its country code says the region), not 7400123456; a number Excel had
        # cut stays the number the import calls damaged
        apply_shown(rows, cells, keep=lambda value: lossy_phone_text(value) is not None)
        # a header row asked for is the chosen sheet's (the others keep theirs, as they are only offered)
        asked = header_row if sheet is not None else None
        where = f"{p} [sheet {name!r}]"
        tables.append(_inspect_rows(name, rows, sample_rows, merged_ranges(workbook, name), asked, where, cells.padded))
    return FileInspection(str(p), "workbook", None, None, names, tuple(tables))


def _inspect_rows(
    name: str,
    rows: list[list[object]],
    sample_rows: int,
    merged: Sequence[tuple[tuple[int, int], tuple[int, int]]],
    header_row: int | None = None,
    where: str = "",
    padded: Mapping[tuple[int, int], str] | None = None,
) -> TableInspection:
    """One sheet's header row (``header_row`` when given) and column profiles (``padded``: whole numbers the
    sheet shows with leading zeros, as shown, by 0-based row and column)."""
    preview = [[cell_text(c) for c in r] for r in rows[:HEADER_SEARCH_ROWS]]
    index = _header_index(preview, header_row, where or name)
    named = index is not None and name_merged_header(preview[index], index, merged)
    if named and header_row is None and index is not None and _sub_headers_below(preview, index, merged):
        # "Contact" merged over "Mobile" and "Email": the row below names the columns (the group where it is empty)
        upper, index = preview[index], index + 1
        lower = [*preview[index], *[""] * (len(upper) - len(preview[index]))]
        preview[index] = [cell if cell.strip() or i >= len(upper) else upper[i] for i, cell in enumerate(lower)]
    columns: list[list[str]] = []
    if index is not None:
        width = max(len(r) for r in rows)
        columns = column_texts(rows, index + 1, width)
        _show_padded(columns, rows, index + 1, padded or {}, preview[index])
    return _table(name, preview, index, columns, sample_rows)


def _show_padded(
    columns: list[list[str]],
    rows: list[list[object]],
    start: int,
    padded: Mapping[tuple[int, int], str],
    header: list[str],
) -> None:
    """Zero-padded ids (``00123``) as the import reads them, not as the digits calamine gives (``123``): in every
    column but a phone's (the import reads a mapped phone from its digits, whatever zeros its format shows)."""
    by_column: dict[int, list[tuple[int, str]]] = {}
    for (r, c), text in padded.items():
        if r >= start and c < len(columns) and r < len(rows) and c < len(rows[r]) and shows(rows[r][c], text):
            by_column.setdefault(c, []).append((r - start, text))
    for c, cells in by_column.items():
        label = header[c].strip() if c < len(header) else ""
        if profile_column(c, label, columns[c], 0).kind == "phone":
            continue
        for r, text in cells:
            columns[c][r] = text


def _sub_headers_below(
    preview: list[list[str]], index: int, merged: Sequence[tuple[tuple[int, int], tuple[int, int]]]
) -> bool:
    """Whether the header row at ``index`` is a group row: a cell of it merged across columns, with words under each
    of those columns in the row below, which is a row of words too (the columns' own names, as the import reads
    such a two-row header)."""
    if index + 1 >= len(preview):
        return False
    below = preview[index + 1]
    cells = [c.strip() for c in below if c.strip()]
    if len(cells) < 2 or not _wordy(cells, need_all=False)[0]:
        return False
    return any(
        top <= index == bottom
        and left < right < len(below)
        and all(value_kind(below[c].strip() or "0") in ("name", "text") for c in range(left, right + 1))
        for (top, left), (bottom, right) in merged
    )


def _table(
    sheet: str | None, preview: list[list[str]], index: int | None, columns: list[list[str]], sample_rows: int
) -> TableInspection:
    """Profile the columns below the header at ``index`` (0-based)."""
    if index is None:
        return TableInspection(sheet, None, 0, 0, (), ())
    headers = [h.strip() for h in preview[index]]
    columns = [[_clean(v) if v[:1] in ("=", "'") else v for v in col] for col in columns]  # 100,000 columns
    # Trailing columns with neither a header nor any value are just the used range.
    while columns and len(columns) > len(headers) and not any(v.strip() for v in columns[-1]):
        columns.pop()
    n = max((len(c) for c in columns), default=0)
    keep = [r for r in range(n) if any(r < len(c) and c[r].strip() for c in columns)]
    profiles = []
    for i, col in enumerate(columns):
        header = headers[i] if i < len(headers) else ""
        values = [col[r] if r < len(col) else "" for r in keep]
        profiles.append(profile_column(i, header, values, sample_rows))
    while profiles and not profiles[-1].header and not profiles[-1].filled:
        profiles.pop()
    title = tuple(tuple(c.strip() for c in row) for row in preview[:index])
    step = max(1, -(-len(keep) // ROW_SAMPLE))
    sample = tuple(
        tuple(columns[i][r].strip() if r < len(columns[i]) else "" for i in range(len(profiles))) for r in keep[::step]
    )
    return TableInspection(sheet, index + 1, len(keep), n - len(keep), tuple(profiles), title, sample)


def _clean(value: str) -> str:
    """Undo spreadsheet text tricks, as the reader does: ="0123" wrappers and a leading apostrophe."""
    if value.startswith('="') and value.endswith('"') and len(value) >= 3:
        value = value[2:-1]
    return value.removeprefix("'")


def detect_header(rows: list[list[str]]) -> int | None:
    """0-based index of the header among the first rows, or None.

    The header is the first row with at least 2 filled cells, mostly words rather than
    numbers, dates, phones or emails, and at least as many cells as most rows below. A header's
    cells are counted up to its last filled one when one of them (or one in five) is blank (a pandas index
    column or an unlabelled serial number has no header).
    """
    counts = [sum(1 for c in row if c.strip()) for row in rows]
    if max(counts, default=0) == 1:
        return _one_column_header(rows)
    for index, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        cells = [c.strip() for c in row if c.strip()]
        if len(cells) < 2:
            continue
        span = max(i for i, c in enumerate(row) if c.strip()) + 1
        gaps_allowed = 0 < span - len(cells) <= max(1, span // 5)
        mostly, only = _wordy(cells, need_all=gaps_allowed)
        if not mostly:
            continue
        # A blank allowed only among words: "Lead Export,,Generated on,12-03-2024" is a title, not a header.
        width = span if gaps_allowed and only else len(cells)
        below = [c for c in counts[index + 1 :] if c]
        if not below or sum(1 for c in below if c <= width) * 2 >= len(below):
            return index
    return None


def _wordy(cells: list[str], *, need_all: bool) -> tuple[bool, bool]:
    """(more than half the cells are words, all are); the second only when ``need_all``. Stops as soon as both
    are known: a wide sheet's header has 100,000 cells."""
    n, wordy, other = len(cells), 0, 0
    for cell in cells:
        if value_kind(cell) in ("name", "text"):
            wordy += 1
        else:
            other += 1
        if other * 2 >= n:
            return False, False
        if wordy * 2 > n and (other or not need_all):
            return True, not other
    return wordy * 2 > n, not other


def _one_column_header(rows: list[list[str]]) -> int | None:
    """A one-column file's header: the word cell just above cells that are mostly emails or phones
    (``Primary Email`` over addresses, below a title line or not)."""
    cells = [next((c.strip() for c in row if c.strip()), "") for row in rows[:HEADER_SEARCH_ROWS]]
    kinds = [value_kind(c) if c else "" for c in cells]
    first = next((i for i, k in enumerate(kinds) if k in ("email", "phone")), None)
    if first is None:
        return None
    above = [i for i in range(first) if kinds[i] in ("name", "text")]
    below = [k for k in kinds[first:] if k]
    if not above or sum(1 for k in below if k in ("email", "phone")) * 2 <= len(below):
        return None
    return above[-1]


def profile_column(position: int, header: str, values: list[str], sample_rows: int) -> ColumnProfile:
    """Fill rate, samples and kind of one column's data cells."""
    counter = collections.Counter(v.strip() for v in values)
    counter.pop("", None)
    filled = sum(counter.values())
    kinds: collections.Counter[str] = collections.Counter()
    # most_common(n) is sorted(...)[:n] by a heap: slow for the few values of each of a wide sheet's columns.
    for value, n in counter.most_common(KIND_SAMPLE) if len(counter) > KIND_SAMPLE else counter.most_common():
        if value.casefold() not in PLACEHOLDERS:
            kinds[value_kind(value)] += n
    if "phone" in kinds and names_no_phone(header):  # a Lead ID or a timestamp of ten digits
        kinds["number"] += kinds.pop("phone")
    total = sum(kinds.values())
    shares = {k: n / total for k, n in kinds.most_common()} if total else {}
    return ColumnProfile(
        position=position,
        header=header,
        fill_rate=filled / len(values) if values else 0.0,
        samples=tuple(list(counter)[:sample_rows]),
        kind=column_kind(shares, distinct=len(counter), filled=filled),
        shares=shares,
        filled=filled,
        distinct=len(counter),
        serial=is_row_serial(list(counter), filled),
        most_common=max(counter.values(), default=0),
    )


def header_words(header: str) -> list[str]:
    """A header's words, casefolded: ``createdTime`` → created, time; ``ip_address`` → ip, address."""
    spaced = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", header)
    return [w for w in re.split(r"[\W_]+", spaced.casefold()) if w]


def names_no_phone(header: str) -> bool:
    """Whether a header names what long numbers are when they are not phones: ids, coordinates, dates, codes."""
    words = header_words(header)
    joined = "".join(words)
    if any(w in ("wa", "cell", "tel") for w in words) or any(p in joined for p in ("phone", "mobile", "whatsapp")):
        return False  # WhatsApp ID, wa_id: a chat export keys its contacts by their number
    if any(_names_a_phone(w) for w in words):
        return False  # Cep Telefonu: Turkish for mobile phone, whatever "cep" is in Brazil (a postcode)
    return any(w in _NOT_PHONE_WORDS for w in words) or joined in _NOT_PHONE_WORDS or joined.endswith("id")


def _names_a_phone(word: str) -> bool:
    """Whether a header word is a phone's in some language, or an inflection of one (``telefonu``, ``telefonnummer``)."""
    from importer.tools.vocabulary import PHONE_EXACT, keys

    (key,) = keys(word) or ("",)
    return key in PHONE_EXACT or any(len(stem) >= _PHONE_STEM and key.startswith(stem) for stem in PHONE_EXACT)


_PHONE_STEM = 6
"""Letters a phone word must have for a longer word starting with it to be read as it (telefon → telefonu)."""


def column_kind(shares: Mapping[str, float], *, distinct: int, filled: int) -> Kind:
    """The kind most of a column's cells have; names also need mostly distinct values."""
    if not shares:
        return "text" if filled else "empty"  # only placeholders such as N/A or "-"
    for kind, threshold in (("email", 0.5), ("phone", 0.5), ("date", 0.6), ("number", 0.6)):
        if shares.get(kind, 0.0) >= threshold:
            return kind  # type: ignore[return-value]
    if shares.get("name", 0.0) >= 0.6 and distinct >= 0.5 * filled:
        return "name"
    return "text"


@functools.lru_cache(maxsize=1 << 12)  # a wide sheet's columns repeat the same answers (yes, no, 1-5)
def value_kind(text: str) -> Kind:
    """What one trimmed, non-empty cell looks like."""
    if len(text) > LONG_TEXT:  # notes, not a contact; and the patterns below would take quadratic time on it
        return "text"
    if _EMAIL.search(text) and " " not in text.strip():
        return "email"
    if _DATE.fullmatch(text) or _ISO_STAMP.fullmatch(text):
        return "date"
    if _COORDINATE.fullmatch(text) or _IP_ADDRESS.fullmatch(text):
        return "number"
    if looks_like_phone(text):
        return "phone"
    if _NUMBER.fullmatch(text):
        return "number"
    if len(text) <= 60 and len(text.split()) <= 5 and _NAME.fullmatch(without_marks(text)):
        return "name"
    return "text"


def without_marks(text: str) -> str:
    """``text`` without its combining marks: Devanagari's, Tamil's and Bengali's vowel signs are marks, not letters,
    so ``राहुल`` would not read as one word (Latin letters come composed and lose nothing)."""
    if text.isascii():
        return text
    return "".join(ch for ch in text if not unicodedata.category(ch).startswith("M"))


def looks_like_phone(text: str) -> bool:
    """8 to 15 digits in phone punctuation, or a whole number Excel wrote in scientific notation.

    Several numbers in one cell, an extension and a ``tel:``-style prefix are allowed.
    """
    t = _PHONE_PREFIX.sub("", fold_phone_cell(text).strip())
    t = FLOAT_TAIL.sub("", t)
    sci = _SCIENTIFIC.fullmatch(t)
    if sci:
        return 6 <= int(sci.group(1)) <= 16
    if _PLAIN_DECIMAL.fullmatch(t):
        return False
    parts = [_PHONE_EXT.sub("", p) for p in _PHONE_SPLIT.split(t) if p.strip()]
    if len(parts) == 2 and "/" in t and sum(ch.isdigit() for ch in parts[0]) <= 5:
        parts = [t.replace("/", " ")]  # 0172/6508462: the German way of writing an area code, not two numbers
    return bool(parts) and all(
        _PHONE_CHARS.fullmatch(p) is not None and 8 <= sum(ch.isdigit() for ch in p) <= 15 for p in parts
    )


def render_inspection(inspection: FileInspection) -> str:
    """The inspection as a text block for people."""
    if inspection.file_type == "text":
        lines = [
            f"{inspection.path}: text file, {inspection.encoding}, {describe_delimiter(inspection.delimiter)}-separated"
        ]
    else:
        lines = [f"{inspection.path}: workbook, sheets: {', '.join(repr(s) for s in inspection.sheets)}"]
    for table in inspection.tables:
        lines.append("")
        lines.extend(_render_table(table))
    return "\n".join(lines) + "\n"


def _render_table(table: TableInspection) -> list[str]:
    where = f"Sheet {table.sheet!r}: " if table.sheet is not None else ""
    if table.header_row is None:
        return [f"{where}no header row found in the first {HEADER_SEARCH_ROWS} rows."]
    titles = [" ".join(c for c in row if c) for row in table.title_rows]
    blank = f" ({_count(table.blank_rows, 'blank row')} not counted)" if table.blank_rows else ""
    lines = [f"{where}header on row {table.header_row}; {_count(table.data_rows, 'data row')}{blank}"]
    lines.extend(f"  above the header: {t[:70]}" for t in titles if t)
    width = min(max([len(c.label) for c in table.columns] + [6]), 32)
    lines.append(f"  {'column':<{width}}  {'filled':>6}  {'kind':<11} samples")
    for c in table.columns:
        samples = ", ".join(_short(s) for s in c.samples)
        lines.append(f"  {_short(c.label, width):<{width}}  {c.fill_rate:>6.0%}  {KIND_LABELS[c.kind]:<11} {samples}")
    return lines


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _short(text: str, limit: int = 30) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"
