"""Each row's phone: read in the row's own country, from the first of the mapped phone columns that has one.

The country is the row's country column (``phoneCountryCode``) where it names one, else the mapping's
``default_region``. A row whose country cell names no country is never read in the default region:
only a number written with its own ``+`` and code is valid there (``unknown-country`` otherwise); nor
is a row without any region to read it in (``no-region``). Numbers read in the default region that are
another country's are flagged (:mod:`importer.normalize.foreign`).

When the mapping lists several phone columns and the sheet has more than one, a row whose first column
is empty or invalid takes the next column's valid number (``phone-from-column:<header>``); a number
another column holds in several rows (an office line) is no lead's own and is not taken.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText, nonempty, to_arrow, to_bool, to_series
from importer.normalize.contacts import blank_placeholders_arrow
from importer.normalize.countries import normalize_phones_by_region, region_of_code
from importer.normalize.foreign import flagged_rows, other_countries
from importer.normalize.json_cells import first_of_json_lists
from importer.normalize.phones import NO_REGION

_SEPARATED = r"[\s().\-/]"
_OWN_CODE = r"^\s*(?:\+|00)|\+"


@dataclass(frozen=True, slots=True)
class RowPhones:
    """Per row: the E.164 number (or ""), issue code, warnings, and the cell read (placeholders blanked)."""

    e164: ArrowText
    issue: ArrowText
    warning: ArrowText
    raw: ArrowText


@dataclass(frozen=True, slots=True)
class _Regions:
    region: np.ndarray  # object: the region each row is read in (NO_REGION: none)
    unknown: np.ndarray  # bool: the country cell names no country
    undecided: np.ndarray  # bool: no country cell and no default region
    home: np.ndarray  # bool: read in the default region because the row names no country


def read_phones(columns: list[tuple[str, pd.Series]], country: pd.Series | None, default: str | None) -> RowPhones:
    """The phone of every row from ``columns`` (header, cells), the first being the mapping's first match."""
    n = len(columns[0][1]) if columns else 0
    regions = _regions(country, default, n)
    header, cells = columns[0]
    raw, json_warning = _cells(cells)
    e164, issue, warning = _read(raw, regions, default)
    warning = _join(warning, json_warning)
    for header, cells in columns[1:]:
        lacking = e164 == ""
        if not lacking.any():
            break
        theirs, their_json = _cells(cells)
        candidates = np.flatnonzero(lacking & _own_values(theirs))
        if len(candidates) == 0:
            continue
        picked = pa.array(candidates)
        sub = _Regions(*(getattr(regions, f)[candidates] for f in ("region", "unknown", "undecided", "home")))
        their_raw = pc.take(theirs, picked)
        got, got_issue, got_warning = _read(their_raw, sub, default)
        empty_before = ~to_bool(nonempty(pc.take(raw, picked)))
        take = (got != "") | empty_before  # an invalid number only where the first column had none
        rows = candidates[take]
        if len(rows) == 0:
            continue
        named = f"phone-from-column:{' '.join(header.replace(',', ' ').split())}"
        e164[rows], issue[rows] = got[take], got_issue[take]
        extra = _join(got_warning[take], np.asarray(pc.take(their_json, pa.array(rows)).to_pylist(), dtype=object))
        warning[rows] = _join(extra, np.full(len(rows), named, dtype=object))
        mask = np.zeros(n, dtype=bool)
        mask[rows] = True
        raw = pc.replace_with_mask(raw, pa.array(mask), pc.take(theirs, pa.array(rows)))
    text = pa.large_string()
    return RowPhones(
        e164=pa.array(e164, type=text),
        issue=pa.array(issue, type=text),
        warning=pa.array(warning, type=text),
        raw=raw,
    )


def _cells(cells: pd.Series) -> tuple[ArrowText, ArrowText]:
    """The cells as read (placeholders blank), a JSON list's first value taken; and the warning that says so."""
    values, several = first_of_json_lists(blank_placeholders_arrow(to_arrow(cells)))
    warning = pc.if_else(pa.array(several), pa.scalar("multiple-phones", pa.large_string()), "")
    return values, pc.cast(warning, pa.large_string())


def _own_values(values: ArrowText) -> np.ndarray:
    """Filled cells whose value no other row of the column holds (an office line is nobody's own number)."""
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    once: np.ndarray = np.bincount(codes, minlength=len(encoded.dictionary))[codes] == 1
    own: np.ndarray = to_bool(nonempty(values)) & once
    return own


