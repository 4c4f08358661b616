"""Phones read in the default region that are another country's number: flagged, never re-homed.

A number typed without its country code is read in the mapping's ``default_region``. Two signs say it
belongs elsewhere, and the row is then ``invalid`` with ``phone-other-country`` (and a warning naming
the likely country) instead of being sent as a number of the default region:

- it is valid in the default region, but written in another country's grouping and valid there, and not
  in any grouping the default region uses (``(415) 835-1656`` or ``0803 123 4567`` read in India). Written
  as digits alone, a number that is valid in the default region is sent as it is: nothing tells;
- it is not valid in the default region but is valid in one to three others, written as they write it
  (``138 0013 8001``, a Chinese mobile, read in India): invalid either way, the reason says where it
  belongs. Digits alone (``13800138001``) stay ``invalid-phone``: an Indian number with one digit too many
  is as valid in Germany.

Only the rows that need it are looked at: numbers read in the default region with separators in them, and
numbers the default region refused. Values are judged by their written shape (``(999) 999-9999``): a few
samples per shape go through ``phonenumbers`` in every region; the rest of a shape every sample of which
is another country's are matched, all at once, against those countries' number patterns (the same
metadata, run column-wide), so a sheet of 200,000 numbers written one way costs a handful of lookups.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache, lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer.normalize.geo_prefixes import is_geocoded, is_network_code
from importer.normalize.ninth_digit import with_ninth_digit
from importer.normalize.phones import region_rules

_GROUPS = re.compile(r"\d+")
_SAMPLES = 12
"""Values of one written shape checked in full before the shape's verdict is known."""
_REFUSED_SAMPLES = 3
"""Refused values of one written shape checked in every region before the shape's verdict is known."""
_MOST_NAMED = 3
_FEWEST_DIGITS = 7
_FORMAT = phonenumbers.PhoneNumberFormat


@lru_cache(maxsize=1)
def every_region() -> tuple[str, ...]:
    """Every region phonenumbers reads numbers in, the main one of each calling code first."""
    main = {codes[0] for codes in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.values()}
    supported = sorted(phonenumbers.SUPPORTED_REGIONS)
    return tuple([r for r in supported if r in main] + [r for r in supported if r not in main])


def fitting_regions(values: list[str], regions: tuple[str, ...]) -> list[tuple[str, ...]]:
    """For each value, the regions (in the order given) where its digits are a valid national number.

    The regions' own validity patterns from ``phonenumbers``; the national prefix (0) is taken off where a
    region has one and the digits start with it. Many values are matched column-wide, each region's pattern
    once over all of them; a few (a shape's samples, one value) one by one with the patterns compiled once.
    """
    if not values:
        return []
    digits = pc.replace_substring_regex(pa.array(values, pa.string()), r"\D", "")
    plain = [str(d) for d in digits.to_pylist()]
    if len(values) <= _FEW_VALUES:
        return [_fitting_one(d, regions) for d in plain]
    lengths = {len(d) for d in plain}
    fits: list[list[str]] = [[] for _ in values]
    for region in regions:
        rules = region_rules(region)
        if not rules.general:
            continue
        prefix = rules.national_prefix or ""
        possible = lengths | {len(d) - len(prefix) for d in plain if prefix and d.startswith(prefix)}
        if rules.general_lengths and not possible.intersection(rules.general_lengths):
            continue  # no value has a length this region's numbers have: its patterns need not run
        national = digits
        if rules.national_prefix:
            prefixed = pc.starts_with(digits, rules.national_prefix)
            national = pc.if_else(prefixed, pc.utf8_slice_codeunits(digits, len(rules.national_prefix)), digits)
        hit = _valid(national, rules.general, rules.general_lengths, rules.types)
        for i in np.flatnonzero(hit.to_numpy(zero_copy_only=False)).tolist():
            fits[i].append(region)
    return [tuple(f) for f in fits]


_FEW_VALUES = 64
"""Up to this many values, :func:`fitting_regions` matches them one by one: an Arrow call per region costs
more than Python's matching of a few values."""


