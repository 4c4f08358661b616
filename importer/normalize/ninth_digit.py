"""Brazilian mobiles written as before the ninth digit: ``(11) 8123-4567``, ``+55 11 8123-4567``, ``551181234567``.

From 2012 to 2016 every Brazilian mobile got a 9 before its eight digits (``(11) 98123-4567``); phonenumbers knows
only the numbers of today, so a number written the old way is invalid as written. Old contact lists hold them, and
WhatsApp still names the accounts made before the change without the 9 (its ids, ``551181234567``, are what chatbot
and click-to-chat lead exports carry). Such a number is read with its 9 when it is no valid number as written and is
a valid Brazilian mobile with it; landlines (eight digits starting 2 to 5) and numbers valid as written stay as they
are.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

_SEP = r"[\s.\-]*"
_REST = r"\(?0?([1-9][1-9])\)?" + _SEP + r"([6-9]\d{3})[\s.\-]?(\d{4})$"
_CODED = r"^\(?(?:\+|00)\s*55\)?" + _SEP + _REST
"""+55 11 8123-4567, 0055 (11) 8123 4567: read so in any region (the code says the country)."""
_BARE = r"^55" + _SEP + _REST
"""551181234567: WhatsApp's id of an account from before the change, the + left out (read so in Brazil)."""
_NATIONAL = r"^" + _REST
"""(11) 8123-4567, 011 8123 4567 (read so in Brazil)."""


def _patterns(region: str) -> tuple[str, ...]:
    return (_CODED, _BARE, _NATIONAL) if region == "BR" else (_CODED,)


@lru_cache(maxsize=4096)
def with_ninth_digit(text: str, region: str) -> str | None:
    """``text`` as Brazil writes the mobile now (``+55 11 98123 4567``) when it is an old one read in ``region``;
    else None."""
    for pattern in _patterns(region):
        found = re.match(pattern, text.strip())
        if found is None:
            continue
        area, head, tail = found.groups()
        now = f"+55 {area} 9{head}{tail}"
        if _valid(text, region) or not _mobile(now):
            return None
        return now
    return None


def _valid(text: str, region: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, region))
    except phonenumbers.NumberParseException:
        return False


def _mobile(text: str) -> bool:
    number = phonenumbers.parse(text, None)
    return phonenumbers.is_valid_number(number) and phonenumbers.number_type(number) in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def without_old_mobiles(text: pa.Array, region: str, valid: Callable[[pa.Array, bool], pa.Array]) -> pa.Array:
    """``text`` (distinct cells) with each old Brazilian mobile written as today's, column-wide: ``valid(numbers,
    mobile)`` tells which national numbers are valid in Brazil (``mobile``: as mobiles), as :func:`with_ninth_digit`
    asks phonenumbers."""
    found = pc.fill_null(pc.match_substring_regex(text, "|".join(_patterns(region))), False)
    if not pc.any(found).as_py():
        return text
    cells = pc.filter(text, found)
    national = pc.utf8_slice_codeunits(pc.replace_substring_regex(cells, r"\D", ""), -10)  # area code, 8 digits
    now = pc.binary_join_element_wise(
        pc.utf8_slice_codeunits(national, 0, 2), pc.utf8_slice_codeunits(national, 2), "9"
    )
    old = pc.and_(pc.invert(valid(national, False)), valid(now, True))
    rewritten = pc.if_else(old, pc.binary_join_element_wise("+55 ", now, ""), cells)
    return pc.replace_with_mask(text, found, pc.cast(rewritten, text.type))
