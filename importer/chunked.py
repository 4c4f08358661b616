"""The dry run of a text file a chunk of rows at a time: memory grows with the rows' outcomes, not the file.

Each chunk is read (:mod:`importer.read.stream`), normalized and checked; what is kept of it is its lead
columns (status, reason, warnings, phone, email, referenceId, names): the cells are read again, a chunk at a
time, when the report is written (:meth:`importer.pipeline.Outcome.write_report`).
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import sys
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import empty_text, to_arrow
from importer.config import LeadMapping
from importer.dedupe import KeyHashes, joined_hashes, key_hashes
from importer.errors import SourceChanged
from importer.normalize.bounds import apply_bounds
from importer.normalize.leads import LeadFrame, build_leads
from importer.read.source import SourceTable
from importer.read.stream import NotStreamable, TextStream, with_serial_note
from importer.text_columns import TextColumns

REPORT_ROWS = 100_000
REPORT_BYTES = 8 << 20
"""Rows (and at most bytes of cells) of a streamed file read again at a time to write its report (any number
gives the same report)."""

NORMALIZE_WORKERS = 2
"""Chunks normalized side by side (Arrow's kernels release the GIL): two use both cores of a small machine,
more raise the peak memory (each holds a chunk and its temporaries) for little."""

T = TypeVar("T")
Progress = Callable[[str, int, "int | None"], None]


def normalized(table: SourceTable, mapping: LeadMapping, *, at_end: bool = True) -> LeadFrame:
    """One table's (or chunk's) rows normalized and checked, over-long values bounded."""
    project, process = mapping.project_id or "", mapping.process_id or ""
    return apply_bounds(build_leads(table, mapping, project_id=project, process_id=process, at_end=at_end), table)


def normalize_stream(
    stream: TextStream,
    mapping: LeadMapping,
    *,
    keep_metadata: bool,
    progress: Progress | None = None,
    rows: int | None = None,
) -> tuple[SourceTable, LeadFrame, KeyHashes]:
    """Every chunk of ``stream`` normalized: the file's table (its notes complete, no cells), its leads and the
    :func:`importer.dedupe.key_hashes` of their rows.

    ``keep_metadata``: keep each row's metadata too (a ledger preview hashes the payloads); else it is dropped.
    """
    parts: list[pd.DataFrame] = []
    metadata: list[TextColumns] = []
    hashes: list[KeyHashes] = []
    references = _SerialIds(stream.table)

    def take(future: Future[tuple[LeadFrame, KeyHashes]]) -> None:
        leads, hashed = future.result()
        parts.append(leads.rows)
        hashes.append(hashed)
        if keep_metadata:
            metadata.append(leads.meta)
        del leads
        give_back_memory()
        if progress:
            progress("reading", min(stream.read[0], stream.size), stream.size)

    with ThreadPoolExecutor(max_workers=NORMALIZE_WORKERS) as pool:
        pending: collections.deque[Future[tuple[LeadFrame, KeyHashes]]] = collections.deque()
        try:
            for chunk, last in read_ahead(stream.chunks(rows)):
                references.add(chunk)
                pending.append(pool.submit(_normalized_and_hashed, chunk, mapping, last))
                del chunk
                while len(pending) >= NORMALIZE_WORKERS:
                    take(pending.popleft())
            while pending:
                take(pending.popleft())
        finally:
            for future in pending:
                future.cancel()
    rows_frame = pd.concat(parts) if len(parts) > 1 else parts[0]
    meta = TextColumns.concat(metadata) if metadata else TextColumns.empty(rows_frame.index)
    table = stream.with_split_note(with_serial_note(stream.table, references.column()))
    return table, LeadFrame(rows=rows_frame, meta=meta), joined_hashes(hashes)


def _normalized_and_hashed(chunk: SourceTable, mapping: LeadMapping, last: bool) -> tuple[LeadFrame, KeyHashes]:
    """A chunk normalized, and its dedupe keys hashed while the other chunks are normalized (:mod:`importer.dedupe`
    then only looks them up)."""
    leads = normalized(chunk, mapping, at_end=last)
    return leads, key_hashes(leads.rows)


def read_ahead(items: Iterator[T]) -> Iterator[T]:
    """``items`` in order, the next one made on a thread of its own while the caller works on the one given
    (reading a chunk of a file then overlaps normalizing the one before)."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(next, items, _END)
        while (item := future.result()) is not _END:
            future = pool.submit(next, items, _END)
            yield item


_END: Any = object()


def give_back_memory() -> None:
    """Hand memory freed by a stage back to the system, so that the next stage's peak does not stack on it:
    Arrow's pool keeps freed pages mapped, and so does glibc's heap for Python's and NumPy's objects."""
    pa.default_memory_pool().release_unused()
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)  # glibc only; elsewhere the name is missing


class _SerialIds:
    """A mapped referenceId column's cells, kept only while every one is a number of up to seven digits: the
    whole column decides whether it numbers the rows 1..n (:func:`importer.read.stream.with_serial_note`)."""

    def __init__(self, table: SourceTable) -> None:
        self._column = table.columns.get("referenceId")
        self._parts: list[pd.Series] | None = [] if self._column is not None else None

    def add(self, chunk: SourceTable) -> None:
        if self._parts is None or self._column is None:
            return
        values = chunk.column(self._column)
        text = pc.utf8_trim_whitespace(to_arrow(values))
        text = pc.filter(text, pc.greater(pc.binary_length(text), 0))
        if len(text) and not pc.all(pc.match_substring_regex(text, r"^[0-9]{1,7}$")).as_py():
            self._parts = None  # ids with letters or long numbers: no row serial
            return
        self._parts.append(values)

    def column(self) -> pd.Series | None:
        if self._parts is None or not self._parts:
            return None
        return pd.concat(self._parts, ignore_index=True) if len(self._parts) > 1 else self._parts[0]


def blank_parts(rows: pd.DataFrame, names: list[str]) -> Iterator[tuple[pd.DataFrame, TextColumns]]:
    """(rows, cells) of the report a part at a time, each of the sheet's columns blank (the file changed since its
    rows were read: its cells now are not the ones checked or sent)."""
    for start in range(0, max(len(rows), 1), REPORT_ROWS):
        part = rows.iloc[start : start + REPORT_ROWS]
        yield part, TextColumns(names, [empty_text(len(part))] * len(names), part.index)


def report_parts(
    rows: pd.DataFrame, table: SourceTable, stream: TextStream | None
) -> Iterator[tuple[pd.DataFrame, TextColumns]]:
    """(rows, cells) of the report a part at a time: the whole table at once, or each chunk of a streamed file
    read again."""
    if stream is None:
        yield rows, table.data
        return
    changed = SourceChanged(
        f"{stream.path} changed while it was being validated or sent (its rows are no longer those checked); "
        "no report was written."
    )
    if stream.changed():  # an edit that keeps the number of rows is caught too
        raise changed
    start = 0
    try:
        for chunk, _ in read_ahead(stream.chunks(REPORT_ROWS, max_bytes=REPORT_BYTES, check=False)):
            n = chunk.n_rows
            if start + n > len(rows):
                raise changed
            yield rows.iloc[start : start + n], chunk.data
            start += n
    except NotStreamable:
        raise changed from None
    if start != len(rows):
        raise changed