def _fitting_one(digits: str, regions: tuple[str, ...]) -> tuple[str, ...]:
    """The regions (in the order given) where ``digits`` (ASCII digits only) are a valid national number: the
    same test :func:`_valid` makes column-wide."""
    out = []
    for region in regions:
        rules = region_rules(region)
        prefix = rules.national_prefix
        national = digits[len(prefix) :] if prefix and digits.startswith(prefix) else digits
        if not rules.general or (rules.general_lengths and len(national) not in rules.general_lengths):
            continue  # told by its length alone, before the region's patterns are compiled
        if _one_region(region)(national):
            out.append(region)
    return tuple(out)


@cache
def _one_region(region: str) -> Callable[[str], bool]:
    """Whether a national number of one of ``region``'s lengths is valid there: by its general pattern and
    (when it has them) the union of its number types' patterns and lengths."""
    rules = region_rules(region)
    general = re.compile(rules.general)
    union = re.compile("|".join(f"(?:{pattern})" for pattern, _ in rules.types)) if rules.types else None
    type_lengths = frozenset(n for _, lengths in rules.types for n in lengths)

    def valid(national: str) -> bool:
        if general.fullmatch(national) is None:
            return False
        if union is None:
            return True
        return (not type_lengths or len(national) in type_lengths) and union.fullmatch(national) is not None

    return valid


def _valid(
    national: pa.Array, general: str, lengths: tuple[int, ...], types: tuple[tuple[str, tuple[int, ...]], ...]
) -> pa.Array:
    ok = _matches(national, general, lengths)
    if types:
        union = "|".join(f"(?:{pattern})" for pattern, _ in types)
        type_lengths = tuple(sorted({n for _, ls in types for n in ls}))
        ok = pc.and_(ok, _matches(national, union, type_lengths))
    return pc.fill_null(ok, False)


def _matches(values: pa.Array, pattern: str, lengths: tuple[int, ...]) -> pa.Array:
    hit = pc.match_substring_regex(values, f"^(?:{pattern})$")
    if lengths:
        hit = pc.and_(hit, pc.is_in(pc.utf8_length(values), value_set=pa.array(lengths, pa.int32())))
    return hit


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
    """Whether ``text`` groups its digits as the region writes the number (nationally or with its code).

    Besides the region's own format, a number is the region's when it starts with the region's own first
    group (its area code or mobile prefix) and groups the rest as the region does: ``91 234 56 78``, Madrid's
    area code first, is Spain's way for ``912 34 56 78``. After a prefix that is no area code (a mobile or
    service prefix), the rest may be grouped any way (``612 345 678``); after an area code, as the region
    groups it (``06 12 34 56 78`` is France's mobile, not Rome's ``06 1234 5678``).
    """
    if with_ninth_digit(text, region) is not None:
        return True  # (11) 8123-4567: a Brazilian mobile as written before its ninth digit
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return False
    written = set(_boundaries(text))
    formats = [phonenumbers.format_number(number, f) for f in (_FORMAT.NATIONAL, _FORMAT.INTERNATIONAL)]
    if long_groups_split(text, formats[0]):
        return True
    bracketed = "(" in text and not any("(" in f for f in formats)
    if not bracketed and any(written <= set(_boundaries(f)) for f in formats):
        return True
    if bracketed and not _BRACKETED_FIRST.match(text):
        return False  # (212) 555-0142 in India: brackets elsewhere than round the leading group are another country's
    return opens_with_own_group(text, number, formats[0])


_BRACKETED_FIRST = re.compile(r"^\s*\(\s*\d+\s*\)[^()]*$")
_BRACKETED = re.compile(r"\(\s*(\d+)\s*\)")
_LONG_GROUP = 6
"""A group of this many digits that a region's format leaves whole is one people split as they like."""


