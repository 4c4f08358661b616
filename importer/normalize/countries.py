"""A column of country calling codes (``+971``, ``44``, ``0091``, ``AE``): the region each row's phone is read in.

Forms and CRMs often keep the code apart from the number (``Country Code: +971``, ``Mobile: 501234567``).
Each row's phone is then read as if dialled in that country, so ``501234567`` becomes +971501234567
and a number typed with its own ``+`` is left as it is. A row whose code is empty is read in the
mapping's ``default_region``; so is one whose code is not understood, and the row says so.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
import pycountry

from importer.columns import to_arrow, to_bool
from importer.normalize.country_names import country_of_name
from importer.normalize.geo_prefixes import is_geocoded
from importer.normalize.phones import (
    NO_REGION,
    PLACEHOLDERS,
    PhoneColumns,
    normalize_phones,
    normalize_phones_anywhere,
)

_CODE = re.compile(r"^(?:\+|00)?\s*(\d{1,4})(?:\.0+)?$")  # +971, 971, 00971, 971.0 (a number cell)
_CODE_IN_TEXT = re.compile(r"\+\s*(\d{1,4})\b")  # India (+91), IN +91
_REGION_IN_TEXT = re.compile(r"^([A-Z]{2})\s*(?:[-(+:|]|$)")  # IN (+91), AE - United Arab Emirates (not St Kitts)
_PARENTHESIS = re.compile(r"[(\[]([^)\]]*)[)\]]")  # (DE), [DE]
_NOISE = re.compile(r"[\s\u00a0\u200b-\u200d\ufeff()\-]+")


@lru_cache(maxsize=4096)
def region_of_code(text: str) -> str | None:
    """The region of a country or calling-code cell; "" for an empty cell, None for one that names no country.

    Any ISO 3166 name, alpha-2 or alpha-3 code, common form or own name (Deutschland, 日本) and any
    calling code with or without + or 00 (971, +44, 0091).
    """
    cell = text.strip()
    if cell.lower() in PLACEHOLDERS:
        return ""
    if len(cell) == 2 and cell.upper() in phonenumbers.SUPPORTED_REGIONS:
        return cell.upper()
    bare = _NOISE.sub("", cell)
    if bare.startswith("0") and not bare.startswith("00"):
        return None  # 044, 022: an Indian STD code, not a country's
    match = _CODE.match(bare)
    if match is None and not any(ch.isdigit() for ch in cell):
        named = country_of_name(cell) or _sharing_a_code(cell)  # India, UAE, Deutschland, DEU; US/Canada
        if named is not None:
            return named
    both = None if match is not None else _code_and_name(cell)
    if both is not None:  # India (91), 971 - UAE, 1 (US): a calling code and the country whose code it is
        return both
    match = match or _CODE_IN_TEXT.search(cell)
    if match is not None:  # +971, 0091, India (+91)
        region = phonenumbers.region_code_for_country_code(int(match.group(1)))
        if region not in phonenumbers.SUPPORTED_REGIONS:
            return _code_and_area(match.group(1))  # +1-876: the plan's code and an island's area code
        return region
    return _named_otherwise(cell)


def _code_and_area(digits: str) -> str | None:
    """The region of a calling code written with the leading digits that tell its regions apart (``1876``: Jamaica,
    ``1268``: Antigua, ``77``: Kazakhstan, as country pickers write ``+1-876``), from phonenumbers' leading digits of
    each region; the code's main region when none has them and the digits are an area code of it (``1416``: Toronto)."""
    for size in (1, 2, 3):
        code, rest = digits[:size], digits[size:]
        regions = phonenumbers.region_codes_for_country_code(int(code))
        if not rest or len(regions) < 2:
            continue
        for region in regions:
            metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
            leading = metadata.leading_digits if metadata is not None else None
            if leading and re.match(f"(?:{leading})", rest):
                return str(region)
        main = phonenumbers.region_code_for_country_code(int(code))
        return main if main in phonenumbers.SUPPORTED_REGIONS and is_geocoded(int(digits)) else None
    return None


def _named_otherwise(cell: str) -> str | None:
    """The region of a cell that is neither a bare name nor a calling code: ``IN (+91)``, ``Deutschland (DE)``, a
    flag, a place written city first."""
    leading = _REGION_IN_TEXT.match(cell)
    if leading is not None and leading.group(1).upper() in phonenumbers.SUPPORTED_REGIONS:
        rest = " ".join(_PUNCTUATION.sub(" ", cell[leading.end() :]).split())
        named = country_of_name(rest) if any(ch.isalpha() for ch in rest) else None
        # RU (Reino Unido): Russia's code beside Spanish for the United Kingdom names neither for certain
        return leading.group(1).upper() if named in (None, leading.group(1).upper()) else None
    outside = country_of_name(_PARENTHESIS.sub("", cell))
    inside = [country_of_name(part) for part in _PARENTHESIS.findall(cell)]
    # Deutschland (DE): both say Germany; Congo (DRC) is not the Congo the word alone names
    if outside is not None and all(code == outside for code in inside):
        return outside
    return _flagged(cell) or _placed(cell)


