"""pandas text columns ↔ pyarrow arrays, so column work runs in Arrow's compute kernels (RE2, not Python re)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import TypeAlias

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

ArrowText: TypeAlias = pa.Array | pa.ChunkedArray


TEXT_DTYPE = pd.StringDtype("pyarrow", na_value=np.nan)
"""What ``dtype="str"`` means; named once, since looking the name up costs more than a small column's work."""


def to_arrow(values: pd.Series) -> ArrowText:
    """The column as Arrow text (zero-copy for pandas' Arrow-backed str columns); nulls become ""."""
    return _arrow_text(values.array if values.dtype == TEXT_DTYPE else values.astype(TEXT_DTYPE).array)


_LARGE_STRING = pa.large_string()


def _arrow_text(data: object) -> pa.Array:
    # pandas' Arrow-backed text keeps its ChunkedArray here; __arrow_array__ would check and wrap it again
    array = getattr(data, "_pa_array", None)
    if isinstance(array, pa.ChunkedArray) and array.num_chunks == 1:  # the common case first: 100,000 columns add up
        chunk = array.chunk(0)
        if chunk.type == _LARGE_STRING and not chunk.null_count:
            return chunk
    if not isinstance(array, pa.ChunkedArray):
        array = data.__arrow_array__() if hasattr(data, "__arrow_array__") else pa.array(data)
    if isinstance(array, pa.ChunkedArray):
        array = array.chunk(0) if array.num_chunks == 1 else array.combine_chunks()
    if array.type != _LARGE_STRING:
        array = pc.cast(array, pa.large_string())
    return pc.fill_null(array, "") if array.null_count else array


def to_series(array: ArrowText, index: pd.Index) -> pd.Series:
    """Arrow text back to a pandas str column on ``index``."""
    return pd.Series(pd.array(array, dtype=TEXT_DTYPE), index=index)


def text_frame(columns: dict[str, ArrowText], index: pd.Index) -> pd.DataFrame:
    """A frame of str columns on ``index`` from Arrow text (not copied)."""
    arrays = {name: TEXT_DTYPE.__from_arrow__(values) for name, values in columns.items()}  # type: ignore[attr-defined]
    return pd.DataFrame(arrays, index=index, copy=False)


def column_arrays(frame: pd.DataFrame, *, only: list[int] | None = None) -> list[pa.Array]:
    """Every column of a frame (or those at the positions ``only``) as Arrow text, in order.

    A sheet may have 100,000 columns of a few rows: taking each column as a Series first would cost more
    than all its cells, so the columns' arrays are taken straight from the frame.
    """
    iterate = getattr(frame, "_iter_column_arrays", None)  # pandas' own, without a Series per column
    columns = list(iterate()) if iterate is not None else [frame.iloc[:, i].array for i in range(frame.shape[1])]
    picked = columns if only is None else [columns[i] for i in only]
    return [
        _arrow_text(data if getattr(data, "dtype", None) == TEXT_DTYPE else pd.array(data, dtype=TEXT_DTYPE))
        for data in picked
    ]


def columns_holding(arrays: list[pa.Array], test: Callable[[pa.Array], np.ndarray]) -> list[int]:
    """The positions of the arrays in which ``test`` (per value, on one array) is true for some value.

    Short arrays are tested together, a group at a time, so that a table of many short columns costs as
    much as its cells; a long one is tested alone (never copied).
    """
    found: list[int] = []
    group: list[int] = []
    size = 0

    def flush() -> None:
        nonlocal size
        if len(group) == 1:
            if test(arrays[group[0]]).any():
                found.append(group[0])
        elif group:
            parts = [arrays[i] if arrays[i].type == _LARGE_STRING else arrays[i].cast(_LARGE_STRING) for i in group]
            hits = test(pa.concat_arrays(parts))
            if hits.any():
                lengths = np.array([len(p) for p in parts], dtype=np.int64)
                ends = np.cumsum(lengths)
                per = np.add.reduceat(np.append(hits, False).astype(np.int64), np.append(0, ends[:-1]))
                found.extend(g for g, count, length in zip(group, per, lengths, strict=True) if length and count)
        group.clear()
        size = 0

    for position, array in enumerate(arrays):
        group.append(position)
        size += len(array)
        if size >= _GROUP_VALUES:
            flush()
    flush()
    return found


_GROUP_VALUES = 1 << 16
"""Values tested at once by :func:`columns_holding`."""


def column_blocks(arrays: list[pa.Array]) -> Iterator[tuple[range, pa.Array]]:
    """Columns of one length, joined a group at a time: each group's positions in ``arrays`` and its values,
    column after column (column ``positions[k]`` is the ``k``-th run of ``len(column)`` values).

    A sheet of 100,000 columns of a few rows is then worked on in a few calls instead of one per column (each
    costing as much as thousands of cells); a long column comes alone, not copied.
    """
    start, size = 0, 0
    for stop, array in enumerate(arrays, start=1):
        size += len(array)
        if size >= _GROUP_VALUES or stop == len(arrays):
            yield range(start, stop), _large(_joined(arrays[start:stop]))
            start, size = stop, 0