def long_groups_split(text: str, national: str) -> bool:
    """Whether ``text`` is the ``national`` format with its long groups split further and nothing else changed.

    phonenumbers writes Bogotá's ``(601) 2345678``, Lima's ``(01) 2345678`` and Jakarta's ``(021) 56781234`` with
    the subscriber's number whole; people write ``(601) 234 5678``: the region's own way, not another country's
    (Bogotá's number is no Mississippi one written as the US writes it). A short group split (Rome's ``06 1234
    5678`` as ``06 12 34 56 78``) is another grouping. Brackets stand where the format has them.
    """
    if [m.group(1) for m in _BRACKETED.finditer(text)] != [m.group(1) for m in _BRACKETED.finditer(national)]:
        return False
    groups, home = _GROUPS.findall(text), _GROUPS.findall(national)
    at = 0
    for group in home:
        start, piece = at, ""
        while at < len(groups) and len(piece) < len(group):
            piece, at = piece + groups[at], at + 1
        if piece != group or (at - start > 1 and len(group) < _LONG_GROUP):
            return False
    return at == len(groups) > len(home)


def opens_with_own_group(text: str, number: phonenumbers.PhoneNumber, national: str) -> bool:
    """Whether ``text`` opens with the region's first group of ``number`` (whose ``national`` format is given), or
    an area code of it, and groups the rest as the region may."""
    groups = _GROUPS.findall(text)
    home_groups = _GROUPS.findall(national)
    if len(groups) < 2 or not home_groups:
        return False
    prefix = _national_prefix(phonenumbers.region_code_for_number(number))
    first, home_first = _without(groups[0], prefix), _without(home_groups[0], prefix)
    nsn = phonenumbers.national_significant_number(number)
    if not first or not nsn.startswith(first):
        return False
    code = str(number.country_code)
    rest = set(_boundaries(text)) - {len(nsn) - len(first)}
    if first == home_first:
        return not _is_area(code, first) or rest <= set(_boundaries(national))
    # A shorter first group is the region's when it is an area code of it (Madrid's 91 in 912 34 56 78) or a mobile
    # network's code (T-Mobile's 151 in 0151 23456780, which the German format groups 01512 3456780).
    if not home_first.startswith(first) or not rest <= set(_boundaries(national)):
        return False
    return is_geocoded(int(code + first)) or is_network_code(int(code + first))


def _without(group: str, prefix: str) -> str:
    return group[len(prefix) :] if prefix and group.startswith(prefix) else group


@cache
def _national_prefix(region: str) -> str:
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    return (metadata.national_prefix or "") if metadata is not None else ""


def _is_area(code: str, first: str) -> bool:
    """Whether the number's leading digits ``first`` are (or start with) an area phonenumbers' geocoder places."""
    return any(is_geocoded(int(code + first[:k])) for k in range(1, len(first) + 1))


def _nanp_written(text: str, home: str) -> bool:
    """Whether ``text`` is a valid North American number written as NANP writes it: 212-736-5000 or (212) 736-5000,
    and not exactly as ``home`` writes it (Italy writes its mobile 334 747 8246 so too).

    India writes the same ten digits 0212 736 5000: read in India, the grouping alone does not tell them apart.
    """
    home_number = _parse_in(text, home)
    if home_number is not None:
        national = phonenumbers.format_number(home_number, _FORMAT.NATIONAL)
        if national == " ".join(text.split()) or long_groups_split(text, national):
            return False
    number = _nanp_number(text)
    return number is not None and _plain(phonenumbers.format_number(number, _FORMAT.NATIONAL)) == _plain(text)


def _nanp_number(text: str) -> phonenumbers.PhoneNumber | None:
    """``text`` as a number valid in some North American region, else None.

    Every NANP region reads a number alike (calling code 1, the same prefixes), so one parse and one validity
    check (which finds the region) stand for a parse in each of the plan's 25 regions.
    """
    try:
        number = phonenumbers.parse(text, "US")
    except phonenumbers.NumberParseException:
        return None
    return number if number.country_code == 1 and phonenumbers.is_valid_number(number) else None