_CODE_GROUP = re.compile(r"(?<!\w)(?:\+|00)?\s*(\d{1,4})(?!\w)")
_PUNCTUATION = re.compile(r"[()\[\]\-\u2013:|/,.+]")


def _code_and_name(cell: str) -> str | None:
    """The country of a cell holding one calling code and a country's name or code, when the code is that
    country's (``India (91)``, ``971 - UAE``, ``1 (US)``, ``Kazakhstan (+7)``); None otherwise."""
    codes = _CODE_GROUP.findall(cell)
    if len(codes) != 1:
        return None
    rest = " ".join(_PUNCTUATION.sub(" ", _CODE_GROUP.sub(" ", cell)).split())
    if not rest:
        return None
    named = rest.upper() if len(rest) == 2 and rest.upper() in phonenumbers.SUPPORTED_REGIONS else None
    named = named or country_of_name(rest)
    if named is None or phonenumbers.country_code_for_region(named) != int(codes[0]):
        return None
    return named


def _flagged(cell: str) -> str | None:
    """The country of a cell that is a flag alone (🇦🇪, as form tools' country pickers write it)."""
    flags = _FLAG.findall(cell)
    if len(flags) != 1 or _FLAG.sub("", cell).strip():
        return None
    code = "".join(chr(ord(ch) - _FLAG_A + ord("A")) for ch in flags[0])
    return code if code in phonenumbers.SUPPORTED_REGIONS else None


def _placed(cell: str) -> str | None:
    """The country of a place written "city, region, country" (``Dubai, UAE``, ``London, England, UK``, ``Dubai -
    UAE``): its last part, when no other part names another country (``Georgia, USA`` names two, and so none)."""
    parts = [part for part in _PARTS.split(cell) if part.strip()]
    while len(parts) > 1 and _POSTCODE.fullmatch(parts[-1].strip()) and region_of_code(parts[-1]) is None:
        parts.pop()  # Mumbai, India, 400001: the postcode after the country
    if len(parts) == 1 and len(parts[0]) < len(cell):
        return region_of_code(parts[0]) or None
    if len(parts) < 2:
        return None
    last = region_of_code(parts[-1])
    if not last or any(
        region_of_code(part) not in (None, "", last) and not _state_of(part, last) for part in parts[:-1]
    ):
        return None
    return last


_PARTS = re.compile(r",|\s+[-\u2013\u2014]\s+")
"""Between a place's parts: a comma, or a dash with spaces around it (Dubai - UAE; Guinea-Bissau is one name)."""
_POSTCODE = re.compile(r"(?=[^,]*\d)[A-Za-z0-9][A-Za-z0-9 \-]{1,9}")  # 400001, SW1A 1AA, M5V 2T6, 10115
_SEVERAL = re.compile(r"\s*(?:/|\||&|\bor\b)\s*", re.IGNORECASE)


def _sharing_a_code(cell: str) -> str | None:
    """The region of a cell naming several countries that dial one calling code (``US/Canada``, ``UK or Jersey``):
    their phones read alike in any of them, so in the code's main country. Countries of different codes name none."""
    parts = [part for part in _SEVERAL.split(cell) if part.strip()]
    if len(parts) < 2:
        return None
    regions = {country_of_name(part) for part in parts}
    if None in regions:
        return None
    codes = {phonenumbers.country_code_for_region(str(region)) for region in regions}
    if len(codes) != 1:
        return None
    main = phonenumbers.region_code_for_country_code(codes.pop())
    return main if main in phonenumbers.SUPPORTED_REGIONS else None


def _state_of(part: str, country: str) -> bool:
    """Whether ``part`` is a code of one of ``country``'s states or provinces (``IL`` in ``Chicago, IL, USA``, not
    Israel's code here)."""
    code = part.strip()
    return code.isascii() and code.isupper() and f"{country}-{code}" in _subdivision_codes()


@lru_cache(maxsize=1)
def _subdivision_codes() -> frozenset[str]:
    return frozenset(str(sub.code) for sub in pycountry.subdivisions)


_FLAG_A = 0x1F1E6
"""REGIONAL INDICATOR SYMBOL LETTER A: a flag is two of these letters, its country's ISO code."""
_FLAG = re.compile("[\U0001f1e6-\U0001f1ff]{2}")


NAMIBIA = "NA"


