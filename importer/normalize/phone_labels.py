"""The words written around a phone number in its cell (``Mob 98...``, ``Handy: 0171...``, ``UK: 7400 123456``): which
are a label to leave out, and which name the number's country."""

from __future__ import annotations

import re
from collections.abc import Callable

import phonenumbers

LEADING_TEXT = re.compile(r"[^\d+]+")
_LONGEST_LABEL = 40  # characters of text before a number read as its label ("Tel/WhatsApp (office): ")
FORMATTING = re.compile(r"[\s().\-\[\]/]")


def without_label(text: str, region: str) -> str:
    """``text`` without the words that label the number in front of it, in any language and with or without a
    colon: ``Mob 98...``, ``(M) 98...``, ``Tel/WhatsApp: +91...``, ``Handy: 0171...``, Russian, Chinese or Arabic words.
    An opening bracket or ``+`` the number starts with stays (``Mob (+91) 98...``). A label that names another
    country than ``region`` stays (``UK: 7400 123456`` read in India): the number is not this country's to read."""
    label = LEADING_TEXT.match(text)
    if label is None or label.end() == len(text):
        return text
    head = label.group().rstrip()
    head = head[:-1].rstrip() if head.endswith("(") else head
    if len(head) > _LONGEST_LABEL or not any(ch.isalpha() for ch in head):
        return text
    named = country_named(head)
    rest = text[len(head) :].lstrip()
    if named is not None and named != region and not _abbreviation(head, rest, named, region):
        return text
    return rest


def _abbreviation(head: str, rest: str, named: str, region: str) -> bool:
    """Whether a label in capitals that is also a country's code (``MO:`` Macao, ``NO`` Norway, ``PH``) is a
    label's abbreviation (mobile, number, phone): the number after it is ``region``'s and not that country's."""
    key = head.strip(" :.#=()-\uff1a")
    if not (key.isascii() and key.isalpha() and len(key) <= 3):
        return False
    return valid_number(rest, region) is not None and valid_number(rest, named) is None


def country_named(label: str) -> str | None:
    """The country a number's label names (``UK:``, ``Germany``, ``USA -``), if any. A short word not in capitals
    (``Mo.``, ``Ph``, ``No``) is a label's abbreviation, not a country's code."""
    key = label.strip(" :.#=()-\uff1a")
    if not key or (key.isascii() and key.isalpha() and len(key) <= 3 and not key.isupper()):
        return None
    from importer.normalize.country_names import country_of_name  # its tables load only for a labelled number

    return country_of_name(key)


def valid_number(text: str, region: str) -> phonenumbers.PhoneNumber | None:
    """The number ``text`` dials from ``region``, when phonenumbers knows it as a valid one."""
    try:
        number = phonenumbers.parse(FORMATTING.sub("", text), region)
    except phonenumbers.NumberParseException:
        return None
    return number if phonenumbers.is_valid_number(number) else None


def preferred_number(
    parts: list[str], region: str, *, made_up: Callable[[phonenumbers.PhoneNumber], bool] = lambda _: False
) -> str:
    """The number to send of a cell's several: the first valid one (``98200 1234 / 98200 12348``: the first is a
    digit short), or the first mobile of its country after it, not ``made_up``, when that one is a landline written
    with its trunk prefix or its + code (``022 2345 6789 / 98450 12345``: the lead is called on the mobile, as a
    Phone 2 column's mobile is taken over Phone 1's landline); the first part when none is valid, which is also the
    whole number of ``9812345697/98`` (a second number written as its last digits)."""
    numbers = [(part, number) for part in parts if (number := valid_number(part, region)) is not None]
    if not numbers:
        return parts[0]
    (first, landline), mobile = numbers[0], phonenumbers.PhoneNumberType.MOBILE
    # (415) 555-0134 read in India may be another country's number, and a bare mobile after it that country's too.
    if first.lstrip("( ").startswith(("0", "+")) and phonenumbers.number_type(landline) == FIXED_LINE:
        return next(
            (
                p
                for p, n in numbers[1:]
                if n.country_code == landline.country_code and phonenumbers.number_type(n) == mobile and not made_up(n)
            ),
            first,
        )
    return first


FIXED_LINE = phonenumbers.PhoneNumberType.FIXED_LINE
