"""Which country a sheet's phone numbers are dialled in, from the evidence its cells carry.

Evidence: numbers written with ``+CC`` (in any phone-like column), a country column (names, ISO
codes, calling codes), how numbers without a code are written (a NANP ``(415) 835-1656``, a UK
``07911 123456``, a German ``0172 6508462``: the regions where ``phonenumbers`` finds them valid, as
written), email addresses under a country's domain (``.de``), and time-zone or locale columns. The
evidence is weighed per calling code first (US or Canada give the same E.164), then per region.
"""

from __future__ import annotations

import collections
import re
import zoneinfo
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

import phonenumbers

from importer.normalize.cities import city_regions
from importer.normalize.countries import main_region, region_of_code
from importer.normalize.foreign import long_groups_split, opens_with_own_group
from importer.normalize.mexican import retired_mexican
from importer.normalize.ninth_digit import with_ninth_digit
from importer.normalize.phone_forms import fold_phone_cell
from importer.normalize.phones import PLACEHOLDERS, own_code_first
from importer.normalize.places import coded_places, place_codes, place_region
from importer.normalize.postcodes import postcode_region
from importer.normalize.sheet_country import domain_region
from importer.tools.header_language import accents, language_name, spoken
from importer.tools.region_words import CLOSE, National, by_headers_language, by_headers_letters
from importer.tools.unsigned import codes_without_plus
from importer.tools.vocabulary import header_languages
from importer.tools.writing import digit_groups, prefix_optional, same_groups, toll_free_note, trunk_apart

NATIONAL_SAMPLE = 60
"""Distinct numbers without a country code tested in every region (each costs about 250 parses)."""
DECIDED = 0.6
"""Share of the evidence the chosen calling code needs; below it the evidence is called mixed."""
_TYPE_WEIGHT = {
    phonenumbers.PhoneNumberType.MOBILE: 1.0,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE: 0.9,
    phonenumbers.PhoneNumberType.FIXED_LINE: 0.7,
    phonenumbers.PhoneNumberType.TOLL_FREE: 0.7,
}
"""How likely a lead's number is of each type; others (premium, shared cost, pagers) 0.3. A toll-free line is a
business's own number, listed as a landline is (a vendor sheet's 1-800 numbers are no Chinese mobiles)."""
_LOCALE = re.compile(r"^[A-Za-z]{2,3}[-_]([A-Za-z]{2})(?:[.@].*)?$")
_TIMEZONE = re.compile(r"^[A-Z][A-Za-z_]+/[A-Za-z_/\-]+$")
_SPLIT = re.compile(r"\s*(?:[,;/|\n]|:::|\s+or\s+)\s*")
_PREFIX = re.compile(r"^(?:p|tel|ph|phone|mob|mobile|cell|m)\s*[:.]\s*", re.IGNORECASE)
_SCIENTIFIC = re.compile(r"\d[.,]?\d*[eE]\+?\d")
_SUFFIX = re.compile(r"\s*(?:\((?=[^)]*[^\W\d_])[^)]*\)|(?:ext\.?|extn\.?|x|#)\s*\d{1,6})\s*$", re.IGNORECASE)
"""A trailing label or extension: 07400 123456 (mobile), (415) 555-0101 x123."""
# Scripts that tell a region apart when the numbers alone cannot (names in Hangul are Korean).
_SCRIPT_REGIONS = (
    (re.compile(r"[\uac00-\ud7af]"), ("KR",)),
    (re.compile(r"[\u3040-\u30ff]"), ("JP",)),
    (re.compile(r"[\u0900-\u097f]"), ("IN",)),
    (re.compile(r"[\u0e00-\u0e7f]"), ("TH",)),
)


@dataclass(frozen=True, slots=True)
class RegionGuess:
    """The region for numbers without a country code, and why."""

    region: str | None  # None: no evidence at all
    evidence: tuple[str, ...]  # one line per kind of evidence, for the mapping's comment
    doubt: str | None = None  # set when the evidence is absent or mixed: said in the comment and on the CLI
    own_country: bool = False  # every row carries its country (+CC on every phone, or a country column)
    alike: tuple[str, ...] = ()  # no region: the countries the numbers fit alike (what the user chooses between)


