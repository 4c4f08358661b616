"""Phone numbers: E.164 output, issue codes, warnings, and the fast path agreeing with phonenumbers."""

from __future__ import annotations

import random
import re

import pandas as pd
import phonenumbers
import pyarrow as pa
import pytest

from importer.normalize.phones import normalize_phones, region_rules


def _one(cell: str, region: str = "IN") -> tuple[str, str, str]:
    r = normalize_phones(pd.Series([cell]), region)
    return r.e164.iloc[0], r.issue.iloc[0], r.warning.iloc[0]


@pytest.mark.parametrize(
    ("cell", "e164"),
    [
        ("9822033445", "+919822033445"),
        ("+91 98220 33445", "+919822033445"),
        ("098220-33445", "+919822033445"),
        ("919822033445", "+919822033445"),
        ("0091 98220 33445", "+919822033445"),
        ("(0)98220 33445", "+919822033445"),
        ("p:+919822033445", "+919822033445"),
        ("Mobile No. 9822033445", "+919822033445"),
        ("WhatsApp: +91 98220 33445", "+919822033445"),
        ("Contact No - 9822033445", "+919822033445"),
        ("9822033445.0", "+919822033445"),
        ("9.822033445E+09", "+919822033445"),
        ("+1 415 555 2671", "+14155552671"),
        ("022 4012 3456", "+912240123456"),
        ("(+91) 98220 33445", "+919822033445"),
        ("(+91) 98220-33445", "+919822033445"),
        ("+91\u201398220\u201333445", "+919822033445"),  # en dashes (Word, Outlook)
        ("\u202a+91 98220 33445\u202c", "+919822033445"),  # copied from WhatsApp Desktop
        ("\u200e+919822033445", "+919822033445"),
        ("\ufeff9822033445", "+919822033445"),
        ("98220\u200b33445", "+919822033445"),
        ("9822033445 (M)", "+919822033445"),  # a label after the number
        ("+91 9822033445 (WhatsApp)", "+919822033445"),
        ("9822033445 ,", "+919822033445"),
        ("98,22,033,445", "+919822033445"),  # thousands separators
        ("9,822033445E+09", "+919822033445"),  # a decimal comma (European Excel), lossless
    ],
)
def test_valid_numbers_become_e164(cell: str, e164: str) -> None:
    """Every common way of writing a number gives the same E.164 and no issue."""
    assert _one(cell) == (e164, "", "")


@pytest.mark.parametrize(
    ("cell", "region", "e164"),
    [
        ("Mob 9822033445", "IN", "+919822033445"),  # no colon
        ("(M) 9822033445", "IN", "+919822033445"),
        ("Tel 022 4012 3456", "IN", "+912240123456"),
        ("Tel/WhatsApp: +91 98220 33445", "IN", "+919822033445"),
        ("Mob (+91) 98220 33445", "IN", "+919822033445"),
        ("Res: 022 4012 3456", "IN", "+912240123456"),
        ("India: 98220 33445", "IN", "+919822033445"),  # the row's own country
        ("Handy: 0171 2345678", "DE", "+491712345678"),
        ("Tél : 06 12 34 56 78", "FR", "+33612345678"),
        ("Celular: (11) 91234-5678", "BR", "+5511912345678"),
        ("Моб.: 8 916 123-45-67", "RU", "+79161234567"),  # noqa: RUF001
        ("手机：138 0013 8000", "CN", "+8613800138000"),  # noqa: RUF001  (a full-width colon)
        ("جوال: 050 123 4567", "AE", "+971501234567"),
        ("9822033445 - Rahul", "IN", "+919822033445"),  # words after the number
        ("9822033445 WhatsApp only", "IN", "+919822033445"),
    ],
)
def test_a_label_in_any_language_around_the_number_is_not_part_of_it(cell: str, region: str, e164: str) -> None:
    """Words written before the number (with or without a colon, in the sheet's language) or after it are read
    as its label, as ``Mobile:`` and ``(WhatsApp)`` are."""
    assert _one(cell, region) == (e164, "", "")


@pytest.mark.parametrize(
    ("cell", "region"),
    [
        ("UK: 7400 123456", "IN"),  # a valid Indian mobile when read in India: the label says it is not
        ("Germany 0171 2345678", "IN"),
        ("USA 415-555-0142", "IN"),
        ("Dubai 050 123 4567", "IN"),
    ],
)
def test_a_label_naming_another_country_keeps_the_number_from_being_read_in_the_rows(cell: str, region: str) -> None:
    """A number labelled with another country than the row's is never sent as the row's country's number."""
    e164, issue, _ = _one(cell, region)
    assert e164 == ""
    assert issue in ("invalid-phone", "phone-other-country")


