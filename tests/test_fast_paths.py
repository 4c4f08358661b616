"""The dry run's byte-level shortcuts agree with the plain Arrow/regex computations they stand for, on any text."""

from __future__ import annotations

from functools import cache
from unittest import mock

import numpy as np
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import given, settings
from hypothesis import strategies as st

from importer.columns import holds_char_in, signed_digits, without_ascii
from importer.normalize.foreign import _FEW_VALUES, every_region, fitting_regions
from importer.normalize.geo_prefixes import every_prefix, is_geocoded
from importer.normalize.shapes import by_shape, digits_as_nines
from importer.report.rows import _EXCEL_CONVERTS, _FORMULA_START, _excel_would_change, formula_safe_arrow

# Phones, numbers, dates and formulas as people type them, in any script, with every kind of space.
_PIECES = st.sampled_from(
    [*"0123456789", " ", "  ", "\t", "\n", "\r", "\x0b", "\x0c", "\xa0", "\u2009", "\u3000", "(", ")", "-", ".", "/",
     "+", "=", "@", ",", "e", "E", "'", '"', "*", "x", "ext", "١٢٣", "०९", "\uff17", "é", "名", "\x00", "\x1a", "\x7f"]
)  # fmt: skip
_CELL = st.one_of(st.lists(_PIECES, max_size=12).map("".join), st.text(max_size=12))
_CELLS = st.lists(_CELL, max_size=40)
_FAST = settings(max_examples=300, deadline=None)


def _regex_shapes(values: pa.Array) -> dict[str, list[str]]:
    """The shapes as first written: each distinct value's digits replaced and spaces squeezed by regex."""
    distinct = pc.unique(values)
    shapes = pc.utf8_trim_whitespace(
        pc.replace_substring_regex(pc.replace_substring_regex(distinct, r"\d", "9"), r"\s+", " ")
    ).to_pylist()
    out: dict[str, list[str]] = {}
    for shape, value in zip(shapes, distinct.to_pylist(), strict=True):
        out.setdefault(shape, []).append(value)
    return out


@_FAST
@given(cells=_CELLS, start=st.integers(0, 5))
def test_shapes_are_those_the_regexes_give(cells: list[str], start: int) -> None:
    values = pa.array(cells, pa.large_string()).slice(min(start, len(cells)))
    got = {shape: group.to_pylist() for shape, group in by_shape(values).items()}
    expected = _regex_shapes(values)
    assert list(got) == list(expected)  # the same shapes in the same order, each with its values in order
    assert got == expected
    assert digits_as_nines(values).to_pylist() == pc.replace_substring_regex(values, r"\d", "9").to_pylist()


@_FAST
@given(cells=_CELLS, chars=st.sampled_from(["\r\n", "0123456789", "\x00\x01\x1a\x1b\x7f", "=+-@"]))
def test_holding_a_character_is_what_python_finds(cells: list[str], chars: str) -> None:
    values = pa.array(cells, pa.large_string())
    expected = [any(ch in cell for ch in chars) for cell in cells]
    assert holds_char_in(values, chars).tolist() == expected
    if len(cells) > 2:
        assert holds_char_in(values.slice(1, len(cells) - 2), chars).tolist() == expected[1:-1]


@_FAST
@given(cells=_CELLS)
def test_the_excel_check_is_the_pattern_on_every_value(cells: list[str]) -> None:
    values = pa.array(cells, pa.large_string())
    risky = pc.fill_null(pc.match_substring_regex(values, _EXCEL_CONVERTS), False).to_numpy(zero_copy_only=False)
    formula = np.array([cell[:1] in _FORMULA_START and cell != "" for cell in cells], dtype=bool)
    assert _excel_would_change(values).tolist() == (np.asarray(risky, dtype=bool) | formula).tolist()
    # and what it lets through, the report writes as it is
    untouched = ~_excel_would_change(values)
    safe = formula_safe_arrow(values).to_pylist()
    assert [s for s, keep in zip(safe, untouched, strict=True) if keep] == [
        c for c, keep in zip(cells, untouched, strict=True) if keep
    ]


