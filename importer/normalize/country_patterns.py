"""Country names as people shorten and abbreviate them: ``Korea``, ``Great Britain``, ``Czech Rep.``, ``DR Congo``,
``Russian Fed.``, ``Korea, Rep.``, ``Lao PDR``.

The name patterns are those of OCHA's countries and territories taxonomy, as the ``hdx-python-country``
package ships it (its data file is read; the package's code is not run). They encode what usage says and
no name table does: ``Korea`` alone is South Korea, ``Congo`` alone the Republic of the Congo, a name with
``Dem.`` or ``DR`` in it the Democratic Republic.

The patterns look for a name inside a longer text, so a cell is a country's only when:

- exactly one country's pattern finds it (a cell two patterns find, or one a pattern of a place that is
  no country finds, like ``Canary Islands``, names none here);
- every word of the cell belongs to that country's English names (pycountry's and CLDR's), is a prefix of
  three letters or more of one of their words (``Rep.``, ``Fed.``) or stands for the initials of some of
  them (``DR``, ``PDR``, ``S.`` for South), or is a word of a tenth of all countries' names (``Republic``
  of Ireland). ``Mexico City``, ``N. Korea`` or ``Niger State``, which the patterns find, name no country:
  their other words are not the country's.
"""

from __future__ import annotations

import csv
import re
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

_DATA_PACKAGE = "hdx.location"
_STOPWORDS = frozenset({"of", "the", "and"})
_WORD = re.compile("[^\\W_]+(?:['\u2019][^\\W_]+)?")
_SHORTEST_PREFIX = 3
_COMMON_WORD = 0.1
"""Share of all countries whose English names hold a word for it to be said of any country (republic)."""
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Pattern:
    code: str  # ISO 3166 alpha-2; "" for a place that is no country (Canary Islands, Channel Islands)
    pattern: re.Pattern[str]


@lru_cache(maxsize=1)
def _patterns() -> tuple[_Pattern, ...]:
    with _LOCK:
        data = next(p for p in resources.files(_DATA_PACKAGE).iterdir() if p.name.endswith(".csv"))
        out: list[_Pattern] = []
        with data.open(encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                regex = (row.get("Regex") or "").strip()
                if not regex:
                    continue
                code = (row.get("ISO 3166-1 Alpha 2-Codes") or row.get("x Alpha2 codes") or "").strip().upper()
                if (row.get("Deprecated") or "").strip().upper() == "Y":
                    code = ""  # Netherlands Antilles: found, but no country today
                out.append(_Pattern(code, re.compile(regex, re.IGNORECASE)))
        return tuple(out)


def _words(text: str, key: Callable[[str], str]) -> list[str]:
    return [k for k in (key(w) for w in _WORD.findall(text)) if k and k not in _STOPWORDS]


def country_of_pattern(cell: str, english_names: Iterable[tuple[str, str]], key: Callable[[str], str]) -> str | None:
    """The ISO alpha-2 code of the one country whose name pattern finds ``cell`` and whose English names
    (``english_names``: name, code) explain every word of it, words compared as ``key`` makes them; else None."""
    found = {p.code for p in _patterns() if p.pattern.search(cell)}
    if len(found) != 1:
        return None
    code = found.pop()
    if not code:
        return None
    english = tuple(english_names)
    names = [_words(name, key) for name, of in english if of == code]
    common = _common_words(english, key)
    words = _words(cell, key)
    if not words or not all(word in common or _explained(word, names) for word in words):
        return None
    return code


def pattern_country(cell: str) -> str | None:
    """The one country whose name pattern finds the whole of ``cell`` (and no other finds any of it), or None: what
    usage says a cell names, used to overrule a subdivision's name that makes it another country (``Zaire``)."""
    text = cell.strip()
    found = [(p.code, m.group(0)) for p in _patterns() if (m := p.pattern.search(text))]
    if len({code for code, _ in found}) != 1 or any(span.strip().casefold() != text.casefold() for _, span in found):
        return None
    return found[0][0] or None


@lru_cache(maxsize=2)
def _common_words(english: tuple[tuple[str, str], ...], key: Callable[[str], str]) -> frozenset[str]:
    countries: dict[str, set[str]] = {}
    for name, code in english:
        for word in _words(name, key):
            countries.setdefault(word, set()).add(code)
    total = len({code for _, code in english})
    return frozenset(w for w, of in countries.items() if len(of) >= _COMMON_WORD * total)


def _explained(word: str, names: list[list[str]]) -> bool:
    """Whether ``word`` is a word of one of ``names``, a prefix of one, or the initials of consecutive words of one."""
    for name in names:
        if word in name:
            return True
        if len(word) >= _SHORTEST_PREFIX and any(w.startswith(word) for w in name):
            return True
        initials = "".join(w[0] for w in name)
        if word.isalpha() and word in initials:
            return True
    return False
