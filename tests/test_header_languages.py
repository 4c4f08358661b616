"""Headers without accents still tell the sheet's language (``Nombre``, ``Telefono``): weak evidence that only breaks
a tie in the numbers, never against the numbers' own codes (``mapping suggest`` then ``validate``, as a user runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_home_writings import _sheet, _suggest


def test_unaccented_spanish_headers_make_madrid_numbers_spanish(run_cli: Any, tmp_path: Path) -> None:
    """91 234 56 78 is as valid in Spain as in Uzbekistan; Nombre, Telefono, Correo are Spanish, not Uzbek."""
    rows = [["Ana Ruiz", "91 234 56 78", "ana@correo.com"], ["Luis Gil", "93 456 78 90", "luis@correo.com"],
            ["Eva Sanz", "91 765 43 21", "eva@correo.com"]]  # fmt: skip
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nombre", "Telefono", "Correo"], rows))
    assert "\ndefault_region: ES\n" in text
    assert "Spanish" in text  # the evidence says why
    assert [(r["status"], r["phone_e164"]) for r in report] == [
        ("valid", "+34912345678"), ("valid", "+34934567890"), ("valid", "+34917654321"),
    ]  # fmt: skip
    english = _sheet(tmp_path, ["Name", "Phone", "Email"], rows, name="english.csv")
    text, _ = _suggest(run_cli, tmp_path, english)
    assert "\ndefault_region: ES\n" not in text  # the headers' words made the difference


def test_spanish_headers_do_not_make_mexican_numbers_spanish(run_cli: Any, tmp_path: Path) -> None:
    rows = [["María", "55 1234 5678"], ["José", "33 1234 5678"], ["Lucía", "81 8123 4567"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nombre", "Telefono"], rows))
    assert "\ndefault_region: MX\n" in text
    assert [r["phone_e164"] for r in report] == ["+525512345678", "+523312345678", "+528181234567"]


def test_header_words_never_outweigh_the_numbers_own_codes(run_cli: Any, tmp_path: Path) -> None:
    """Spanish headers, but the sibling column's numbers carry +998: the bare numbers are Uzbekistan's."""
    rows = [["Ana", "91 234 56 78", "+998 90 123 45 67"], ["Luis", "93 456 78 90", "+998 91 234 56 79"],
            ["Eva", "91 765 43 21", "+998 93 456 78 90"]]  # fmt: skip
    text, _ = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nombre", "Telefono", "Movil"], rows))
    assert "\ndefault_region: UZ\n" in text


def test_a_language_two_tied_countries_speak_leaves_no_region(run_cli: Any, tmp_path: Path) -> None:
    """912 345 678 reads alike in Angola, Peru and Portugal; Portuguese headers leave Angola and Portugal: no guess."""
    rows = [["Ana", "912 345 678"], ["Rui", "934 567 890"], ["Eva", "965 432 109"], ["Joao", "917 654 321"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nome", "Telefone"], rows))
    assert "\ndefault_region:" not in text
    assert {(r["status"], r["reason"]) for r in report} == {("invalid", "no-region")}


def test_unaccented_dutch_headers_settle_rotterdam_landlines(run_cli: Any, tmp_path: Path) -> None:
    """010 123 4567 reads alike in several countries; under Naam, Telefoon only the Netherlands speaks the headers'
    language, while English headers leave the sheet without a default_region."""
    rows = [["Daan de Vries", "010 123 4567"], ["Sanne Jansen", "010 123 4574"], ["Lars Bakker", "010 123 4581"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Naam", "Telefoon"], rows))
    assert "\ndefault_region: NL\n" in text
    assert "Dutch" in text
    assert [(r["status"], r["phone_e164"]) for r in report] == [
        ("valid", "+31101234567"), ("valid", "+31101234574"), ("valid", "+31101234581"),
    ]  # fmt: skip
    text, _ = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Name", "Phone"], rows, name="english.csv"))
    assert "\ndefault_region:" not in text


def test_spanish_headers_settle_a_tie_the_best_fitting_country_is_in(run_cli: Any, tmp_path: Path) -> None:
    """612 345 670 reads alike as a Spanish and a Guinean mobile; under Nombre, Telefono only Spain speaks the
    headers' language (Guinea speaks French): Spain, where English headers leave the sheet without a region."""
    rows = [["Ana", "612 345 670"], ["Luis", "612 345 671"], ["Eva", "612 345 672"], ["Raul", "612 345 673"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nombre", "Telefono"], rows))
    assert "\ndefault_region: ES\n" in text
    assert "Spanish" in text
    assert [(r["status"], r["phone_e164"]) for r in report] == [
        ("valid", "+34612345670"), ("valid", "+34612345671"), ("valid", "+34612345672"), ("valid", "+34612345673"),
    ]  # fmt: skip
    text, _ = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Name", "Phone"], rows, name="english.csv"))
    assert "\ndefault_region:" not in text


@pytest.mark.parametrize(
    ("headers", "rows", "placed", "region", "e164"),
    [
        (  # Turkish: the name and the mobile under Ad Soyad and Cep Telefonu
            ["Ad Soyad", "Cep Telefonu", "E-posta", "Şehir"],
            [["Ayşe Demir", "0532 123 45 60", "ayse@gmail.com", "İzmir"],
             ["Mehmet Kaya", "0532 123 45 61", "mehmet@gmail.com", "Ankara"]],
            {"name: Ad Soyad", "phone: Cep Telefonu", "email: E-posta"}, "TR", ["+905321234560", "+905321234561"],
        ),
        (  # Polish: Imię, Nazwisko, Telefon komórkowy; 512 345 670 reads alike in Czechia, which speaks no Polish
            ["Imię", "Nazwisko", "Telefon komórkowy", "Adres e-mail"],
            [["Anna", "Nowak", "512 345 670", "anna@gmail.com"], ["Piotr", "Kowalski", "512 345 671", "piotr@gmail.com"],
             ["Ewa", "Wiśniewska", "512 345 672", "ewa@gmail.com"]],
            {"firstName: Imię", "lastName: Nazwisko", "phone: Telefon komórkowy", "email: Adres e-mail"}, "PL",
            ["+48512345670", "+48512345671", "+48512345672"],
        ),
        (  # Thai: ชื่อ (name), เบอร์โทร (phone), อีเมล (email); 081 234 5670 is valid in six countries, one of them Thai
            ["ชื่อ", "เบอร์โทร", "อีเมล"],
            [["สมชาย ใจดี", "081 234 5670", "somchai@gmail.com"], ["สมหญิง รักไทย", "081 234 5671", "somying@gmail.com"]],
            {"name: ชื่อ", "phone: เบอร์โทร", "email: อีเมล"}, "TH", ["+66812345670", "+66812345671"],
        ),
    ],
)  # fmt: skip
def test_headers_in_more_languages_are_placed_and_name_the_country(
    run_cli: Any, tmp_path: Path, headers: list[str], rows: list[list[str]], placed: set[str], region: str,
    e164: list[str],
) -> None:  # fmt: skip
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, headers, rows))
    lines = {line.strip() for line in text.splitlines()}
    assert placed <= lines, text
    assert f"default_region: {region}" in lines, text
    assert [(r["status"], r["phone_e164"]) for r in report] == [("valid", number) for number in e164]
