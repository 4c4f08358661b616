"""Phones read in the default region that are another country's number: flagged, never re-homed.

A number typed without its country code is read in the mapping's ``default_region``. Two signs say it
belongs elsewhere, and the row is then ``invalid`` with ``phone-other-country`` (and a warning naming
the likely country) instead of being sent as a number of the default region:

- it is not valid in the default region but is valid in one to three others (``13800138001``, a
  Chinese mobile, read in India);
- it is valid in the default region, but written in another country's grouping and valid there, and not
  in any grouping the default region uses (``(415) 835-1656`` or ``0172 6508462`` read in India). Written
  as digits alone, a number that is valid in the default region is sent as it is: nothing tells.

Only the rows that need it are looked at: numbers read in the default region with separators in them,
and numbers the default region refused. Formatted numbers are judged by shape first (``(999) 999-9999``),
a few samples per shape, so a large sheet of numbers written one way costs a handful of lookups.
"""

from __future__ import annotations

import re
from functools import lru_cache

import numpy as np
import phonenumbers

_GROUPS = re.compile(r"\d+")
_SAMPLES = 12
"""Values of one written shape checked in full before the shape's verdict is known."""
_WIDE_SCANS = 300
"""Refused values checked against every region; later ones only against the regions found so far."""
_MOST_NAMED = 3
_FEWEST_DIGITS = 7
_FORMAT = phonenumbers.PhoneNumberFormat


@lru_cache(maxsize=1)
def _main_regions() -> tuple[str, ...]:
    """One region per calling code (the main one), each a region phonenumbers reads numbers in."""
    regions = {codes[0] for codes in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.values()}
    return tuple(sorted(r for r in regions if r in phonenumbers.SUPPORTED_REGIONS))


def _boundaries(text: str) -> tuple[int, ...]:
    """Where the digit groups of ``text`` break, counted from its end (so a leading 0 or +91 does not count)."""
    groups = _GROUPS.findall(text)
    out, n = [], 0
    for group in reversed(groups[1:]):
        n += len(group)
        out.append(n)
    return tuple(out)


def _plain(text: str) -> str:
    return " ".join(re.sub(r"[()\-.]", " ", text).split())


def _parse_in(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) == region:
        return number
    return None


def _home_shaped(text: str, region: str) -> bool:
    """Whether ``text`` groups its digits as the region writes the number (nationally or with its code)."""
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    written = set(_boundaries(text))
    shapes = [_boundaries(phonenumbers.format_number(number, f)) for f in (_FORMAT.NATIONAL, _FORMAT.INTERNATIONAL)]
    return any(written <= set(shape) for shape in shapes)


def _shaped_elsewhere(text: str, home: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """Regions (the likeliest first) where ``text`` is valid and written just as that region writes it."""
    written = _boundaries(text)
    same: list[str] = []
    exact: list[str] = []
    shaped: list[str] = []
    for region in regions:
        if region == home:
            continue
        number = _parse_in(text, region)
        if number is None:
            continue
        national = phonenumbers.format_number(number, _FORMAT.NATIONAL)
        if _boundaries(national) != written:
            continue
        if national == " ".join(text.split()):  # (415) 835-1656, brackets and all
            same.append(region)
        else:
            (exact if _plain(national) == _plain(text) else shaped).append(region)
    return tuple(same + exact + shaped)


def _valid_elsewhere(text: str, home: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(r for r in regions if r != home and _parse_in(text, r) is not None)


def other_countries(
    by_shape: dict[str, list[str]], refused: list[str], home: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The likely countries of numbers read in ``home`` that look like another country's.

    ``by_shape``: distinct values valid in ``home`` and written with separators, by their written shape
    (``(999) 999-9999``); ``refused``: distinct values ``home`` found invalid. Returns, for each, value →
    likely regions (only values that have some).
    """
    shaped: dict[str, tuple[str, ...]] = {}
    for values in by_shape.values():
        found: dict[str, tuple[str, ...]] = {}
        for value in values[:_SAMPLES]:
            if not _home_shaped(value, home):
                regions = _shaped_elsewhere(value, home, _main_regions())
                if regions:
                    found[value] = regions
        shaped.update(found)
        if not found or len(values) <= _SAMPLES:
            continue  # no sample of this shape is another country's: nor are the rest
        seen = tuple(dict.fromkeys(r for regions in found.values() for r in regions))
        for value in values[_SAMPLES:]:
            if not _home_shaped(value, home):
                regions = _shaped_elsewhere(value, home, seen)
                if regions:
                    shaped[value] = regions
    elsewhere: dict[str, tuple[str, ...]] = {}
    seen_regions: dict[str, None] = {}
    for i, value in enumerate(refused):
        if sum(ch.isdigit() for ch in value) < _FEWEST_DIGITS or value.lstrip().startswith(("+", "00")):
            continue
        scope = _main_regions() if i < _WIDE_SCANS else tuple(seen_regions)
        regions = _shaped_elsewhere(value, home, scope) if _boundaries(value) else ()
        if not regions:
            regions = _valid_elsewhere(value, home, scope)
            if len(regions) > _MOST_NAMED:
                continue  # valid in many countries: nothing says which
        if regions:
            elsewhere[value] = regions
            seen_regions.update(dict.fromkeys(regions))
    return shaped, elsewhere


def label(regions: tuple[str, ...]) -> str:
    """How a warning names the likely countries: ``US`` or ``US/MX/CN``."""
    return "/".join(regions[:_MOST_NAMED])


def flagged_rows(values: np.ndarray, found: dict[str, tuple[str, ...]]) -> tuple[np.ndarray, np.ndarray]:
    """Row positions whose value is in ``found``, and for each the label of its likely countries."""
    if not found:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    hits = np.flatnonzero(np.isin(values, np.array(list(found), dtype=object)))
    labels = np.array([label(found[values[i]]) for i in hits], dtype=object)
    return hits, labels
