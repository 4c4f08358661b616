"""Which code page of a non-Latin script a file that is not UTF-8 was written in, if any.

Excel's "CSV" on a Russian, Arabic, Greek, Hebrew, Thai, Japanese, Chinese or Korean Windows writes the
system's code page (cp1251, cp1256, cp1253, cp1255, cp874, cp932, GB18030, cp950, cp949). Read as cp1252,
every name in such a file becomes mojibake (``Åëåíà Ñìèðíîâ``, ``ÇáÇÓã``) that would be sent to the CRM as
the lead's name. Such a code page is taken only when the file's words decode in it wholly as letters of
its script (a Latin file read so gets single odd letters inside Latin words: ``Josй``), and among the code
pages that pass, the one chardet ranks first is taken.
"""

from __future__ import annotations

import codecs
import re
import unicodedata

from importer.read.chardet_readings import chardet_readings

SAMPLE = 64 << 10
"""Bytes of the lines holding a byte over 0x7F that are weighed (the first ones in the file)."""

MIN_LETTERS = 6
"""Letters, in words of the script, a code page's reading must show before it is taken."""

CODE_PAGES: dict[str, str] = {
    "cp1251": "CYRILLIC",
    "koi8_r": "CYRILLIC",
    "cp1253": "GREEK",
    "cp1255": "HEBREW",
    "cp1256": "ARABIC",
    "cp874": "THAI",
    "cp932": "CJK",
    "gb18030": "CJK",
    "cp950": "CJK",
    "cp949": "HANGUL",
}
"""The code pages considered, each with the script its letters are in."""

_CHARDET_NAMES = {
    "shift_jis": "cp932",
    "euc_jp": "cp932",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "big5": "cp950",
    "big5hkscs": "cp950",
    "euc_kr": "cp949",
    "johab": "cp949",
    "koi8_u": "koi8_r",
}
"""chardet's name of a code page → the one of :data:`CODE_PAGES` that reads a superset of it (what Windows writes)."""

_HIGH = re.compile(rb"[\x80-\xff]")
_WORD = re.compile(r"[^\W\d_]+")


class ScriptSample:
    """The opening :data:`SAMPLE` bytes of the lines that hold a byte over 0x7F, fed a block at a time (the same
    sample whatever the blocks are)."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []
        self.size = 0
        self._line: list[bytes] = []
        """The current line's bytes so far (no more than the sample still wants)."""
        self._line_size = 0
        self._line_high = False

    @property
    def full(self) -> bool:
        return self.size >= SAMPLE

    def feed(self, block: bytes, *, final: bool) -> None:
        at = 0
        while not self.full and at < len(block):
            if not self._line_high:
                # Lines holding no such byte are passed over at C speed (most lines of most files).
                high = None if at == 0 and block.isascii() else _HIGH.search(block, at)
                if high is None:  # no line from here on holds one: only the last, unfinished, may still
                    last = block.rfind(b"\n", at)
                    if last >= 0:
                        self._drop_line()
                        at = last + 1
                    self._add(block[at:], high=False)
                    break
                before = block.rfind(b"\n", at, high.start())
                if before >= 0:  # the lines before the one holding it hold none
                    self._drop_line()
                    at = before + 1
            end = block.find(b"\n", at)
            if end < 0:
                self._add(block[at:], high=True)
                break
            self._add(block[at : end + 1], high=True)
            self._end_line()
            at = end + 1
        if final:
            self._end_line()

    def _add(self, piece: bytes, *, high: bool) -> None:
        room = SAMPLE - self.size - self._line_size
        if room > 0 and piece:
            piece = piece[:room]
            self._line.append(piece)
            self._line_size += len(piece)
        self._line_high = self._line_high or high

    def _drop_line(self) -> None:
        self._line, self._line_size, self._line_high = [], 0, False

    def _end_line(self) -> None:
        if self._line_high:
            self.parts.extend(self._line)
            self.size += self._line_size
        self._drop_line()

    def data(self) -> bytes:
        return b"".join(self.parts)


def script_code_page(sample: bytes) -> str | None:
    """The non-Latin code page ``sample`` (from :class:`ScriptSample`) is written in; None when it reads as no
    such code page (a Latin file: cp1252 or Mac Roman decide).

    Of the code pages whose reading passes, those whose characters beyond ASCII are most often their script's
    letters (a Shift-JIS file read as KOI8-R gets box-drawing signs between its letters); chardet breaks a tie
    (cp1251 and KOI8-R both read Russian as letters), else the order of :data:`CODE_PAGES`.
    """
    shares = {name: share for name, script in CODE_PAGES.items() if (share := _reads_as(sample, name, script))}
    if not shares:
        return None
    best = max(shares.values())
    tied = [name for name, share in shares.items() if share >= best - 0.02]
    if len(tied) == 1:
        return tied[0]
    for name, _ in chardet_readings(sample):
        if (code_page := _CHARDET_NAMES.get(name, name)) in tied:
            return code_page
    return tied[0]


def _reads_as(sample: bytes, codec: str, script: str) -> float:
    """Whether ``sample`` decodes in ``codec`` with its words of two letters or more beyond ASCII made wholly of
    ``script``'s letters (nine letters in ten at least, and :data:`MIN_LETTERS` of them): then the share of its
    characters beyond ASCII that are ``script``'s letters, else 0."""
    try:
        # not final: the sample may end inside a character
        text = codecs.getincrementaldecoder(codec)().decode(sample, final=False)
    except UnicodeDecodeError:
        return 0.0
    good = bad = 0
    for word in _WORD.findall(text):
        if word.isascii() or len(word) < 2:
            continue
        if all(not ch.isascii() and _script(ch) == script for ch in word):
            good += len(word)
        else:
            bad += len(word)
    if good < MIN_LETTERS or good < 9 * bad:
        return 0.0
    beyond = [ch for ch in text if not ch.isascii()]
    # letters and the marks written on them (Thai vowels, Arabic and Hebrew points)
    return sum(unicodedata.category(ch)[0] in "LM" and _script(ch) == script for ch in beyond) / len(beyond)


def _script(ch: str) -> str:
    name = unicodedata.name(ch, "")
    if name.startswith(("CJK", "HIRAGANA", "KATAKANA", "HALFWIDTH KATAKANA", "FULLWIDTH", "IDEOGRAPHIC", "BOPOMOFO")):
        return "CJK"  # the letters of East Asian code pages (a Japanese name in half-width katakana: ｶﾀｶﾅ)
    return name.split(" ", 1)[0]
