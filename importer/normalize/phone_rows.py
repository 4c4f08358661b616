"""Each row's phone: read in the row's own country, from the first of the mapped phone columns that has one.

The country is the row's country column (``phoneCountryCode``) where it names one, else the mapping's
``default_region``. A row whose country cell names no country is never read in the default region:
only a number written with its own ``+`` and code is valid there (``unknown-country`` otherwise); nor
is a row without any region to read it in (``no-region``). Numbers read in the default region that are
another country's are flagged (:mod:`importer.normalize.foreign`), and so are numbers written with another
country's calling code but without its ``+`` (:mod:`importer.normalize.implied_codes`).

When the mapping lists several phone columns and the sheet has more than one, a row whose first column
is empty or invalid takes the next column's valid number (``phone-from-column:<header>``); a number
another column holds in several rows (an office line) is no lead's own and is not taken.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from phonenumbers import country_code_for_region as region_code
from phonenumbers import region_codes_for_country_code

from importer import issues
from importer.columns import ArrowText, nonempty, to_arrow, to_bool, to_series
from importer.normalize.countries import NAMIBIA, namibian_rows, normalize_phones_by_region, region_of_code
from importer.normalize.foreign import (
    fitting_regions,
    flagged_rows,
    label,
    other_countries,
    written_as_elsewhere,
    written_as_home,
)
from importer.normalize.implied_codes import BRACKETED_CODE, bracketed_elsewhere, same_calling_code, with_implied_code
from importer.normalize.phone_cells import phone_cells
from importer.normalize.phones import NO_REGION, normalize_phones, normalize_phones_anywhere, written_number
from importer.normalize.row_country import row_countries
from importer.normalize.shapes import by_shape
from importer.normalize.sheet_country import Evidence, sheet_country

_SEPARATED = r"[\s().\-/]"
_TEXT = pa.large_string()
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
    uniform: str | None = None  # the one region of every row (no country column), else None

    def at(self, rows: np.ndarray) -> _Regions:
        """The regions of ``rows`` (positions) alone."""
        return _Regions(
            region=self.region[rows],
            unknown=self.unknown[rows],
            undecided=self.undecided[rows],
            home=self.home[rows],
            uniform=self.uniform,
        )


def read_phones(
    columns: list[tuple[str, pd.Series]],
    country: pd.Series | None,
    default: str | None,
    *,
    evidence: Evidence | None = None,
    chosen: bool = False,
) -> RowPhones:
    """The phone of every row from ``columns`` (header, cells), the first being the mapping's first match.

    ``evidence`` (the lead's emails, columns of places) tells the sheet's country besides its numbers; ``chosen``:
    ``default`` was chosen for this run (``--region``), so no evidence overrules it."""
    n = len(columns[0][1]) if columns else 0
    raw, several, masked = phone_cells(columns[0][1])
    regions = _regions(country, default, n, raw)
    e164, issue, warning = _read(raw, regions, default)
    if several.any():
        rows = np.flatnonzero(several)
        warning = _set(warning, rows, _join(_take(warning, rows), _codes(len(rows), issues.MULTIPLE_PHONES.code)))
    # The siblings' cells, read once for both the fallback and the mobile-first choice (which reads them all)
    siblings = {at: phone_cells(columns[at][1]) for at in _siblings(columns)}
    for at, (header, cells) in enumerate(columns[1:], start=1):
        lacking = ~to_bool(nonempty(e164)) | made_up(issue)
        if not lacking.any():
            break
        theirs, their_several, _ = siblings[at] if at in siblings else phone_cells(cells)
        candidates = np.flatnonzero(lacking & own_values(theirs))
        if len(candidates) == 0:
            continue
        got, got_issue, got_warning = _read(pc.take(theirs, pa.array(candidates)), regions.at(candidates), default)
        empty_before = ~to_bool(nonempty(pc.take(raw, pa.array(candidates))))
        take = np.flatnonzero(to_bool(nonempty(got)) | empty_before)  # an invalid number only where none was
        rows = candidates[take]
        if len(rows) == 0:
            continue
        named = _from_column(header)
        notes = _join(
            _take(got_warning, take), np.where(their_several[rows], issues.MULTIPLE_PHONES.code, "").astype(object)
        )
        e164 = _set(e164, rows, _take(got, take))
        issue = _set(issue, rows, _take(got_issue, take))
        warning = _set(warning, rows, _join(notes, _codes(len(rows), named)))
        raw = _set(raw, rows, _take(theirs, rows))
    for at, (theirs, _, _) in siblings.items():
        now = RowPhones(e164, issue, warning, raw)
        e164, issue, warning, raw = _mobile_first(columns[at][0], theirs, now, regions, default)
    if default is not None and not chosen and regions.home.any():
        found = sheet_country(raw, e164, issue, regions.home, default, evidence or Evidence())
        if found is not None:
            told = np.full(len(found.rows), found.region, dtype=object)
            e164, issue, warning = _mark(found.rows, told, e164, issue, warning, issues.PHONE_SHEET_COUNTRY.code)
        # A row of another country's in a sheet of several (its own postcode, city or country cell says so)
        e164, issue, warning = _mark(*row_countries(raw, e164, issue, regions.home, default, evidence or Evidence()),
                                     e164, issue, warning)  # fmt: skip
    if masked.any():  # said whichever column's number the row went with
        rows = np.flatnonzero(masked)
        warning = _set(warning, rows, _join(_take(warning, rows), _codes(len(rows), issues.MASKED_PHONE.code)))
    return RowPhones(e164=e164, issue=issue, warning=warning, raw=raw)


_MADE_UP = pa.array([issues.REPEATED_DIGITS.code, issues.FAKE_PHONE.code], _TEXT)


def made_up(issue: ArrowText) -> np.ndarray:
    """Which rows' number is made up (repeated-digits, fake-phone): nobody's, like a masked one."""
    return to_bool(pc.is_in(issue, value_set=_MADE_UP))


def without_made_up(phones: RowPhones, reachable: np.ndarray) -> RowPhones:
    """``phones`` with a made-up number left out of the ``reachable`` rows (a usable email reaches the lead): the row
    goes without it, its error a warning of the same code; a row with nothing else keeps the error."""
    rows = np.flatnonzero(made_up(phones.issue) & reachable)
    if len(rows) == 0:
        return phones
    codes = _take(phones.issue, rows)
    return RowPhones(
        e164=_set(phones.e164, rows, _codes(len(rows), "")),
        issue=_set(phones.issue, rows, _codes(len(rows), "")),
        warning=_set(phones.warning, rows, _join(_take(phones.warning, rows), codes)),
        raw=phones.raw,
    )


def _from_column(header: str) -> str:
    """The warning of a row whose phone came from the column ``header`` (its commas and runs of spaces made one
    space: the warnings are a comma-separated list)."""
    return f"{issues.PHONE_FROM_COLUMN.code}:{' '.join(header.replace(',', ' ').split())}"


def _siblings(columns: list[tuple[str, pd.Series]]) -> list[int]:
    """The positions of the columns after the first whose header is the first's but for a number (Phone, Phone (2),
    Phone.1; Google Contacts' Phone 1 - Value, Phone 2 - Value): their order says nothing of which number is the
    lead's."""
    first = _sibling_key(columns[0][0]) if columns else ""
    return [at for at, (h, _) in enumerate(columns) if at and first and _sibling_key(h) == first]


def _sibling_key(header: str) -> str:
    text = re.sub(r"\s*\(\d+\)\s*$|\.\d+\s*$", "", header)  # Phone (2): a repeated header as read; Phone.1: pandas'
    return re.sub(r"[\W\d_]+", "", text.casefold())


def _mobile_first(
    header: str, theirs: ArrowText, now: RowPhones, regions: _Regions, default: str | None
) -> tuple[ArrowText, ArrowText, ArrowText, ArrowText]:
    """A row's mobile in a sibling column (``theirs``, its cells as :func:`phone_cells` reads them) instead of the
    landline it went with (a Google Contacts export lists a contact's work line as Phone 1 and its mobile as
    Phone 2): the lead is called on its mobile."""
    e164, issue, warning, raw = now.e164, now.issue, now.warning, now.raw
    both = np.flatnonzero(to_bool(nonempty(e164)) & to_bool(nonempty(theirs)))
    fixed = both[[_number_type(n) == phonenumbers.PhoneNumberType.FIXED_LINE for n in _take(e164, both)]]
    if len(fixed) == 0:
        return e164, issue, warning, raw
    got, _, got_warning = _read(pc.take(theirs, pa.array(fixed)), regions.at(fixed), default)
    take = np.flatnonzero([_number_type(n) == phonenumbers.PhoneNumberType.MOBILE for n in got.to_pylist()])
    rows = fixed[take]
    if len(rows) == 0:
        return e164, issue, warning, raw
    named = _from_column(header)
    e164 = _set(e164, rows, _take(got, take))
    warning = _set(warning, rows, _join(_take(got_warning, take), _codes(len(rows), named)))
    return e164, issue, warning, _set(raw, rows, _take(theirs, rows))


@functools.lru_cache(maxsize=1 << 12)
def _number_type(e164: str | None) -> int:
    """The type of an E.164 number (-1 for none)."""
    if not e164:
        return -1
    return int(phonenumbers.number_type(phonenumbers.parse(e164)))


def own_values(values: ArrowText) -> np.ndarray:
    """Filled cells whose value no other row of the column holds (an office line is nobody's own number)."""
    encoded = pc.dictionary_encode(values)
    codes = encoded.indices.to_numpy(zero_copy_only=False)
    once: np.ndarray = np.bincount(codes, minlength=len(encoded.dictionary))[codes] == 1
    own: np.ndarray = to_bool(nonempty(values)) & once
    return own


def _regions(country: pd.Series | None, default: str | None, n: int, raw: ArrowText) -> _Regions:
    fallback = default or NO_REGION
    if country is None:
        region = np.full(n, fallback, dtype=object)
        none = np.zeros(n, dtype=bool)
        return _Regions(region, none, np.full(n, default is None), np.full(n, default is not None), fallback)
    codes, distinct = pd.factorize(country.astype("str"))
    regions = np.array([region_of_code(str(text)) for text in distinct] + [""], dtype=object)
    found = regions[codes]  # code -1 (a missing cell): the "" appended
    unknown = np.array([f is None for f in regions], dtype=bool)[codes]
    empty = np.array([f == "" for f in regions], dtype=bool)[codes]
    na = np.array([str(t).strip().upper() == NAMIBIA for t in distinct] + [False], dtype=bool)[codes]
    if na.any():  # Namibia among countries' codes and names, else not available
        filled = np.array([bool(str(t).strip()) for t in distinct] + [False], dtype=bool)[codes]
        namibian = namibian_rows(na, filled, ~unknown & ~empty, raw)
        found[namibian], empty[namibian] = NAMIBIA, False
    region = np.where(unknown, NO_REGION, np.where(empty, fallback, found)).astype(object)
    return _Regions(region, unknown, empty & (default is None), empty & (default is not None), None)


def _read(raw: ArrowText, regions: _Regions, default: str | None) -> tuple[ArrowText, ArrowText, ArrowText]:
    """(e164, issue, warning) for ``raw`` read in each row's region."""
    cells = to_series(raw, pd.RangeIndex(len(raw)))
    if regions.uniform == NO_REGION:  # no country column and no default region
        phones = normalize_phones_anywhere(cells)
    elif regions.uniform is not None:  # no country column: the default region for every row
        phones = normalize_phones(cells, regions.uniform)
    else:
        phones = normalize_phones_by_region(cells, pd.Series(regions.region))
    e164, issue, warning = (pc.cast(to_arrow(c), _TEXT) for c in (phones.e164, phones.issue, phones.warning))
    written = _written_numbers(raw, regions.region)
    if regions.uniform is None and default is not None:
        e164, issue = _dialled_from_home(written, regions.region, default, e164, issue)
    e164, issue, warning, implied = _implied_codes(written, regions.region, e164, issue, warning)
    if regions.unknown.any() or regions.undecided.any():
        own_code = to_bool(pc.match_substring_regex(raw, _OWN_CODE))
        refused = to_bool(pc.equal(issue, issues.INVALID_PHONE.code)) & ~own_code
        for mask, code in (
            (refused & regions.unknown, issues.UNKNOWN_COUNTRY.code),
            (refused & regions.undecided, issues.NO_REGION.code),
        ):
            if mask.any():
                issue = _set(issue, np.flatnonzero(mask), _codes(int(mask.sum()), code))
        noted = np.flatnonzero(regions.unknown & (to_bool(nonempty(e164)) | ~to_bool(nonempty(raw))))
        if len(noted):
            warning = _set(
                warning, noted, _join(_take(warning, noted), _codes(len(noted), issues.UNKNOWN_COUNTRY_WARNING.code))
            )
    if regions.uniform is None:
        warning = _country_differs(raw, regions, e164, warning)
    if default is not None and regions.home.any():
        named = [text for row, text in implied.items() if regions.home[row]]
        e164, issue, warning = _flag_other_countries(written, regions.home, default, e164, issue, warning, named)
        e164, issue, warning = _next_in_cell(raw, written, regions, default, (e164, issue, warning))
    return e164, issue, warning


_JOINT = re.compile(r"^(?:[\s,;/|&]|\b(?:or|and)\b)+", re.IGNORECASE)


def _next_in_cell(
    raw: ArrowText, written: ArrowText, regions: _Regions, default: str, read: tuple[ArrowText, ArrowText, ArrowText]
) -> tuple[ArrowText, ArrowText, ArrowText]:
    """``read`` (e164, issue, warning), with a row whose cell holds several numbers, the one read unusable (held
    back as another country's, ``(415) 555-0134 / 98460 12345`` in India; made up, ``98765 43210 / 98460 12345``;
    or invalid), sent with the cell's next number when that one is read and sent (its rows read as they are:
    flagged too if it is another country's). In a sheet of which a tenth or more is another country's, only a
    next number with its own + is: a bare one may be that country's."""
    e164, issue, warning = read
    other = to_bool(pc.equal(issue, issues.PHONE_OTHER_COUNTRY.code))
    unusable = other | made_up(issue) | to_bool(pc.equal(issue, issues.INVALID_PHONE.code))
    held = unusable & to_bool(pc.fill_null(pc.match_substring(warning, issues.MULTIPLE_PHONES.code), False))
    rows = np.flatnonzero(held)
    mixed = other.sum() >= MIXED * max(1, int((regions.home & to_bool(nonempty(raw))).sum()))
    texts = [str(text) for text in _take(raw, rows).tolist()]
    firsts = [  # a cell whose first number has its + is whole in ``written``: its first number is cut here
        str(number) if str(number) != text else written_number(text, str(where))
        for text, number, where in zip(texts, _take(written, rows).tolist(), regions.region[rows].tolist(), strict=True)
    ]
    rests = [
        _JOINT.sub("", text.partition(first)[2]) if first != text else ""
        for text, first in zip(texts, firsts, strict=True)
    ]
    rests = [rest if not mixed or re.match(_PLUS_FIRST, rest) else "" for rest in rests]
    at = np.array([i for i, rest in enumerate(rests) if rest], dtype=np.int64)
    if len(at) == 0:
        return e164, issue, warning
    rests_read = pa.array([rests[i] for i in at.tolist()], _TEXT)
    got, got_issue, got_warning = _read(rests_read, regions.at(rows[at]), default)
    sent = np.flatnonzero(to_bool(nonempty(got)) & ~to_bool(nonempty(got_issue)))
    rows = rows[at[sent]]
    notes = _join(_codes(len(rows), issues.MULTIPLE_PHONES.code), _take(got_warning, sent))
    return _set(e164, rows, _take(got, sent)), _set(issue, rows, _codes(len(rows), "")), _set(warning, rows, notes)


def _country_differs(raw: ArrowText, regions: _Regions, e164: ArrowText, warning: ArrowText) -> ArrowText:
    """Rows whose country cell names a country other than the one of their number's own + code (Country: US,
    ``+44 20 7946 0958``) are sent as written, the + being the stronger evidence, and say so in a warning."""
    named = ~(regions.unknown | regions.undecided | regions.home) & to_bool(nonempty(e164))
    named &= to_bool(pc.match_substring_regex(raw, _PLUS))
    rows = np.flatnonzero(named)
    if len(rows) == 0:
        return warning
    differing, labels = [], []
    for row, number in zip(rows.tolist(), _take(e164, rows).tolist(), strict=True):
        own = f"+{phonenumbers.country_code_for_region(str(regions.region[row]))}"
        if not str(number).startswith(own):
            differing.append(row)
            parsed = phonenumbers.parse(str(number), None)
            labels.append(f"{issues.PHONE_COUNTRY_DIFFERS.code}:{phonenumbers.region_code_for_number(parsed) or 'ZZ'}")
    if not differing:
        return warning
    at = np.array(differing, dtype=np.int64)
    return _set(warning, at, _join(_take(warning, at), np.array(labels, dtype=object)))


def _written_numbers(raw: ArrowText, region: np.ndarray) -> ArrowText:
    """Each cell's number as written in its row's region, without what surrounds it in the cell (an extension, a
    label, words after it, a second number, a float's exponent): its writing and its digits are what say which
    country wrote it and whether a calling code leads it, not ``x12`` or ``(office)``."""
    # A number with its own + is never looked at again: the country it is written in is certain. A + after the
    # cell's first number ((415) 555-0134 / +91 98...) is the second's: the first is looked at as any other.
    rows = np.flatnonzero(to_bool(pc.match_substring_regex(raw, _MORE_THAN_A_NUMBER)))
    if rows.size:  # the + looked for only in the cells holding more than a number
        rows = rows[~to_bool(pc.match_substring_regex(pc.take(raw, pa.array(rows, pa.int64())), _PLUS_FIRST))]
    if not rows.size:
        return raw
    seen: dict[tuple[str, str], str] = {}
    numbers = []
    for text, where in zip(_take(raw, rows).tolist(), region[rows].tolist(), strict=True):
        key = (str(text), str(where))
        if key not in seen:
            seen[key] = written_number(*key)
        numbers.append(seen[key])
    return _set(raw, rows, np.array(numbers, dtype=object))


_MORE_THAN_A_NUMBER = r"[^0-9 ().\-+]"
_PLUS_FIRST = r"^[^0-9]*\+"
"""A cell whose first number is written with its + (Mob: +91 ..., (+44) ...)."""
_PLUS = r"(?:^|[^eE])\+"
"""A calling code's + (not a float's exponent: 4.47400123456E+11)."""


def _implied_codes(
    raw: ArrowText, region: np.ndarray, e164: ArrowText, issue: ArrowText, warning: ArrowText
) -> tuple[ArrowText, ArrowText, ArrowText, dict[int, str]]:
    """Refused numbers that are valid written with a ``+`` (``971 50 611 8444``): the row's own number when the code
    is its country's, else held back as the country's the code names. Also returns the held rows' countries."""
    refused = to_bool(pc.equal(issue, issues.INVALID_PHONE.code)) & (region != NO_REGION)
    refused &= ~to_bool(pc.match_substring(raw, "+"))
    bracketed = to_bool(pc.match_substring_regex(raw, BRACKETED_CODE)) & to_bool(nonempty(e164)) & (region != NO_REGION)
    rows = np.flatnonzero(refused | bracketed)  # (65) 9786 5243: valid at home, but its code in brackets is another's
    if len(rows) == 0:
        return e164, issue, warning, {}
    own_rows, own, other_rows, others = [], [], [], []
    for row, text in zip(rows.tolist(), _take(raw, rows).tolist(), strict=True):
        read = with_implied_code if refused[row] else bracketed_elsewhere
        number = read(str(text), str(region[row]))
        if number is None:
            continue
        country = phonenumbers.region_code_for_number(number)
        if country in same_calling_code(str(region[row])):
            own_rows.append(row)
            own.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
        elif country:
            other_rows.append(row)
            others.append(country)
    if own_rows:
        at = np.array(own_rows, dtype=np.int64)
        e164, issue = _set(e164, at, np.array(own, dtype=object)), _set(issue, at, _codes(len(at), ""))
    if other_rows:
        e164, issue, warning = _mark(np.array(other_rows, dtype=np.int64), np.array(others, dtype=object), e164,
                                     issue, warning)  # fmt: skip
    return e164, issue, warning, dict(zip(other_rows, others, strict=True))


def _dialled_from_home(
    raw: ArrowText, region: np.ndarray, default: str, e164: ArrowText, issue: ArrowText
) -> tuple[ArrowText, ArrowText]:
    """A row's number refused in its own country but dialled from the default region with that region's exit
    code (``011 44 7911 123456`` on a US team's sheet for a British lead) is the row's number, when it is one of the
    row's own country."""
    refused = np.flatnonzero(to_bool(pc.equal(issue, issues.INVALID_PHONE.code)) & (region != default))
    if len(refused) == 0:
        return e164, issue
    found, rows = [], []
    for row, text in zip(refused.tolist(), _take(raw, refused).tolist(), strict=True):
        number = dialled_abroad(str(text), default)
        if number is not None and phonenumbers.region_code_for_number(number) in _same_code(str(region[row])):
            rows.append(row)
            found.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))
    if not rows:
        return e164, issue
    at = np.array(rows, dtype=np.int64)
    return _set(e164, at, np.array(found, dtype=object)), _set(issue, at, _codes(len(rows), ""))


