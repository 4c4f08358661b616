"""Which 8-bit code page a file that is not UTF-8 was written in: Windows (cp1252) or old Mac (Mac Roman).

Excel for Mac still offers "CSV (Macintosh)", written in Mac Roman: there ``é`` is byte 0x8E, which
cp1252 reads as ``Ž``. Both code pages decode every byte, so the choice is made by which reading
looks like text: accented letters in the case their neighbours have, and ordinary punctuation.
"""

from __future__ import annotations

import re

SAMPLE = 4000
"""Bytes over 0x7F looked at (the first ones in the file)."""

_HIGH = re.compile(rb"[\x80-\xff]")
# Punctuation either code page may hold in a sheet of names and addresses (the non-ASCII ones).
_PUNCTUATION = frozenset(
    "\u2019\u2018\u201c\u201d\u201a\u201e\u2013\u2014\u2026\u20ac\u2022\u00b0\u00b7\u00ab\u00bb\u00a1\u00bf\u00a9\u00ae\u2122\u00a7\u00b6\u00d7\u00f7\u00b1\u00a2\u00a3\u00a5\u00a4\u00a0"
)  # quotes, dashes, ellipsis, euro, bullet, degree, ...


def looks_like_mac_roman(data: bytes) -> bool:
    """Whether ``data`` (not UTF-8) reads as text clearly better in Mac Roman than in cp1252."""
    vote = MacRomanVote()
    vote.feed(data, final=True)
    return vote.verdict()


class MacRomanVote:
    """:func:`looks_like_mac_roman` of a file fed a block at a time (the same verdict as for all of it at once)."""

    def __init__(self) -> None:
        self.mac = self.windows = self.seen = 0
        self._carry = b""
        """The last two bytes fed, ahead of the next block: neighbours of the bytes on either side of the cut."""
        self._pending = False
        """Whether the last of them is over 0x7F and waits for the byte after it to be scored."""

    def feed(self, block: bytes, *, final: bool) -> None:
        if self.seen >= SAMPLE:
            return
        data = self._carry + block
        start = len(self._carry) - 1 if self._pending else len(self._carry)
        stop = len(data) if final else len(data) - 1  # the last byte waits for its right neighbour
        for match in _HIGH.finditer(data, start, stop):
            if self.seen >= SAMPLE:
                break
            self.seen += 1
            at = match.start()
            before = chr(data[at - 1]) if at > 0 and data[at - 1] < 0x80 else ""
            after = chr(data[at + 1]) if at + 1 < len(data) and data[at + 1] < 0x80 else ""
            byte = data[at : at + 1]
            self.mac += _score(byte.decode("mac_roman"), before, after)
            self.windows += _score(byte.decode("cp1252", errors="replace"), before, after)
        self._carry = data[-2:]
        self._pending = not final and bool(data) and data[-1] >= 0x80

    def verdict(self) -> bool:
        return self.mac > 0 and self.mac > self.windows + 1


def _score(char: str, before: str, after: str) -> int:
    """+1 when ``char`` fits between ``before`` and ``after`` as text would have it, -1 when it does not."""
    if char in _PUNCTUATION:
        return 1
    if not char.isalpha():
        return -1
    if char.isupper() and (before.islower() or (after.islower() and before.isalpha())):
        return -1  # "JosŽ", "MŸller": a capital inside a lower-case word
    if char.islower() and before.isupper() and after.isupper():
        return -1  # a small letter inside a word in capitals
    return 1
