"""A sheet that is another country's than the default region: its numbers valid in both are not sent as home's.

A mapping's ``default_region`` is often a team's standing choice, reused for a partner's sheet of another
country. Many national numbers are valid in two countries as written (a British mobile ``07401 506159`` is an
Indian mobile too, and so are Nigeria's ``0802 416 5141``, Japan's ``090 1045 9875``, Mexico's ``222 444 6306``),
so the numbers alone cannot say which they are. The rest of the sheet can:

- its numbers written with their ``+`` code (or ``00``): most of them (at least two) under one other country's code;
- its email addresses under a country's domain (``.co.uk``): most of them (at least two) under one other country's;
- a column of countries the mapping does not read phones by, or of cities or states (``Manchester``,
  ``Maharashtra``: the places phonenumbers' geocoder names for a country's area codes; ``Москва``, ``Davao``: the
  cities it does not name, by GeoNames' names, :mod:`importer.normalize.cities`);
- a column of postal codes in a format only one country uses (``SW1A 1AA``, ``K1A 0B1``:
  :mod:`importer.normalize.postcodes`);
- when none of these names a country: the numbers themselves, read far more often as people's numbers in one
  other country than at home (:mod:`importer.normalize.sheet_numbers`: an American sheet's bare numbers).

When one of these points to a country and none points elsewhere (the default region included), and most of the
numbers read in the default region without a code are valid in that country too, those are held back: sending
them as the default region's would reach a wrong person. The user decides: ``--region`` for the run (obeyed as
it is, :attr:`importer.config.LeadMapping.region_chosen`), or the numbers written with their code.

Each kind of evidence is counted only while none before it has named the default region's own calling code.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, lru_cache, partial

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import country_code_for_region as region_code

from importer import issues
from importer.columns import ArrowText, nonempty, to_arrow, to_bool
from importer.normalize.cities import city_regions
from importer.normalize.countries import region_of_code
from importer.normalize.country_names import country_of_name
from importer.normalize.foreign import fitting_regions
from importer.normalize.implied_codes import with_implied_code
from importer.normalize.phone_forms import without_float_tail
from importer.normalize.phones import is_mobile, region_rules
from importer.normalize.places import coded_places, place_codes, place_columns, place_region, postcode_columns
from importer.normalize.postcodes import postcode_codes
from importer.normalize.sheet_numbers import numbers_point_to, spread
from importer.read.source import SourceTable

GENERIC_TLDS = frozenset(
    "io co ai me tv ly fm to cc ws gg la am nu tk ml ga cf gq su eu app dev".split()  # noqa: SIM905
)
"""Country domains used worldwide as generic ones (``.io``, ``.co``): no evidence of a country."""
_DOMAIN_REGIONS = {"uk": "GB"}
"""Country domains that are not their country's ISO code."""
MOST = 0.8
"""Share of a kind of evidence (numbers with a code, emails under a country's domain) that names its country."""
FEWEST = 2
"""Pieces of one kind of evidence needed to name a country."""
SOME = 0.1
"""Share of the numbers read in the default region that one kind of evidence must also reach (two .de addresses
among fifty Indian leads name no country)."""
_WITH_CODE = r"(?:^|[^eE])\+|^\s*00"
"""A number written with its calling code: a + (not a float's exponent, 4.47400123456E+11), or 00 first."""


@dataclass(frozen=True, slots=True)
class SheetCountry:
    """The country a sheet points to, and the rows whose numbers are held back because of it."""

    region: str
    rows: np.ndarray  # positions of the rows held back


@dataclass(frozen=True, slots=True)
class Evidence:
    """What besides the numbers tells the sheet's country: the lead's email cells, and columns of places (each with
    whether it names countries, else cities, states or locations). Made text only when read."""

    emails: pd.Series | pa.Array | None = None
    places: tuple[tuple[pa.Array, bool], ...] = ()
    postcodes: tuple[pa.Array, ...] = ()


def sheet_evidence(table: SourceTable, emails: pd.Series | None, phone_columns: set[str]) -> Evidence:
    """The sheet's ``emails`` (the lead's, as mapped) and its columns of places other than ``phone_columns`` (the
    phone's and its country's)."""
    others = [h for h in table.names if h not in phone_columns]
    places = tuple((table.data.array(h), is_country) for h, is_country in place_columns(others))
    return Evidence(emails, places, tuple(table.data.array(h) for h in postcode_columns(others)))