def _shaped_elsewhere(text: str, home: str, candidates: tuple[str, ...], *, strict: bool = False) -> tuple[str, ...]:
    """Of ``candidates``, the regions (likeliest first) where ``text`` is valid and written as they write it
    (``strict``: digit for digit, the trunk prefix included)."""
    written = _boundaries(text)
    same: list[str] = []
    exact: list[str] = []
    shaped: list[str] = []
    for region in candidates:
        if region == home:
            continue
        number = _parse_in(text, region)
        if number is None:
            continue
        national = phonenumbers.format_number(number, _FORMAT.NATIONAL)
        if _boundaries(national) != written and _without_trunk(national, region, text) != written:
            continue
        if national == " ".join(text.split()):  # (415) 835-1656, brackets and all
            same.append(region)
        else:
            (exact if _plain(national) == _plain(text) else shaped).append(region)
    if strict:
        return tuple(same or exact)
    return tuple(same or exact or shaped)  # only the closest: (415) 835-1656 is written as the US writes it


def _without_trunk(national: str, region: str, text: str) -> tuple[int, ...] | None:
    """Where the groups of ``national`` break when its trunk prefix, a group of its own (Russia's ``8 (912)
    345-67-89``), is left out as ``text`` leaves it out (``912 345 67 89``); None when the format or the text has no
    such thing."""
    prefix = _national_prefix(region)
    groups = _GROUPS.findall(national)
    if not prefix or len(groups) < 2 or groups[0] != prefix or "".join(_GROUPS.findall(text)).startswith(prefix):
        return None
    return _boundaries(national)[:-1]


def written_as_elsewhere(values: list[str], home: str) -> dict[str, tuple[str, ...]]:
    """Of ``values`` (valid in ``home``), those written exactly as another country writes a valid number of its own
    (``07074 973854``: a British mobile as Britain writes it, and a Tübingen landline), each with those countries."""
    out: dict[str, tuple[str, ...]] = {}
    for value, fits in zip(values, fitting_regions(values, every_region()), strict=True):
        others = tuple(r for r in fits if r != home)
        if others and _boundaries(value):
            regions = _shaped_elsewhere(value, home, others, strict=True)
            if regions and len(regions) <= _MOST_NAMED:
                out[value] = regions
    return out


def _valid_elsewhere(text: str, home: str, candidates: tuple[str, ...]) -> tuple[str, ...]:
    """The one to three regions (of ``candidates``) where ``text`` is valid and written as they write it.

    Digits alone say nothing: an Indian number with a digit too many is valid in Germany, whose numbers vary
    in length; a grouping that is another country's (``138 0013 8001``) does.
    """
    others = tuple(r for r in candidates if r != home)
    if not others or not _boundaries(text):
        return ()
    regions = _shaped_elsewhere(text, home, others)
    return regions if len(regions) <= _MOST_NAMED else ()


