"""The tie-breakers of :func:`importer.tools.region.infer_region` that read the headers' language: between
regions whose numbers fit alike, the one that speaks the language the headers are written in."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

import phonenumbers

from importer.tools.header_language import accents, likelihood, spoken, writes
from importer.tools.vocabulary import header_languages


@dataclass(frozen=True, slots=True)
class National:
    """Numbers written without a country code, and the regions each is valid in as written."""

    fits: tuple[dict[str, float], ...]
    tied: tuple[str, ...] = ()  # the regions under whose codes the numbers fit best (more than one: a tie)
    votes: float = 0.0
    rivals: dict[int, str] = field(default_factory=dict)  # codes scoring at least RIVAL of the best: their region
    scores: dict[int, float] = field(default_factory=dict)  # each calling code's score, the best one's being 1

    def valid_share(self, region: str) -> float:
        return sum(1 for f in self.fits if region in f) / len(self.fits) if self.fits else 1.0


CLOSE = 0.95
"""Calling codes whose numbers fit this nearly as well as the best one's share its votes (a tie)."""


WORDED = 0.4
"""Share of the best calling code's score that a region's numbers need for the headers' language to pick it."""


def by_headers_language(
    national: National | None, by_code: Mapping[int, float], headers: list[str], region: str
) -> str | None:
    """Among the regions the numbers are as valid in as in ``region``, the one that speaks the language whose own
    words the headers are (``Nombre``, ``Telefono``), when ``region`` does not; None when several do (``311 234
    5678`` under ``Telefono`` is Mexican or Colombian). When ``region`` speaks it and ties with others that do not
    (``612 345 670``: Spain's and Guinea's alike), ``region``.

    Weak evidence: it only breaks a tie in the numbers' validity, and never against the rest of the evidence
    (+CC numbers, domains, time zones): Spanish headers do not make a sheet Spain's, its numbers do.
    """
    languages = header_languages(headers)
    if national is None or not languages:
        return None
    if spoken(region) & languages:
        tied = [r for r in national.tied if r != region]
        return region if tied and not any(spoken(r) & languages for r in tied) else None
    floor = max(0.9, national.valid_share(region))
    backing = by_code.get(phonenumbers.country_code_for_region(region), 0.0)
    close = {
        r
        for code, score in national.scores.items()
        if score >= WORDED
        and (r := national.rivals.get(code) or phonenumbers.region_code_for_country_code(code))
        and r != region
        and national.valid_share(r) >= floor
        and by_code.get(code, 0.0) >= backing
        and spoken(r) & languages
    }
    return close.pop() if len(close) == 1 else None


def by_headers_letters(national: National | None, headers: Iterable[str], region: str) -> str | None:
    """Among the regions the numbers fit nearly as well as ``region``, one whose language writes the headers'
    accented letters, when none of ``region``'s languages does: ``Móvil`` over ``91 234 56 78`` is Spain's, not
    Uzbekistan's. Among several, the one whose language the headers' letters are likeliest in.

    English headers are written everywhere; only accented Latin letters tell. A language's letters and their
    frequencies are those of its own CLDR names of languages, territories and scripts (Babel).
    """
    words = [h.casefold() for h in headers]
    letters = accents(words)
    if national is None or not letters or writes(region, letters):
        return None
    close = {
        r: score
        for code, score in national.scores.items()
        if score >= WORDED
        and (r := national.rivals.get(code) or phonenumbers.region_code_for_country_code(code))
        and r != region
        and national.valid_share(r) >= 0.9
        and writes(r, letters)
    }
    if not close:
        return None
    fit = {r: max(likelihood(words, lang) for lang in spoken(r)) for r in close}
    return max(sorted(close), key=lambda r: (fit[r], close[r]))