def _text(values: pd.Series | pa.Array, rows: pa.Array) -> ArrowText:
    return pc.filter(pc.cast(to_arrow(values) if isinstance(values, pd.Series) else values, pa.large_string()), rows)


def sheet_country(
    raw: ArrowText, e164: ArrowText, issue: ArrowText, home: np.ndarray, default: str, evidence: Evidence
) -> SheetCountry | None:
    """The rows read in ``default`` (``home``) and sent as its numbers whose reading depends on the region, when the
    sheet points to one other country and most such numbers are valid there as written; None otherwise."""
    read = home & to_bool(nonempty(e164))
    with_code = to_bool(pc.match_substring_regex(raw, _WITH_CODE))
    coded = read & with_code
    bare = read & ~coded & ~to_bool(nonempty(issue))
    if not bare.any():
        return None
    home_code = phonenumbers.country_code_for_region(default)
    fewest = max(FEWEST, math.ceil(SOME * bare.sum()))
    named: set[int] = set()
    seen: dict[str, int] = {}  # the regions the places and domains named, and how often
    rows = pa.array(home)
    held = home & to_bool(pc.equal(issue, issues.PHONE_OTHER_COUNTRY.code))
    sources: list[Callable[[], dict[int, int]]] = [
        lambda: _calling_codes(pc.filter(e164, pa.array(coded)), _implied(pc.filter(raw, pa.array(held)), default))
    ]
    if evidence.emails is not None:
        sources.append(partial(_domains, evidence.emails, rows, seen))
    sources += [partial(_places, column, rows, countries, seen) for column, countries in evidence.places]
    sources += [partial(postcode_codes, column, rows) for column in evidence.postcodes]
    for source in sources:  # cheapest first, each read only when needed: the sheet's own +91 numbers stop it at once
        code = _named(source(), fewest)
        if code == home_code:
            return None
        if code is not None:
            named.add(code)
    refused = home & ~with_code & to_bool(pc.equal(issue, issues.INVALID_PHONE.code))
    numbers = cache(partial(numbers_point_to, spread(raw, bare | refused), default))
    if not named:
        code = numbers()
        if code is not None:
            named.add(code)
    if len(named) != 1:
        return None  # nothing points elsewhere, or two things point to two countries
    told = named.pop()
    found = _held(raw, bare, _most_named(told, seen))
    if found is None and (code := numbers()) not in (None, told):
        # The sheet's numbers do not fit the country the rest named (Boston, Cambridge: English towns, and American
        # ones, which name no country): they are asked, as when nothing names one
        return _held(raw, bare, phonenumbers.region_code_for_country_code(code))
    return found


def _most_named(code: int, seen: dict[str, int]) -> str:
    """The region of ``code`` the places and domains named most (Canada's provinces: CA, not +1's main region, the
    US), else the code's main region."""
    regions = sorted(r for r in seen if region_code(r) == code)
    return max(regions, key=seen.__getitem__) if regions else phonenumbers.region_code_for_country_code(code)


def _held(raw: ArrowText, bare: np.ndarray, region: str) -> SheetCountry | None:
    """The ``bare`` rows (numbers read at home, written without a code) held back as ``region``'s: those valid
    there as written, when they are most of them; else None."""
    at = np.flatnonzero(bare)
    # A float's .0 after the digits (7400123456.0: a British mobile, its 0 and the sheet's text lost to Excel): the
    # number is the digits before it, as the import reads it (phone_forms.without_float_tail)
    taken = pc.take(raw, pa.array(at, pa.int64()))
    values = np.asarray(without_float_tail(taken).to_pylist(), object)
    distinct = sorted(set(values.tolist()))
    fit = written_there(distinct, region) + _coded_there(distinct, region)
    held = np.isin(values, np.array(fit, dtype=object)) if fit else np.zeros(len(values), dtype=bool)
    if held.sum() < MOST * len(values):
        return None  # most of the numbers are not written as that country's: the sheet's numbers say it is home's
    return SheetCountry(region, at[held])


def written_there(values: list[str], region: str) -> list[str]:
    """Of ``values``, those valid under ``region``'s calling code as ``region`` writes them (:func:`_written_there`:
    ``07911 123456``, or a mobile's ``7911123456`` whose 0 Excel dropped)."""
    # Valid under its calling code: 07911 123456 is Guernsey's, dialled as +44 as Britain's numbers are.
    dialled_alike = tuple(phonenumbers.region_codes_for_country_code(phonenumbers.country_code_for_region(region)))
    fit = [v for v, f in zip(values, fitting_regions(values, dialled_alike), strict=True) if f]
    return [v for v in fit if _written_there(str(v), region, dialled_alike)]


