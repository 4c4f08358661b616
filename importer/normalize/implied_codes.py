"""Phones written with their calling code but without its ``+``: ``971 50 611 8444``, ``44 7911 123456``, and
``0044 7911 123456`` where 00 is not the exit code of the country the row is read in.

``phonenumbers`` takes leading digits for a calling code only after a ``+`` or the region's own exit code, so
such a number is refused as a national number of the row's country. When its digits are not valid there but,
read with a ``+`` in front, are a valid number, that is the number the writer meant: the row's own (sent as
it) when the calling code is the row's country's, else another country's, which the row is held back for
(``phone-other-country:AE``), as the numbers that look like another country's are. A number valid in the
row's country as written is never read again this way.

The writing must show the code, or a mistyped national number would be taken for another country's (an
Indian mobile with one digit too many, ``74267515637``, is a valid Russian number read with a ``+``): the
code stands apart as the first group (``971 50 …``), comes after ``00``, or the number has at least two
digits more than the longest national number of the row's country (``971506118444`` in India).
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

from importer.normalize.phone_forms import FLOAT_TAIL

_WRITTEN = re.compile(r"\(?\d[\d\s().\-/]*")
"""Digits and the separators people put between groups: a cell with letters or a + is left alone."""
_SHORTEST = 8  # a calling code and the shortest national numbers (Niue, Saint Helena: 4 or 5 digits) with room


@lru_cache(maxsize=8192)
def with_implied_code(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The valid number ``text`` (read in ``region``) is when its leading digits are its calling code, written so
    that the code shows (a group of its own, after ``00``, or too many digits for ``region``); else None."""
    cell = FLOAT_TAIL.sub("", text.strip())
    if not _WRITTEN.fullmatch(cell):
        return None
    digits = re.sub(r"\D", "", cell)
    after_exit = digits.startswith("00")
    if after_exit:
        digits = digits[2:]
    elif digits.startswith(_trunk_and_code(region)):  # 091 98111 23456: India's 0 before its own code, as written there
        digits, after_exit = digits[1:], True
    if digits.startswith("0") or not _SHORTEST <= len(digits) <= 15:
        return None
    try:
        number = phonenumbers.parse("+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    code = str(number.country_code)
    first_group = re.match(r"\(?(\d+)", cell.lstrip("0") if after_exit else cell)
    shown = after_exit or (
        first_group is not None and first_group.group(1) == code and len(first_group.group(1)) < len(digits)
    )
    return number if shown or len(digits) >= _longest_national(region) + 2 else None


BRACKETED_CODE = r"^\s*\(\s*[1-9]\d{0,2}\s*\)\s*\d[\d\s.\-]*$"
"""A number whose first group is in brackets and no trunk prefix (``(65) 9786 5243``): maybe a calling code."""


@lru_cache(maxsize=8192)
def bracketed_elsewhere(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number a cell valid in ``region`` is when its bracketed first group is another country's calling code
    and the rest one of its valid numbers (``(65) 9786 5243``: Singapore's, and an Indian mobile as digits), unless
    ``region`` writes the number with that group first (its area code: Porto Alegre's ``(51) 98765-4321`` in Brazil,
    a Peruvian mobile after +51); else None."""
    if not re.fullmatch(BRACKETED_CODE, text):
        return None
    number = with_implied_code(text, region)
    if number is None or phonenumbers.region_code_for_number(number) in same_calling_code(region):
        return None
    try:
        home = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return number
    national = phonenumbers.format_number(home, phonenumbers.PhoneNumberFormat.NATIONAL)
    first = re.match(r"\D*(\d+)", national)
    return None if first is not None and first.group(1) == str(number.country_code) else number


@lru_cache(maxsize=512)
def _trunk_and_code(region: str) -> tuple[str, ...]:
    """``region``'s trunk prefix 0 and its own calling code (``091`` in India): a number refused as written there and
    starting so is the country's own with its code; none for a region whose trunk prefix is no 0."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None or metadata.national_prefix != "0" or not metadata.country_code:
        return ()
    return (f"0{metadata.country_code}",)


@lru_cache(maxsize=512)
def _longest_national(region: str) -> int:
    """The most digits a mobile or fixed-line national significant number of ``region`` has (India's toll-free
    13-digit numbers are no lead's)."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    if metadata is None:
        return 15
    general = [n for n in (metadata.general_desc.possible_length if metadata.general_desc else ()) or () if n > 0]
    own = [
        n
        for desc in (metadata.mobile, metadata.fixed_line)
        if desc is not None
        for n in desc.possible_length or ()
        if n > 0
    ]
    return max(own or general, default=15)


def same_calling_code(region: str) -> frozenset[str]:
    """The regions that share ``region``'s calling code (US and Canada): their numbers are the row's."""
    return frozenset(phonenumbers.region_codes_for_country_code(phonenumbers.country_code_for_region(region)))
