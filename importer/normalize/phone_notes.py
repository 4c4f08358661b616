"""What people type into a phone cell besides the number and its label: digit groups parted by an underscore or a
tilde, the keypad's ``#`` or ``*`` before or after the number, a count in brackets after it (``(2)``), and a note
after it that holds a time or a count (``- call after 6``, ``call b/w 10-12``, ``2nd number``)."""

from __future__ import annotations

import re

from importer.normalize.phone_labels import valid_number

_JOINED = re.compile(r"(?<=\d)\s*[_~]\s*(?=\d)")
"""98450_12345, 98450 ~ 12345: an underscore or a tilde parting the digit groups."""
_KEYPAD_END = re.compile(r"(?<=\d)\s*[#*]+$")
"""9845012345#, 9845012345*: the keypad's # or * key typed after the number."""
_KEYPAD_START = re.compile(r"^[#*]+\s*(?=[+(]?\d)")
"""*9845012345, #98450 12345: a keypad key typed (or a "starred" contact's mark) before the number."""
_COUNT = re.compile(r"\s*(?:\(\s*\d{1,2}\s*\)|\[\s*\d{1,2}\s*\])$")
"""98450 12345 (2), 98450 12345 [1]: a count after the number (the lead's second number, a copy's number)."""
_NOTE_START = re.compile(r"(?<=\d)(?:\s*[,;:\-\u2013(]\s*|\s+)(?=[^\s,;:\-\u2013(])")
"""Where a note may begin after a number: a space, comma, dash or bracket after a digit."""
_WORD = re.compile(r"[^\W\d_]+")
_NOT_A_NOTE = frozenset({"or", "and", "ext", "extn", "extension", "x"})
"""Words that join a second number or an extension to the first: not a note about it."""
_JAMMED_HALF = 10
"""Digits each of two numbers typed together needs for the cell to be read as two."""
_SECOND_NUMBER = 6
"""Digits in a note that may be a second number (left for the cell's split into numbers)."""


def with_plain_separators(text: str) -> str:
    """``text`` with an underscore or a tilde between digit groups read as a space, and a ``#`` after the number
    left out."""
    return _KEYPAD_START.sub("", _KEYPAD_END.sub("", _JOINED.sub(" ", text)))


def without_note(text: str, region: str) -> str:
    """``text`` without a note after its number that holds a few digits (``- call after 6``, ``call b/w 10-12``):
    the number before the note, when that is a valid number of ``region`` and the note starts with words and holds
    no second number; or a count in brackets after a valid number (``98450 12345 (2)``). A note of words alone is
    left out before this (``phones._TRAILING_WORDS``)."""
    count = _COUNT.search(text)
    if count is not None and count.start() > 0:
        head = text[: count.start()]
        if valid_number(head, region) is not None and valid_number(text, region) is None:
            return head
    if not any(ch.isalpha() for ch in text):
        return text
    for start in _NOTE_START.finditer(text):
        head, note = text[: start.start()], text[start.end() :]
        words = _WORD.findall(note)
        if not words or words[0].casefold() in _NOT_A_NOTE or sum(ch.isdigit() for ch in note) >= _SECOND_NUMBER:
            continue
        if sum(ch.isdigit() for ch in head) >= _SECOND_NUMBER and valid_number(head, region) is not None:
            return head
    return text


def first_of_jammed(text: str, region: str) -> str | None:
    """The first of two numbers of ten digits or more, of one length, typed with nothing between them
    (``98450131029845013103``), when both halves are valid numbers of ``region``; else None. Shorter halves are left
    alone: sixteen digits are as likely one number mistyped as two of eight."""
    half, odd = divmod(len(text), 2)
    if odd or half < _JAMMED_HALF or not text.isdigit():
        return None
    first, second = text[:half], text[half:]
    return first if valid_number(first, region) is not None and valid_number(second, region) is not None else None