def namibian_rows(na: np.ndarray, filled: np.ndarray, named: np.ndarray, phones: pa.Array) -> np.ndarray:
    """Which rows' ``NA`` country cell (``na``) is Namibia's code, not "not available": the rest of the column
    names countries (``named``: the rows whose cell names one, most of the ``filled`` others and of all the others)
    and the row's number is Namibian as written (``081 234 5679``, ``+264 ...``). Any other NA is a placeholder."""
    found = np.zeros(len(na), dtype=bool)
    others = int((~na).sum())
    if not na.any() or not named.any() or 2 * int(named.sum()) < max(int((filled & ~na).sum()), others):
        return found  # a column mostly blank or of placeholders: NA is one of them
    at = np.flatnonzero(na)
    read = normalize_phones(pd.Series(pc.take(phones, pa.array(at)).to_pylist(), dtype="str"), NAMIBIA)
    found[at] = read.e164.str.startswith("+264").fillna(False).to_numpy(dtype=bool)
    return found


def normalize_phones_by_region(raw: pd.Series, regions: pd.Series) -> PhoneColumns:
    """:func:`~importer.normalize.phones.normalize_phones` with each row read in its own region."""
    wanted = regions.to_numpy(dtype=object)
    distinct = pd.unique(wanted)
    if len(distinct) == 1:
        return _normalize_in(raw, str(distinct[0]))
    columns = {name: np.empty(len(raw), dtype=object) for name in ("e164", "issue", "warning")}
    for region in distinct:
        at = np.flatnonzero(wanted == region)
        part = _normalize_in(raw.iloc[at], str(region))
        for name, column in columns.items():
            column[at] = getattr(part, name).to_numpy(dtype=object)
    text = {name: pd.Series(pd.array(column, dtype="str"), index=raw.index) for name, column in columns.items()}
    return PhoneColumns(e164=text["e164"], issue=text["issue"], warning=text["warning"])


def _normalize_in(raw: pd.Series, region: str) -> PhoneColumns:
    return normalize_phones_without_region(raw) if region == NO_REGION else normalize_phones(raw, region)


def normalize_phones_without_region(raw: pd.Series) -> PhoneColumns:
    """Phones of rows with no region to read them in: a number written with + (or 00, the exit code of most of the
    world: ``0049 89 1234567``) and its country code is read in that country (through the same fast path); any
    other is invalid unless ``phonenumbers`` finds a code in it."""
    text = pc.utf8_trim_whitespace(pc.cast(to_arrow(raw), pa.large_string()))
    exit_code = to_bool(pc.match_substring_regex(text, _EXIT_CODE))
    if exit_code.any():
        text = pc.replace_substring_regex(text, _EXIT_CODE, r"+\1")
        raw = raw.mask(exit_code, pd.Series(text.to_pylist(), index=raw.index, dtype=raw.dtype))
    codes = pc.utf8_slice_codeunits(pc.replace_substring_regex(text, r"[^0-9+]", ""), 0, 4)
    region = np.full(len(raw), NO_REGION, dtype=object)
    signed = to_bool(pc.starts_with(codes, "+"))
    for size in (1, 2, 3):  # calling codes are prefix-free: at most one length fits
        prefix = pc.utf8_slice_codeunits(codes, 1, 1 + size)
        known = _calling_codes(size)
        hit = signed & (region == NO_REGION) & to_bool(pc.is_in(prefix, value_set=known))
        if hit.any():
            region[hit] = [main_region(int(code)) for code in pc.filter(prefix, pa.array(hit)).to_pylist()]
    groups = pd.unique(region)
    if len(groups) == 1 and groups[0] == NO_REGION:
        return normalize_phones_anywhere(raw)
    columns = {name: np.empty(len(raw), dtype=object) for name in ("e164", "issue", "warning")}
    for name in groups:
        at = np.flatnonzero(region == name)
        part = raw.iloc[at]
        found = normalize_phones_anywhere(part) if name == NO_REGION else normalize_phones(part, str(name))
        for column_name, column in columns.items():
            column[at] = getattr(found, column_name).to_numpy(dtype=object)
    out = {name: pd.Series(pd.array(column, dtype="str"), index=raw.index) for name, column in columns.items()}
    return PhoneColumns(e164=out["e164"], issue=out["issue"], warning=out["warning"])


_EXIT_CODE = r"^00(\s*[1-9])"
"""00 before a calling code: the exit code of most of the world, read as its + where no region says otherwise."""


@lru_cache(maxsize=3)
def _calling_codes(size: int) -> pa.Array:
    codes = [str(c) for c in phonenumbers.COUNTRY_CODE_TO_REGION_CODE if len(str(c)) == size]
    return pa.array([c for c in codes if main_region(int(c)) in phonenumbers.SUPPORTED_REGIONS], pa.large_string())


@lru_cache(maxsize=512)
def main_region(code: int) -> str:
    """The main region of a calling code (MA for +212, US for +1)."""
    return str(phonenumbers.region_code_for_country_code(code))