def split_block(values: pa.Array, columns: int) -> list[pa.Array]:
    """A block from :func:`column_blocks` cut back into its ``columns`` columns (slices, not copies)."""
    n = len(values) // columns if columns else 0
    return [values.slice(k * n, n) for k in range(columns)]


def _joined(group: list[pa.Array]) -> pa.Array:
    if len(group) == 1:
        return group[0]
    if len({a.type for a in group}) == 1:  # joined first, then cast once
        return pa.concat_arrays(group)
    return pa.concat_arrays([_large(a) for a in group])


def _large(array: pa.Array) -> pa.Array:
    return array if array.type == _LARGE_STRING else array.cast(_LARGE_STRING)


def to_bool(array: ArrowText) -> np.ndarray:
    """An Arrow boolean array as a numpy bool array (nulls are False)."""
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def narrowed(array: ArrowText, candidates: np.ndarray, test: Callable[[pa.Array], ArrowText]) -> np.ndarray:
    """``candidates`` (per value, what a cheap test found; changed in place) kept only where ``test``, a costlier
    Arrow compute (a regex), holds: it runs on the candidate values alone, and a null answer is False."""
    if candidates.any():
        rows = np.flatnonzero(candidates)
        candidates[rows] = to_bool(test(pc.take(array, pa.array(rows))))
    return candidates


def empty_text(n: int) -> pa.Array:
    """``n`` empty strings."""
    offsets = pa.py_buffer(np.zeros(n + 1, dtype=np.int64))
    return pa.LargeStringArray.from_buffers(n, offsets, pa.py_buffer(b""))


def _text(array: ArrowText) -> pa.Array:
    """One (string or large_string) array."""
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    return array if array.type in (pa.string(), pa.large_string()) else pc.cast(array, pa.large_string())


