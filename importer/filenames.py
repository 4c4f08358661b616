"""File names made from a name someone else chose (a dropped file's, an uploaded file's) that still fit.

Most file systems allow 255 bytes a name (ext4, XFS, APFS, tmpfs: of UTF-8; NTFS: 255 UTF-16 units, which
255 bytes never exceed). A name of 80 Devanagari or Chinese characters is already 240 bytes, so adding a
timestamp or ``.report.xlsx`` to it would fail with "File name too long" after the leads were sent.

A name whose bytes are not UTF-8 (unzipped or copied in a Windows code page) is read in the code page that makes
sense of it (:func:`readable_name`); a name, cell or message someone else wrote goes into a log or a terminal as one
line (:func:`one_line`, :func:`message_line`).
"""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from collections.abc import Callable

__all__ = ["NAME_MAX", "fit_name", "message_line", "message_lines", "one_line", "readable_name"]

NAME_MAX = 255
"""Bytes (UTF-8) a file name may have."""

_ELLIPSIS = "…"
_LONGEST_SUFFIX = 16
"""A longer "suffix" is not a file type (``report.final version 2``): it is shortened with the rest."""


def fit_name(name: str, *, reserve: int = 0) -> str:
    """``name``, shortened in the middle when it and ``reserve`` more bytes would not fit in :data:`NAME_MAX`:
    its start and its type (``.csv``) are kept, with "…" where the cut is."""
    room = NAME_MAX - reserve
    if len(os.fsencode(name)) <= room:  # (the name's bytes on disk, also where they are not UTF-8)
        return name
    stem, suffix = os.path.splitext(name)
    if len(os.fsencode(suffix)) > _LONGEST_SUFFIX:
        stem, suffix = name, ""
    keep = room - len(os.fsencode(suffix)) - len(_ELLIPSIS.encode("utf-8"))
    if keep <= 0:
        raise ValueError(f"no room for a file name: {reserve} of {NAME_MAX} bytes are reserved")
    short = readable_name(stem).encode("utf-8")[:keep].decode("utf-8", errors="ignore")
    return f"{short}{_ELLIPSIS}{suffix}"


