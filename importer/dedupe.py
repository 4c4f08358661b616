"""In-file dedupe: a later copy of a lead (same phone, email or referenceId) is a duplicate.

A kept row with no phone (or no email) takes it from a later copy that has one, when no other
kept row holds that phone (or email): the lead reaches the CRM with every way to contact it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import byte_lengths, to_arrow, to_series

KEY_COLUMNS = {"phone": "phone_e164", "email": "email", "referenceId": "referenceId"}
FILLED_WARNINGS = {"phone_e164": issues.PHONE_FROM_DUPLICATE.code, "email": issues.EMAIL_FROM_DUPLICATE.code}
"""Key columns a kept row may fill from its later copies, and the warning it then carries."""


KeyHashes = dict[str, list[np.ndarray]]
"""Per key column (of :data:`KEY_COLUMNS`), its rows' 64-bit hashes of their values, a chunk of rows at a time."""


def key_hashes(rows: pd.DataFrame) -> KeyHashes:
    """The hashes dedupe looks values up by, of every key column of ``rows`` (a chunk's rows: made while the
    next chunks are normalized, then joined with :func:`joined_hashes`)."""
    return {column: [_hashes(_chunks(rows[column]))[0]] for column in KEY_COLUMNS.values() if column in rows.columns}


def joined_hashes(parts: list[KeyHashes]) -> KeyHashes:
    """The :func:`key_hashes` of consecutive chunks as those of their rows together (still apart: one column is
    joined at a time, when dedupe looks it up)."""
    columns = set.intersection(*(set(part) for part in parts)) if parts else set()
    return {column: [h for part in parts for h in part[column]] for column in sorted(columns)}


def mark_duplicates(rows: pd.DataFrame, keys: tuple[str, ...], hashes: KeyHashes | None = None) -> pd.DataFrame:
    """Mark later copies among ``valid`` rows as ``duplicate`` with ``duplicate_of`` = the kept row's sheet row.

    A row is kept when none of its key values belongs to an earlier kept row. referenceId is always
    a key: the CRM refuses a repeated one and counts it toward its key block. ``hashes``: the
    :func:`key_hashes` of ``rows`` as they are now, where already made (each column's taken out once used).
    """
    columns = [KEY_COLUMNS[k] for k in dict.fromkeys((*keys, "referenceId"))]
    candidates = np.flatnonzero((rows["status"] == "valid").to_numpy())
    if len(candidates) < 2:
        return rows
    made = hashes if hashes is not None else {}
    # One column at a time: side by side they would add to the dry run's peak memory, which comes here.
    by_column = {
        col: _shared_codes(_chunks(rows[col]), candidates, made.pop(col, None))
        for col in dict.fromkeys([*columns, "email"])
    }
    others = _others_emails(rows, candidates, by_column["email"])
    if others.any():
        rows = _without_email(rows, candidates[others])
        by_column["email"] = np.where(others, -1, by_column["email"])  # an address of several people is no key
    codes = [by_column[c] for c in columns]
    conflicted = np.flatnonzero(np.logical_or.reduce([c >= 0 for c in codes]))
    if len(conflicted) == 0:
        return rows
    # Only rows that share a value with another row need the ordered walk.
    kept: list[dict[int, int]] = [{} for _ in columns]
    dup_pos: list[int] = []
    dup_of: list[int] = []
    positions = candidates[conflicted]
    fills = _Fills(rows, columns)
    fillable = [i for i, column in enumerate(columns) if column in FILLED_WARNINGS]
    sheet_rows = rows["sheet_row"].to_numpy()[positions].tolist()
    walk = zip(positions.tolist(), sheet_rows, *(c[conflicted].tolist() for c in codes), strict=True)
    for pos, sheet_row, *values in walk:
        hit = next((kept[i][v] for i, v in enumerate(values) if v >= 0 and v in kept[i]), None)
        if hit is not None:
            dup_pos.append(pos)
            dup_of.append(hit)
            for i in fillable:
                # A value no other kept row holds (shared with no row at all, or not kept yet) can move.
                v = values[i]
                if (v < 0 or v not in kept[i]) and fills.fill(i, hit, pos) and v >= 0:
                    kept[i][v] = hit  # a later row with this value is a copy of the kept row
            continue
        fills.keep(pos, sheet_row)
        for i, v in enumerate(values):
            if v >= 0:
                kept[i][v] = sheet_row
    if dup_pos:
        out = _writable(rows, "status", "duplicate_of")
        labels = out.index[dup_pos]
        out.loc[labels, "status"] = "duplicate"
        out.loc[labels, "duplicate_of"] = dup_of
        fills.apply(out)
        return out
    return rows


