"""Emails and names: normalized, checked, and their problems reported the way the issue asks."""

from __future__ import annotations

import pandas as pd
import pyarrow as pa
import pytest

from importer.normalize.contacts import blank_placeholders_arrow, normalize_emails, normalize_names


@pytest.mark.parametrize(
    ("cell", "email", "unusable", "warning"),
    [
        ("  Asha.Rao@Gmail.COM ", "asha.rao@gmail.com", False, ""),
        ("mailto:asha@x.in", "asha@x.in", False, ""),
        ("<mailto:asha@x.in>", "asha@x.in", False, ""),  # a link's target as Outlook and web pages copy it
        ("Asha Rao <mailto:asha@x.in>", "asha@x.in", False, ""),
        ("mailto:asha@x.in?subject=Enquiry&body=Hi", "asha@x.in", False, ""),
        ("asha@x.in?subject=Enquiry", "asha@x.in", False, ""),  # no domain holds a '?'
        ("asha?rao@x.in", "asha?rao@x.in", False, ""),  # a '?' before the @ is the address's own
        ("asha@gmail", "", True, ""),
        ("asha@@gmail.com", "", True, ""),
        ("asha..rao@gmail.com", "", True, ""),
        ("asha rao@gmail.com", "", True, ""),
        ("N/A", "", False, ""),
        ("", "", False, ""),
        ("asha@x.com; rao@y.com", "asha@x.com", False, "multiple-emails"),
        ("Asha Rao <asha@x.com>", "asha@x.com", False, ""),
        ("asha@x.com;", "asha@x.com", False, ""),
        ("asha@x.com.", "asha@x.com", False, ""),
        ("asha @x.com", "asha@x.com", False, ""),
        ("asha@x.com (personal)", "asha@x.com", False, ""),
        ("\u202aasha@x.com\u202c", "asha@x.com", False, ""),
        ("Email: asha@x.com", "asha@x.com", False, ""),
        ("E-mail ID - asha@x.com", "asha@x.com", False, ""),
        ("email-me@x.com", "email-me@x.com", False, ""),  # an address, not a label
        ("mail#1@x.com", "mail#1@x.com", False, ""),
        ("\u2018asha@x.com\u2019", "asha@x.com", False, ""),  # smart quotes
        ("asha\uff20x.com", "asha@x.com", False, ""),  # a full-width at sign
    ],
)
def test_emails(cell: str, email: str, unusable: bool, warning: str) -> None:
    """Trimmed, lowercased, syntax-checked; the first of several kept with a warning."""
    out = normalize_emails(pd.Series([cell]))
    assert (out.email.iloc[0], bool(out.unusable.iloc[0]), out.warning.iloc[0]) == (email, unusable, warning)


def test_names_are_trimmed_and_collapsed() -> None:
    """Outer spaces go, inner runs of whitespace become one space, placeholders empty."""
    out = normalize_names(pd.Series(["  Rahul   Sharma ", "Asha\tRao", "-", "N/A", "Zoë"]))
    assert out.tolist() == ["Rahul Sharma", "Asha Rao", "", "", "Zoë"]


def test_placeholders_are_blanked_in_any_case_and_padding_only_when_whole() -> None:
    """N/A-style cells become empty whatever their case and padding; longer text that starts like one stays."""
    values = pa.array([" N/A ", "none", "NONE", "Nonesuch Ltd", "-", "--x", "Not Available", "x", "X", "0", "00", "na"])
    out = blank_placeholders_arrow(values).to_pylist()
    assert out == ["", "", "", "Nonesuch Ltd", "", "--x", "", "", "", "", "00", ""]