@dataclass
class _Tally:
    by_code: dict[int, float]
    by_region: dict[str, float]

    def add(self, region: str, weight: float) -> None:
        code = phonenumbers.country_code_for_region(region)
        if code:
            self.by_code[code] = self.by_code.get(code, 0.0) + weight
            self.by_region[region] = self.by_region.get(region, 0.0) + weight

    def ranked(self) -> list[tuple[int, float]]:
        return sorted(self.by_code.items(), key=lambda cw: -cw[1])


def infer_region(
    *,
    phones: Sequence[Sequence[str]],
    countries: Sequence[str] = (),
    emails: Iterable[str] = (),
    zones: Iterable[str] = (),
    locales: Iterable[str] = (),
    names: Iterable[str] = (),
    headers: Iterable[str] = (),
    places: Iterable[str] = (),
    postcodes: Iterable[str] = (),
) -> RegionGuess:
    """Weigh the evidence: each phone column's cells, a country column's, emails, time zones, locales, names,
    and the letters the headers are written in (between regions the numbers fit alike)."""
    headers = list(headers)  # read by several of the weighings below
    other = _Tally({}, {})  # everything but the numbers without a code
    evidence: list[str] = []
    own = _international(phones, other, evidence)
    numbers = _Tally({}, {})
    national = _national(phones, numbers, evidence)
    named_regions = _country_column(countries, other, evidence)
    filled = [c for c in countries if c.strip() and c.strip().casefold() not in PLACEHOLDERS]
    # Rows carry their country only when most name one: a column filled on the foreign rows alone leaves the
    # others to the default, which the rest of the evidence decides.
    named = bool(named_regions) and sum(named_regions.values()) >= 0.9 * len(filled) >= 0.72 * len(countries)
    _weak(emails, zones, locales, names, other, evidence, places, postcodes)
    tally = _Tally({}, {})
    for part in (numbers, other):
        for region_code, w in part.by_region.items():
            tally.add(region_code, w)
    total = sum(tally.by_code.values())
    if not total:
        absent = "no evidence of the country (no phone with a country code, no country column, no country domain)"
        return RegionGuess(None, tuple(evidence), absent, own_country=own)
    code, weight = tally.ranked()[0]
    region = _region_of(code, tally.by_region)
    if named:  # each row is read in its own country: the default is for rows that leave theirs empty
        region = max(sorted(named_regions), key=lambda r: named_regions[r])
        rows, total_named = named_regions[region], sum(named_regions.values())
        if rows <= SPREAD * total_named:
            # A sheet of many countries, none on most rows: which one a row without its country is in, nothing says
            # (the first in the alphabet read a German mobile in an empty row as an Austrian number).
            spread = (
                f"the country column names {len(named_regions)} countries, none on most of its {total_named} rows (at "
                f"most {rows}): a row whose country is empty is no-region unless its number is written with its + "
                "code; set default_region only if such rows share a country"
            )
            return RegionGuess(None, tuple(evidence), spread, own_country=True)
        return RegionGuess(region, tuple(evidence), None, own_country=True)
    if own:  # every number carries its code: the default decides nothing
        return RegionGuess(region, tuple(evidence), None, own_country=True)
    unsigned = codes_without_plus(_cells(phones), NATIONAL_SAMPLE)
    if unsigned is not None:  # 447400123456, 14155550134, 919820012345: a world of numbers whose + Excel dropped
        evidence.append(unsigned[0])
        return RegionGuess(None, tuple(evidence), unsigned[1])
    worded = by_headers_letters(national, list(headers), region)
    if worded is not None:  # 91 234 56 78 fits Uzbekistan as well as Spain, but the headers say Móvil
        letters = ", ".join(sorted(accents(h.casefold() for h in headers)))
        evidence.append(f"the headers write {letters}, as a language of {worded} does and none of {region}'s; "
                        f"the numbers are valid in {worded} too")  # fmt: skip
        return RegionGuess(worded, tuple(evidence), None)
    rival = _backed_rival(national, other, code)
    if rival is not None:  # 7400123456 fits India best, but .co.uk emails say Britain, where it is valid too
        return RegionGuess(rival, tuple(evidence), f"the numbers fit {region} best as written, but the rest of the "
                           f"evidence points to {rival}, where they are valid too: {rival} was taken; check it")  # fmt: skip
    languaged = by_headers_language(national, other.by_code, headers, region)
    if languaged is not None:  # Telefono over 91 234 56 78, as valid in Spain as in Uzbekistan
        names = " and ".join(language_name(lang) for lang in sorted(header_languages(headers) & spoken(languaged)))
        if languaged == region:  # national is set: languaged read it
            others = ", ".join(r for r in national.tied if r != region) if national else ""
            evidence.append(f"the headers are words of {names}, a language of {region} and of none of the other "
                            f"countries the numbers read alike in ({others})")  # fmt: skip
        else:
            evidence.append(f"the headers are words of {names}, a language of {languaged} and none of {region}'s; "
                            f"the numbers are as valid in {languaged}")  # fmt: skip
        return RegionGuess(languaged, tuple(evidence), None)
    doubt: str | None = None
    share = weight / total
    if share < DECIDED and national is not None and len(national.tied) > 1 and national.votes >= 0.9 * total:
        backed = _backed_tie(national, other)
        if backed is not None:  # 051 234 5678: Saudi or South African, and the City column says Riyadh, Jeddah
            evidence.append(f"of the countries the numbers read alike in ({', '.join(national.tied)}), the rest of "
                            f"the evidence names {backed} alone")  # fmt: skip
            return RegionGuess(backed, tuple(evidence), None)
        # 91234567 is as good a number in Singapore as in Hong Kong: a guess would send rows to the wrong country,
        # while no default_region leaves them invalid (no-region) and says what to set.
        alike = " or ".join(national.tied)
        doubt = f"the numbers read alike as numbers of {alike}, and nothing else in the sheet tells which"
        return RegionGuess(None, tuple(evidence), doubt, alike=tuple(national.tied))
    if share < DECIDED:
        rivals = ", ".join(f"+{c} {w / total:.0%}" for c, w in tally.ranked()[:3])
        doubt = f"the evidence is mixed ({rivals}): {region} was taken; check default_region"
    elif national and len(national.fits) >= 3 and national.valid_share(region) < 0.5:
        doubt = (
            f"only {national.valid_share(region):.0%} of the numbers without a country code are valid in {region}; "
            "check default_region"
        )
    return RegionGuess(region, tuple(evidence), doubt)