def _shared_codes(
    values: pa.Array | pa.ChunkedArray, candidates: np.ndarray, hashed: list[np.ndarray] | None = None
) -> np.ndarray:
    """Per candidate, a number for its value when another candidate has it too (empty values never), else -1.

    Values are first told apart by a 64-bit hash of their bytes (8 bytes a row, where a hash table of the
    values themselves takes about ten times that); only the rows whose hash another row has are then compared
    exactly, so a collision costs time, never a lead.
    """
    if hashed is not None and sum(len(h) for h in hashed) == len(values):
        hashes, filled = np.concatenate(hashed) if len(hashed) != 1 else hashed[0], _filled(values)
    else:
        hashes, filled = _hashes(values)
    del hashed
    hashes, filled = hashes[candidates], filled[candidates]
    at = np.flatnonzero(filled)
    twice = pd.Series(hashes[at], copy=False).duplicated(keep=False).to_numpy()  # a hash table: no sort
    maybe = at[twice]
    del twice
    out = np.full(len(candidates), -1, dtype=np.int64)
    if len(maybe) == 0:
        return out
    encoded = pc.dictionary_encode(_take(values, candidates[maybe]))
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    shared = np.bincount(codes, minlength=len(encoded.dictionary))[codes] > 1
    out[maybe[shared]] = codes[shared]
    return out


def _take(values: pa.Array | pa.ChunkedArray, positions: np.ndarray) -> pa.Array:
    """The values at ``positions`` (ascending), taken chunk by chunk: Arrow's take joins a chunked array first."""
    if not isinstance(values, pa.ChunkedArray):
        return _text(pc.take(values, pa.array(positions, pa.int64())))
    parts = []
    start = 0
    for chunk in values.chunks:
        lo, hi = np.searchsorted(positions, [start, start + len(chunk)])
        if hi > lo:
            parts.append(_text(pc.take(chunk, pa.array(positions[lo:hi] - start, pa.int64()))))
        start += len(chunk)
    return pa.concat_arrays(parts) if parts else pa.array([], pa.large_string())


def _text(array: pa.Array) -> pa.Array:
    return array if array.type == pa.large_string() else pc.cast(array, pa.large_string())


def _filled(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Per value, whether it holds any text, read off the offsets chunk by chunk (no chunk joined or copied)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    return np.concatenate([byte_lengths(chunk) > 0 for chunk in chunks]) if chunks else np.zeros(0, dtype=bool)


def _chunks(values: pd.Series) -> pa.Array | pa.ChunkedArray:
    """A text column as Arrow, its chunks (a file read a chunk at a time) left apart: joining them copies."""
    array = getattr(values.array, "_pa_array", None)
    return array if isinstance(array, pa.ChunkedArray) else to_arrow(values)


_HASH_ROWS = 16_384  # rows hashed at a time: their bytes are widened eightfold meanwhile
_MULTIPLIER = np.uint64(0x100000001B3)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))