def bare_rows(raw: ArrowText, e164: ArrowText, issue: ArrowText, home: np.ndarray) -> np.ndarray:
    """The rows read in the default region (``home``) and sent as its numbers, written without a calling code."""
    bare: np.ndarray = home & to_bool(nonempty(e164))
    bare &= ~to_bool(pc.match_substring_regex(raw, _WITH_CODE)) & ~to_bool(nonempty(issue))
    return bare


def _coded_there(values: list[str], region: str) -> list[str]:
    """Of ``values``, those that are ``region``'s calling code and a number of it, the + left out (``6591234567``: a
    Singapore mobile whose + Excel dropped, and an Indian mobile as digits)."""
    code = str(phonenumbers.country_code_for_region(region))
    alike = tuple(phonenumbers.region_codes_for_country_code(int(code)))
    coded = [
        (v, d[len(code) :]) for v in values if (d := "".join(ch for ch in str(v) if ch.isdigit())).startswith(code)
    ]
    fits = fitting_regions([rest for _, rest in coded], alike)
    return [v for (v, _), fit in zip(coded, fits, strict=True) if fit]


def _written_there(value: str, region: str, alike: tuple[str, ...]) -> bool:
    """Whether ``value`` (valid in one of ``alike``, the regions of ``region``'s calling code) is written as ``region``
    writes its numbers, trunk prefix and all (``07401 506159``), or is one of their mobiles (``7401506159``: Excel
    drops the 0), or a number they write without their trunk prefix (North America's ``800 848 6446``: its 1 is
    dialled, never written). 9820012345 is none of these in Britain (a premium line, written ``0982 001 2345``),
    where any Indian mobile would otherwise be held."""
    digits = "".join(ch for ch in value if ch.isdigit())
    prefix = region_rules(region).national_prefix
    if not prefix or digits.startswith(prefix):
        return True
    return any(is_mobile(digits, r) or _written_without_prefix(digits, r) for r in alike)


def _written_without_prefix(digits: str, region: str) -> bool:
    """Whether ``digits`` are a valid number of ``region`` that it writes without its trunk prefix (phonenumbers'
    national format of it)."""
    if not _some_written_without_prefix(region):
        return False  # Britain writes its 0 before every number: no number need be parsed to tell
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return False
    if not phonenumbers.is_valid_number_for_region(number, region):
        return False
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    written = "".join(ch for ch in national if ch.isdigit())
    return written == digits


@lru_cache(maxsize=256)
def _some_written_without_prefix(region: str) -> bool:
    """Whether some of ``region``'s national formats leave its trunk prefix out (all of North America's; none of
    Britain's), as phonenumbers' metadata writes them (a region without formats of its own uses its code's main
    region's)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    formats = list(meta.number_format) if meta is not None else []
    if not formats:
        main = phonenumbers.region_code_for_country_code(phonenumbers.country_code_for_region(region))
        meta = phonenumbers.PhoneMetadata.metadata_for_region(main)
        formats = list(meta.number_format) if meta is not None else []
    return not formats or any(not f.national_prefix_formatting_rule for f in formats)


def _named(counts: dict[int, int], fewest: int) -> int | None:
    """The key holding most (at least ``fewest``, and :data:`MOST` of all) of ``counts``; else None."""
    total = sum(counts.values())
    if not total:
        return None
    top = max(sorted(counts), key=lambda k: counts[k])
    return top if counts[top] >= fewest and counts[top] >= MOST * total else None


def _implied(held: ArrowText, default: str) -> dict[int, int]:
    """How many of the ``held`` numbers (another country's) are written with their calling code but no ``+`` (``971 50
    611 8444``, ``(65) 9786 5243``), under each code: they are written with their code as much as ``+65 …`` is."""
    out: dict[int, int] = {}
    for text in held.to_pylist():
        number = with_implied_code(str(text), default)
        if number is not None and number.country_code:
            out[number.country_code] = out.get(number.country_code, 0) + 1
    return out


def _calling_codes(numbers: ArrowText, implied: dict[int, int] | None = None) -> dict[int, int]:
    """How many of ``numbers`` (E.164) are under each calling code (codes are prefix-free: one length fits), added to
    the ``implied`` counts."""
    known = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    out: dict[int, int] = dict(implied or {})
    if len(numbers) == 0:
        return out
    for length in (1, 2, 3):
        counted = pc.value_counts(pc.utf8_slice_codeunits(numbers, 1, 1 + length))
        for value, n in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True):
            if value and value.isdecimal() and int(value) in known and len(value) == length:
                out[int(value)] = out.get(int(value), 0) + int(n)
    return out


def _by_code(by_region: dict[str, int], seen: dict[str, int]) -> dict[int, int]:
    """``by_region``'s counts by calling code, each region's added to ``seen``."""
    out: dict[int, int] = {}
    for region, n in by_region.items():
        seen[region] = seen.get(region, 0) + n
        code = phonenumbers.country_code_for_region(region)
        out[code] = out.get(code, 0) + n
    return out


def _places(column: pa.Array, rows: pa.Array, countries: bool, seen: dict[str, int]) -> dict[int, int]:
    """How many of ``cells`` name each country: as a country (``United Kingdom``, ``UK``) or a place in it
    (``Manchester``, ``Maharashtra``: the geocoder's)."""
    counted = pc.value_counts(_text(column, rows))
    out: dict[str, int] = {}  # by region, then by calling code
    counts: dict[str, int] = {}  # "Manchester" and "Manchester " are one place
    for value, n in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True):
        text = str(value or "").strip()
        counts[text] = counts.get(text, 0) + int(n)
    towns = {} if countries else {text: place_codes(text) for text in counts if text}
    only = {next(iter(codes)) for codes in towns.values() if len(codes) == 1}
    unshared = sum(counts[text] for text, codes in towns.items() if len(codes) == 1)
    placed = sum(counts[text] for text, codes in towns.items() if codes)
    if unshared < max(FEWEST, SOME * placed):
        only = set()  # one lead from Chicago among London's and Leeds's says nothing of the column
    named = cell_regions(counts, countries, towns)
    for text, n in counts.items():
        region = named.get(text)
        if len(only) == 1 and (code := next(iter(only))) in towns.get(text, ()):
            # Boston beside Somerville and Quincy: a town of the one country the column's towns of one country are in
            region = phonenumbers.region_code_for_country_code(code)
        if region:
            out[region] = out.get(region, 0) + int(n)
    return _by_code(out, seen)


