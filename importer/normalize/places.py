"""Which country a city or state cell names, from phonenumbers' geocoder: the places its area codes serve.

``Mumbai``, ``Pune, Maharashtra``, ``Manchester`` are the geocoder's English descriptions of Indian and British
area codes; a place that several countries' area codes serve (``Hyderabad``: India and Pakistan) names none.
The descriptions are read from the geocoder's data files once (about 0.3 s), without importing them: imported,
they hold every place's name in every language for the rest of the process.
"""

from __future__ import annotations

import ast
import re
from functools import lru_cache
from pathlib import Path

import phonenumbers

from importer.normalize.country_names import name_key

_ENGLISH = re.compile(r"^ '(\d+)':\{[^\n]*?'en': u?'((?:[^'\\]|\\.)*)'", re.MULTILINE)
_PLACE_HEADERS = frozenset(
    ("state", "province", "county", "district", "location", "region", "stateprovince", "rajya", "jila", "zila")
)  # Rajya, Jila: state and district in Hindi written in Latin letters
"""Headers (as :func:`name_key` makes them) of a column of places besides the city's: a state says the country too."""
_SHORTEST = 3
"""Letters a place's name needs to count (``NY``, ``ON``: a state's code, no place of its own)."""


def is_place(header: str) -> bool:
    """The header names a city, a state or province, or a location."""
    from importer.tools.vocabulary import is_city  # not at import: importer.tools' package imports normalize

    return is_city(header) or name_key(header) in _PLACE_HEADERS


def place_columns(headers: list[str]) -> list[tuple[str, bool]]:
    """Of ``headers``, those of places, each with whether it names the country (``Country``) or a city, state or
    location in it (``City``, ``State``)."""
    from importer.tools.vocabulary import is_country  # not at import: importer.tools' package imports normalize

    return [(h, is_country(h)) for h in headers if h and (is_country(h) or is_place(h))]


def postcode_columns(headers: list[str]) -> list[str]:
    """Of ``headers``, those of postal codes (``Postcode``, ``ZIP``, ``PIN Code``, ``PLZ``)."""
    from importer.tools.vocabulary import is_postcode  # not at import: importer.tools' package imports normalize

    return [h for h in headers if h and is_postcode(h)]


def place_region(cell: str) -> str | None:
    """The region whose area codes serve the place ``cell`` names (``Pune``, ``Pune, Maharashtra``), if one does."""
    found: set[int] = set()
    for part in {cell, *cell.split(",")}:
        code = _place_code(name_key(part))
        if code is not None:
            found.add(code)
    return phonenumbers.region_code_for_country_code(found.pop()) if len(found) == 1 else None


_SUBDIVISION_CODE = re.compile(r"[A-Z]{2,3}")
"""NY, TX, NSW, MH: a state's or province's code, as a State column of a CRM's export holds them."""
_MOST = 0.8


def coded_places(counts: dict[str, int]) -> dict[str, str]:
    """The region of a column's state or province codes (``counts``: each cell and its rows): the country whose
    ISO 3166-2 codes (pycountry's) most of them are (``NY``, ``TX``, ``FL``: the US's, though Hungary has an NY),
    for each of them that is its; nothing when no one country has most of them (``CA``, ``MA`` alone)."""
    codes = {text: _subdivision_countries(text) for text in counts if _SUBDIVISION_CODE.fullmatch(text)}
    rows: dict[str, int] = {}
    for text, countries in codes.items():
        for country in countries:
            rows[country] = rows.get(country, 0) + counts[text]
    total = sum(counts[text] for text, countries in codes.items() if countries)
    ranked = sorted(rows, key=lambda c: -rows[c])
    if not ranked or rows[ranked[0]] < _MOST * total or (len(ranked) > 1 and rows[ranked[1]] == rows[ranked[0]]):
        return {}
    top = ranked[0]
    return {text: top for text, countries in codes.items() if top in countries}


@lru_cache(maxsize=1)
def _subdivision_index() -> dict[str, frozenset[str]]:
    import pycountry

    index: dict[str, set[str]] = {}
    for sub in pycountry.subdivisions:
        country, _, own = str(sub.code).partition("-")
        index.setdefault(own, set()).add(country)
    return {own: frozenset(countries) for own, countries in index.items()}


def _subdivision_countries(code: str) -> frozenset[str]:
    return _subdivision_index().get(code, frozenset())


def place_codes(cell: str) -> frozenset[int]:
    """Every calling code whose geocoder names a place ``cell`` names (as an area, a state or a town, North
    America's towns too): ``Boston`` is Britain's and America's, ``Somerville`` America's alone."""
    found: set[int] = set()
    for part in {cell, *cell.split(",")}:
        for kind in _places().get(name_key(part), ()):
            found |= kind
    return frozenset(found)


_WHOLE, _STATE, _TOWN = range(3)


def _place_code(key: str) -> int | None:
    """The one calling code a place's name stands for: the code whose geocoder describes an area by that name alone
    (``London``, not Ontario's ``London, ON``), else as its state or province (``Maharashtra``), else as its town
    outside North America, whose towns bear the names of the world's cities (``Delhi, NY``; India's is ``New
    Delhi``)."""
    kinds = _places().get(key)
    if kinds is None:
        return None
    for kind in (_WHOLE, _STATE, _TOWN):
        codes = kinds[kind] - ({1} if kind == _TOWN else set())
        if len(codes) == 1:
            return next(iter(codes))
        if codes:
            return None  # several countries' places of the same standing
    return None


@lru_cache(maxsize=1)
def _places() -> dict[str, tuple[frozenset[int], frozenset[int], frozenset[int]]]:
    """Each place's name (as :func:`name_key` makes it) → the calling codes describing an area by it alone, as its
    state or province, and as its town."""
    folder = Path(phonenumbers.__file__).parent / "geodata"
    places: dict[str, tuple[set[int], set[int], set[int]]] = {}
    for path in sorted(folder.glob("data*.py")):
        for match in _ENGLISH.finditer(path.read_text(encoding="utf-8")):
            code = _calling_code(match.group(1))
            text = match.group(2)
            if code is None:
                continue
            if "\\" in text:
                text = ast.literal_eval(f"'{text}'")
            parts = [name_key(part) for part in text.split(",")]
            for at, key in enumerate(parts):
                if len(key) >= _SHORTEST:
                    kind = _WHOLE if len(parts) == 1 else _TOWN if at == 0 else _STATE
                    places.setdefault(key, (set(), set(), set()))[kind].add(code)
    return {key: (frozenset(w), frozenset(s), frozenset(t)) for key, (w, s, t) in places.items()}


def _calling_code(prefix: str) -> int | None:
    known = phonenumbers.COUNTRY_CODE_TO_REGION_CODE
    return next((int(prefix[:n]) for n in (1, 2, 3) if int(prefix[:n]) in known), None)
