"""A phone cell's characters as the ones it means: digits of any script (Arabic-Indic, Devanagari, Bengali,
full-width), a full-width plus and minus, wide and thin spaces, and a dot between digit groups (98·450·12345, a
Japanese keyboard's katakana middle dot) as a space."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText, to_bool

_DOTS = "\u00b7\u2022\u2219\u2027\u30fb\uff65\u2024\u0387"
"""Middle dot, bullet, bullet operator, hyphenation point, katakana middle dot (and its half-width form), one dot
leader, Greek ano teleia: one of them alone between two digits parts the groups (a run of them hides digits:
:mod:`importer.normalize.phone_cells` reads that first)."""
_BETWEEN = re.compile(rf"(?<=\d)\s*[{_DOTS}]\s*(?=\d)")
FLOAT_TAIL = re.compile(r"(?<=\d)\.0+$")
"""9876543210.0: a whole number written out as a float (by a script, or read from a workbook's number)."""


def without_float_tail(values: ArrowText) -> ArrowText:
    """Each number written as a float (``7911123456.0``) as the digits before its tail, column-wide
    (:data:`FLOAT_TAIL` is the per-cell form)."""
    return pc.replace_substring_regex(values, r"(\d)\.0+$", r"\1")


def fold_phone_text(values: ArrowText) -> pa.Array:
    """``values`` (of the same Arrow type) with what is not ASCII in a number written as the ASCII it stands for
    (cells that are ASCII already are left as they are, and only the others are looked at)."""
    array = values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
    other = ~to_bool(pc.fill_null(pc.string_is_ascii(array), True))
    if not other.any():
        return array
    mask = pa.array(other)
    folded = [fold_phone_cell(cell) for cell in pc.filter(array, mask).to_pylist()]
    return pc.replace_with_mask(array, mask, pa.array(folded, array.type))


@lru_cache(maxsize=4096)
def fold_phone_cell(cell: str) -> str:
    """One cell as :func:`fold_phone_text` folds it."""
    if cell.isascii():
        return cell
    text = unicodedata.normalize("NFKC", cell)  # full-width forms and wide spaces to their plain forms
    text = "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text)
    return _BETWEEN.sub(" ", text)
