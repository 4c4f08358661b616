"""What a sheet's numbers alone say of its country, when nothing else in it does.

A number valid in two countries as written cannot tell which it is; a sheet of them can. Lead sheets hold people's
numbers: mobiles, and fixed-or-mobile numbers where a numbering plan does not tell the two apart (North America's).
An American sheet read in India is about half Indian landlines and a quarter invalid numbers; read in the United
States, all of it is people's numbers (or, for a business's leads, its toll-free line: counted with them). An Indian sheet read in the United States is half invalid; read in India, it
is all mobiles. So the numbers point to another country when, read there, far more of them are people's numbers
than read at home. A sheet of the home's own mobiles never does (it cannot do better elsewhere), and neither does a
country whose plan takes almost any digits as a landline (Germany's): landlines are not what lead sheets hold.
"""

from __future__ import annotations

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText
from importer.normalize.foreign import every_region, fitting_regions

SAMPLE = 100
"""Distinct numbers read (evenly spread over the sorted values): enough to tell a country, cheap to read."""
FEWEST = 5
"""Distinct numbers needed before the numbers alone name a country."""
PEOPLE = 0.8
"""Share of the numbers that must be people's numbers in the country they point to ..."""
LEAD = 0.3
"""... and by how much more than at home."""
_PEOPLE_TYPES = frozenset(
    {
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
        phonenumbers.PhoneNumberType.TOLL_FREE,  # a business lead's own line (800 848 6446): a third of a B2B sheet's
    }
)


def numbers_point_to(values: list[str], home: str) -> int | None:
    """The calling code, not ``home``'s, whose people's numbers ``values`` (numbers written without a code, read in
    ``home``: valid there or not) far more often are than ``home``'s, when exactly one such code is; else None."""
    sample = _sample(values)
    if len(sample) < FEWEST:
        return None
    home_code = phonenumbers.country_code_for_region(home)
    at_home = _people_share(sample, home_code)
    if at_home > 1 - LEAD:
        return None  # most of them are home's people's numbers: no country can lead it by enough
    valid: dict[int, int] = {}
    for regions in fitting_regions(sample, every_region()):
        for code in {phonenumbers.country_code_for_region(region) for region in regions} - {home_code}:
            valid[code] = valid.get(code, 0) + 1
    leading = [
        code
        for code in sorted(valid)
        if valid[code] >= PEOPLE * len(sample) and _people_share(sample, code) >= max(PEOPLE, at_home + LEAD)
    ]
    return leading[0] if len(leading) == 1 else None


def spread(values: ArrowText, rows: np.ndarray) -> list[str]:
    """Some of ``values`` at ``rows`` (a mask), evenly spread: enough for :func:`numbers_point_to`'s sample of
    distinct numbers, without reading every cell of a large sheet."""
    at = np.flatnonzero(rows)
    if len(at) > 4 * SAMPLE:
        at = at[np.linspace(0, len(at) - 1, 4 * SAMPLE).astype(np.int64)]
    return [str(v) for v in pc.take(values, pa.array(at, pa.int64())).to_pylist()]


def _sample(values: list[str]) -> list[str]:
    distinct = sorted({v for v in values if v})
    if len(distinct) <= SAMPLE:
        return distinct
    step = len(distinct) / SAMPLE
    return [distinct[int(i * step)] for i in range(SAMPLE)]


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
