"""Arrow helpers that read values straight off Arrow's buffers."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
import pytest

from importer.columns import byte_lengths, first_char_in, holds_char_in, trim_whitespace

VALUES = ["=SUM(A1)", "", "+91 98", "éclair", "-", None, "@home", "\tx", "plain", "=", "ü=", "\r"]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_first_char_in_agrees_with_an_anchored_regex(kind: pa.DataType) -> None:
    """Same answer as ``^[=+\\-@\\t\\r]`` for every value, on slices and chunked arrays too; nulls are False."""
    array = pa.array(VALUES, kind)
    expected = pc.fill_null(pc.match_substring_regex(array, r"^[=+\-@\t\r]"), False).to_pylist()
    assert first_char_in(array, "=+-@\t\r").tolist() == expected
    assert first_char_in(array.slice(3, 6), "=+-@\t\r").tolist() == expected[3:9]
    chunked = pa.chunked_array([array.slice(0, 5), array.slice(5)])
    assert first_char_in(chunked, "=+-@\t\r").tolist() == expected


def test_first_char_in_empty_and_all_empty_arrays() -> None:
    assert first_char_in(pa.array([], pa.large_string()), "=").tolist() == []
    assert first_char_in(pa.array(["", ""], pa.large_string()), "=").tolist() == [False, False]


def test_first_char_in_refuses_non_ascii() -> None:
    with pytest.raises(ValueError, match="ASCII"):
        first_char_in(pa.array(["é"]), "é")


TRIM_CASES = [
    "  a ",
    "a",
    "",
    "\u00a0name\u00a0",
    "\tx\n",
    "नाम ",
    " नाम",
    "plain",
    "\u2003wide",
    "in  side",
    None,
    "\x1fz",
]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_trim_whitespace_matches_arrow_on_every_value(kind: pa.DataType) -> None:
    """Same result as pc.utf8_trim_whitespace, whether few values need trimming or most do."""
    for values in (TRIM_CASES, ["plain"] * 40 + ["  padded  "], ["x"] * 10):
        array = pa.array(values, kind)
        expected = pc.utf8_trim_whitespace(pc.cast(array, pa.large_string())).to_pylist()
        assert trim_whitespace(array).to_pylist() == expected
        assert trim_whitespace(array.slice(1)).to_pylist() == expected[1:]


def test_byte_lengths_count_utf8_bytes() -> None:
    assert byte_lengths(pa.array(["", "ab", "é", "नाम", None])).tolist() == [0, 2, 2, 9, 0]


@pytest.mark.parametrize("kind", [pa.string(), pa.large_string()])
def test_holds_char_in_agrees_with_a_regex(kind: pa.DataType) -> None:
    values = ["Ravi", "98220", "", None, "राम 2", "a1b", "", "x", "12", None, "-", "0"]
    array = pa.array(values, kind)
    expected = pc.match_substring_regex(array, "[0-9]").fill_null(False).to_pylist()
    assert holds_char_in(array, "0123456789").tolist() == expected
    assert holds_char_in(array.slice(2, 7), "0123456789").tolist() == expected[2:9]
    assert holds_char_in(pa.chunked_array([array[:5], array[5:]]), "0123456789").tolist() == expected
    assert holds_char_in(pa.array([], kind), "0").tolist() == []
    assert holds_char_in(pa.array(["", None], kind), "0").tolist() == [False, False]
