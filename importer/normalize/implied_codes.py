"""Phones written with their calling code but without its ``+``: ``971 50 611 8444``, ``44 7911 123456``, and
``0044 7911 123456`` where 00 is not the exit code of the country the row is read in.

``phonenumbers`` takes leading digits for a calling code only after a ``+`` or the region's own exit code, so
such a number is refused as a national number of the row's country. When its digits are not valid there but,
read with a ``+`` in front, are a valid number, that is the number the writer meant: the row's own (sent as
it) when the calling code is the row's country's, else another country's, which the row is held back for
(``phone-other-country:AE``), as the numbers that look like another country's are. A number valid in the
row's country as written is never read again this way.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

_WRITTEN = re.compile(r"\(?\d[\d\s().\-/]*")
"""Digits and the separators people put between groups: a cell with letters or a + is left alone."""
_FLOAT = re.compile(r"(?<=\d)\.0+$")
_SHORTEST = 8  # a calling code and the shortest national numbers (Niue, Saint Helena: 4 or 5 digits) with room


@lru_cache(maxsize=8192)
def with_implied_code(text: str) -> phonenumbers.PhoneNumber | None:
    """The valid number ``text`` is when its leading digits are its calling code (a leading ``00`` its exit code),
    or None."""
    cell = _FLOAT.sub("", text.strip())
    if not _WRITTEN.fullmatch(cell):
        return None
    digits = re.sub(r"\D", "", cell)
    if digits.startswith("00"):
        digits = digits[2:]
    if digits.startswith("0") or not _SHORTEST <= len(digits) <= 15:
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def same_calling_code(region: str) -> frozenset[str]:
    """The regions that share ``region``'s calling code (US and Canada): their numbers are the row's."""
    return frozenset(phonenumbers.region_codes_for_country_code(phonenumbers.country_code_for_region(region)))
