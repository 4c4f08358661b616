"""pandas text columns ↔ pyarrow arrays, so column work runs in Arrow's compute kernels (RE2, not Python re)."""

from __future__ import annotations

from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ArrowText: TypeAlias = pa.Array | pa.ChunkedArray


def to_arrow(values: pd.Series) -> ArrowText:
    """The column as Arrow text (zero-copy for pandas' Arrow-backed str columns); nulls become ""."""
    array = pa.array(values.astype("str").array)
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    if array.type != pa.large_string():
        array = pc.cast(array, pa.large_string())
    return pc.fill_null(array, "") if array.null_count else array


def to_series(array: ArrowText, index: pd.Index) -> pd.Series:
    """Arrow text back to a pandas str column on ``index``."""
    return pd.Series(pd.array(array, dtype="str"), index=index)


def to_bool(array: ArrowText) -> np.ndarray:
    """An Arrow boolean array as a numpy bool array (nulls are False)."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def empty_text(n: int) -> pa.Array:
    """``n`` empty strings."""
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(b""))


def nonempty(array: ArrowText) -> ArrowText:
    """True where the text is not empty."""
    return pc.greater(pc.utf8_length(array), 0)


def join_codes(parts: list[ArrowText]) -> ArrowText:
    """Element-wise join of code columns with ", ", skipping empty ones."""
    parts = [pc.cast(p, pa.large_string()) for p in parts]
    out = parts[0]
    for part in parts[1:]:
        both = pc.and_(nonempty(out), nonempty(part))
        joined = pc.binary_join_element_wise(out, part, pa.scalar(", ", type=pa.large_string()))
        out = pc.if_else(both, joined, pc.if_else(nonempty(out), out, part))
    return out