@pytest.mark.parametrize(
    ("cell", "region", "e164"),
    [
        ("+52 1 55 1234 5678", "MX", "+525512345678"),  # the mobile 1 (WhatsApp still writes it)
        ("+5215512345678", "IN", "+525512345678"),  # with its + anywhere
        ("521 55 1234 5678", "MX", "+525512345678"),
        ("044 55 1234 5678", "MX", "+525512345678"),  # local mobile prefix
        ("045 33 1234 5678", "MX", "+523312345678"),  # national mobile prefix
        ("01 81 2345 6789", "MX", "+528123456789"),  # long distance
        ("(55) 1234-5678", "MX", "+525512345678"),
    ],
)
def test_mexican_numbers_written_before_2019_are_read(cell: str, region: str, e164: str) -> None:
    """Mexico's retired prefixes (phonenumbers no longer reads them) are left out: the ten digits after them are
    the number."""
    assert _one(cell, region) == (e164, "", "")


def test_a_mexican_prefix_is_not_taken_off_outside_mexico() -> None:
    """044 55 1234 5678 read in India is no Mexican number (it names no country): not read as one."""
    assert _one("044 55 1234 5678", "IN")[0] != "+525512345678"
    assert _one("5215512345678", "IN")[0] != "+525512345678"


@pytest.mark.parametrize(
    ("cell", "issue"),
    [
        ("98220abcde", "invalid-phone"),  # keypad letters must not become digits
        ("1-800-FLOWERS", "invalid-phone"),
        ("12345", "invalid-phone"),
        ("98220334455667", "invalid-phone"),
        ("9.82203E+09", "damaged-phone"),  # Excel already dropped digits
        ("9.19822055667123E+15", "damaged-phone"),
        ("9999999999", "repeated-digits"),
        ("9898989898", "repeated-digits"),
        ("0000000000", "repeated-digits"),
        ("9000000000", "repeated-digits"),
        ("1234567890", "fake-phone"),
        ("9876543210", "fake-phone"),
        ("98220334.45", "invalid-phone"),  # a decimal number, not a phone with a separator
        ("-9822033354", "damaged-phone"),  # +91-9822033445 typed into Excel: computed as 91 - 9822033445
        ("9,82203E+09", "damaged-phone"),
    ],
)
def test_bad_numbers_get_issue_codes(cell: str, issue: str) -> None:
    """Unparseable, damaged and fake numbers are flagged with their own code."""
    assert _one(cell)[1] == issue


@pytest.mark.parametrize("cell", ["", "  ", "N/A", "-", "none", "NULL", "#N/A"])
def test_placeholders_count_as_empty(cell: str) -> None:
    """Placeholders are no phone at all, not an invalid one."""
    assert _one(cell) == ("", "", "")


def test_two_numbers_keep_the_first_with_a_warning() -> None:
    """Two numbers in one cell: the first is used and the row is warned."""
    assert _one("98220 33445 / 98220 44556") == ("+919822033445", "", "multiple-phones")
    assert _one("9822033445, 9822044556") == ("+919822033445", "", "multiple-phones")
    assert _one("98220 33445 98220 44556") == ("+919822033445", "", "multiple-phones")  # only a space between
    assert _one("9822033445/46") == ("+919822033445", "", "multiple-phones")  # the second as its last digits


@pytest.mark.parametrize("cell", ["+91 +91 98220 33445", "+91 91 98220 33445", "+91919822033445", "p:+91919822033445"])
def test_a_country_code_typed_twice_is_read_once_with_a_warning(cell: str) -> None:
    """Lead forms with +91 already in the field get 91 typed again: the number is still the lead's."""
    assert _one(cell) == ("+919822033445", "", "country-code-repeated")
    assert _one("+91 91234 56789") == ("+919123456789", "", "")  # a valid number that starts with 91 stays


def test_extension_is_dropped_with_a_warning() -> None:
    """An extension cannot be dialled by the CRM: dropped, with a warning."""
    assert _one("022 4012 3456 ext. 21") == ("+912240123456", "", "phone-extension-dropped")
    assert _one("+91 22 4012 3456 x21") == ("+912240123456", "", "phone-extension-dropped")


def test_default_region_comes_from_the_mapping() -> None:
    """A national number is read in the mapping's region."""
    assert _one("020 7946 0018", "GB")[0] == "+442079460018"
    assert _one("(415) 555-2671", "US")[0] == "+14155552671"


def test_result_is_aligned_with_input_index() -> None:
    """Repeated values and a non-default index come back aligned row by row."""
    raw = pd.Series(["9822033445", "bad", "9822033445"], index=[10, 11, 12])
    out = normalize_phones(raw, "IN")
    assert out.e164.to_dict() == {10: "+919822033445", 11: "", 12: "+919822033445"}
    assert out.issue.to_dict() == {10: "", 11: "invalid-phone", 12: ""}


