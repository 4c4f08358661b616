"""Rows of a text file with more cells than its header: a delimiter typed inside a cell, unquoted.

``Priya,Navi Mumbai, MH,9812345679,p@x.com`` under ``Name,City,Phone,Email`` has one cell too many, and
every cell after the city moves one column right: the phone lands under Email. Such a row is *mended*
when one run of neighbouring cells is surely the split cell: the only run whose later pieces start with
a space, as typed in ``Navi Mumbai, MH``; failing that, the only run of columns the mapping does not
read whose joining puts a phone number under Phone and an email address under Email. Rows that cannot
be mended this surely are named in a note.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

_PHONE = re.compile(r"^[+(]?\d[\d\s().\-]{6,}$")  # no slash: 12/05/2024 is a date
_EMAIL = re.compile(r"^[^@\s,;]+@[^@\s,;]+\.[^@\s,;]+$")
SHOWN = 5


@dataclass(frozen=True, slots=True)
class Mended:
    """The columns with split cells joined again, and the row positions (0-based) mended or not."""

    columns: list[list[str]]
    mended: list[int]
    unmended: list[int]


def mend_split_cells(
    columns: list[list[str]], width: int, checks: Mapping[int, str], delimiter: str, mapped: frozenset[int]
) -> Mended:
    """Join the cells a stray delimiter split, in rows with cells beyond the header's ``width``.

    ``checks``: column position → ``phone`` or ``email``, the mapped columns whose cells show a shift;
    ``mapped``: every column the mapping reads.
    """
    if len(columns) <= width or not columns:
        return Mended(columns, [], [])
    tests = [(col, (_PHONE if kind == "phone" else _EMAIL).match) for col, kind in checks.items() if col < width]
    mended: list[int] = []
    unmended: list[int] = []
    beyond = sorted({r for column in columns[width:] for r, cell in enumerate(column) if cell.strip()})
    for r in beyond:  # only rows with a cell past the header's last column
        row = [column[r] for column in columns]
        while len(row) > width and not row[-1].strip():
            row.pop()
        if len(row) == width:
            continue
        if tests and _fits(row, tests):
            continue  # cells beyond the header's last column, the mapped ones where they belong
        fixed = _mend(row, width, tests, delimiter, mapped)
        if fixed is None:
            unmended.append(r)
            continue
        for c, column in enumerate(columns):
            column[r] = fixed[c] if c < len(fixed) else ""
        mended.append(r)
    return Mended(columns, mended, unmended)


def _mend(
    row: list[str],
    width: int,
    tests: Sequence[tuple[int, Callable[[str], object]]],
    delimiter: str,
    mapped: frozenset[int],
) -> list[str] | None:
    """The row with one run of cells joined again, when that run is surely the split one.

    Sure means: the only run whose pieces after the first start with a space (``Navi Mumbai, MH``), or
    the only run of cells no mapped column reads that puts a phone under Phone and an email under Email.
    """
    extra = len(row) - width
    runs = [(start, [*row[:start], delimiter.join(row[start : start + extra + 1]), *row[start + extra + 1 :]])
            for start in range(width)]  # fmt: skip
    typed = [joined for start, joined in runs if all(p.startswith(" ") for p in row[start + 1 : start + extra + 1])]
    if len(typed) == 1:
        return typed[0]
    if typed or not tests:
        return None
    # A run that fits, in columns the mapping does not read: nothing sent changes but the cells under them.
    fitting = [
        joined
        for start, joined in runs
        if _fits(joined, tests) and not any(c in mapped for c in range(start, start + extra + 1))
    ]
    return fitting[0] if len(fitting) == 1 else None


def _fits(row: list[str], tests: Sequence[tuple[int, Callable[[str], object]]]) -> bool:
    """Whether every mapped phone and email cell of the row holds one, and at least one is filled."""
    filled = [(col, test) for col, test in tests if col < len(row) and row[col].strip()]
    return bool(filled) and all(test(row[col].strip()) for col, test in filled)


def split_cells_note(mended: list[int], unmended: list[int], sheet_rows: Sequence[int], delimiter: str) -> list[str]:
    """Notes naming the rows mended, and those left with cells out of place."""
    return split_rows_note(
        [sheet_rows[p] for p in mended[:SHOWN]],
        len(mended),
        [sheet_rows[p] for p in unmended[:SHOWN]],
        len(unmended),
        delimiter,
    )


def split_rows_note(
    mended: Sequence[int], mended_count: int, unmended: Sequence[int], unmended_count: int, delimiter: str
) -> list[str]:
    """:func:`split_cells_note` from the first sheet rows of each kind and how many there are in all."""
    shown = repr(delimiter) if delimiter != "\t" else "tab"

    def rows(first: Sequence[int], count: int) -> str:
        named = ", ".join(str(row) for row in first[:SHOWN])
        return named + (f" and {count - SHOWN} more" if count > SHOWN else "")

    notes = []
    if mended_count:
        notes.append(
            f"row(s) {rows(mended, mended_count)} had more cells than the header: a {shown} typed inside a cell (e.g. "
            f"'Navi Mumbai, MH') split it; the pieces were joined again"
        )
    if unmended_count:
        notes.append(
            f"row(s) {rows(unmended, unmended_count)} have more cells than the header: a {shown} inside a cell moves "
            "the cells after it one column right; put such cells in double quotes"
        )
    return notes
