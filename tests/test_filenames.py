"""Names made from someone else's file name still fit the file system."""

from __future__ import annotations

import pytest

from importer.filenames import NAME_MAX, fit_name


def test_a_short_name_is_kept() -> None:
    assert fit_name("leads.csv", reserve=40) == "leads.csv"


@pytest.mark.parametrize("name", ["लीड्स" * 40 + ".csv", "a" * 300 + ".xlsx", "ü" * 200, "x" * 100 + "." + "y" * 200])
def test_a_long_name_is_cut_in_the_middle_to_fit_keeping_its_type(name: str) -> None:
    short = fit_name(name, reserve=46)
    assert len(short.encode("utf-8")) + 46 <= NAME_MAX
    assert "…" in short
    if name.endswith((".csv", ".xlsx")):
        assert short.endswith("…" + name[name.rindex(".") :])
    assert name.startswith(short.split("…")[0])


def test_one_line_escapes_what_would_break_or_hide_a_log_line_and_keeps_every_script() -> None:
    """Line breaks, ESC, C1 controls and bidi overrides are shown escaped; letters, accents and joiners stay."""
    from importer.filenames import one_line

    assert one_line("a\nb\r\tc\x1b[0m\x85\u2028\u202e") == "a\\nb\\r\\tc\\x1b[0m\\x85\\u2028\\u202e"
    assert one_line("लीड्स Café क्‍ष.csv") == "लीड्स Café क्‍ष.csv"
