"""A lead's email address typed under the phone column, or its number under the email column (a telecaller's sheet
filled in a hurry): each read as what it is. Only the cells holding what the other column asks for are looked at one
by one: a phone cell with an ``@``, an email cell of digits without one."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import nonempty, to_arrow, to_bool, to_series
from importer.normalize.contacts import EMAIL_PATTERN, blank_placeholders_arrow
from importer.normalize.phone_labels import valid_number
from importer.normalize.phone_rows import own_values
from importer.normalize.phones import NO_REGION

_NUMBER_LIKE = r"^[^@]*\d[^@]*\d[^@]*\d[^@]*\d[^@]*\d[^@]*\d[^@]*$"
"""Six digits or more and no ``@``: what an email cell holding a phone number looks like, column-wide."""


@dataclass(frozen=True, slots=True)
class Misplaced:
    """Per row: the phone cells with an address in them left empty, the email cells with the address a phone cell
    held where they had none and without the number they held, the numbers the email cells held (for the phone's
    last column to read), and which rows changed (when none, the fields are not to be read)."""

    phone: pd.Series
    email: pd.Series
    numbers: pd.Series
    found: np.ndarray


def misplaced_contacts(phone: pd.Series | None, email: pd.Series, region: str | None) -> Misplaced:
    """Each row's phone and email cells with an address in the phone cell and a number valid in ``region`` (any with
    its + code when None) in the email cell read as what they are; a phone cell's address only where the email cell
    holds none and no other row's phone cell holds it. ``phone`` None: the mapping reads no phone or no email, and
    nothing is moved."""
    n = len(email)
    found = np.zeros(n, dtype=bool)
    if phone is None:
        return Misplaced(email, email, email, found)
    phones, text = to_arrow(phone), to_arrow(email)
    # Only an email cell without an @ may be empty or hold a number: the rest are not looked at again.
    bare = np.flatnonzero(~to_bool(pc.fill_null(pc.match_substring(text, "@"), False)))
    emails = blank_placeholders_arrow(pc.take(text, pa.array(bare)))
    empty = np.zeros(n, dtype=bool)
    empty[bare] = ~to_bool(nonempty(emails))
    numbers = np.full(n, "", dtype=object)
    digits = np.flatnonzero(to_bool(pc.fill_null(pc.match_substring_regex(emails, _NUMBER_LIKE), False)))
    for at, cell in zip(bare[digits].tolist(), pc.take(emails, pa.array(digits)).to_pylist(), strict=True):
        if valid_number(cell, region or NO_REGION) is not None:
            numbers[at], found[at] = cell, True
    addressed = to_bool(pc.fill_null(pc.match_substring(phones, "@"), False))
    if addressed.any():
        lowered = pc.utf8_lower(pc.utf8_trim_whitespace(phones))
        address = to_bool(pc.fill_null(pc.match_substring_regex(lowered, EMAIL_PATTERN), False))
        free = empty | found  # the email cell empty, or a number now read as the phone
        # An address in several rows' phone cells is the owner's or a dealer's: none of theirs.
        addressed &= address & free & own_values(pc.fill_null(lowered, ""))
        found |= addressed
    if not found.any():
        return Misplaced(phone, email, pd.Series(numbers, index=email.index, dtype=object), found)
    blank = pa.scalar("", pa.large_string())
    text_phone, text_email = pc.cast(phones, pa.large_string()), pc.cast(text, pa.large_string())
    moved, number = pa.array(addressed), pa.array(found & ~addressed)
    return Misplaced(
        phone=to_series(pc.if_else(moved, blank, text_phone), phone.index),
        email=to_series(pc.if_else(moved, text_phone, pc.if_else(number, blank, text_email)), email.index),
        numbers=pd.Series(numbers, index=email.index, dtype=object),
        found=found,
    )