def _hashes(values: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """Per value, a 64-bit hash of its UTF-8 bytes, and whether it is filled (not empty, not null)."""
    chunks = values.chunks if isinstance(values, pa.ChunkedArray) else [values]
    hashes = np.zeros(len(values), dtype=np.uint64)
    filled = np.zeros(len(values), dtype=bool)
    at = 0
    for chunk in chunks:
        if chunk.type not in (pa.string(), pa.large_string()):
            chunk = pc.cast(chunk, pa.large_string())
        if chunk.null_count:
            chunk = pc.fill_null(chunk, "")
        for start in range(0, len(chunk), _HASH_ROWS):
            part = chunk.slice(start, _HASH_ROWS)
            n = len(part)
            hashes[at : at + n], filled[at : at + n] = _hash_part(part)
            at += n
    return hashes, filled


def _hash_part(part: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    _, offsets, data = part.buffers()
    width = np.int64 if part.type == pa.large_string() else np.int32
    bounds = np.frombuffer(offsets, dtype=width)[part.offset : part.offset + len(part) + 1].astype(np.int64)
    lengths = np.diff(bounds)
    filled = lengths > 0
    out = np.zeros(len(part), dtype=np.uint64)
    if not filled.any():
        return out, filled
    raw = np.frombuffer(data, dtype=np.uint8)[bounds[0] : bounds[-1]].astype(np.uint64)
    starts = bounds[:-1] - bounds[0]
    position = np.arange(len(raw), dtype=np.int64) - np.repeat(starts, lengths)
    powers = np.cumprod(np.full(int(lengths.max()), _MULTIPLIER, dtype=np.uint64))  # wraps: arithmetic mod 2**64
    raw *= powers[position]
    h: np.ndarray = np.add.reduceat(raw, starts[filled]) ^ lengths[filled].astype(np.uint64)
    h = h ^ (h >> np.uint64(30))  # splitmix64's finalizer: every bit of the sum reaches every bit of the hash
    h = h * _MIX[0]
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX[1]
    out[filled] = h ^ (h >> np.uint64(31))
    return out, filled


# The first word of a name that is not a title, of a lower-cased name ("mr. rahul sharma" → "rahul").
_FIRST_WORD = r"^[\s.,]*(?:(?:mr|mrs|ms|miss|dr|shri|sri|smt|kumari|prof|er|mx)\b[\s.,]*)*(?P<who>[^\s.,]*)"


def _others_emails(rows: pd.DataFrame, candidates: np.ndarray, email_codes: np.ndarray) -> np.ndarray:
    """Per candidate, whether its email is another person's: to be dropped (warning ``shared-email``).

    A dealer's sales@ address on every walk-in, or abc@gmail.com typed by several people: rows with
    different first names sharing an address are different people. Kept, it would make them one lead
    (the others lost), and the CRM takes an address once per project. The address is taken to be the
    person's of its first row without a phone (whose only contact it is), else of its first row; the
    rows of others that have a phone do without it.
    """
    drop = np.zeros(len(candidates), dtype=bool)
    at = np.flatnonzero(email_codes >= 0)
    if len(at) == 0:
        return drop
    name, first = (_take(_chunks(rows[c]), candidates[at]) for c in ("name", "firstName"))
    name = pc.if_else(pc.greater(pc.binary_length(name), 0), name, first)
    who = pc.fill_null(pc.struct_field(pc.extract_regex(pc.utf8_lower(name), _FIRST_WORD), [0]), "")
    phone = _filled(_take(_chunks(rows["phone_e164"]), candidates[at]))
    group = pd.DataFrame({"code": email_codes[at], "who": who.to_numpy(zero_copy_only=False), "rank": phone})
    owner = group.sort_values(["code", "rank"], kind="stable").groupby("code")["who"].first()  # no phone first
    drop[at[phone & (group["who"].to_numpy() != owner.reindex(group["code"]).to_numpy())]] = True
    return drop


def _without_email(rows: pd.DataFrame, positions: np.ndarray) -> pd.DataFrame:
    """``rows`` with the email of the rows at ``positions`` dropped, and the warning ``shared-email``."""
    out = _writable(rows, "email", "warnings")
    labels = out.index[positions]
    out.loc[labels, "email"] = ""
    before = out.loc[labels, "warnings"].tolist()
    shared = issues.SHARED_EMAIL.code
    out.loc[labels, "warnings"] = [f"{w}, {shared}" if w else shared for w in before]
    return out


def _writable(rows: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``rows`` whose ``columns`` may be written in place without changing ``rows``: only those are copied
    (a deep copy of every column of a million rows costs hundreds of megabytes)."""
    out = rows.copy(deep=False)
    for column in columns:
        out[column] = rows[column].copy()
    return out


class _Fills:
    """Phones and emails kept rows take from their later copies."""

    def __init__(self, rows: pd.DataFrame, columns: list[str]) -> None:
        self._rows = rows
        self._columns = columns
        self._empty = [~_filled(_chunks(rows[c])) if c in FILLED_WARNINGS else None for c in columns]
        """Per key column: whether each row has no value (None: a column not filled from copies)."""
        self._at: dict[int, int] = {}
        """Sheet row → position of each kept row walked."""
        self._filled: dict[tuple[int, int], int] = {}
        """(column number, kept row's position) → the position of the copy whose value it takes."""

    def keep(self, pos: int, sheet_row: int) -> None:
        self._at[sheet_row] = pos

    def fill(self, column: int, kept_row: int, copy_pos: int) -> bool:
        """Whether the kept row takes the copy's value of ``column`` (it has none, and the copy has one)."""
        empty = self._empty[column]
        if empty is None or empty[copy_pos]:
            return False
        target = self._at[kept_row]
        if not empty[target] or (column, target) in self._filled:
            return False
        self._filled[(column, target)] = copy_pos
        return True

    def apply(self, out: pd.DataFrame) -> None:
        """Write the values taken into the kept rows, each with its warning (whole columns: far cheaper)."""
        codes: dict[int, list[str]] = {}
        for column in sorted({column for column, _ in self._filled}):
            name = self._columns[column]
            targets = [target for (c, target) in self._filled if c == column]
            copies = pa.array([self._filled[(column, target)] for target in targets], pa.int64())
            out[name] = _replaced(to_arrow(out[name]), targets, pc.take(to_arrow(self._rows[name]), copies), out.index)
            for target in targets:
                codes.setdefault(target, []).append(FILLED_WARNINGS[name])
        if codes:
            warnings = to_arrow(out["warnings"])
            before = pc.take(warnings, pa.array(list(codes), pa.int64())).to_pylist()
            after = [", ".join([w, *c] if w else c) for w, c in zip(before, codes.values(), strict=True)]
            out["warnings"] = _replaced(warnings, list(codes), pa.array(after, pa.large_string()), out.index)


def _replaced(column: pa.Array, positions: list[int], values: pa.Array, index: pd.Index) -> pd.Series:
    """``column`` with the values at ``positions`` replaced, as a str Series on ``index``."""
    order = np.argsort(positions, kind="stable")
    mask = np.zeros(len(column), dtype=bool)
    mask[positions] = True
    return to_series(pc.replace_with_mask(column, pa.array(mask), pc.take(values, pa.array(order))), index)
