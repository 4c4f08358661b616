"""The languages a sheet's headers are written in, and the regions that speak them (CLDR, through Babel).

Accented Latin letters tell a language by how often its own CLDR names use them (``Móvil``: Spanish);
headers without accents by the vocabulary's words of one language (``Nombre``, ``Telefono``).
"""

from __future__ import annotations

import collections
import math
import re
from collections.abc import Iterable
from functools import cache

SPOKEN = 5.0
"""Percent of a territory's people who speak a language for it to count as one of the territory's (CLDR)."""
WRITTEN = 5e-4
"""Share of a language's letters an accented letter needs for the language to count as writing it."""


def writes(region: str, accents: frozenset[str]) -> bool:
    """Whether one of the region's languages writes every one of ``accents``."""
    return any(all(letter_frequencies(lang).get(ch, 0.0) >= WRITTEN for ch in accents) for lang in spoken(region))


LATIN_ACCENTS = re.compile(r"[\u00c0-\u024f]")


def accents(headers: Iterable[str]) -> frozenset[str]:
    return frozenset(ch for h in headers for ch in LATIN_ACCENTS.findall(h.casefold()) if ch.isalpha())


@cache
def spoken(region: str) -> frozenset[str]:
    """The languages of ``region``: official ones and those SPOKEN percent of its people speak (CLDR)."""
    from babel.languages import get_official_languages, get_territory_language_info

    info = get_territory_language_info(region)
    common = {lang.split("_")[0] for lang, data in info.items() if float(data.get("population_percent") or 0) >= SPOKEN}
    return frozenset(common | {lang.split("_")[0] for lang in get_official_languages(region, de_facto=True)})


def likelihood(words: list[str], language: str) -> float:
    """Log-likelihood of the headers' letters under ``language``'s letter frequencies."""
    freq = letter_frequencies(language)
    if not freq:
        return -math.inf
    return sum(math.log(freq.get(ch, 1e-5)) for w in words for ch in w if ch.isalpha())


@cache
def letter_frequencies(language: str) -> dict[str, float]:
    """How often each letter occurs in ``language``'s own CLDR names of languages, territories and scripts."""
    from babel import Locale, UnknownLocaleError

    try:
        locale = Locale.parse(language)
    except (UnknownLocaleError, ValueError):
        return {}
    seen: collections.Counter[str] = collections.Counter()
    for table in (locale.languages, locale.territories, locale.scripts):
        for name in table.values():
            seen.update(ch for ch in name.casefold() if ch.isalpha())
    total = sum(seen.values())
    return {ch: n / total for ch, n in seen.items()} if total else {}


def language_name(language: str) -> str:
    """The English name of a language code (es → Spanish), or the code when CLDR has none."""
    from babel import Locale

    return str(Locale("en").languages.get(language, language))