def _reference(cell: str, region: str) -> str:
    """phonenumbers' answer, but for digits that start with the region's calling code and lack the trunk prefix
    its national numbers are written with: valid read with the code, that is the number (4915112345678 in Germany
    is +49 151 12345678, which phonenumbers reads as +49 4915112345678, a landline of an area code 04915), unless
    the whole is one of the region's mobiles as written (9118001416 in India)."""
    try:
        number = phonenumbers.parse(cell, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert metadata is not None
    cc, trunk = str(metadata.country_code), metadata.national_prefix
    mobile = metadata.mobile
    as_written_mobile = (
        mobile is not None
        and mobile.national_number_pattern is not None
        and len(cell) in (mobile.possible_length or metadata.general_desc.possible_length or ())  # type: ignore[union-attr]
        and re.fullmatch(mobile.national_number_pattern, cell) is not None
    )
    if trunk and cell.isdigit() and cell.startswith(cc) and not cell.startswith(trunk) and not as_written_mobile:
        coded = phonenumbers.parse("+" + cell, None)
        if phonenumbers.is_valid_number(coded) and str(coded.country_code) == cc:
            number = coded
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


@pytest.mark.parametrize("region", ["IN", "GB", "DE", "AE", "SG", "AU"])
def test_fast_path_agrees_with_phonenumbers(region: str) -> None:
    """On thousands of random digit strings in every shape, the E.164 equals phonenumbers' own answer.

    Both ways: the fast path accepts only what phonenumbers accepts, and what it rejects by itself
    (digits read as a national number) phonenumbers rejects too.
    """
    rng = random.Random(f"phones-{region}")
    cc = region_rules(region).country_code
    examples = [
        str(n.national_number)
        for t in phonenumbers.PhoneNumberType.values()
        if (n := phonenumbers.example_number_for_type(region, t)) is not None
    ]
    cells = []
    for _ in range(4000):
        base = rng.choice(examples)
        keep = rng.randint(1, len(base))
        digits = base[:keep] + "".join(
            rng.choice("0123456789") for _ in range(len(base) - keep + rng.choice([-1, 0, 0, 0, 1]))
        )
        shape = rng.randrange(6)
        cells.append(
            [digits, "+" + cc + digits, cc + digits, "0" + digits, "00" + cc + digits, f"{digits[:5]} {digits[5:]}"][
                shape
            ]
        )
    # Digits that are no number at all: every length, every first digit, the IDD-like starts.
    starts = [str(d) for d in range(1, 10)] + ["14", "1411", cc, "00", "0"]
    for _ in range(3000):
        start = rng.choice(starts)
        cells.append(start + "".join(rng.choice("0123456789") for _ in range(rng.randint(0, 14))))
    out = normalize_phones(pd.Series(cells), region)
    fake = out.issue.isin(["repeated-digits", "fake-phone"])
    expected = [_reference(c, region) for c in cells]
    mismatches = [
        (c, got, want) for c, got, want, f in zip(cells, out.e164, expected, fake, strict=True) if got != want and not f
    ]
    assert mismatches == []
    assert (out.e164 != "").sum() > 500  # the sample really exercises valid numbers


@pytest.mark.parametrize(
    ("region", "cell", "e164"),
    [
        ("TJ", "810442079460018", "+442079460018"),
        ("CU", "119442079460018", "+442079460018"),
        ("IL", "015442079460018", "+442079460018"),
        ("IL", "01599123456", ""),  # 1599 123456 is an Israeli number, but 015 is dialled abroad
    ],
)
def test_digits_after_the_idd_prefix_are_dialled_abroad(region: str, cell: str, e164: str) -> None:
    """Digits that start with the IDD prefix are international (Tajikistan 810, Cuba 119, Israel 015...)."""
    assert _reference(cell, region) == e164
    assert normalize_phones(pd.Series([cell]), region).e164.tolist() == [e164]


def test_a_paragraph_in_the_phone_column_is_invalid_at_once() -> None:
    """A long note pasted into the phone column is invalid-phone, without running the phone patterns on it."""
    assert _one("call me at 9822033445 " * 2000)[1] == "invalid-phone"


def test_a_large_column_of_distinct_numbers_reads_the_same_without_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """A big column of nearly all different cells skips the unique-value step; every verdict is unchanged,
    repeated awkward cells included."""
    import importer.normalize.phones as phones

    rng = random.Random(7)
    shapes = ("{}", "+91 {}", "0{}", "91{}", "{} ext 12", "{}/98", "{}0", "98765abcde", "N/A", "9999999999", "")
    weights = (30, 20, 10, 10, 5, 5, 15, 1, 1, 1, 2)
    cells = [
        rng.choices(shapes, weights)[0].format(rng.randrange(6_000_000_000, 9_999_999_999)) for _ in range(120_000)
    ]
    series = pd.Series(cells, index=range(5, 120_005))
    assert phones._mostly_distinct(pa.array(cells, pa.large_string()))
    fast = normalize_phones(series, "IN")
    monkeypatch.setattr(phones, "_mostly_distinct", lambda column: False)
    hashed = normalize_phones(series, "IN")
    for name in ("e164", "issue", "warning"):
        assert getattr(fast, name).tolist() == getattr(hashed, name).tolist()
        assert getattr(fast, name).index.equals(series.index)
    assert fast.issue.value_counts()["invalid-phone"] > 10_000
    assert fast.warning.value_counts()["multiple-phones"] > 3_000  # the awkward shapes were really there
