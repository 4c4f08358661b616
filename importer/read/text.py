"""Delimited text files (CSV, TSV, TXT): encoding, delimiter, records."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import pyarrow as pa
import pyarrow.csv as pacsv

from importer.errors import SourceError
from importer.read.latin_codepage import latin_code_page
from importer.read.legacy_codepage import looks_like_mac_roman
from importer.read.script_codepage import ScriptSample, script_code_page

# Python's csv module refuses fields over 128 KiB by default; a long notes cell is still a cell.
csv.field_size_limit(1 << 30)

DELIMITERS = (",", ";", "\t", "|")
DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}
PREVIEW_RECORDS = 60
PREVIEW_CHARS = 1 << 20
_CONTROL_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1b\x7f]")
_CONTROL_BYTES = re.compile(b"[\x00-\x08\x0b\x0c\x0e-\x1b\x7f]")


@dataclass(frozen=True, slots=True)
class DecodedText:
    """A text file decoded to str, with the encoding it was read with."""

    text: str
    encoding: str
    utf8: bytes | None = None
    """The file's bytes after any BOM when they are exactly ``text`` in UTF-8 (parsed without re-encoding)."""

    def body(self, start: int) -> Body:
        """The text from character ``start`` on, for :func:`parse_table`."""
        if self.utf8 is None:
            return Body(self.text[start:])
        return Body(self.text, start, self.utf8, len(self.text[:start].encode("utf-8")))


@dataclass(frozen=True, slots=True)
class Body:
    """The records below the header: as text, and as UTF-8 bytes when the file has them."""

    text: str
    start: int = 0
    utf8: bytes | None = None
    utf8_start: int = 0

    def as_text(self) -> str:
        return self.text[self.start :] if self.start else self.text

    def as_utf8(self) -> pa.Buffer:
        if self.utf8 is None:
            return pa.py_buffer(self.as_text().encode("utf-8"))
        return pa.py_buffer(memoryview(self.utf8)[self.utf8_start :])

    def has_controls(self) -> bool:
        """Whether the body holds control characters: NUL or Ctrl-Z (padding of a broken copy, DOS's
        end-of-file mark), or others no cell means to hold."""
        if self.utf8 is not None:
            return _CONTROL_BYTES.search(self.utf8, self.utf8_start) is not None
        return _CONTROL_TEXT.search(self.text, self.start) is not None

    def line_breaks(self) -> int:
        """How many line breaks the body holds (one per record, more when cells hold line breaks).

        ``\\n`` or ``\\r``, whichever is more frequent: old Mac files end their lines with ``\\r`` alone.
        """
        if self.utf8 is not None:
            return max(self.utf8.count(b"\n", self.utf8_start), self.utf8.count(b"\r", self.utf8_start))
        return max(self.text.count("\n", self.start), self.text.count("\r", self.start))


def decode(data: bytes, *, path: str, encoding: str | None = None, code_page: str | None = None) -> DecodedText:
    """Decode the whole file: BOMs first, then strict UTF-8, then ``code_page`` when given, else a non-Latin
    script's code page (cp1251, cp932, ...) when the file's words read wholly in its script, else cp1252 (or Mac
    Roman, when it reads far better)."""
    if encoding:
        try:
            return DecodedText(data.decode(encoding).removeprefix("\ufeff"), encoding)
        except LookupError:
            raise SourceError(
                f"{path}: unknown encoding {encoding!r} (try utf-8, utf-16, cp1252, mac_roman)."
            ) from None
        except UnicodeDecodeError as exc:
            raise SourceError(f"{path}: cannot be decoded as {encoding} at byte {exc.start}: {exc.reason}.") from None
    for bom, name in ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                text = data.decode(name)
                if text.startswith("\ufeff"):  # a second byte-order mark
                    return DecodedText(text[1:], name)
                return DecodedText(text, name, data[len(bom) :] if name == "utf-8-sig" else None)
            except UnicodeDecodeError as exc:
                if name == "utf-8-sig":  # the mark says UTF-8: a row pasted from a Windows tool keeps its '
                    return _utf8_sig_with_cp1252_bytes(data)
                raise SourceError(
                    f"{path}: starts with a {name} byte-order mark but byte {exc.start} is not {name}."
                ) from None
    guessed = _bomless_utf16(data)
    if guessed:
        try:
            return DecodedText(data.decode(guessed), guessed)
        except UnicodeDecodeError:
            pass
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", data)
    except UnicodeDecodeError:
        pass
    mixed = _utf8_with_cp1252_lines(data)
    if mixed is not None:
        return mixed
    if code_page is not None:
        return DecodedText(data.decode(code_page, errors=code_page_errors(code_page)), code_page)
    sample = ScriptSample()
    sample.feed(data, final=True)
    code_page = script_code_page(sample.data())
    if code_page is not None:
        # chosen for how its words read, so a byte it leaves undefined is the file's damage, kept as U+FFFD
        return DecodedText(data.decode(code_page, errors="replace"), code_page)
    code_page = latin_code_page(sample.data())
    if code_page is not None:  # Central European, Turkish, Baltic: same rule
        return DecodedText(data.decode(code_page, errors="replace"), code_page)
    if looks_like_mac_roman(data):  # Excel for Mac's "CSV (Macintosh)"
        return DecodedText(data.decode("mac_roman"), "mac_roman")
    # cp1252 leaves five bytes undefined; those are read as Latin-1 so nothing is lost.
    return DecodedText(data.decode("cp1252", errors="latin1fallback"), "cp1252")


