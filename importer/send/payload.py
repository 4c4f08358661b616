"""Valid rows → the CRM's lead objects (only non-empty fields), and a stable hash of each."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Sequence

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import to_arrow
from importer.text_columns import TextColumns

LEAD_TEXT_FIELDS = ("name", "firstName", "lastName", "email", "groupId")
_SEPARATOR = pa.scalar("\x1f", pa.large_string())


def build_payloads(
    rows: pd.DataFrame, metadata: pd.DataFrame | TextColumns, *, project_id: str, process_id: str
) -> list[dict[str, object]]:
    """One lead object per row of ``rows`` (in order), as the bulk endpoint takes it."""
    fields = ["referenceId", "phone_e164", *LEAD_TEXT_FIELDS]
    meta = TextColumns.of(metadata)
    return leads_from_columns(
        [to_arrow(rows[c]).to_pylist() for c in fields],
        meta.names,
        meta_columns(meta, _positions(rows, meta)),
        project_id=project_id,
        process_id=process_id,
    )


def meta_columns(meta: TextColumns, at: np.ndarray) -> list[list[str]]:
    """The metadata of the rows at positions ``at`` as one list of values per column (for
    :func:`leads_from_columns`), taken a block of columns at a time (:func:`_picked_cells`)."""
    columns: list[list[str]] = []
    m = len(at)
    for block, cells in _picked_cells(meta, at):
        flat = cells.to_pylist()  # row after row, each row's cells of the block together
        width = len(block)
        columns += [flat[k::width] for k in range(width)] if m else [[] for _ in block]
    return columns


def _positions(rows: pd.DataFrame, meta: TextColumns) -> np.ndarray:
    """Where each of ``rows`` is among the metadata's rows."""
    if meta.index.equals(rows.index):
        return np.arange(len(rows))
    at: np.ndarray = meta.index.get_indexer(rows.index)
    if (at < 0).any():
        raise KeyError(f"rows without metadata: {list(rows.index[at < 0][:5])}")
    return at


def _picked_cells(meta: TextColumns, at: np.ndarray) -> Iterator[tuple[range, pa.Array]]:
    """The metadata of the rows at positions ``at``, a block of columns at a time: the block's positions among
    the metadata's columns and its cells row after row (each row's cells of the block together, in column
    order).

    A sheet may have 100,000 metadata columns of a few rows: they are taken a block at a time, not an
    operation per column; a few rows of a long sheet are taken from each column, not from all of its cells.
    """
    if meta.width == 0:
        return
    n = len(meta)
    if 4 * len(at) < n:  # a few rows of many: taken from each column first
        meta, at, n = meta.taken(at, pd.RangeIndex(len(at))), np.arange(len(at)), len(at)
    for block, values in meta.blocks():
        order = (np.arange(len(block))[None, :] * n + at[:, None]).ravel()
        yield block, values.take(pa.array(order, pa.int64()))


def leads_from_columns(
    values: Sequence[Sequence[str | None]],
    meta_keys: Sequence[str],
    meta_values: Sequence[Sequence[str | None]],
    *,
    project_id: str,
    process_id: str,
) -> list[dict[str, object]]:
    """The lead objects of rows given column by column: ``values`` holds the referenceId, phone and
    :data:`LEAD_TEXT_FIELDS` columns, ``meta_values`` the metadata columns named ``meta_keys``.

    Each lead has ``projectId``, ``processId``, ``referenceId``, then its non-empty fields in the order of
    those columns, then ``metadata`` with its non-empty metadata values (when it has any).
    """
    refs, *others = values
    # Filled column by column (a loop per column, not per cell): every lead still gets its keys in field order.
    leads: list[dict[str, object]] = [
        {"projectId": project_id, "processId": process_id, "referenceId": ref if ref is not None else ""}
        for ref in refs
    ]
    for key, column in zip(_SENT_KEYS, others, strict=True):
        for lead, value in zip(leads, column, strict=True):
            if value:
                lead[key] = value
    if meta_keys:
        extras: list[dict[str, object]] = [{} for _ in refs]
        for key, column in zip(meta_keys, meta_values, strict=True):
            for extra, value in zip(extras, column, strict=True):
                if value:
                    extra[key] = value
        for lead, extra in zip(leads, extras, strict=True):
            if extra:
                lead["metadata"] = extra
    return leads


_SENT_KEYS = ("phone", *LEAD_TEXT_FIELDS)
"""The payload's names of the columns after referenceId (``phone_e164`` is sent as ``phone``)."""


def payload_hashes(
    rows: pd.DataFrame, metadata: pd.DataFrame | TextColumns, *, project_id: str, process_id: str
) -> list[str]:
    """For each row, a short stable digest of the lead :func:`build_payloads` makes of it.

    It tells a changed row from the same one; an empty field counts as absent, as in the payload.
    """
    if rows.empty:
        return []
    columns = [to_arrow(rows[c]) for c in ("referenceId", "phone_e164", *LEAD_TEXT_FIELDS)]
    meta = TextColumns.of(metadata)
    picked = _picked_cells(meta, _positions(rows, meta))
    blocks = [_joined_rows(cells, len(block), len(rows)) for block, cells in picked]
    if blocks:
        columns.append(blocks[0] if len(blocks) == 1 else pc.binary_join_element_wise(*blocks, _SEPARATOR))
    header = "\x1e".join([project_id, process_id, *meta.names])
    joined = pc.binary_join_element_wise(pa.scalar(header, pa.large_string()), *columns, _SEPARATOR)
    return [hashlib.blake2b(b, digest_size=8).hexdigest() for b in pc.cast(joined, pa.large_binary()).to_pylist()]


def _joined_rows(cells: pa.Array, width: int, n: int) -> pa.Array:
    """``n`` rows of ``width`` cells each (row after row) → each row's cells joined with the separator."""
    offsets = pa.array(np.arange(0, n * width + 1, width, dtype=np.int64))
    return pc.binary_join(pa.LargeListArray.from_arrays(offsets, cells), _SEPARATOR)
