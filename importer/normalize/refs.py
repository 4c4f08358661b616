"""Deterministic referenceIds: the same person in the same project and process gets the same id."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText, _bytes_of, _text, to_arrow, to_series

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
REF_PREFIX = "li-"
_HEX = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)


def _fnv1a(state: np.ndarray, data: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """64-bit FNV-1a over each row of a byte matrix, stopping at that row's length (padding is not hashed)."""
    with np.errstate(over="ignore"):
        for j in range(data.shape[1]):
            step = (state ^ data[:, j].astype(np.uint64)) * _FNV_PRIME
            state = step if lengths is None else np.where(lengths > j, step, state)
    return state


def derive_reference_ids(project_id: str, process_id: str, contact: pd.Series) -> pd.Series:
    """``li-`` + 16 hex digits from project, process and the normalized contact; "" where no contact."""
    return to_series(derive_reference_id_array(project_id, process_id, to_arrow(contact)), contact.index)


def derive_reference_id_array(project_id: str, process_id: str, contact: ArrowText) -> pa.Array:
    """:func:`derive_reference_ids` on Arrow text, hashed straight from its buffers (no Python string per row)."""
    text = _text(contact)
    if text.null_count:
        text = pc.fill_null(text, "")
    n = len(text)
    bounds, raw = _bytes_of(text)
    bounds = bounds.astype(np.int64)
    lengths = np.diff(bounds)
    present = np.flatnonzero(lengths > 0)
    seed = np.full(1, _FNV_OFFSET, dtype=np.uint64)
    seed = _fnv1a(seed, np.frombuffer(f"{project_id}|{process_id}|".encode(), dtype=np.uint8).reshape(1, -1))
    # Longest values first: the values still being hashed at byte j are then a prefix of the order.
    order = present[np.argsort(-lengths[present], kind="stable")]
    starts, sizes = bounds[order], lengths[order]
    state = np.full(len(order), seed[0], dtype=np.uint64)
    longest = int(sizes[0]) if len(sizes) else 0
    still = np.searchsorted(-sizes, -np.arange(longest), side="left")  # per byte j: the values longer than j
    with np.errstate(over="ignore"):
        for j in range(longest):
            k = int(still[j])
            state[:k] = (state[:k] ^ raw[starts[:k] + j].astype(np.uint64)) * _FNV_PRIME
        state = (state ^ sizes.astype(np.uint64)) * _FNV_PRIME
    hashes = np.empty(n, dtype=np.uint64)
    hashes[order] = state
    return _ids(hashes, lengths > 0)


def _ids(hashes: np.ndarray, present: np.ndarray) -> pa.Array:
    """``li-`` + the 16 lower-case hex digits of each hash where ``present``, else ""."""
    width = len(REF_PREFIX) + 16
    nibbles = hashes.astype(">u8").view(np.uint8).reshape(-1, 8)
    digits = np.empty((len(hashes), 16), dtype=np.uint8)
    digits[:, 0::2] = _HEX[nibbles >> 4]
    digits[:, 1::2] = _HEX[nibbles & 15]
    rows = np.empty((len(hashes), width), dtype=np.uint8)
    rows[:, : len(REF_PREFIX)] = np.frombuffer(REF_PREFIX.encode(), dtype=np.uint8)
    rows[:, len(REF_PREFIX) :] = digits
    data = rows[present].tobytes()
    offsets = np.zeros(len(hashes) + 1, dtype=np.int64)
    np.cumsum(np.where(present, width, 0), out=offsets[1:])
    return pa.LargeStringArray.from_buffers(len(hashes), pa.py_buffer(offsets), pa.py_buffer(data))