SPREAD = 0.5
"""Share of the rows a country column names that its most named country needs to be the default for the rest."""
RIVAL = 0.5
"""A calling code whose numbers score at least this share of the best one's is a rival the other evidence may pick."""


def _backed_rival(national: National | None, other: _Tally, code: int) -> str | None:
    """A rival reading of the numbers that the other evidence (+CC elsewhere, domains, time zones) backs more."""
    if national is None or not national.rivals:
        return None
    backing = {c: other.by_code.get(c, 0.0) for c in national.rivals}
    best = max(sorted(backing), key=lambda c: backing[c])
    if best == code or backing[best] <= other.by_code.get(code, 0.0):
        return None
    region = national.rivals[best]
    return region if national.valid_share(region) >= 0.8 else None


def _backed_tie(national: National, other: _Tally) -> str | None:
    """Of the regions the numbers read alike in, the one the other evidence (places, postcodes, domains) backs, when
    it backs no other of them and has most of that evidence's weight; else None."""
    codes = {region: phonenumbers.country_code_for_region(region) for region in national.tied}
    backed = [region for region, code in codes.items() if other.by_code.get(code, 0.0) > 0]
    if len({codes[r] for r in backed}) != 1:
        return None
    weight = other.by_code[codes[backed[0]]]
    return backed[0] if weight > 0.5 * sum(other.by_code.values()) else None


def _region_of(code: int, by_region: dict[str, float]) -> str:
    """The region with most evidence under ``code``, else the code's main region (US for +1)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(code, ())
    ranked = sorted(regions, key=lambda r: -by_region.get(r, 0.0))
    main = phonenumbers.region_code_for_country_code(code)
    if ranked and by_region.get(ranked[0], 0.0) > by_region.get(main, 0.0):
        return ranked[0]
    return main


def first_number(cell: str) -> str:
    """A phone cell's first number, without a label or an extension ("" for a placeholder)."""
    bare = _PREFIX.sub("", fold_phone_cell(cell).strip())
    first = _SUFFIX.sub("", _SPLIT.split(bare)[0]).strip()
    if "/" in bare and sum(ch.isdigit() for ch in first) <= 5:  # 0172/6508462: an area code, then the number
        first = _SUFFIX.sub("", _SPLIT.split(bare.replace("/", " ", 1))[0]).strip()
    if first.casefold() in PLACEHOLDERS or _SCIENTIFIC.search(first):
        return ""  # 9.81235E+09: Excel kept only the first digits; nothing to read a country from
    return first