def _same_code(region: str) -> tuple[str, ...]:
    return tuple(phonenumbers.region_codes_for_country_code(phonenumbers.country_code_for_region(region)))


def dialled_abroad(text: str, home: str) -> phonenumbers.PhoneNumber | None:
    """``text`` read as dialled from ``home`` with its international prefix (011 in the US, 00 in most places)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(home)
    prefix = metadata.international_prefix if metadata is not None else None
    digits = "".join(ch for ch in text if ch.isdigit())
    if not prefix or "+" in text or not re.match(f"(?:{prefix})", digits):
        return None
    try:
        number = phonenumbers.parse(text, home)
    except phonenumbers.NumberParseException:
        return None
    if number.country_code == phonenumbers.country_code_for_region(home) or not phonenumbers.is_valid_number(number):
        return None
    return number


def _flag_other_countries(
    raw: ArrowText,
    home: np.ndarray,
    default: str,
    e164: ArrowText,
    issue: ArrowText,
    warning: ArrowText,
    named: list[str],
) -> tuple[ArrowText, ArrowText, ArrowText]:
    """The rows read in ``default`` whose number is another country's made invalid, naming the likely country
    (``named``: those of the rows already found another country's)."""
    # Only numbers written with separators and without their own + code say which country wrote them.
    separated = to_bool(pc.match_substring_regex(raw, _SEPARATED))
    if not separated.any():
        return _mark_like_the_rest(raw, home, named, e164, issue, warning, default) if named else (e164, issue, warning)
    separated &= ~to_bool(pc.match_substring(raw, "+")) & home
    formatted = separated & to_bool(nonempty(e164))
    refused = separated & to_bool(pc.equal(issue, issues.INVALID_PHONE.code))
    texts = {name: pc.filter(raw, pa.array(mask)) for name, mask in (("ok", formatted), ("bad", refused))}
    shaped, elsewhere = other_countries(by_shape(texts["ok"]), by_shape(texts["bad"]), default)
    named = list(named)
    for name, mask, found in (("ok", formatted, shaped), ("bad", refused, elsewhere)):
        at = np.flatnonzero(mask)
        hits, labels = flagged_rows(np.asarray(texts[name].to_pylist(), dtype=object), found)
        e164, issue, warning = _mark(at[hits], labels, e164, issue, warning)
        named += labels.tolist()
    return _mark_like_the_rest(raw, home, named, e164, issue, warning, default)


def _mark(
    rows: np.ndarray,
    labels: np.ndarray,
    e164: ArrowText,
    issue: ArrowText,
    warning: ArrowText,
    code: str = issues.PHONE_OTHER_COUNTRY.code,
) -> tuple[ArrowText, ArrowText, ArrowText]:
    """Rows made ``code`` (``phone-other-country``), each warning naming its likely countries."""
    if len(rows) == 0:
        return e164, issue, warning
    e164 = _set(e164, rows, _codes(len(rows), ""))
    issue = _set(issue, rows, _codes(len(rows), code))
    codes = np.array([f"{code}:{label}" for label in labels], dtype=object)
    return e164, issue, _set(warning, rows, _join(_take(warning, rows), codes))


MOSTLY_ELSEWHERE = 0.5
"""Share of a sheet's phones read in the default region that, found another country's, makes the sheet that
country's: its numbers written as bare digits that fit that country's patterns are held back too."""
MIXED = 0.1
"""Share of a sheet's phones read in the default region that, found other countries', makes it a mixed sheet: its
numbers written as bare digits that are valid in one of those countries too are held back."""


def _mark_written_elsewhere(
    raw: ArrowText, rows: np.ndarray, home: str, e164: ArrowText, issue: ArrowText, warning: ArrowText
) -> tuple[ArrowText, ArrowText, ArrowText]:
    """In a sheet of several countries, the numbers valid at home but written exactly as another country writes
    its own are held back: the sheet's writing cannot tell them apart. They are ``phone-ambiguous-country``, not
    ``phone-other-country``: they are written as home writes them too, and the row should say so."""
    at = np.flatnonzero(rows)
    values = np.asarray(pc.take(raw, pa.array(at, pa.int64())).to_pylist(), dtype=object)
    found = written_as_elsewhere(sorted(set(values.tolist())), home)
    hits, labels = flagged_rows(values, found)
    return _mark(at[hits], labels, e164, issue, warning, issues.PHONE_AMBIGUOUS_COUNTRY.code)


def _mark_like_the_rest(
    raw: ArrowText,
    home: np.ndarray,
    named: list[str],
    e164: ArrowText,
    issue: ArrowText,
    warning: ArrowText,
    default: str,
) -> tuple[ArrowText, ArrowText, ArrowText]:
    """When most phones read in the default region are another country's, the bare-digit ones that fit that
    country too (``4158351656`` in a sheet of ``(415) ...`` numbers) are not sent as the default region's either."""
    phoned = int((home & to_bool(nonempty(raw))).sum())
    if len(named) < 3 or len(named) < MIXED * phoned:
        return e164, issue, warning
    # Counted by calling code: a sheet of (415) ... and (416) ... numbers is North America's, and its bare numbers of
    # Canada, Jamaica or Puerto Rico are as much not the default region's as its American ones.
    counts: dict[int, int] = {}
    home_code = region_code(default)
    for text in named:
        for code in {region_code(region) for region in text.split("/")} - {home_code}:
            counts[code] = counts.get(code, 0) + 1
    unmarked = home & to_bool(nonempty(e164)) & ~to_bool(pc.match_substring(raw, "+"))
    codes: list[int] = []
    if len(named) >= MOSTLY_ELSEWHERE * phoned:
        codes = [code for code, n in counts.items() if n >= 0.8 * len(named)]
    separated = to_bool(pc.match_substring_regex(raw, _SEPARATED))
    if not codes:
        # A sheet of several countries' numbers (an event's attendees): a number typed as bare digits that is as
        # valid in one of the countries seen (0621437019: Mannheim, or a French mobile) cannot be told apart.
        codes = list(counts)
        e164, issue, warning = _mark_written_elsewhere(raw, unmarked & separated, default, e164, issue, warning)
        unmarked &= ~separated
    else:
        # Written exactly as the default region writes its numbers ((415) 555-0134 on a US sheet mostly of Indian
        # mobiles), a number is its own: only bare digits and other writings are decided by the sheet.
        unmarked &= ~_written_as_home(raw, unmarked & separated, default)
    rest = np.flatnonzero(unmarked)
    seen = [region for region in dict.fromkeys("/".join(named).split("/")) if region_code(region) in codes]
    regions = tuple(dict.fromkeys(seen + [region for code in codes for region in region_codes_for_country_code(code)]))
    if not regions or len(rest) == 0:
        return e164, issue, warning
    fits = fitting_regions(pc.take(raw, pa.array(rest)).to_pylist(), regions)
    hit = np.array([bool(f) for f in fits], dtype=bool)
    labels = np.array([label(f) for f, h in zip(fits, hit, strict=True) if h], dtype=object)
    return _mark(rest[hit], labels, e164, issue, warning)


def _written_as_home(raw: ArrowText, rows: np.ndarray, home: str) -> np.ndarray:
    """Of ``rows`` (a mask), those whose value is written in a shape ``home`` writes its numbers in."""
    out = np.zeros(len(rows), dtype=bool)
    at = np.flatnonzero(rows)
    if len(at) == 0:
        return out
    values = pc.take(raw, pa.array(at, pa.int64()))
    homely: list[str] = []
    for group in by_shape(values).values():
        distinct = [str(v) for v in group.to_pylist()]
        if written_as_home(distinct, home):
            homely += distinct
    if homely:
        out[at] = to_bool(pc.is_in(values, value_set=pa.array(homely, _TEXT)))
    return out


def _take(values: ArrowText, rows: np.ndarray) -> np.ndarray:
    return np.asarray(pc.take(values, pa.array(rows, pa.int64())).to_pylist(), dtype=object)


def _set(values: ArrowText, rows: np.ndarray, new: np.ndarray) -> ArrowText:
    """``values`` with the cells at ``rows`` replaced by ``new``."""
    mask = np.zeros(len(values), dtype=bool)
    mask[rows] = True
    order = np.argsort(rows, kind="stable")  # replace_with_mask fills in row order
    return pc.replace_with_mask(values, pa.array(mask), pa.array(np.asarray(new, dtype=object)[order], _TEXT))


def _codes(n: int, code: str) -> np.ndarray:
    return np.full(n, code, dtype=object)


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