def readable_name(name: str) -> str:
    """``name`` as text every place it goes can hold (the ledger, a result's JSON, a report's name): a name whose
    bytes are not UTF-8 (written through a Windows share or unzipped in a code page; Python keeps such bytes as
    lone surrogates, which SQLite and UTF-8 files refuse) is read in the code page that makes sense of it
    (:func:`_code_page_reading`), so that "Caf\\xe9.csv" is "Café.csv" and a Shift-JIS name is Japanese."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return _code_page_reading(os.fsencode(name))
    return name


def _code_page_reading(raw: bytes) -> str:
    """The bytes of a name that is not UTF-8, read in the code page in which every character outside ASCII is of
    one writing that names are written in: Western European (Windows-1252) when it reads so; else chardet's first
    guess when it reads as one alphabet (Cyrillic, Greek, Hebrew, Arabic, Thai) or as East Asian writing; else the
    first of :data:`_READINGS` that does. None fits: Windows-1252, a character for each byte (as before)."""
    if _fits(raw, "cp1252", _latin_1252):
        return raw.decode("cp1252")
    import chardet  # only for a name that is not UTF-8

    guess = chardet.detect(raw).get("encoding")  # (its weaker guesses are noise on a few bytes)
    if isinstance(guess, str) and _fits(raw, guess, _alphabet_or_east):
        return raw.decode(guess)
    for code_page, fits in _READINGS:
        if _fits(raw, code_page, fits):
            return raw.decode(code_page)
    return raw.decode("cp1252", errors="replace")


def _fits(raw: bytes, code_page: str, fits: Callable[[str], bool]) -> bool:
    try:
        return fits(raw.decode(code_page))
    except (UnicodeDecodeError, LookupError):
        return False


def _words(text: str) -> list[str]:
    return re.findall(r"[^\W\d_]+", text)


def _latin(text: str) -> bool:
    """Latin letters outside ASCII, each word with ASCII letters too and no three of them in a row (a Chinese or
    Russian name read as Latin is words of accented letters alone)."""
    wide = [c for c in text if ord(c) > 0x7F]
    if not wide or not all(c.isalpha() and unicodedata.name(c, "").startswith("LATIN") for c in wide):
        return False
    return all(not _WIDE_RUN.search(w) and (w.isascii() or re.search("[A-Za-z]", w)) for w in _words(text))


def _latin_1252(text: str) -> bool:
    return _latin(text) and all(0xC0 <= ord(c) <= 0xFF for c in text if ord(c) > 0x7F)  # not ƒ, Š: Shift-JIS's leads


def _alphabet(text: str) -> bool:
    """Letters of one alphabet (Cyrillic, Greek, Hebrew, Arabic, Thai), no word mixed with ASCII's, none with a
    capital after a small letter."""
    wide = [c for c in text if ord(c) > 0x7F]
    scripts = {unicodedata.name(c, "?").split(" ")[0] for c in wide}
    if len(scripts) != 1 or not scripts <= _ALPHABETS or not all(unicodedata.category(c)[0] in "LM" for c in wide):
        return False
    if any(c in _MACEDONIAN for c in wide):  # (where Shift-JIS's half-width kana fall in Windows-1251)
        return False
    return all(w.isascii() or (not re.search("[A-Za-z]", w) and not _camel(w)) for w in _words(text))


def _camel(word: str) -> bool:
    """A capital after a small letter: a Chinese name read as Cyrillic ("ЦРОДаЗ"), not a Russian word."""
    return any(a.islower() and b.isupper() for a, b in itertools.pairwise(word))


def _of(*scripts: str, needs: str = "") -> Callable[[str], bool]:
    """Every character outside ASCII is of one of ``scripts`` (Unicode names' first word), and one of ``needs``."""

    def fits(text: str) -> bool:
        wide = [re.split("[ -]", unicodedata.name(c, ""))[0] for c in text if ord(c) > 0x7F]  # KATAKANA-HIRAGANA ...
        return bool(wide) and all(w in scripts for w in wide) and (not needs or needs in wide)

    return fits


_ALPHABETS = {"CYRILLIC", "GREEK", "HEBREW", "ARABIC", "THAI"}
_MACEDONIAN = "\u0403\u0453\u040c\u045c\u0405\u0455"
"""Cyrillic letters of Macedonian alone (GJE, KJE, DZE and their small letters)."""
_WIDE_RUN = re.compile(r"[^\x00-\x7f]{3}")
_EAST = ("CJK", "IDEOGRAPHIC", "FULLWIDTH", "LEFT", "RIGHT")  # ideographs, 、。「」, fullwidth forms
_EAST_ASIAN = _of(*_EAST, "HIRAGANA", "KATAKANA", "HALFWIDTH", "HANGUL")
_KOREAN = _of("HANGUL", "FULLWIDTH", "IDEOGRAPHIC", "LEFT", "RIGHT", needs="HANGUL")
"""Hangul without hanja: the Korean code page reads the bytes of most other writings as Hangul mixed with hanja."""


def _alphabet_or_east(text: str) -> bool:
    """One alphabet (:func:`_alphabet`), or East Asian writing of the characters names are written in: each in one of the four common sets
    (JIS X 0208, GB2312, Big5, KS X 1001), and Hangul without hanja (the Korean code page reads any bytes as
    Hangul, mostly syllables no one writes)."""
    if _alphabet(text):
        return True
    if not _EAST_ASIAN(text):
        return False
    if any(unicodedata.name(c, "").startswith("HANGUL") for c in text):
        return _KOREAN(text) and _encodes(text, "euc_kr")
    return any(_encodes(text, code_page) for code_page in ("cp932", "gb2312", "big5"))


def _encodes(text: str, code_page: str) -> bool:
    try:
        text.encode(code_page)
    except UnicodeEncodeError:
        return False
    return True


_READINGS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("cp1250", _latin),
    ("cp932", _of(*_EAST, "HIRAGANA", "KATAKANA", needs="HIRAGANA")),
    ("cp932", _of(*_EAST, "HIRAGANA", "KATAKANA", needs="KATAKANA")),
    ("euc_kr", _KOREAN),
    ("cp1251", _alphabet),
    ("gb2312", _of(*_EAST)),
    ("cp950", _of(*_EAST)),
    ("cp932", _of(*_EAST, "HIRAGANA", "KATAKANA", "HALFWIDTH")),
    ("cp949", _KOREAN),
    ("cp850", _latin),
)
"""When chardet finds none: Central European (Windows-1250), Japanese with kana, Korean of KS X 1001's Hangul,
Russian, simplified Chinese of GB2312's characters, traditional (Big5), Japanese of kanji or half-width kana alone,
Korean of any Hangul, and Western European of a zip made by Windows (the DOS code page 850)."""


_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What moves or hides the text after it on a terminal or in a log: C0 and C1 controls (a line break, ESC of a
colour code), Unicode's line and paragraph separators, and the bidirectional overrides and isolates that show
text in another order than it is written. (Joiners stay: Indic and emoji names need them.)"""
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """``text`` (a file name, a cell, a message someone else wrote) as it may go into a log line, a progress line
    or a status listing: :func:`readable_name`, with each character of :data:`_UNSEEN` shown as its escape
    (``\\n``, ``\\x1b``, ``\\u202e``), so that a name holding a line break cannot forge a line of its own."""
    text = readable_name(text)
    if not _UNSEEN.search(text):
        return text
    return _UNSEEN.sub(lambda m: _ESCAPES.get(m[0]) or m[0].encode("unicode_escape").decode("ascii"), text)


_TERMINAL_CODES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x9b[0-?]*[ -/]*[@-~]")
"""A terminal's colour and cursor codes (CSI ``ESC [ 31 m``, OSC ``ESC ] ... BEL``), which a CRM's error page or a
proxy may carry: they say nothing to a reader."""


def message_line(text: str) -> str:
    """A message someone else wrote (the CRM's words quoted in a stop) as one clean line: its line breaks and runs
    of white space are one space, terminal codes are dropped, and whatever else moves or hides text is escaped as by
    :func:`one_line`. (A file name keeps its every character visible: :func:`one_line`.)"""
    return one_line(" ".join(_TERMINAL_CODES.sub("", text).split()))


def message_lines(text: str) -> str:
    """The same message whole, for where several lines can be read (a page's "whole message"): its lines kept, each
    cleaned as by :func:`message_line` but for its indentation."""
    lines = (one_line(_TERMINAL_CODES.sub("", line).rstrip()) for line in text.strip().splitlines())
    return "\n".join(line for line in lines if line.strip())