def _cells(phones: Sequence[Sequence[str]]) -> list[str]:
    """Every phone cell's first number, without labels."""
    return [first for column in phones for first in map(first_number, column) if first]


def _international(phones: Sequence[Sequence[str]], tally: _Tally, evidence: list[str]) -> bool:
    """Numbers with ``+CC``: one vote each. True when every number carries one."""
    cells = _cells(phones)
    codes: collections.Counter[int] = collections.Counter()
    for cell in cells:
        found = _with_code(cell)
        if found is not None:
            codes[found[0]] += 1
            tally.add(found[1], 1.0)
    if not cells or not codes:
        return False
    with_code = sum(codes.values())
    parts = ", ".join(f"{n / with_code:.0%} +{c}" for c, n in codes.most_common(3))
    evidence.append(f"{with_code / len(cells):.0%} of {len(cells)} phones carry a country code ({parts})")
    return with_code >= 0.98 * len(cells)


@lru_cache(maxsize=8192)
def _with_code(cell: str) -> tuple[int, str] | None:
    text = cell.lstrip()
    if not text.startswith("+"):
        return None
    try:
        number = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    region = phonenumbers.region_code_for_number(number)
    return (int(number.country_code or 0), region) if region else None


def _national(phones: Sequence[Sequence[str]], tally: _Tally, evidence: list[str]) -> National | None:
    """Numbers without ``+``: one vote each, for the calling code under which they fit best as written."""
    cells = [c for c in _cells(phones) if not c.startswith("+") and 6 <= sum(ch.isdigit() for ch in c) <= 15]
    distinct = list(dict.fromkeys(cells))
    step = max(1, len(distinct) // NATIONAL_SAMPLE)
    sample = distinct[::step][:NATIONAL_SAMPLE]
    if not sample:
        return None
    fits = tuple(_fit(cell) for cell in sample)
    by_region: dict[str, float] = {}
    for fit in fits:
        for region, weight in fit.items():
            by_region[region] = by_region.get(region, 0.0) + weight
    by_code: dict[int, float] = {}
    best_region: dict[int, str] = {}
    for region, score in by_region.items():
        code = phonenumbers.country_code_for_region(region)
        # Of regions sharing a code whose numbers fit alike, the code's main one (06 12 34 56 78: Morocco, not
        # Western Sahara, whose numbering is Morocco's)
        if score > by_code.get(code, 0.0) or (score == by_code.get(code) and region == main_region(code)):
            by_code[code], best_region[code] = score, region
    if not by_code:
        evidence.append(f"none of {len(sample)} numbers without a country code is valid in any country")
        return National(fits)
    top = max(by_code.values())
    tied = sorted((code for code, score in by_code.items() if score >= CLOSE * top), key=lambda c: -by_code[c])
    tied += _tied_by_shape(sample, best_region, tied)
    for fit in fits:  # a number valid under the best-fitting codes votes for them; another for its own best
        codes = {phonenumbers.country_code_for_region(r): w for r, w in fit.items()}
        mine = [c for c in tied if c in codes]
        if not mine and codes:
            best = max(codes.values())
            mine = [c for c, w in codes.items() if w >= best]
            best_region.update({c: best_region.get(c) or _best_in(fit, c) for c in mine})
        for code in mine:
            tally.add(best_region[code], 1 / len(mine))
    rivals = {c: best_region[c] for c, score in by_code.items() if score >= RIVAL * top}
    scores = {c: score / top for c, score in by_code.items()}
    national = National(fits, tuple(best_region[c] for c in tied), float(len(sample)), rivals, scores)
    region = best_region[tied[0]]
    example = next(c for c, f in zip(sample, fits, strict=True) if region in f)
    also = [best_region[c] for c in tied if best_region[c] != region]
    alike = f"; as valid in {', '.join(also)}" if also else ""
    evidence.append(
        f"{national.valid_share(region):.0%} of {len(sample)} numbers without a country code are valid in "
        f"{region} as written (e.g. {example}){alike}{toll_free_note(sample, region)}"
    )
    return national


def _tied_by_shape(sample: list[str], best_region: dict[int, str], tied: list[int]) -> list[int]:
    """Calling codes whose numbers are all valid and written alike to the best one's, only their type told apart.

    ``6164 4902`` is a Singapore landline and a Hong Kong mobile: that lead sheets hold more mobiles does not make
    a sheet of such numbers Hong Kong's.
    """
    shapes = [_shape_fit(cell) for cell in sample]
    by_region: dict[str, float] = {}
    valid: dict[str, int] = {}
    for fit in shapes:
        for region, weight in fit.items():
            by_region[region] = by_region.get(region, 0.0) + weight
            valid[region] = valid.get(region, 0) + 1
    lead = best_region[tied[0]]
    if lead not in by_region:
        return []
    out = []
    for code, region in best_region.items():
        if code in tied or region not in by_region:
            continue
        if valid[region] >= 0.9 * len(sample) and by_region[region] >= CLOSE * by_region[lead]:
            out.append(code)
    return out


def _best_in(fit: dict[str, float], code: int) -> str:
    return max(
        (r for r in fit if phonenumbers.country_code_for_region(r) == code),
        key=lambda r: (fit[r], r == main_region(code)),
    )


def _fit(cell: str) -> dict[str, float]:
    """The regions where ``cell`` is a valid number, each weighted by how well it fits as written there."""
    return {region: shape * kind for region, (shape, kind) in _fit_parts(cell).items()}


def _shape_fit(cell: str) -> dict[str, float]:
    """As ``_fit``, the number's type (mobile or fixed line) left out: how well it is written as each region writes."""
    return {region: shape for region, (shape, _) in _fit_parts(cell).items()}


@lru_cache(maxsize=8192)
def _fit_parts(cell: str) -> dict[str, tuple[float, float]]:
    """The regions where ``cell`` is valid: (how well it is written as there, the weight of its type there)."""
    digits = "".join(ch for ch in cell if ch.isdigit())
    groups = digit_groups(cell)
    out: dict[str, tuple[float, float]] = {}
    mexican = retired_mexican(cell)
    if mexican is not None:  # 044 55 1234 5678: only Mexico wrote numbers so, and phonenumbers no longer reads them
        number = phonenumbers.parse(mexican, "MX")
        if phonenumbers.is_valid_number_for_region(number, "MX"):
            out["MX"] = (1.0, _TYPE_WEIGHT.get(phonenumbers.number_type(number), 0.3))
    if with_ninth_digit(cell, "BR") is not None:  # (11) 8123-4567: a Brazilian mobile from before its ninth digit
        out["BR"] = (1.0, 1.0)
    for region in _regions_for(len(digits)):
        try:
            number = phonenumbers.parse(cell, region)
        except phonenumbers.NumberParseException:
            continue
        if number.country_code != phonenumbers.country_code_for_region(region):
            continue  # the digits began with the region's IDD prefix: dialled abroad
        if not phonenumbers.is_valid_number_for_region(number, region):
            continue
        number = own_code_first(cell, number, region)  # 62812163992 in Indonesia: +62 812..., as the import reads it
        kind = _TYPE_WEIGHT.get(phonenumbers.number_type(number), 0.3)
        weight = 1.0
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        written = digit_groups(national)
        # 447400123456: a British number with its code written, the + lost (Excel drops it); as good as +44 ...
        coded = digits == f"{number.country_code}{phonenumbers.national_significant_number(number)}"
        if not coded and "".join(ch for ch in national if ch.isdigit()) != digits:
            prefix = prefix_optional(region, number)
            stripped = written[1:] if written and written[0] == 1 else written
            if not prefix or not digits.endswith(phonenumbers.national_significant_number(number)):
                weight *= 0.5  # a trunk prefix locals dial (0, 8) left out, or one they do not dial added
            written = stripped if prefix else written
        if len(groups) > 1:  # grouped as that country groups its numbers (Madrid: 91 234 56 78, area code first)
            own = (
                same_groups(groups, written)
                or trunk_apart(groups, written, digits, region)
                or opens_with_own_group(cell, number, national)
                or long_groups_split(cell, national)
            )
            weight *= 2.0 if own else 0.7
            if " ".join(cell.split()) == national:
                weight *= 1.5  # punctuation and all: (415) 835-1656 is how the US writes it, 415 835 1656 Mexico
        out[region] = (weight, kind)
    return out


@cache
def _regions_for(length: int) -> tuple[str, ...]:
    """Regions whose numbers can have ``length`` digits as dialled at home (trunk prefix included or not)."""
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
        general = meta.general_desc if meta is not None else None
        if meta is None or general is None or not meta.country_code:
            continue
        lengths = set(general.possible_length or ()) | set(general.possible_length_local_only or ())
        prefix = len(meta.national_prefix or "")
        # Where the region's parsing rule strips more than the trunk prefix (Argentina's mobile 15 in
        # 011 15-2345-6789), numbers are dialled a few digits longer than they are.
        rule = meta.national_prefix_for_parsing
        extra = 3 if rule and rule != meta.national_prefix else 0
        if not lengths or any(length - k in lengths for k in {0, 1, *range(prefix, prefix + extra + 1)}):
            out.append(region)
    return tuple(out)


def _country_column(countries: Sequence[str], tally: _Tally, evidence: list[str]) -> dict[str, int]:
    """A country column: one vote per row; the rows per region it names."""
    filled = [c.strip() for c in countries if c.strip() and c.strip().casefold() not in PLACEHOLDERS]
    if not filled:
        return {}
    found = collections.Counter(r for r in (region_of_code(c) for c in filled) if r)
    for region, n in found.items():
        tally.add(region, float(n))
    if found:
        named = ", ".join(f"{n} {_row(n)} {region}" for region, n in found.most_common(3))
        more = f"; {len(found) - 3} more countries" if len(found) > 3 else ""
        evidence.append(f"the country column: {named}{more}")
    return dict(found)


def _row(n: int) -> str:
    return "row names" if n == 1 else "rows name"


def _weak(
    emails: Iterable[str],
    zones: Iterable[str],
    locales: Iterable[str],
    names: Iterable[str],
    tally: _Tally,
    evidence: list[str],
    places: Iterable[str] = (),
    postcodes: Iterable[str] = (),
) -> None:
    """Country domains, time zones, locales, cities or states (the geocoder's places, GeoNames' cities), postal codes in one country's
    format and the script of names: half a vote (names a tenth) per row."""
    distinct = [p.strip() for p in dict.fromkeys(places) if p.strip()]
    coded = coded_places(dict.fromkeys(distinct, 1))  # NY, TX, FL: the US's states
    placed = {p: place_region(p) or coded.get(p) for p in distinct}
    # Москва, Quezon City: cities the geocoder names no place of, by GeoNames' names
    cities = city_regions([p for p, r in placed.items() if r is None and not place_codes(p)])
    for labels, regions, weight in (
        (("place is in", "places are in"), [placed[p] or cities.get(p) for p in distinct], 0.5),
        (
            ("postcode is in", "postcodes are in"),
            [postcode_region(c) for c in dict.fromkeys(postcodes) if c.strip()],
            0.5,
        ),
        (("email is under", "emails are under"), [_email_region(e) for e in emails], 0.5),
        (("time zone is in", "time zones are in"), [_zone_region(z) for z in zones], 0.5),
        (("locale names", "locales name"), [_locale_region(x) for x in locales], 0.5),
        (
            ("name is written in the script of", "names are written in the script of"),
            list(map(_script_region, names)),
            0.1,
        ),
    ):
        found = collections.Counter(r for r in regions if r)
        for region, n in found.items():
            tally.add(region, n * weight)
        if found:
            region, n = found.most_common(1)[0]
            what = (".uk" if region == "GB" else f".{region.lower()}") if labels[0].startswith("email") else region
            evidence.append(f"{n} {labels[n != 1]} {what}")


def _email_region(email: str) -> str | None:
    domain = email.strip().rsplit("@", 1)[-1].rstrip(".").casefold()
    if "@" not in email or "." not in domain:
        return None
    return domain_region(domain.rsplit(".", 1)[-1])


def _zone_region(text: str) -> str | None:
    value = text.strip()
    return _zone_table().get(value) if _TIMEZONE.match(value) else None


@cache
def _zone_table() -> dict[str, str]:
    """IANA zone → ISO country, from the system's zone.tab (empty when it has none)."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / "zone.tab"
        if path.is_file():
            rows = (ln.split("\t") for ln in path.read_text(encoding="utf-8").splitlines() if not ln.startswith("#"))
            return {r[2]: r[0] for r in rows if len(r) >= 3}
    return {}


def _locale_region(text: str) -> str | None:
    match = _LOCALE.match(text.strip())
    region = match.group(1).upper() if match else None
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def _script_region(text: str) -> str | None:
    for pattern, regions in _SCRIPT_REGIONS:
        if pattern.search(text):
            return regions[0]
    return None
