"""The data records of a text file of very many columns (a survey export with 100,000 questions), parsed a
few rows at a time by Python's csv module instead of Arrow's reader.

Arrow's CSV reader sets up a converter for every column of every block it parses, which for a few rows of
100,000 columns costs several times what their cells do; the csv module costs per cell. Both read a record
the same way here (RFC 4180: ``"`` quotes a cell, ``""`` inside it is one quote, any line ending ends a
record). What Arrow's streamed reading would not read as these rows (a record of another width, a line break
inside a quoted cell, bytes that are not UTF-8, a cell past the csv module's size limit) raises
:class:`NotStreamable`, as Arrow's reading does, and the file is then read whole.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from pathlib import Path

import pyarrow as pa

from importer.columns import holds_char_in, split_block

WIDE_COLUMNS = 1_000
"""Columns from which a file's records may be parsed here."""
WIDE_BLOCK_ROWS = 32
"""Records a block of Arrow's reader holds at least (by the longest opening record) for Arrow to read them: with
fewer, its cost per column and block outweighs the csv module's per cell (3,000 columns of short answers are
about even; 100,000 columns cost Arrow ten times more)."""
BATCH_CELLS = 1 << 20
"""Cells parsed before they are handed on as Arrow arrays (at least one record)."""


class NotStreamable(Exception):
    """This file is read whole (:func:`importer.read.source.read_source`): the streamed reading could not
    promise the same rows."""


def wide_batches(
    path: Path, start: int, width: int, delimiter: str, read: list[int]
) -> Iterator[tuple[list[pa.Array], int]]:
    """The records from byte ``start`` on, ``width`` cells each, as batches of columns (large_string arrays)
    with their size in bytes; ``read[0]`` is kept at the bytes of the file read so far."""
    with path.open("rb") as raw:
        raw.seek(start)
        text = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", newline="")
        reader = csv.reader(text, delimiter=delimiter, quotechar='"', doublequote=True, strict=False)
        rows: list[list[str]] = []
        per_batch = max(1, BATCH_CELLS // max(width, 1))
        try:
            for record in reader:
                if len(record) != width:
                    raise NotStreamable("ragged rows")
                rows.append(record)
                if len(rows) >= per_batch:
                    read[0] = raw.tell()
                    yield _columns(rows, width)
                    rows = []
        except (csv.Error, UnicodeDecodeError) as exc:
            raise NotStreamable(str(exc)) from None
        if rows:
            read[0] = raw.tell()
            yield _columns(rows, width)


def _columns(rows: list[list[str]], width: int) -> tuple[list[pa.Array], int]:
    """Records → one large_string array per column (made at once, column after column, then cut)."""
    values = pa.array(list(itertools.chain.from_iterable(zip(*rows, strict=True))), pa.large_string())
    if holds_char_in(values, "\r\n").any():  # Arrow's streamed reading ends a record at any line break
        raise NotStreamable("a line break inside a quoted cell")
    return split_block(values, width), values.nbytes
