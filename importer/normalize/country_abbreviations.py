"""Country names people abbreviate word by word: ``S. Africa``, ``Méx.``, ``Sing.``, ``N. Korea``, Spanish plural
initials (``EE. UU.``, ``EEUU``: Estados Unidos) and contractions (``S'pore``).

A cell is read against the names it is given (every country's, in the languages the caller reads): each of its
words must be the word of the name in the same place, or, when written as an abbreviation, stand for it (a word
ending in a dot or of one letter: its first letters; a doubled capital: one plural word's initial; a contraction:
its first and last letters). The cell names a country only when every name it so fits is that country's: ``S.``
alone, ``Sw.`` (Sweden, Switzerland) or ``M'sia`` (Malaysia, Micronesia) names none.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

_WORD = re.compile(r"[^\W\d_]+(?:['\u2019][^\W\d_]+)?\.?")
_STOPWORDS = frozenset({"of", "the", "and"})
_DOUBLED = re.compile(r"(?:([A-Z])\1)+")
"""EE, UU, EEUU: a Spanish plural's initial written twice (Estados Unidos: EE. UU.)."""
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Word:
    """A word of a cell: what a name's word must start and end with, and whether it must be all of it."""

    start: str
    end: str = ""
    whole: bool = True


def country_of_abbreviation(
    cell: str, names: Callable[[], Iterable[tuple[str, str]]], key: Callable[[str], str]
) -> str | None:
    """The code of the one country whose names (``names``: name, code, in any language) ``cell`` abbreviates, with
    words compared as ``key`` makes them; None when it abbreviates none, several, or is written out in full."""
    words = _cell_words(cell, key)
    if not words or all(w.whole for w in words):
        return None
    found: set[str] = set()
    for name, code in _index(names, key).get(len(words), ()):
        if all(_fits(word, part) for word, part in zip(words, name, strict=True)):
            found.add(code)
            if len(found) > 1:
                return None
    return found.pop() if found else None


def _fits(word: _Word, part: str) -> bool:
    if word.whole:
        return part == word.start
    if not part.startswith(word.start) or not part.endswith(word.end):
        return False
    return len(part) > len(word.start) + len(word.end) if word.end else True  # S'pore: some letters left out


_APOSTROPHE = re.compile("['\u2019]")


def _cell_words(cell: str, key: Callable[[str], str]) -> list[_Word]:
    out: list[_Word] = []
    for raw in _WORD.findall(cell):
        bare = raw.rstrip(".")
        if key(bare) in _STOPWORDS:
            continue
        if _DOUBLED.fullmatch(bare):  # EE. UU., EEUU: one plural word per doubled capital
            out += [_Word(key(bare[i]), whole=False) for i in range(0, len(bare), 2)]
        elif _APOSTROPHE.search(bare):  # S'pore, M'sia: the word's first letters and its last
            head, tail = _APOSTROPHE.split(bare, maxsplit=1)
            out.append(_Word(key(head), key(tail), whole=False))
        elif raw.endswith(".") or len(bare) == 1:  # Méx., S.: its first letters
            out.append(_Word(key(bare), whole=False))
        else:
            out.append(_Word(key(bare)))
    return [w for w in out if w.start]


_indexes: dict[int, dict[int, list[tuple[tuple[str, ...], str]]]] = {}


def _index(
    names: Callable[[], Iterable[tuple[str, str]]], key: Callable[[str], str]
) -> dict[int, list[tuple[tuple[str, ...], str]]]:
    """Every name's words (as ``key`` makes them; of, the, and and a letter alone left out), by how many words it
    has; built once."""
    with _LOCK:
        found = _indexes.get(id(names))
        if found is None:
            found = {}
            seen: set[tuple[tuple[str, ...], str]] = set()
            for name, code in names():
                parts = tuple(
                    k for w in re.split(r"[^\w'\u2019]+", name) if len(k := key(w)) > 1 and k not in _STOPWORDS
                )
                if parts and (parts, code) not in seen:
                    seen.add((parts, code))
                    found.setdefault(len(parts), []).append((parts, code))
            _indexes[id(names)] = found
        return found
