"""Deterministic referenceIds: the same person in the same project and process gets the same id."""

from __future__ import annotations

import numpy as np
import pandas as pd

_FNV_OFFSET = np.uint64(0xCBF29CE484222325)
_FNV_PRIME = np.uint64(0x100000001B3)
REF_PREFIX = "li-"


def _fnv1a(state: np.ndarray, data: np.ndarray, lengths: np.ndarray | None = None) -> np.ndarray:
    """64-bit FNV-1a over each row of a byte matrix, stopping at that row's length (padding is not hashed)."""
    with np.errstate(over="ignore"):
        for j in range(data.shape[1]):
            step = (state ^ data[:, j].astype(np.uint64)) * _FNV_PRIME
            state = step if lengths is None else np.where(lengths > j, step, state)
    return state


def derive_reference_ids(project_id: str, process_id: str, contact: pd.Series) -> pd.Series:
    """``li-`` + 16 hex digits from project, process and the normalized contact; "" where no contact."""
    values = contact.astype("str").to_numpy(dtype=object)
    out = pd.Series("", index=contact.index, dtype="str")
    present = np.array([bool(v) for v in values], dtype=bool) if len(values) else np.zeros(0, dtype=bool)
    if not present.any():
        return out
    encoded = np.array([v.encode("utf-8") for v in values[present]], dtype=object)
    width = max(len(b) for b in encoded)
    matrix = np.frombuffer(b"".join(b.ljust(width, b"\0") for b in encoded), dtype=np.uint8).reshape(-1, width)
    seed = np.full(1, _FNV_OFFSET, dtype=np.uint64)
    seed = _fnv1a(seed, np.frombuffer(f"{project_id}|{process_id}|".encode(), dtype=np.uint8).reshape(1, -1))
    lengths = np.array([len(b) for b in encoded], dtype=np.uint64)
    state = np.full(len(encoded), seed[0], dtype=np.uint64)
    state = _fnv1a(state, matrix, lengths)
    with np.errstate(over="ignore"):
        state = (state ^ lengths) * _FNV_PRIME
    hexes = np.char.mod("%016x", state)
    out[present] = np.char.add(REF_PREFIX, hexes).astype(object)
    return out
