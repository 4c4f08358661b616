"""A phone cell's written shape: its digits as 9s (``(999) 999-9999``), what says which country wrote it."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_TEXT = pa.large_string()


def by_shape(values: pa.Array) -> dict[str, pa.Array]:
    """Distinct values grouped by how they are written, digits left out: ``(999) 999-9999``."""
    distinct = pc.unique(values)
    if len(distinct) == 0:
        return {}
    # Digits become 9 byte by byte (no byte of a longer UTF-8 character is an ASCII digit); the spaces are
    # squeezed and trimmed only in the few distinct results, which are then the shapes in the same order.
    nines = pc.dictionary_encode(digits_as_nines(distinct))
    squeezed = pc.utf8_trim_whitespace(pc.replace_substring_regex(nines.dictionary, r"\s+", " "))
    encoded = pc.dictionary_encode(squeezed)
    codes = encoded.indices.to_numpy(zero_copy_only=False)[nines.indices.to_numpy(zero_copy_only=False)]
    order = np.argsort(codes, kind="stable")
    grouped = pc.take(distinct, pa.array(order))
    ends = np.cumsum(np.bincount(codes, minlength=len(encoded.dictionary)))
    starts = np.concatenate([[0], ends[:-1]])
    names = encoded.dictionary.to_pylist()
    return {str(names[i]): grouped.slice(int(starts[i]), int(ends[i] - starts[i])) for i in range(len(names))}


_NINES = np.arange(256, dtype=np.uint8)
_NINES[ord("0") : ord("9") + 1] = ord("9")


def digits_as_nines(values: pa.Array) -> pa.Array:
    r"""``values`` with every ASCII digit written as 9 (``pc.replace_substring_regex(values, r"\d", "9")``: RE2's
    ``\d`` is ASCII only)."""
    text = values if values.type == _TEXT else pc.cast(values, _TEXT)
    validity, offsets, data = text.buffers()
    if data is None or data.size == 0:
        return text
    nines = pa.py_buffer(_NINES[np.frombuffer(data, dtype=np.uint8)])
    return pa.Array.from_buffers(_TEXT, len(text), [validity, offsets, nines], text.null_count, text.offset)