@cache
def _every_prefix_sorted() -> list[int]:
    return sorted(every_prefix())


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_a_prefix_is_placed_as_in_the_whole_geocoder(data: st.DataObject) -> None:
    every = _every_prefix_sorted()
    known = every[data.draw(st.integers(0, len(every) - 1))]
    # the prefix itself, its neighbours, its own leading digits and longer ones: in and out of the parts' ranges
    for prefix in {known, known - 1, known + 1, known // 10, known * 10 + 7, data.draw(st.integers(1, 10**9))}:
        assert is_geocoded(prefix) == (prefix in every_prefix()), prefix


@_FAST
@given(cells=st.lists(st.one_of(_CELL, st.none()), max_size=40), start=st.integers(0, 5), large=st.booleans())
def test_taking_out_separators_is_the_regex(cells: list[str | None], start: int, large: bool) -> None:
    values = pa.array(cells, pa.large_string() if large else pa.string()).slice(min(start, len(cells)))
    got = without_ascii(values, " ().-")
    assert got.type == values.type
    assert got.to_pylist() == pc.replace_substring_regex(values, r"[ ().\-]", "").to_pylist()


@cache
def _example_numbers() -> list[str]:
    """A valid number of every region and type, written nationally (trunk prefix and separators included)."""
    out = []
    for region in sorted(phonenumbers.SUPPORTED_REGIONS):
        for kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE):
            number = phonenumbers.example_number_for_type(region, kind)
            if number is not None:
                out.append(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL))
    return out


_PHONE_LIKE = st.one_of(
    st.builds(lambda i: _example_numbers()[i % len(_example_numbers())], st.integers(0, 10**6)),
    st.text(alphabet="0123456789", min_size=5, max_size=14),
    st.lists(st.sampled_from([*"0123456789", " ", "-", "(", ")", "٣", "\uff17"]), max_size=16).map("".join),
)


@_FAST
@given(values=st.lists(_PHONE_LIKE, min_size=1, max_size=_FEW_VALUES))
def test_few_values_fit_the_regions_the_column_wide_patterns_find(values: list[str]) -> None:
    few = fitting_regions(values, every_region())
    padded = values + ["0"] * (_FEW_VALUES + 1 - len(values))  # enough values for the column-wide matching
    assert few == fitting_regions(padded, every_region())[: len(values)]


_SIGNED = st.lists(
    st.one_of(st.just(""), st.just("+"), st.from_regex(r"\+[0-9]{1,20}", fullmatch=True), _CELL), max_size=30
)


@_FAST
@given(cells=_SIGNED, start=st.integers(0, 5), large=st.booleans(), long=st.booleans(), nulls=st.booleans())
def test_a_column_of_e164_phones_is_made_safe_as_by_the_general_rules(
    cells: list[str], start: int, large: bool, long: bool, nulls: bool
) -> None:
    """A column of + and digits (the report's phone_e164) takes a short way; the cells written are the same."""
    column = [*cells, *(["+" + "9" * 260] if long else []), *([None] if nulls else [])]
    values = pa.array(column, pa.large_string() if large else pa.string()).slice(min(start, len(column)))
    fast, changes = formula_safe_arrow(values).to_pylist(), _excel_would_change(values).tolist()
    with mock.patch("importer.report.rows.signed_digits", return_value=False):
        assert formula_safe_arrow(values).to_pylist() == fast
        assert _excel_would_change(values).tolist() == changes


def test_e164_phones_are_told_from_other_columns() -> None:
    assert signed_digits(pa.array(["+919820123456", "", "+14155550123"]), 250)
    assert signed_digits(pa.array(["+919820123456", "", "+14155550123"]).slice(1), 250)
    for other in (["+91 98201", "+1"], ["+", "+1"], ["919820123456"], ["+1+2"], ["+1", None], [""], []):
        assert not signed_digits(pa.array(other, pa.string()), 250), other
    assert not signed_digits(pa.array(["+" + "1" * 250]), 250)