def _regions(country: pd.Series | None, default: str | None, n: int) -> _Regions:
    fallback = default or NO_REGION
    if country is None:
        region = np.full(n, fallback, dtype=object)
        none = np.zeros(n, dtype=bool)
        return _Regions(region, none, np.full(n, default is None), np.full(n, default is not None))
    codes, distinct = pd.factorize(country.astype("str"))
    regions = np.array([region_of_code(str(text)) for text in distinct] + [""], dtype=object)
    found = regions[codes]  # code -1 (a missing cell): the "" appended
    unknown = np.array([f is None for f in regions], dtype=bool)[codes]
    empty = np.array([f == "" for f in regions], dtype=bool)[codes]
    region = np.where(unknown, NO_REGION, np.where(empty, fallback, found)).astype(object)
    return _Regions(region, unknown, empty & (default is None), empty & (default is not None))


def _read(raw: ArrowText, regions: _Regions, default: str | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(e164, issue, warning) as object arrays for ``raw`` read in each row's region."""
    phones = normalize_phones_by_region(to_series(raw, pd.RangeIndex(len(raw))), pd.Series(regions.region))
    e164 = phones.e164.to_numpy(dtype=object)
    issue = phones.issue.to_numpy(dtype=object)
    warning = phones.warning.to_numpy(dtype=object)
    if regions.unknown.any() or regions.undecided.any():
        own_code = to_bool(pc.match_substring_regex(raw, _OWN_CODE))
        refused = (issue == "invalid-phone") & ~own_code
        issue[refused & regions.unknown] = "unknown-country"
        issue[refused & regions.undecided] = "no-region"
        noted = regions.unknown & (e164 != "")
        warning[noted] = _join(warning[noted], np.full(int(noted.sum()), "unknown-country", dtype=object))
    if default is not None and regions.home.any():
        _flag_other_countries(raw, regions.home, default, e164, issue, warning)
    return e164, issue, warning


def _flag_other_countries(
    raw: ArrowText, home: np.ndarray, default: str, e164: np.ndarray, issue: np.ndarray, warning: np.ndarray
) -> None:
    """Mark (in place) the rows read in ``default`` whose number is another country's."""
    valid = home & (e164 != "")
    formatted = valid & to_bool(pc.match_substring_regex(raw, _SEPARATED)) & ~to_bool(pc.match_substring(raw, "+"))
    refused = home & (issue == "invalid-phone")
    if not (formatted.any() or refused.any()):
        return
    texts = np.asarray(raw.to_numpy(zero_copy_only=False), dtype=object)
    shaped, elsewhere = other_countries(
        _by_shape(pa.array(texts[formatted], type=pa.large_string())),
        _by_shape(pa.array(texts[refused], type=pa.large_string())),
        default,
    )
    for mask, found in ((formatted, shaped), (refused, elsewhere)):
        at = np.flatnonzero(mask)
        hits, labels = flagged_rows(texts[at], found)
        rows = at[hits]
        if len(rows) == 0:
            continue
        e164[rows] = ""
        issue[rows] = "phone-other-country"
        codes = np.array([f"phone-other-country:{label}" for label in labels], dtype=object)
        warning[rows] = _join(warning[rows], codes)


def _by_shape(values: pa.Array) -> dict[str, list[str]]:
    """Distinct values grouped by how they are written, digits left out: ``(999) 999-9999``."""
    distinct = pc.unique(values)
    shapes = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.replace_substring_regex(distinct, r"\d", "9"), r"\s+", " ")
    )
    frame = pd.DataFrame({"shape": shapes.to_pylist(), "value": distinct.to_pylist()})
    return {str(k): list(v) for k, v in frame.groupby("shape", sort=False)["value"]}


def _join(a: np.ndarray, b: np.ndarray | pa.Array) -> np.ndarray:
    """Element-wise join of two columns of comma-separated codes."""
    left = np.asarray(a, dtype=object)
    right = np.asarray(b.to_pylist() if isinstance(b, pa.Array | pa.ChunkedArray) else b, dtype=object)
    if len(left) == 0:
        return left
    both = (left != "") & (right != "")
    out = np.where(left == "", right, left).astype(object)
    if both.any():
        out[both] = [f"{x}, {y}" for x, y in zip(left[both], right[both], strict=True)]
    return out
