"""A text file's data rows read a chunk of rows at a time, never the whole file at once.

Each chunk is a :class:`SourceTable` of consecutive data rows, cleaned and numbered exactly as
:func:`importer.read.source.read_source` reads them from the whole file, in any encoding
(:mod:`importer.read.transcode`). The rows are first read the fast way (Arrow's parallel parser); a file
that turns out to need another (bytes that are not UTF-8, line breaks in cells, rows of other widths than
the header) raises :class:`NotStreamable` while being read, and :func:`reopen` gives the stream that reads
it as the whole reader does. A file whose header lies beyond its opening megabytes, or that changes while
it is read, raises NotStreamable too: the caller then reads it whole.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from importer.columns import column_blocks, columns_holding, empty_text, holds_char_in, split_block
from importer.config import LeadMapping
from importer.errors import SourceError
from importer.read.cut_off import TAIL_CHARS, ends_mid_row, file_tail
from importer.read.header import (
    HeaderMatch,
    choose_header,
    display_names,
    missing_columns,
    reading_notes,
    report_columns,
)
from importer.read.read_options import with_mapping
from importer.read.sniff import check_source_file, workbook_kind
from importer.read.source import (
    ReadOptions,
    SourceTable,
    _clean_cells,
    _refuse_runaway_quotes,
    _serial_reference_note,
    _without_controls,
)
from importer.read.split_cells import SHOWN, mend_split_cells, split_rows_note
from importer.read.text import (
    DELIMITER_WORDS,
    PREVIEW_CHARS,
    PREVIEW_RECORDS,
    _bomless_utf16,
    quoted_after_spaces,
    sep_hint,
    sniff_delimiter,
    text_csv_options,
)
from importer.read.text import _preview as parse_records
from importer.read.transcode import UTF8, Decoding, Utf8Body, decoding_of
from importer.read.wide_rows import WIDE_BLOCK_ROWS, WIDE_COLUMNS, wide_batches
from importer.read.wide_rows import NotStreamable as NotStreamable  # where callers have always caught it
from importer.text_columns import TextColumns

CHUNK_ROWS = 200_000
"""Data rows per chunk: the rows normalized together (the size :func:`build_leads` works on unsplit)."""
CHUNK_BYTES = 24 << 20
"""Bytes of cells at which a chunk is cut before it has CHUNK_ROWS rows (rows with long notes)."""
HEAD_BYTES = 4 * PREVIEW_CHARS
"""Bytes read to find the delimiter and the header: at least PREVIEW_CHARS characters of any UTF-8 text."""
_GROUP_VALUES = 1 << 16
"""Values of a block of columns joined at once (a wide file's columns are worked on a block at a time)."""
_BLOCK = 1 << 20
"""Bytes parsed at a time: several blocks are read ahead and parsed side by side, each held a few times over
meanwhile (the whole-file reader's 4 MiB blocks took 150 MB here). Rows parse the same at any block size."""


FAST, QUOTED, RAGGED = 0, 1, 2
"""How the records are parsed, as :func:`importer.read.text.parse_table` tries them: Arrow's parallel parser,
its quote-aware one (line breaks in cells), then Python's csv module (rows of other widths than the header)."""


@dataclass(slots=True)
class _SplitRows:
    """The sheet rows (the first few, and how many) whose split cells a ragged file's reading mended, or could not."""

    mended: list[int] = field(default_factory=list)
    unmended: list[int] = field(default_factory=list)
    counts: list[int] = field(default_factory=lambda: [0, 0])

    def add(self, mended: list[int], unmended: list[int]) -> None:
        self.mended += mended[: SHOWN - len(self.mended)]
        self.unmended += unmended[: SHOWN - len(self.unmended)]
        self.counts[0] += len(mended)
        self.counts[1] += len(unmended)

    def reset(self) -> None:
        self.mended, self.unmended, self.counts = [], [], [0, 0]


@dataclass(frozen=True, slots=True)
class TextStream:
    """A text file's header found and checked; :meth:`chunks` reads its data rows."""

    path: Path
    table: SourceTable
    """The file as read: header, columns, notes; its ``cells`` hold no rows."""
    body_start: int
    """Where the first data record starts: its byte offset (a file parsed as it is, in UTF-8), or the characters
    of text before it (a file decoded from another encoding)."""
    names: list[str]
    width: int
    first_row: int
    """The sheet row of the first data record."""
    size: int
    mtime_ns: int = 0
    """The file's modification time when it was opened (with ``size``: :meth:`changed` tells an edit apart)."""
    wide: bool = False
    """Its records are parsed by the csv module (:mod:`importer.read.wide_rows`): so wide that a block of
    Arrow's reader would hold only a few of them, each block costing per column."""
    read: list[int] = field(default_factory=lambda: [0])
    """Bytes of the file read so far (for a progress bar; the reader reads ahead of the rows handed out)."""
    decoding: Decoding = UTF8
    settled: bool = False
    """Whether the decoding was decided from the whole file (else from its opening bytes, which were UTF-8)."""
    mode: int = FAST
    match: HeaderMatch | None = None
    positions: tuple[int, ...] = ()
    """RAGGED: each column's place in the file (the header's, then those beyond it holding a value in some row)."""
    split: _SplitRows = field(default_factory=_SplitRows)

    def changed(self) -> bool:
        """Whether the file's size or modification time differs from when it was opened (or it is gone)."""
        try:
            info = self.path.stat()
        except OSError:
            return True
        return (info.st_size, info.st_mtime_ns) != (self.size, self.mtime_ns)

    def chunks(
        self, rows: int | None = None, *, max_bytes: int | None = None, check: bool = True
    ) -> Iterator[tuple[SourceTable, bool]]:
        """The data rows, ``rows`` (default :data:`CHUNK_ROWS`) at a time or fewer when they hold ``max_bytes``
        (default :data:`CHUNK_BYTES`) of cells, as :func:`read_source` reads them, each with whether it is the
        file's last (a file without data rows gives one empty chunk). ``check``: refuse a stray quote that
        swallowed rows (False when reading again what was read before)."""
        start = 0
        widths = (len(self.names), rows or CHUNK_ROWS, max_bytes or CHUNK_BYTES)
        if self.mode == RAGGED:
            self.split.reset()
            parts: Iterator[tuple[list[pa.Array], bool, np.ndarray | None]] = self._ragged_chunks(*widths[1:])
        else:
            parts = ((cells, last, None) for cells, last in _row_chunks(self._batches(), *widths))
        for cells, last, missing in parts:
            chunk = self._chunk(cells, start, check=check, missing=missing)
            if last and len(cells[0]) and self._ends_mid_row(cells, missing):
                chunk = replace(chunk, cut_short=True)
            yield chunk, last
            start += len(cells[0])
        if start == 0:
            yield self._chunk([pa.array([], pa.large_string()) for _ in self.names], 0, check=check), True

    def _ends_mid_row(self, cells: list[pa.Array], missing: np.ndarray | None) -> bool:
        """Whether the file stops in the middle of its last row (:mod:`importer.read.cut_off`), the last of ``cells``."""
        text = file_tail(self.path, TAIL_CHARS)
        final_row = [column[-1].as_py() for column in cells]
        return text is not None and ends_mid_row(text, str(self.table.delimiter), final_row, missing)

    def _chunk(
        self, cells: list[pa.Array], start: int, *, check: bool, missing: np.ndarray | None = None
    ) -> SourceTable:
        n = len(cells[0])
        columns, cleaned = _without_controls(TextColumns(self.names, cells, pd.RangeIndex(start, start + n)))
        chunk = replace(
            self.table,
            data=_clean_cells(columns),
            controls=cleaned,
            sheet_row=np.arange(self.first_row + start, self.first_row + start + n, dtype=np.int64),
        )
        if missing is not None:
            chunk = replace(chunk, missing_cells=missing, header_width=self.width)
        if check and _holds_line_breaks(cells):
            _refuse_runaway_quotes(chunk, str(self.table.delimiter))
        return chunk

    @contextlib.contextmanager
    def _body(self) -> Iterator[tuple[Any, Callable[[], int]]]:
        """The records as UTF-8 bytes (a file to read) and how many bytes of the file were read so far."""
        if self.decoding.codec is None:
            with pa.OSFile(str(self.path), "rb") as handle:
                handle.seek(self.body_start)
                yield handle, handle.tell
            return
        body = Utf8Body(self.path, self.decoding, self.body_start)
        with body:
            yield body, lambda: body.consumed

    def _batches(self, mode: int | None = None) -> Iterator[list[pa.Array]]:
        """The body's records as Arrow record batches' columns; NotStreamable for what the whole reader reads apart."""
        if self.decoding.codec is None and self.size <= self.body_start:
            return
        if self.wide and self.decoding.codec is None and (self.mode if mode is None else mode) == FAST:
            for columns, size in wide_batches(
                self.path, self.body_start, self.width, str(self.table.delimiter), self.read
            ):
                yield _Columns(columns, size)
            return
        names = [f"c{i}" for i in range(self.width)]
        ragged: list[object] = []

        def on_invalid(row: object) -> str:
            ragged.append(row)
            return "skip"

        with self._body() as (handle, position):
            try:
                if self.decoding.codec is not None and not handle.peek_any():
                    return
                reader = pacsv.open_csv(
                    handle,
                    *text_csv_options(
                        names,
                        str(self.table.delimiter),
                        newlines_in_values=(self.mode if mode is None else mode) == QUOTED,
                        on_invalid=on_invalid,
                        block_size=_BLOCK,
                    ),
                )
                for batch in reader:
                    if ragged:
                        raise NotStreamable("ragged rows")
                    self.read[0] = position()
                    yield _Columns(batch.columns, batch.get_total_buffer_size())
            except (pa.ArrowInvalid, UnicodeDecodeError) as exc:  # a record the parser cannot read, bytes not UTF-8
                raise NotStreamable(str(exc)) from None
        if ragged:
            raise NotStreamable("ragged rows")

    def _parses(self, mode: int) -> bool:
        """Whether Arrow's parser in ``mode`` reads every record at the header's width."""
        try:
            for _ in self._batches(mode):
                pass
        except NotStreamable:
            return False
        return True

    def _records(self) -> Iterator[list[str]]:
        """The body's records as Python's csv module reads them (the whole reader's ragged files)."""
        if self.decoding.codec is None:  # its text from the first record's byte on
            pieces = Decoding(self.decoding.label, "utf-8", offset=self.body_start).pieces(self.path)
        else:
            pieces = _skipped(self.decoding.pieces(self.path), self.body_start)
        reader = csv.reader(_lines(pieces, self.read), delimiter=str(self.table.delimiter))
        try:
            yield from reader
        except csv.Error as exc:
            raise SourceError(
                f"{self.path}: cannot parse the file near data record {reader.line_num}: {exc}."
            ) from None
        except UnicodeDecodeError as exc:  # the file changed since its decoding was decided
            raise NotStreamable(str(exc)) from None

    def _ragged_chunks(self, rows: int, max_bytes: int) -> Iterator[tuple[list[pa.Array], bool, np.ndarray | None]]:
        """Chunks of a ragged file's records, padded and mended as :func:`read_source` does it for all at once."""
        assert self.match is not None
        width, positions = self.width, self.positions
        checks = {self.match.found[f]: f for f in ("phone", "email") if f in self.match.found}
        mapped = frozenset(self.match.found.values())
        delimiter = str(self.table.delimiter)
        ready: tuple[list[pa.Array], np.ndarray | None] | None = None
        held: list[list[str]] = []
        size = done = 0
        records = self._records()
        while True:
            record = next(records, None)
            if record is not None:
                held.append(record)
                size += sum(map(len, record)) + 8 * len(record)  # as Arrow counts a cell: its text and offset
                if len(held) < rows and size < max_bytes:
                    continue
            if held:
                if ready is not None:
                    yield ready[0], False, ready[1]
                columns = [[row[i] if i < len(row) else "" for row in held] for i in positions]
                split = mend_split_cells(columns, width, checks, delimiter, mapped)
                first = self.first_row + done
                self.split.add([first + r for r in split.mended], [first + r for r in split.unmended])
                missing = np.asarray([max(0, width - len(row)) if row else 0 for row in held], dtype=np.int64)
                ready = ([pa.array(c, pa.large_string()) for c in split.columns], missing if missing.any() else None)
                done += len(held)
                held, size = [], 0
            if record is None:
                break
        if ready is not None:
            yield ready[0], True, ready[1]

    def with_split_note(self, table: SourceTable) -> SourceTable:
        """``table`` with the note on the rows whose split cells were mended (or not), once every chunk was read."""
        split = self.split
        if self.mode != RAGGED or not any(split.counts):
            return table
        notes = split_rows_note(split.mended, split.counts[0], split.unmended, split.counts[1], str(table.delimiter))
        return replace(table, notes=(*table.notes, *notes))


def _skipped(pieces: Iterator[tuple[str, int]], skip: int) -> Iterator[tuple[str, int]]:
    """``pieces`` of text without its first ``skip`` characters."""
    for text, consumed in pieces:
        if skip:
            cut = min(skip, len(text))
            text, skip = text[cut:], skip - cut
        if text:
            yield text, consumed


def _lines(pieces: Iterator[tuple[str, int]], read: list[int]) -> Iterator[str]:
    """The lines of the text ``pieces`` make, as ``io.StringIO(text, newline="")`` splits the whole text (a line
    break cut between two pieces stays one); ``read[0]`` counts the file's bytes read."""
    carry = ""
    for text, consumed in pieces:
        lines = io.StringIO(carry + text, newline="").readlines()
        carry = lines.pop() if lines and not lines[-1].endswith("\n") else ""  # "\r" may be half of "\r\n"
        read[0] = consumed
        yield from lines
    if carry:
        yield carry


class _Columns(list[pa.Array]):
    """A record batch's columns and its size in bytes (summed by Arrow at once: a call per column costs more
    than a wide file's cells)."""

    def __init__(self, columns: list[pa.Array], nbytes: int) -> None:
        super().__init__(columns)
        self.nbytes = nbytes


def _bytes_of(columns: list[pa.Array]) -> int:
    return columns.nbytes if isinstance(columns, _Columns) else sum(column.nbytes for column in columns)


def _row_chunks(
    batches: Iterator[list[pa.Array]], width: int, rows: int, max_bytes: int
) -> Iterator[tuple[list[pa.Array], bool]]:
    """The batches' columns regrouped into chunks of ``rows`` rows (the last one fewer),
    each column one contiguous large_string array, and whether it is the last; a chunk of long rows is cut
    sooner, at ``max_bytes`` of cells. A chunk is handed out once a row after it is known, or the end."""
    pending: list[tuple[list[pa.Array], int]] = []
    held = held_bytes = 0
    ready: list[pa.Array] | None = None
    for columns in batches:
        if not len(columns[0]):
            continue
        if ready is not None:
            yield ready, False
            ready = None
        batch = (columns, _bytes_of(columns))
        pending.append(batch)
        held += len(columns[0])
        held_bytes += batch[1]
        cuts = []
        while held >= rows:
            cuts.append(_columns(pending, width, rows))
            pending, held = _drop(pending, rows), held - rows
            held_bytes = sum(size for _, size in pending)
        if held and held_bytes >= max_bytes:
            cuts.append(_columns(pending, width, held))
            pending, held, held_bytes = [], 0, 0
        for cut in cuts[:-1]:
            yield cut, False
        if cuts and held:
            yield cuts[-1], False
        elif cuts:
            ready = cuts[-1]
    if held:
        if ready is not None:
            yield ready, False
        ready = _columns(pending, width, held)
    if ready is not None:
        yield ready, True


def _columns(pending: list[tuple[list[pa.Array], int]], width: int, take: int) -> list[pa.Array]:
    """The first ``take`` rows of the pending batches, each column as one large_string array.

    Worked on a block of columns at a time: a file may have 100,000 columns, and a call per column would cost
    more than their cells.
    """
    parts: list[list[pa.Array]] = []
    left = take
    for columns, _ in pending:
        if left == 0:
            break
        n = min(left, len(columns[0]))
        parts.append(columns if n == len(columns[0]) else [c.slice(0, n) for c in columns])
        left -= n
    texts = [_text_chunks_of(part) for part in parts]
    if len(texts) == 1:
        return texts[0]
    out: list[pa.Array] = []
    step = max(1, _GROUP_VALUES // take)
    for start in range(0, width, step):
        block = range(start, min(width, start + step))
        out += split_block(pa.concat_arrays([part[i] for i in block for part in texts]), len(block))
    return out


def _text_chunks_of(arrays: list[pa.Array]) -> list[pa.Array]:
    """The arrays as large_string arrays, cast a block of columns at a time."""
    if all(a.type == pa.large_string() for a in arrays):
        return arrays
    return [part for block, values in column_blocks(arrays) for part in split_block(values, len(block))]


def _drop(pending: list[tuple[list[pa.Array], int]], take: int) -> list[tuple[list[pa.Array], int]]:
    out = []
    for columns, size in pending:
        n = len(columns[0])
        if take >= n:
            take -= n
            continue
        out.append(([column.slice(take) for column in columns], size * (n - take) // n) if take else (columns, size))
        take = 0
    return out


def _holds_line_breaks(cells: list[pa.Array]) -> bool:
    """Whether a cell holds a line break (the only cells a stray quote can have run on through)."""
    return bool(columns_holding(cells, lambda array: holds_char_in(array, "\r\n")))


def open_stream(
    path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions(), *, settled: bool = False
) -> TextStream:
    """The text file at ``path`` ready to be read in chunks; NotStreamable when it must be read whole.

    The checks and errors are :func:`read_source`'s: the same file is refused with the same message. A file
    whose opening bytes are UTF-8 is taken to be UTF-8 (its chunks find out if it is not); ``settled``, or a file
    in another encoding: the whole file is decoded first to decide its encoding, as :func:`read_source` does.
    """
    p = check_source_file(Path(path))
    options = with_mapping(options, mapping)
    if options.all_sheets or workbook_kind(p) != "text":
        raise NotStreamable("not a text file")
    info = p.stat()
    size = info.st_size
    try:
        with p.open("rb") as handle:
            head = handle.read(HEAD_BYTES)
    except OSError as exc:
        raise SourceError(f"{p}: cannot read: {exc.strerror}.") from None
    whole = size <= HEAD_BYTES
    decoding = None if settled or options.encoding else _utf8_at_first_sight(head, whole=whole)
    if decoding is None:
        decoding, settled = decoding_of(p, head, options.encoding, code_page=options.code_page), True
    try:
        text = decoding.head(head, final=whole)
    except UnicodeDecodeError:  # the file changed since its decoding was decided
        raise NotStreamable("the file changed") from None
    delimiter = options.delimiter or sniff_delimiter(text, suffix=p.suffix.lower())
    delimiter = DELIMITER_WORDS.get(delimiter, delimiter)
    if len(delimiter) != 1:
        raise SourceError(f"{p}: the delimiter must be one character (or tab/comma/semicolon/pipe), got {delimiter!r}.")
    wanted = max((options.header_row or 0) + 1, PREVIEW_RECORDS)
    preview, ends = _opening_records(text, delimiter, wanted, whole=whole, path=p)
    if not preview:
        raise SourceError(f"{p}: the file is empty.")
    if whole and len(text) < PREVIEW_CHARS and not text.strip(" \t\r\n\x00\x1a" + delimiter):
        raise SourceError(f"{p}: the file holds only blank lines, no header and no leads.")
    hint = int(sep_hint(preview[0], delimiter))
    header_row = options.header_row + hint if options.header_row is not None else None
    match = choose_header(preview, mapping, header_row, where=str(p))
    if not match.complete:
        raise missing_columns(match, mapping, where=str(p))
    last = match.data_start - 1
    if last >= len(ends):
        raise NotStreamable("the header is beyond the opening records")
    width = len(match.headers)
    names = display_names(match.headers, _extra=width)[:width]
    table = _header_table(p, match, names, delimiter, decoding.label, hint)
    longest = max(b - a for a, b in zip([0, *ends], ends, strict=False))  # characters of a record, about
    wide = decoding.codec is None and width >= WIDE_COLUMNS and longest * WIDE_BLOCK_ROWS >= _BLOCK
    # a byte offset where the file is parsed as it is, else characters of text
    body_start = ends[last] if decoding.codec else decoding.offset + len(text[: ends[last]].encode("utf-8"))
    return TextStream(
        p, table, body_start, names, width, match.data_start + 1 - hint, size,
        decoding=decoding, settled=settled, match=match, wide=wide, mtime_ns=info.st_mtime_ns,
    )  # fmt: skip


def reopen(failed: TextStream, mapping: LeadMapping, options: ReadOptions = ReadOptions()) -> TextStream:
    """The file of a stream whose chunks could not all be read (NotStreamable) read the way :func:`read_source`
    reads it: decoded as the whole file says, its records parsed by the first of the whole reader's parsers that
    reads every one (each tried over the file first, only parsing)."""
    stream = failed if failed.settled else open_stream(failed.path, mapping, options, settled=True)
    tried = failed.mode if stream.decoding == failed.decoding else -1
    for mode in (FAST, QUOTED):
        if mode > tried and stream._parses(mode):
            return replace(stream, mode=mode)
    return _ragged(stream)


def _ragged(stream: TextStream) -> TextStream:
    """``stream`` read by Python's csv module, with the columns beyond the header that hold a value in some row."""
    assert stream.match is not None
    width = stream.width
    beyond: set[int] = set()
    for record in stream._records():
        if len(record) > width:
            beyond.update(i for i in range(width, len(record)) if record[i])
    positions = (*range(width), *sorted(beyond))
    every = display_names(stream.match.headers, _extra=max(positions, default=-1) + 1)
    names = [every[i] for i in positions]
    table = stream.table
    hint = stream.match.data_start + 1 - stream.first_row
    header = _header_table(stream.path, stream.match, names, str(table.delimiter), str(table.encoding), hint)
    return replace(stream, table=header, names=names, mode=RAGGED, positions=positions)


def _utf8_at_first_sight(head: bytes, *, whole: bool) -> Decoding | None:
    """UTF-8 (after a byte-order mark, if any) when the opening bytes are; None when they say another encoding."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or _bomless_utf16(head):
        return None
    bom = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    try:
        text = codecs.getincrementaldecoder("utf-8")().decode(head[bom:], final=whole)
    except UnicodeDecodeError:
        return None
    if bom and text.startswith("\ufeff"):  # a second byte-order mark: decoded, not parsed as it is
        return None
    return Decoding("utf-8-sig", None, offset=bom) if bom else UTF8


def _opening_records(
    text: str, delimiter: str, wanted: int, *, whole: bool, path: Path
) -> tuple[list[list[str]], list[int]]:
    """The opening records as :func:`open_text` finds them; NotStreamable when that needs more than ``text``.

    Records are parsed in order, so those that end inside the opening text are the whole file's.
    """
    try:
        records, ends = parse_records(text, delimiter, wanted)
    except SourceError as exc:
        if whole:
            raise SourceError(f"{path}: {exc}") from None
        raise NotStreamable("the opening records need the whole file") from None
    if not whole and not (ends and ends[-1] < len(text)):
        raise NotStreamable("the opening records need the whole file")
    if quoted_after_spaces(records):
        raise NotStreamable("cells quoted after a space: read whole, by Python's parser")
    return records, ends


def _header_table(
    p: Path, match: HeaderMatch, names: list[str], delimiter: str, encoding: str, hint: int
) -> SourceTable:
    """The table :func:`read_source` makes of the file, without its rows (and without the note the
    referenceId column's every cell decides: :func:`with_serial_note`)."""
    return SourceTable(
        path=str(p),
        data=TextColumns(names, [empty_text(0)] * len(names), pd.RangeIndex(0)),
        sheet_row=np.zeros(0, dtype=np.int64),
        header_row=match.index + 1 - hint,
        header_rows=match.span,
        alternates={t: tuple(names[i] for i in others) for t, others in match.alternates.items()},
        notes=reading_notes(match, names),
        columns={t: names[i] for t, i in match.found.items()},
        ignored=frozenset(names[i] for i in report_columns(match.headers)),
        encoding=encoding,
        delimiter=delimiter,
    )


def with_serial_note(table: SourceTable, references: pd.Series | None) -> SourceTable:
    """The table with the note a referenceId column numbering the rows 1..n earns (``references``: that
    column's every cell, or None when an earlier look found a value that is no such number)."""
    if references is None or "referenceId" not in table.columns:
        return table
    column = table.columns["referenceId"]
    at = table.names.index(column)
    match = _NoteMatch(found={"referenceId": at})
    note = _serial_reference_note(match, table.names, pd.DataFrame({column: references}))  # type: ignore[arg-type]
    return replace(table, notes=(*table.notes, *note))


@dataclass(frozen=True, slots=True)
class _NoteMatch:
    found: dict[str, int]