def cell_regions(counts: dict[str, int], countries: bool, towns: dict[str, frozenset[int]]) -> dict[str, str]:
    """The country each of a column's cells (``counts``: each stripped cell and its rows) names: as a country
    (``countries``), else as a place in it (the geocoder's, whose ``towns`` are given; a city named as its country;
    GeoNames' cities; a state's code the column's other codes say is one country's)."""
    if countries:
        return {t: r for t in counts if t and (r := region_of_code(t))}
    coded = coded_places(counts)  # NY, TX, FL: the US's states
    named = {t: place_region(t) or _city_state(t, towns) or coded.get(t) for t in counts if t}
    # Москва, Quezon City, Davao: cities the geocoder knows no place of, by GeoNames' names in every script
    cities = city_regions([t for t, r in named.items() if r is None and not towns.get(t)])
    return {t: r for t, found in named.items() if (r := found or cities.get(t))}


def _city_state(text: str, towns: dict[str, frozenset[int]]) -> str | None:
    """The country a city cell names by its own name when the geocoder knows no place so called (``Singapore``,
    ``Hong Kong``, ``Kuwait``: city-states and cities named as their country; a name of four letters or more, so no
    state's code, ``CA``, is read as a country's). ``Lebanon`` or ``Mexico``, towns of the US too, name none."""
    return country_of_name(text) if len(text) > 3 and not towns.get(text) else None


def _domains(cells: pd.Series | pa.Array, rows: pa.Array, seen: dict[str, int]) -> dict[int, int]:
    """How many of the email ``cells`` at ``rows`` are under each country's domain (``.de``; ``.co.uk`` as GB), generic
    ones left out."""
    ends = pc.utf8_lower(pc.utf8_slice_codeunits(pc.utf8_trim_whitespace(_text(cells, rows)), -3))
    counted = pc.value_counts(ends)
    out: dict[str, int] = {}
    for end, n in zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True):
        if not end or len(end) != 3 or end[0] != "." or not end[1:].isalpha() or not end[1:].isascii():
            continue
        region = domain_region(end[1:])
        if region is not None:
            out[region] = out.get(region, 0) + int(n)
    return _by_code(out, seen)


def domain_region(tld: str) -> str | None:
    """The region whose country domain ``tld`` (lower case, no dot) is; None for a generic or unknown one."""
    region = _DOMAIN_REGIONS.get(tld, tld.upper())
    return region if tld not in GENERIC_TLDS and region in phonenumbers.SUPPORTED_REGIONS else None