def _bytes_of(array: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """A text array's value bounds (n + 1 offsets) and its bytes, as numpy views."""
    n = len(array)
    _, offsets, data = array.buffers()
    width = np.int64 if array.type == pa.large_string() else np.int32
    bounds = np.frombuffer(offsets, dtype=width)[array.offset : array.offset + n + 1] if n else np.zeros(1, width)
    raw = np.frombuffer(data, dtype=np.uint8) if data is not None and data.size else np.zeros(0, np.uint8)
    return bounds, raw


def byte_lengths(array: ArrowText) -> np.ndarray:
    """Per value, its length in UTF-8 bytes (0 for nulls)."""
    bounds, _ = _bytes_of(_text(array))
    return np.diff(bounds)


def _edge_byte_in(array: pa.Array, wanted: np.ndarray, *, last: bool) -> np.ndarray:
    bounds, raw = _bytes_of(array)
    if raw.size == 0:
        return np.zeros(len(array), dtype=bool)
    at = bounds[1:] - 1 if last else bounds[:-1]
    hit: np.ndarray = wanted[raw[np.clip(at, 0, raw.size - 1)]] & (bounds[1:] > bounds[:-1])
    return hit


def holds_char_in(array: ArrowText, chars: str) -> np.ndarray:
    """Per value, whether it holds one of ``chars`` (ASCII) anywhere, read straight off Arrow's buffers
    (one pass over the bytes, not a regex per value). Nulls are False."""
    if not chars.isascii():
        raise ValueError("holds_char_in looks at single bytes: only ASCII characters can be matched")
    array = _text(array)
    bounds, raw = _bytes_of(array)
    found = np.zeros(len(array), dtype=bool)
    if raw.size == 0 or len(array) == 0:
        return found
    start, end = int(bounds[0]), int(bounds[-1])
    if not raw[start:end].tobytes().translate(None, _others(chars)):
        return found  # the common case, told by one pass of C over the bytes
    wanted = np.zeros(256, dtype=bool)
    wanted[list(chars.encode("ascii"))] = True
    at = np.flatnonzero(wanted[raw[start:end]]) + start
    if at.size:
        found[np.searchsorted(bounds, at, side="right") - 1] = True
    if array.null_count:
        found &= to_bool(array.is_valid())
    return found


def without_ascii(array: ArrowText, chars: str) -> pa.Array:
    """``array`` with every one of the ASCII ``chars`` taken out: ``pc.replace_substring_regex(array, "[...]", "")``
    done byte by byte (no byte of a longer UTF-8 character is ASCII), several times faster."""
    if not chars.isascii():
        raise ValueError("without_ascii takes out single bytes: only ASCII characters can be")
    array = _text(array)
    bounds, raw = _bytes_of(array)
    if len(array) == 0 or raw.size == 0:
        return array
    start, end = int(bounds[0]), int(bounds[-1])
    body = raw[start:end]
    keep = np.ones(end - start, dtype=bool)
    for byte in set(chars.encode("ascii")):  # a comparison per character: a few, and far cheaper than a lookup
        keep &= body != byte
    if keep.all():
        return array
    kept = np.zeros(end - start + 1, dtype=np.int32 if end - start < 2**31 else np.int64)
    np.cumsum(keep, out=kept[1:])
    width = bounds.dtype
    offsets = np.concatenate([np.zeros(array.offset, dtype=width), kept[bounds - start].astype(width)])
    data = pa.py_buffer(np.ascontiguousarray(raw[start:end][keep]))
    validity = array.buffers()[0]
    return pa.Array.from_buffers(
        array.type, len(array), [validity, pa.py_buffer(offsets), data], array.null_count, array.offset
    )


@lru_cache(maxsize=32)
def _others(chars: str) -> bytes:
    """Every byte but those of ``chars``: what ``bytes.translate`` deletes to keep only ``chars``' bytes."""
    keep = set(chars.encode("ascii"))
    return bytes(b for b in range(256) if b not in keep)


def signed_digits(array: ArrowText, longest: int) -> bool:
    """Whether every value is empty or a ``+`` and 1 to ``longest`` - 1 ASCII digits (an E.164 phone column), read
    straight off Arrow's buffers; a column of other values is told by its first bytes (no pass over its text)."""
    array = _text(array)
    if array.null_count or not len(array):
        return False
    bounds, raw = _bytes_of(array)
    lengths = np.diff(bounds)
    full = lengths > 0
    starts = bounds[:-1][full]
    if not starts.size or (raw[starts] != _PLUS).any() or (lengths[full] < 2).any() or lengths.max() > longest:
        return False
    body = raw[int(bounds[0]) : int(bounds[-1])].tobytes()
    return not body.translate(None, b"+0123456789") and body.count(b"+") == starts.size


_PLUS = ord("+")


def first_char_in(array: ArrowText, chars: str) -> np.ndarray:
    """Per value, whether it starts with one of ``chars`` (ASCII), read straight off Arrow's buffers.

    A fraction of the cost of an anchored regex: one byte looked up per value. Nulls are False.
    """
    if not chars.isascii():
        raise ValueError("first_char_in looks at one byte: only ASCII characters can be matched")
    array = _text(array)
    wanted = np.zeros(256, dtype=bool)
    wanted[list(chars.encode("ascii"))] = True
    hit = _edge_byte_in(array, wanted, last=False)
    if array.null_count:
        hit &= to_bool(array.is_valid())
    return hit


# A value needs trimming only if its first or last byte is ASCII whitespace or part of a non-ASCII
# character (which may be a Unicode space such as U+00A0).
_MAY_BE_SPACE = np.zeros(256, dtype=bool)
_MAY_BE_SPACE[list(b" \t\n\r\v\f\x1c\x1d\x1e\x1f")] = True
_MAY_BE_SPACE[0x80:] = True


# Format characters that copying a number or address drags along, invisible on screen: the soft
# hyphen, zero-width space and joiners, direction marks, embeddings and isolates (WhatsApp Desktop
# and Windows wrap a copied phone in U+202A…U+202C), word joiner, and the BOM / zero-width no-break space.
INVISIBLE = "[\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]"


def strip_invisible(array: ArrowText) -> pa.Array:
    """The text without invisible format characters (looked for only in values that are not ASCII)."""
    array = _text(array)
    other = np.flatnonzero(~to_bool(pc.string_is_ascii(array)))
    if len(other) == 0:
        return array
    mask = np.zeros(len(array), dtype=bool)
    mask[other] = True
    hidden = pc.match_substring_regex(pc.take(array, pa.array(other)), INVISIBLE)
    if not pc.any(hidden).as_py():
        return array
    mask[other] = to_bool(hidden)
    cleaned = pc.replace_substring_regex(pc.filter(array, pa.array(mask)), INVISIBLE, "")
    return pc.replace_with_mask(array, pa.array(mask), cleaned)


def trim_whitespace(array: ArrowText) -> pa.Array:
    """``pc.utf8_trim_whitespace``, computed only for the values that may start or end with a space."""
    array = _text(array)
    maybe = _edge_byte_in(array, _MAY_BE_SPACE, last=False) | _edge_byte_in(array, _MAY_BE_SPACE, last=True)
    count = int(maybe.sum())
    if count == 0:
        return array
    if count > len(array) // 4:
        return pc.utf8_trim_whitespace(array)
    trimmed = pc.utf8_trim_whitespace(pc.filter(array, pa.array(maybe)))
    return pc.replace_with_mask(array, pa.array(maybe), trimmed)


def nonempty(array: ArrowText) -> ArrowText:
    """True where the text is not empty."""
    return pc.greater(pc.binary_length(array), 0)


def join_codes(parts: list[ArrowText | None], n: int) -> ArrowText:
    """Element-wise join of ``n`` rows of code columns with ", ", skipping empty codes (and None columns)."""
    parts = [pc.cast(p, pa.large_string()) for p in parts if p is not None]
    if not parts:
        return empty_text(n)
    out = parts[0]
    for part in parts[1:]:
        both = pc.and_(nonempty(out), nonempty(part))
        joined = pc.binary_join_element_wise(out, part, pa.scalar(", ", type=pa.large_string()))
        out = pc.if_else(both, joined, pc.if_else(nonempty(out), out, part))
    return out
