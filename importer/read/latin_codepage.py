"""Which Latin Windows code page other than cp1252 a file that is not UTF-8 was written in, if any.

Excel's "CSV" on a Polish, Czech, Hungarian, Romanian, Croatian (cp1250), Turkish (cp1254) or Lithuanian, Latvian,
Estonian (cp1257) Windows writes that code page. Read as cp1252 its names are wrong letters that still look like
names (``£ukasz``, ``Dvoøák``, ``Þükrü Yýlmaz``, ``Rûta Ðimkutë``) and would be sent to the CRM so. The code pages
share ASCII and most accented letters, so a file whose text reads the same in cp1252 stays cp1252, and another
code page is taken only when its reading is clearly better: it decodes every byte, it has no more symbols inside
words than cp1252's reading has, and either it alone has none where cp1252's has some (``£ukasz``), or chardet's
language models rate it well above cp1252 (and Mac Roman). A Turkish or Estonian name or two among English ones
whose cp1252 reading is letters (``Yýlmaz``) may stay cp1252: nothing then tells them apart.
"""

from __future__ import annotations

import re
import unicodedata

from importer.read.chardet_readings import chardet_readings

CODE_PAGES = ("cp1250", "cp1254", "cp1257")
"""The Latin code pages considered besides cp1252, in the order a tie is broken by."""

MARGIN = 1.5
"""How many times chardet's rating of cp1252 (and of Mac Roman) another code page's must reach."""

_CHARDET_NAMES = {
    "cp1252": "cp1252",
    "latin_1": "cp1252",
    "iso8859_15": "cp1252",
    "mac_roman": "mac_roman",
    "cp1250": "cp1250",
    "iso8859_2": "cp1250",
    "cp1254": "cp1254",
    "iso8859_9": "cp1254",
    "cp1257": "cp1257",
    "iso8859_13": "cp1257",
}
"""chardet's name (as :func:`codecs.lookup` spells it) of a code page → the Windows one whose letters are the same."""

_WORD = re.compile(r"\S+")


def latin_code_page(sample: bytes) -> str | None:
    """The code page of :data:`CODE_PAGES` ``sample`` (the lines holding a byte over 0x7F, as
    :class:`importer.read.script_codepage.ScriptSample` gathers them) is written in; None for cp1252 (or Mac Roman,
    which :mod:`importer.read.legacy_codepage` tells)."""
    windows = sample.decode("cp1252", errors="replace")
    readings: dict[str, str] = {}
    for name in CODE_PAGES:
        try:
            text = sample.decode(name)
        except UnicodeDecodeError:
            continue  # a byte it leaves undefined: not written in it
        if text != windows and _odd(text) <= _odd(windows):
            readings[name] = text
    if not readings:
        return None
    # cp1252 (and Mac Roman) read symbols into words: a reading without any is taken on that alone
    if _odd(windows) and _odd(sample.decode("mac_roman")):
        clean = {name: text for name, text in readings.items() if not _odd(text)}
        if len(clean) == 1:
            return next(iter(clean))
        readings = clean or readings
    ratings: dict[str, float] = {}
    for name, confidence in chardet_readings(sample):
        codec = _CHARDET_NAMES.get(name)
        if codec is not None and codec not in ratings:
            ratings[codec] = confidence
    bar = MARGIN * max(ratings.get("cp1252", 0.0), ratings.get("mac_roman", 0.0))
    best = max(readings, key=lambda name: (ratings.get(name, 0.0), -CODE_PAGES.index(name)))
    rating = ratings.get(best, 0.0)
    return best if rating > 0 and rating >= bar else None


def _odd(text: str) -> int:
    """Characters beyond ASCII that no word has: a symbol next to a letter (``£ukasz``, ``Wróbel³``) or a capital
    after a small letter (``ŸródÅ``)."""
    odd = 0
    for word in _WORD.findall(text):
        if word.isascii():
            continue
        for at, ch in enumerate(word):
            if ch.isascii():
                continue
            if not ch.isalpha():
                near = (at > 0 and word[at - 1].isalpha()) or (at + 1 < len(word) and word[at + 1].isalpha())
                odd += near and unicodedata.category(ch)[0] != "P"
            elif ch.isupper() and at > 0 and word[at - 1].islower():
                odd += 1
    return odd
