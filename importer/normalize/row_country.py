"""A row that names another country than the default region: its number, valid in both, is not sent as home's.

A sheet of several countries (an Indian team's sheet with British leads among its Indian ones) names no country
as a whole, so :mod:`importer.normalize.sheet_country` holds nothing; but a row can name its own: a British postcode
(``LS1 4AP``, a format only Britain uses), a British city (``Leeds``), a ``Country`` cell the mapping does not read
phones by (``UK``). When what the row names is one country, not the default region's, and its number, read in the
default region without a code, is valid there as that country writes it (``7911123456``: a British mobile whose 0
Excel dropped, and an Indian mobile as digits), the row is ``phone-other-country`` with that country named: sending
it as +91 would reach a wrong person. A row naming its own country, or two countries, or none, is read as before,
so an Indian sheet's rows (Indian cities, PIN codes) send every good lead; so is a column whose other countries
the numbers do not fit (most of its rows naming one are not valid there): a study-abroad sheet's destination.

Cells are read once per distinct value among the rows that need it, and matched back to rows column-wide.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText, to_bool
from importer.normalize.cities import city_regions
from importer.normalize.countries import region_of_code
from importer.normalize.phone_forms import without_float_tail
from importer.normalize.places import coded_places
from importer.normalize.postcodes import postcode_region, postcode_regions
from importer.normalize.sheet_country import MOST, Evidence, bare_rows, written_there

_CITY_PEOPLE = 100_000
"""People a city needs to name its country for its row alone: a smaller town's name may be a home suburb's or
locality's that GeoNames does not list (Bengaluru's Whitefield, a town of 23,000 near Manchester)."""


def row_countries(
    raw: ArrowText, e164: ArrowText, issue: ArrowText, home: np.ndarray, default: str, evidence: Evidence
) -> tuple[np.ndarray, np.ndarray]:
    """The rows read in ``default`` without a code whose own cells name one other country where their number is
    valid as written, and that country for each."""
    bare = bare_rows(raw, e164, issue, home)
    none = (np.empty(0, np.int64), np.empty(0, object))
    if not bare.any() or not (evidence.places or evidence.postcodes):
        return none
    at = np.flatnonzero(bare)
    taken = pa.array(at, pa.int64())
    columns: list[tuple[pa.Array, Callable[[dict[str, int]], dict[str, str]]]] = [
        (column, _country_regions if countries else _place_regions) for column, countries in evidence.places
    ]
    columns += [(column, _postcode_regions) for column in evidence.postcodes]
    home_code = phonenumbers.country_code_for_region(default)
    code = np.zeros(len(at), dtype=np.int64)  # the calling code each row's cells name (0: none yet)
    region = np.full(len(at), None, dtype=object)
    clash = np.zeros(len(at), dtype=bool)
    fits = np.zeros(len(at), dtype=bool)
    for column, read in columns:
        found, found_code = _column_regions(pc.take(column, taken), read)
        elsewhere = (found_code > 0) & (found_code != home_code)
        if not elsewhere.any():
            found_fits = elsewhere
        else:
            found_fits = _fitting(raw, at, elsewhere, found)
            named = int((found_code > 0).sum())
            if named - int(elsewhere.sum()) + int(found_fits.sum()) < MOST * named:
                # A study-abroad sheet's destination (UK, Canada beside Indian numbers): the column's countries are
                # not its rows' numbers'
                continue
        clash |= (found_code > 0) & (code > 0) & (found_code != code)  # Leeds beside 400001's Mumbai: none
        new = (found_code > 0) & (code == 0)
        code = np.where(new, found_code, code)
        region = np.where(new, found, region)
        fits |= found_fits
    held = np.flatnonzero((code > 0) & (code != home_code) & ~clash & fits)
    return at[held], region[held]


def _fitting(raw: ArrowText, at: np.ndarray, rows: np.ndarray, regions: np.ndarray) -> np.ndarray:
    """Which of the numbers at ``at`` are valid in their row's region as it writes them, of the ``rows`` (a mask)."""
    want = np.flatnonzero(rows)
    texts = without_float_tail(pc.take(raw, pa.array(at[want], pa.int64())))
    mine_regions = regions[want]
    fit = np.zeros(len(at), dtype=bool)
    for country in sorted(set(mine_regions.tolist())):
        mine = mine_regions == country
        good = written_there(sorted(set(pc.filter(texts, pa.array(mine)).to_pylist())), country)
        fit[want[mine & to_bool(pc.is_in(texts, value_set=pa.array(good, texts.type)))]] = True
    return fit


def _column_regions(cells: pa.Array, read: Callable[[dict[str, int]], dict[str, str]]) -> tuple[np.ndarray, np.ndarray]:
    """Each cell's country (None where it names none) and its calling code (0), each distinct cell read once."""
    text = pc.utf8_trim_whitespace(pc.cast(cells, pa.large_string()))
    counted = pc.value_counts(text)
    values = counted.field("values")
    counts = {str(v): int(n) for v, n in zip(values.to_pylist(), counted.field("counts").to_pylist(), strict=True)}
    regions = read(counts)
    distinct = [regions.get(str(v)) if v is not None else None for v in values.to_pylist()]
    # one place more, for a cell no value is (a null): no country
    names = np.array([*distinct, None], dtype=object)
    codes = np.array([phonenumbers.country_code_for_region(r) if r else 0 for r in distinct] + [0], dtype=np.int64)
    index = pc.fill_null(pc.index_in(text, value_set=values), len(distinct)).to_numpy(zero_copy_only=False)
    return names[index], codes[index]


def _country_regions(counts: dict[str, int]) -> dict[str, str]:
    return {cell: region for cell in counts if cell and (region := region_of_code(cell))}


def _place_regions(counts: dict[str, int]) -> dict[str, str]:
    """The country each city or state cell names for its row alone: where GeoNames' largest city of the name is ten
    times any other country's and has :data:`_CITY_PEOPLE` (:func:`importer.normalize.cities.city_regions`:
    ``London``, ``Leeds``, ``Москва``), or a state's code the column's other codes say is one country's (``NY``). A row has no column of others to outvote
    a wrong reading, so the geocoder's places, which name one country's town where another's city is meant (its
    ``Kochi`` is Japan's, its ``Surat`` a town in Queensland), are not read here; nor are names two countries' cities
    share (``Manchester``, ``Kochi``)."""
    cities = city_regions([cell for cell in counts if cell], people=_CITY_PEOPLE)
    coded = coded_places(counts)
    return {cell: region for cell in counts if cell and (region := cities.get(cell) or coded.get(cell))}


def _postcode_regions(counts: dict[str, int]) -> dict[str, str]:
    """The country of each postal code whose format only one country's code uses (``SW1A 1AA``). Codes of digits
    alone share their formats with other countries' (India's 400001, America's 94105): one of each shape is read,
    and none of them when it names no one country."""
    shapes: dict[str, bool] = {}  # each digits-only shape: whether its first code names a country
    asked = []
    for cell in counts:
        shape = "".join("9" if ch.isdigit() else ch for ch in cell)
        if shape.replace("9", "").strip(" -") == "":
            if shape not in shapes:
                shapes[shape] = postcode_region(cell) is not None
            if not shapes[shape]:
                continue
        asked.append(cell)
    return {cell: found for cell, found in zip(asked, postcode_regions(asked), strict=True) if found is not None}
