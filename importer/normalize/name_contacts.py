"""A phone number or an email address typed into a name cell beside the name (``Rahul 98450 12345``, ``Priya
(98450 12345)``, ``Amit - amit@gmail.com``, as leads pasted from a chat come): left out of the name, and the lead's
own where its phone or email cell has none. Only the cells that hold such a run of digits or an ``@`` are looked at
one by one. And name cells that hold no name at all: a number alone, question marks alone."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText, empty_text, holds_char_in, to_arrow, to_bool, to_series
from importer.normalize.phone_labels import valid_number
from importer.normalize.phones import NO_REGION

_MAYBE = r"\d[\d\s().\-]{5,}\d|\S@\S"
"""A cell that may hold a phone number (seven digits or more in one run) or an address: the column-wide test."""
_ADDRESSED = r"\S@\S"
"""The same test when the mapping reads no phone (a number taken out would be lost: it stays in the name)."""
_PHONE = re.compile(r"\+?\(?\d[\d\s().\-]{5,}\d\)?")
_EMAIL = re.compile(r"[^\s,;/|<>()@]+@[^\s,;/|<>()@]+\.[^\s,;/|<>()@]+")
_LEFT_OVER = " ,;:/|-\u2013()[]<>"
"""What parted the name from the number or address, left at either end of the name without them."""
_DATE = re.compile(r"\b\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})\b")
_OTHERS = re.compile(
    r"\b(?:ref|refd|refer|referred|reference|referral|by|via|through|thru|[cdsw]\s*/\s*o|care\s+of|dealer|agent|broker"
    r"|friend|father|mother|husband|wife|brother|sister|daughter|relative)\b",
    re.IGNORECASE,
)
"""Words saying a name cell's number or address is someone else's (``ref by Suresh 98...``, ``c/o Sharma Motors``,
``dealer no.``): the referrer's, the dealer's, a relative's; a lead sent with it would reach the wrong person."""
_MOBILES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)


@dataclass(frozen=True, slots=True)
class NameContacts:
    """Per row: the name without the phone or address it held, the phone and the address found ("" for none), and
    whether the name held either."""

    names: pd.Series
    phones: pd.Series
    emails: pd.Series
    found: np.ndarray


def contacts_in_names(names: pd.Series, region: str | None, *, with_phones: bool = True) -> NameContacts:
    """The mobile numbers valid in ``region`` (any with its + code when None; none when not ``with_phones``: the mapping
    reads no phone) and the email addresses that the name cells ``names`` hold beside a name (letters are left when
    they are taken out: a cell of a number alone is no name, and stays as it is)."""
    text = to_arrow(names)
    n = len(text)
    phones, emails = np.full(n, "", dtype=object), np.full(n, "", dtype=object)
    found = np.zeros(n, dtype=bool)
    maybe = np.flatnonzero(
        to_bool(pc.fill_null(pc.match_substring_regex(text, _MAYBE if with_phones else _ADDRESSED), False))
    )
    if len(maybe) == 0:
        return NameContacts(names, to_series(empty_text(n), names.index), to_series(empty_text(n), names.index), found)
    cleaned = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
    for at, cell in zip(maybe.tolist(), pc.take(text, pa.array(maybe)).to_pylist(), strict=True):
        name, phone, email = _split(cell, region or NO_REGION, with_phones=with_phones)
        if name != cell:
            cleaned[at], phones[at], emails[at], found[at] = name, phone, email, True
    as_text = pa.large_string()
    return NameContacts(
        names=to_series(pa.array(cleaned, type=as_text), names.index),
        phones=to_series(pa.array(phones, type=as_text), names.index),
        emails=to_series(pa.array(emails, type=as_text), names.index),
        found=found,
    )


def _mobile(run: str, region: str) -> bool:
    """Whether a run of digits is a mobile number (a landline's digits are too like a date's or an id's: ``on
    12-03-2024 10:22``), not written as a date."""
    number = None if _DATE.search(run) else valid_number(run, region)
    return number is not None and phonenumbers.number_type(number) in _MOBILES


def _split(cell: str, region: str, *, with_phones: bool) -> tuple[str, str, str]:
    """(the name, the phone, the email) of one name cell; the cell itself when it holds no name beside them, or words
    saying they are someone else's."""
    name, phone, email = cell, "", ""
    address = _EMAIL.search(name)
    if address is not None:
        email = address.group()
        name = name[: address.start()] + " " + name[address.end() :]
    runs = [run for run in _PHONE.finditer(name) if _mobile(run.group(), region)] if with_phones else []
    for run in reversed(runs):  # Anil 98450 13505 / 98450 13506: the first is the lead's, none stays in the name
        phone = run.group()
        name = name[: run.start()] + " " + name[run.end() :]
    name = " ".join(re.sub(r"\(\s*\)|\[\s*\]|<\s*>", " ", name).split()).strip(_LEFT_OVER)
    if not (phone or email) or not any(ch.isalpha() for ch in name) or _OTHERS.search(name):
        return cell, "", ""
    return name, phone, email


def question_marks(names: ArrowText) -> np.ndarray:
    """Names made only of question marks (and spaces or punctuation): letters a save could not keep."""
    has = np.flatnonzero(to_bool(pc.match_substring(names, "?")))
    found = np.zeros(len(names), dtype=bool)
    if len(has):
        found[has] = to_bool(pc.match_substring_regex(pc.take(names, pa.array(has)), r"^[?\s.,'-]+$"))
    return found


def numbers_as_names(names: ArrowText) -> np.ndarray:
    """Names with a digit and no letter in any script (a phone number or an id): nobody's name."""
    has = np.flatnonzero(holds_char_in(names, "0123456789"))
    found = np.zeros(len(names), dtype=bool)
    if len(has):
        found[has] = ~to_bool(pc.match_substring_regex(pc.take(names, pa.array(has)), r"\pL"))
    return found
