"""Numbers written with their country code but without the ``+`` (Excel drops it: ``447400123456``), of several
countries in one sheet: no default region reads them all."""

from __future__ import annotations

import collections
from functools import lru_cache

import phonenumbers

UNSIGNED = 0.6
"""Share of the numbers without + that, read with one, are valid numbers of several countries: a sheet of
international numbers that lost their +, which no one default_region reads."""
_UNSIGNED_CODES = 3


def codes_without_plus(cells: list[str], sample_size: int) -> tuple[str, str] | None:
    """(the evidence, why no default_region fits) when most of ``cells`` (each a phone cell's first number) without
    + are valid numbers of several countries read with a + and no one country has most of them; else None. Digits
    that read as a number of a country whose lengths vary (Germany's) read so whatever the + said: a default_region
    would send each under that country's code."""
    unsigned = [c for c in cells if not c.startswith("+") and 6 <= sum(ch.isdigit() for ch in c) <= 15]
    distinct = list(dict.fromkeys(unsigned))
    sample = distinct[:: max(1, len(distinct) // sample_size)][:sample_size]
    if not sample:
        return None
    codes: collections.Counter[int] = collections.Counter()
    for cell in sample:
        code = _signed_code(cell)
        if code is not None:
            codes[code] += 1
    signed = sum(codes.values())
    if signed < UNSIGNED * len(sample) or len(codes) < _UNSIGNED_CODES or codes.most_common(1)[0][1] >= 0.8 * signed:
        return None
    example = next(c for c in sample if _signed_code(c) is not None)
    parts = ", ".join(f"+{c}" for c, _ in codes.most_common(5))
    evidence = (
        f"{signed / len(sample):.0%} of {len(sample)} numbers without + are numbers of several countries written with "
        f"their country code ({parts}, ...) but without their + (e.g. {example})"
    )
    doubt = (
        "the numbers are of several countries, written with their country code but without their +: no "
        "default_region reads them all; write them with + (or give the rows a country column)"
    )
    return evidence, doubt


@lru_cache(maxsize=8192)
def _signed_code(cell: str) -> int | None:
    """The calling code of ``cell`` read with a + in front (``447400123456``: 44), when that is a valid number."""
    digits = "".join(ch for ch in cell if ch.isdigit())
    if digits.startswith("0") or len(digits) < 8:
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return int(number.country_code or 0) if phonenumbers.is_valid_number(number) else None