def code_page_errors(code_page: str) -> str:
    """How a chosen code page reads a byte it leaves undefined: cp1252's five as Latin-1 (nothing lost), any other's
    as U+FFFD (the file's damage, kept visible)."""
    return "latin1fallback" if codecs.lookup(code_page).name == "cp1252" else "replace"


_stray_bytes: list[int] = []


def _cp1252_fallback(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    _stray_bytes.append(exc.end - exc.start)
    return exc.object[exc.start : exc.end].decode("cp1252", errors="latin1fallback"), exc.end


codecs.register_error("cp1252fallback", _cp1252_fallback)


def _utf8_with_cp1252_lines(data: bytes) -> DecodedText | None:
    """A UTF-8 file with a few bytes that are not (a line added by a Windows tool, two exports joined).

    Decoding it all as cp1252 would garble every accented or Hindi name; when the file holds more
    real UTF-8 characters than stray bytes, only the stray bytes are read as cp1252.
    """
    text, stray = _utf8_reading_strays_as_cp1252(data)
    utf8_chars = len(text) - len(text.encode("ascii", errors="ignore")) - stray
    if utf8_chars <= stray:
        return None
    return DecodedText(text, stray_label("utf-8", stray))


def _utf8_sig_with_cp1252_bytes(data: bytes) -> DecodedText:
    """A file marked UTF-8 (Excel's "CSV UTF-8") holding a few bytes that are not: a row pasted or appended from a
    Windows tool (``O\x92Brien``). The mark settles the encoding, so only those bytes are read as cp1252, however
    few UTF-8 letters the rest holds."""
    text, stray = _utf8_reading_strays_as_cp1252(data[len(codecs.BOM_UTF8) :])
    return DecodedText(text.removeprefix("\ufeff"), stray_label("utf-8-sig", stray))


def _utf8_reading_strays_as_cp1252(data: bytes) -> tuple[str, int]:
    """``data`` decoded as UTF-8, each byte that is not read as cp1252, and how many such bytes there were."""
    _stray_bytes.clear()
    text = data.decode("utf-8", errors="cp1252fallback")
    return text, sum(_stray_bytes)


def stray_label(encoding: str, stray: int) -> str:
    """How the summary names a UTF-8 file some bytes of which were read as cp1252."""
    return f"{encoding} ({stray} byte{'s' if stray != 1 else ''} read as cp1252)"


def _latin1_fallback(exc: UnicodeError) -> tuple[str, int]:
    assert isinstance(exc, UnicodeDecodeError)
    return exc.object[exc.start : exc.end].decode("latin-1"), exc.end


codecs.register_error("latin1fallback", _latin1_fallback)


def _bomless_utf16(data: bytes) -> str | None:
    sample = data[:4096]
    if len(sample) < 4 or sample.count(0) < len(sample) // 4:
        return None
    even, odd = sample[0::2].count(0), sample[1::2].count(0)
    if odd > 3 * even:
        return "utf-16-le"
    if even > 3 * odd:
        return "utf-16-be"
    return None


DELIMITER_WORDS = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


@dataclass(frozen=True, slots=True)
class TextPreview:
    """A text file decoded, its delimiter, and its opening records with where each ends."""

    decoded: DecodedText
    delimiter: str
    records: list[list[str]]
    ends: list[int]
    skip_spaces: bool = False
    """Whether the spaces after each delimiter are skipped (:func:`quoted_after_spaces`)."""


def open_text(
    path: Path,
    *,
    encoding: str | None = None,
    delimiter: str | None = None,
    records: int = PREVIEW_RECORDS,
    code_page: str | None = None,
) -> TextPreview:
    """Read and decode a delimited text file and parse its opening records; clear errors for unusable files."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}.") from None
    decoded = decode(data, path=str(path), encoding=encoding, code_page=code_page)
    delim = delimiter or sniff_delimiter(decoded.text, suffix=path.suffix.lower())
    delim = DELIMITER_WORDS.get(delim, delim)
    if len(delim) != 1:
        raise SourceError(f"{path}: the delimiter must be one character (or tab/comma/semicolon/pipe), got {delim!r}.")
    try:
        opening, ends = preview_records(decoded.text, delim, max(records, PREVIEW_RECORDS))
    except SourceError as exc:
        raise SourceError(f"{path}: {exc}") from None
    if not opening:
        raise SourceError(f"{path}: the file is empty.")
    if len(decoded.text) < PREVIEW_CHARS and not decoded.text.strip(" \t\r\n\x00\x1a" + delim):
        raise SourceError(f"{path}: the file holds only blank lines, no header and no leads.")
    skip_spaces = quoted_after_spaces(opening)
    if skip_spaces:
        opening, ends = preview_records(decoded.text, delim, max(records, PREVIEW_RECORDS), skip_spaces=True)
    return TextPreview(decoded, delim, opening, ends, skip_spaces)


_SEP_HINT = re.compile(r"sep=.", re.IGNORECASE)


def sep_hint(record: list[str], delimiter: str) -> bool:
    """Whether a file's first record is Excel's delimiter hint (``sep=;``, ``sep=`` and a tab), a line Excel reads as
    a setting and does not show: rows are numbered as if it were not there."""
    return _SEP_HINT.fullmatch(delimiter.join(record).strip(" ")) is not None


_SPACED_QUOTE = re.compile('[ \t]+"')


def quoted_after_spaces(records: list[list[str]]) -> bool:
    """Whether most cells after a delimiter are quoted after a space (``"Asha", "98450 12345", "Pune, MH"``), as a
    script joining quoted cells with ``", "`` writes them. Read as the rules of CSV have it, each such cell would
    keep its space and quotes and a comma inside one would split it; such a file is read with those spaces skipped.
    """
    later = [cell for record in records[:PREVIEW_RECORDS] if len(record) > 1 for cell in record[1:] if cell]
    spaced = sum(1 for cell in later if _SPACED_QUOTE.match(cell))
    return spaced >= 2 and 2 * spaced > len(later)


def sniff_delimiter(text: str, *, suffix: str = "") -> str:
    """The delimiter among , ; tab | that splits the opening lines most consistently.

    Excel's own hint line (``sep=;`` as the first line) wins.
    """
    first = text[:16].splitlines()[0] if text[:16].strip() else ""
    if first.lower().startswith("sep=") and len(first) == 5:
        return first[4]
    sample = text[:65536]
    lines = [ln for ln in sample.splitlines()[:PREVIEW_RECORDS] if ln.strip()]
    best, best_score = ("\t" if suffix in (".tsv", ".tab") else ","), 0
    for delim in DELIMITERS:
        counts: dict[int, int] = {}
        for row in csv.reader(lines, delimiter=delim):
            if len(row) > 1:
                counts[len(row)] = counts.get(len(row), 0) + 1
        if not counts:
            continue
        width, lines_with_width = max(counts.items(), key=lambda kv: (kv[1], kv[0]))
        score = lines_with_width * 1000 + width
        if score > best_score:
            best, best_score = delim, score
    return best


def preview_records(
    text: str, delimiter: str, limit: int = PREVIEW_RECORDS, *, skip_spaces: bool = False
) -> tuple[list[list[str]], list[int]]:
    """The first records and, for each, the text offset where the next record starts."""
    if len(text) > PREVIEW_CHARS:
        # Parsing a prefix spares copying a large file; it is only trusted if it did not reach the cut.
        try:
            records, ends = _preview(text[:PREVIEW_CHARS], delimiter, limit, skip_spaces=skip_spaces)
            if ends and ends[-1] < PREVIEW_CHARS:
                return records, ends
        except SourceError:
            pass
    return _preview(text, delimiter, limit, skip_spaces=skip_spaces)


def _preview(text: str, delimiter: str, limit: int, *, skip_spaces: bool = False) -> tuple[list[list[str]], list[int]]:
    records: list[list[str]] = []
    ends: list[int] = []
    consumed = 0

    def lines() -> Iterator[str]:
        nonlocal consumed
        for line in io.StringIO(text, newline=""):
            consumed += len(line)
            yield line

    reader = csv.reader(lines(), delimiter=delimiter, skipinitialspace=skip_spaces)
    try:
        for row in reader:
            records.append(row)
            ends.append(consumed)
            if len(records) >= limit:
                break
    except csv.Error as exc:
        raise SourceError(f"cannot parse line {reader.line_num}: {exc}") from None
    return records, ends


class RaggedColumns(NamedTuple):
    """A ragged file's columns of str: the header's, then those beyond it that hold a value in some row."""

    columns: list[list[str]]
    positions: list[int]
    """Each column's place in the file (0 = first)."""
    missing: list[int]
    """Per record, how many cells it has fewer than the header (0: as many or more)."""


def parse_table(
    body: Body, delimiter: str, width: int, path: str, *, skip_spaces: bool = False
) -> pa.Table | RaggedColumns:
    """Records as a pyarrow table (fast path) or as columns of str (ragged files, and those whose cells are quoted
    after a space: ``skip_spaces``, :func:`quoted_after_spaces`).

    Columns beyond the header that are empty in every row are left out: one stray value far to the right
    (a cell in column WZZ) would otherwise make thousands of empty columns of every row.
    """
    # Parallel parsing first; quoted line breaks that straddle its blocks show up as ragged rows or a
    # parse error, and the quote-aware single-threaded mode reads those files.
    if not skip_spaces:
        data = body.as_utf8()
        for newlines_in_values in (False, True):
            table = _parse_fast(data, delimiter, width, newlines_in_values=newlines_in_values)
            if table is not None:
                return table
    rows = _parse_slow(body.as_text(), delimiter, path, skip_spaces=skip_spaces)
    beyond = sorted({i for row in rows if len(row) > width for i in range(width, len(row)) if row[i]})
    positions = [*range(width), *beyond]
    missing = [max(0, width - len(row)) if row else 0 for row in rows]  # an empty line is a blank row, not a short one
    return RaggedColumns([[row[i] if i < len(row) else "" for row in rows] for i in positions], positions, missing)


def _parse_fast(data: pa.Buffer, delimiter: str, width: int, *, newlines_in_values: bool) -> pa.Table | None:
    if not data.size:
        return pa.table({f"c{i}": pa.array([], pa.string()) for i in range(width)})
    names = [f"c{i}" for i in range(width)]
    ragged = []

    def on_invalid(row: object) -> str:
        ragged.append(row)
        return "skip"

    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            *text_csv_options(
                names, delimiter, newlines_in_values=newlines_in_values, on_invalid=on_invalid, block_size=1 << 22
            ),
        )
    except pa.ArrowInvalid:
        return None
    return None if ragged else table


