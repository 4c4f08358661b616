"""What a sheet's numbers alone say of its country, when nothing else in it does.

A number valid in two countries as written cannot tell which it is; a sheet of them can. Lead sheets hold people's
numbers: mobiles, and fixed-or-mobile numbers where a numbering plan does not tell the two apart (North America's).
An American sheet read in India is about half Indian landlines and a quarter invalid numbers; read in the United
States, all of it is people's numbers (or, for a business's leads, its toll-free line: counted with them). An
Indian sheet read in the United States is half invalid; read in India, it is all mobiles. So the numbers point to another country when, read there, far more of them are people's numbers
than read at home. A sheet of the home's own mobiles never does (it cannot do better elsewhere), and neither does a
country whose plan takes almost any digits as a landline (Germany's): landlines are not what lead sheets hold.
"""

from __future__ import annotations

import random
from functools import lru_cache

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText
from importer.normalize.foreign import every_region, fitting_regions
from importer.normalize.phones import is_mobile

SAMPLE = 100
"""Distinct numbers read (evenly spread over the sorted values): enough to tell a country, cheap to read."""
FEWEST = 5
"""Distinct numbers needed before the numbers alone name a country."""
PEOPLE = 0.8
"""Share of the numbers that must be people's numbers in the country they point to ..."""
LEAD = 0.3
"""... and by how much more than at home."""
SERIES_FEWEST = 20
"""Home's mobiles, all of one series, needed before the series alone names a country ..."""
SERIES_SHARE = 0.35
"""... when that series holds at most this share of home's mobiles (a chance of 0.35 ** 20, below 1 in 10^9)."""
SERIES_DRAWS = 4000
_MOBILE_TYPES = frozenset({phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE})
_PEOPLE_TYPES = _MOBILE_TYPES | {
    phonenumbers.PhoneNumberType.TOLL_FREE  # a business lead's own line (800 848 6446): a third of a B2B sheet's
}


def numbers_point_to(values: list[str], home: str) -> int | None:
    """The calling code, not ``home``'s, whose people's numbers ``values`` (numbers written without a code, read in
    ``home``: valid there or not) far more often are than ``home``'s, when exactly one such code is; else None.
    A sheet of home's people's numbers that are all of one series written with the trunk prefix may point to the
    country whose mobiles are all that series (:func:`_one_series`)."""
    sample = _sample(values)
    if len(sample) < FEWEST:
        return None
    home_code = phonenumbers.country_code_for_region(home)
    at_home = _people_share(sample, home_code)
    if at_home > 1 - LEAD:
        # most of them are home's people's numbers: no country can lead it by enough
        return _one_series(sample, home, home_code)
    leading = _leading(sample, home_code, max(PEOPLE, at_home + LEAD))
    return leading[0] if len(leading) == 1 else None


def _leading(sample: list[str], home_code: int, share: float) -> list[int]:
    """The calling codes other than home's under which at least ``share`` of ``sample`` are people's numbers."""
    valid: dict[int, int] = {}
    for regions in fitting_regions(sample, every_region()):
        for code in {phonenumbers.country_code_for_region(region) for region in regions} - {home_code}:
            valid[code] = valid.get(code, 0) + 1
    return [
        code for code in sorted(valid) if valid[code] >= PEOPLE * len(sample) and _people_share(sample, code) >= share
    ]


def _one_series(sample: list[str], home: str, home_code: int) -> int | None:
    """The one other calling code under which ``sample`` are people's numbers, when at least :data:`SERIES_FEWEST`
    of them are home's mobiles written with its trunk prefix, all of one series (their first digit) that holds
    little of home's mobiles. Britain's mobiles are all ``07…``, the Philippines' ``09…``, and each is an Indian
    mobile as written; Indian mobiles spread over 6, 7, 8 and 9 (no more than about 30% each), so twenty of them
    all ``07…`` is a chance below one in ten million, while every British sheet is so."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(home)
    prefix = meta.national_prefix if meta is not None else None
    if not prefix:
        return None
    digits = ["".join(c for c in value if c.isdigit()) for value in sample]
    if not all(d.startswith(prefix) and not d.startswith("00") for d in digits):
        return None
    mobiles = [d for d in digits if is_mobile(d[len(prefix) :], home)]
    series = {d[len(prefix) : len(prefix) + 1] for d in mobiles}
    if len(mobiles) < max(SERIES_FEWEST, PEOPLE * len(sample)) or len(series) != 1:
        return None
    if _series_shares(home).get(series.pop(), 1.0) > SERIES_SHARE:
        return None
    # Several plans may take the series (Britain's 07 and Iraq's): not home's all the same, so the likeliest is
    # named (the most of them its people's numbers), and the numbers are held rather than sent as home's.
    shares = {code: _people_share(sample, code) for code in _leading(sample, home_code, PEOPLE)}
    return max(sorted(shares), key=shares.__getitem__) if shares else None


@lru_cache(maxsize=8)
def _series_shares(region: str) -> dict[str, float]:
    """Share of ``region``'s mobile numbers (by its numbering plan) that begin with each digit, from a fixed
    random sample of national numbers of its mobiles' lengths (about 0.1 s, once)."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    mobile = meta.mobile if meta is not None else None
    lengths = [n for n in (mobile.possible_length if mobile is not None else ()) if n > 0]
    if not lengths:
        return {}
    draw = random.Random(region)
    counts: dict[str, int] = {}
    for _ in range(SERIES_DRAWS):
        national = "".join(draw.choice("0123456789") for _ in range(draw.choice(lengths)))
        if is_mobile(national, region):
            counts[national[0]] = counts.get(national[0], 0) + 1
    total = sum(counts.values())
    return {digit: n / total for digit, n in counts.items()} if total else {}


def spread(values: ArrowText, rows: np.ndarray) -> list[str]:
    """Some of ``values`` at ``rows`` (a mask), evenly spread: enough for :func:`numbers_point_to`'s sample of
    distinct numbers, without reading every cell of a large sheet."""
    at = np.flatnonzero(rows)
    if len(at) > 4 * SAMPLE:
        at = at[np.linspace(0, len(at) - 1, 4 * SAMPLE).astype(np.int64)]
    return [str(v) for v in pc.take(values, pa.array(at, pa.int64())).to_pylist()]


def _sample(values: list[str]) -> list[str]:
    return evenly({v for v in values if v}, SAMPLE)


def evenly(values: set[str], most: int) -> list[str]:
    """Up to ``most`` of ``values``, evenly spread over their sorted order."""
    distinct = sorted(values)
    if len(distinct) <= most:
        return distinct
    step = len(distinct) / most
    return [distinct[int(i * step)] for i in range(most)]


def _people_share(sample: list[str], code: int) -> float:
    """Share of ``sample`` that, read under calling code ``code``, are valid people's numbers (any of its regions)."""
    region = phonenumbers.region_code_for_country_code(code)
    people = 0
    for value in sample:
        try:
            number = phonenumbers.parse(value, region)
        except phonenumbers.NumberParseException:
            continue
        if number.country_code != code or not phonenumbers.is_valid_number(number):
            continue
        people += phonenumbers.number_type(number) in _PEOPLE_TYPES
    return people / len(sample)