def other_countries(
    formatted_arrays: dict[str, pa.Array], refused_arrays: dict[str, pa.Array], home: str
) -> tuple[dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """The likely countries of numbers read in ``home`` that look like another country's.

    ``formatted``: distinct values valid in ``home`` and written with separators; ``refused``: distinct values
    ``home`` found invalid; both by written shape (``(999) 999-9999``). Returns, for each, value → likely
    regions (only values that have some).
    """
    formatted = {shape: _Lazy(values) for shape, values in formatted_arrays.items()}
    refused = {
        shape: kept
        for shape, values in ((s, v.to_pylist()) for s, v in refused_arrays.items())
        if (kept := [v for v in values if sum(ch.isdigit() for ch in v) >= _FEWEST_DIGITS and "+" not in v])
    }
    # A shape most of whose samples the home region writes so is the home region's way (98765 43210 in India,
    # whatever the odd number's own format): only the other shapes' values are looked up abroad.
    nanp = phonenumbers.country_code_for_region(home) == 1
    strange = {
        shape: values
        for shape, lazy in formatted.items()
        if (values := _strange_samples(lazy[:_SAMPLES], home, nanp=nanp)) is not None
    }
    formatted = {shape: lazy for shape, lazy in formatted.items() if shape in strange}
    samples = [v for shape in formatted for v in strange[shape]]
    samples += [v for values in refused.values() for v in values[:_REFUSED_SAMPLES]]
    fits = dict(zip(samples, fitting_regions(samples, every_region()), strict=True))

    shaped: dict[str, tuple[str, ...]] = {}
    rest: list[tuple[str, tuple[str, ...]]] = []
    for shape, lazy in formatted.items():
        found = {}
        for value in strange[shape]:
            others = tuple(r for r in fits.get(value, ()) if r != home)
            if others:
                regions = _shaped_elsewhere(value, home, others)
                if regions:
                    found[value] = regions
        if found and 2 * len(found) >= len(strange[shape]):
            # Another country's way of writing numbers ((999) 999-9999 in India): each value written so is
            # held back, also one that is by chance valid in the default region but not in that country.
            seen = _seen(found)
            shaped.update({v: found.get(v, seen) for v in strange[shape]})
            rest += [(v, seen) for v in lazy[_SAMPLES:]]
        elif found:
            shaped.update(found)
            for value in lazy[_SAMPLES:]:  # a mixed shape: each value on its own
                others = tuple(r for r in fitting_regions([value], every_region())[0] if r != home)
                if others and not _home_shaped(value, home):
                    regions = _shaped_elsewhere(value, home, others)
                    if regions:
                        shaped[value] = regions

    elsewhere: dict[str, tuple[str, ...]] = {}
    rest_refused: list[tuple[str, tuple[str, ...]]] = []
    for kept in refused.values():
        found = {v: r for v in kept[:_REFUSED_SAMPLES] if (r := _valid_elsewhere(v, home, fits[v]))}
        if len(found) < min(len(kept), _REFUSED_SAMPLES):
            continue  # numbers written so are valid in many countries, or in none: nothing says which
        elsewhere.update(found)
        rest_refused += [(v, _seen(found)) for v in kept[_REFUSED_SAMPLES:]]

    for rest_of, out, every in ((rest, shaped, True), (rest_refused, elsewhere, False)):
        by_scope: dict[tuple[str, ...], list[str]] = {}
        for value, scope in rest_of:
            by_scope.setdefault(scope, []).append(value)
        for scope, group in by_scope.items():
            for value, regions in zip(group, fitting_regions(group, scope), strict=True):
                if regions or every:
                    out[value] = regions or scope
    return shaped, elsewhere


def _strange_samples(samples: list[str], home: str, *, nanp: bool) -> list[str] | None:
    """Of a shape's ``samples``, those ``home`` does not write so (or, outside North America, that are written
    as North America writes them); None when they are not most of the samples, which makes the shape the
    home region's. Stops looking once enough samples are the home region's to decide so."""
    strange: list[str] = []
    homely, most_homely = 0, len(samples) - len(samples) // 2 - 1
    for value in samples:
        if not _home_shaped(value, home) or (not nanp and _nanp_written(value, home)):
            strange.append(value)
        else:
            homely += 1
            if homely > most_homely:
                return None
    return strange if 2 * len(strange) > len(samples) else None


def written_as_home(samples: list[str], home: str) -> bool:
    """Whether ``home`` writes numbers as most of ``samples`` (distinct values of one written shape) are written."""
    return _strange_samples(samples[:_SAMPLES], home, nanp=phonenumbers.country_code_for_region(home) == 1) is None


class _Lazy:
    """A shape's values as an Arrow array, turned into Python strings only as far as they are read."""

    def __init__(self, values: pa.Array) -> None:
        self._values = values

    def __len__(self) -> int:
        return len(self._values)

    def __getitem__(self, part: slice) -> list[str]:
        start, stop, _ = part.indices(len(self._values))
        return [str(v) for v in self._values.slice(start, max(0, stop - start)).to_pylist()]


def _seen(found: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(r for regions in found.values() for r in regions))


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