def _parse_slow(text: str, delimiter: str, path: str, *, skip_spaces: bool = False) -> list[list[str]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, skipinitialspace=skip_spaces)
    try:
        return [row for row in reader]
    except csv.Error as exc:
        raise SourceError(f"{path}: cannot parse the file near data record {reader.line_num}: {exc}.") from None


def text_csv_options(
    names: list[str],
    delimiter: str,
    *,
    newlines_in_values: bool,
    on_invalid: Callable[[object], str],
    block_size: int,
) -> tuple[pacsv.ReadOptions, pacsv.ParseOptions, pacsv.ConvertOptions]:
    """Arrow's CSV options for reading every cell as the text written: no nulls, no type guessing, empty
    lines kept (they are sheet rows), a record of the wrong width handed to ``on_invalid``."""
    return (
        pacsv.ReadOptions(column_names=names, block_size=block_size, use_threads=not _allocations_capped()),
        pacsv.ParseOptions(
            delimiter=delimiter,
            newlines_in_values=newlines_in_values,
            ignore_empty_lines=False,
            invalid_row_handler=on_invalid,
        ),
        pacsv.ConvertOptions(
            column_types=dict.fromkeys(names, pa.large_string()),  # as later stages take text: no cast
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
            null_values=[],
        ),
    )


def _allocations_capped() -> bool:
    """Whether the process runs under an address-space or data limit (``ulimit -v``, ``setrlimit``), where an
    allocation can fail rather than the kernel stepping in.

    Arrow's threaded CSV reader aborts the process when an allocation fails in one of its threads (exit 134,
    no message); read on the calling thread, the same failure is a MemoryError, told as such (exit 2).
    """
    try:
        import resource  # not on Windows, where no such limit applies
    except ImportError:
        return False
    return any(
        resource.getrlimit(limit)[0] != resource.RLIM_INFINITY for limit in (resource.RLIMIT_AS, resource.RLIMIT_DATA)
    )
