"""Sheets whose headers are in Nordic, Central European, South Asian, Hebrew and Greek scripts and words get their
name, phone and email placed by ``mapping suggest``; names written in scripts with vowel signs (Devanagari, Tamil,
Bengali) are read as names (``mapping suggest`` then ``validate``, as a user runs)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.test_home_writings import _sheet, _suggest


@pytest.mark.parametrize(
    ("headers", "rows", "placed", "e164"),
    [
        (  # Swedish
            ["Förnamn", "Efternamn", "Mobilnummer", "E-postadress"],
            [["Anna", "Svensson", "070-123 45 60", "anna@exempel.se"], ["Erik", "Lind", "070-123 45 61", "erik@exempel.se"]],
            {"firstName: Förnamn", "lastName: Efternamn", "phone: Mobilnummer", "email: E-postadress"},
            ["+46701234560", "+46701234561"],
        ),
        (  # Norwegian
            ["Fornavn", "Etternavn", "Mobil", "E-post"],
            [["Ola", "Nordmann", "912 34 560", "ola@eksempel.no"], ["Kari", "Hansen", "912 34 561", "kari@eksempel.no"]],
            {"firstName: Fornavn", "lastName: Etternavn", "phone: Mobil", "email: E-post"},
            ["+4791234560", "+4791234561"],
        ),
        (  # French, the family name spelt out
            ["Prénom", "Nom de famille", "Téléphone portable", "Adresse e-mail"],
            [["Jean", "Dupont", "06 12 34 56 70", "jean@exemple.fr"], ["Marie", "Curie", "06 12 34 56 71", "marie@exemple.fr"]],
            {"firstName: Prénom", "lastName: Nom de famille", "phone: Téléphone portable", "email: Adresse e-mail"},
            ["+33612345670", "+33612345671"],
        ),
        (  # Finnish
            ["Etunimi", "Sukunimi", "Matkapuhelin", "Sähköposti"],
            [["Matti", "Virtanen", "040 123 4560", "matti@esimerkki.fi"], ["Liisa", "Korhonen", "040 123 4561", "liisa@esimerkki.fi"]],
            {"firstName: Etunimi", "lastName: Sukunimi", "phone: Matkapuhelin", "email: Sähköposti"},
            ["+358401234560", "+358401234561"],
        ),
        (  # Czech
            ["Jméno", "Příjmení", "Telefon", "E-mail"],
            [["Jan", "Novák", "601 123 450", "jan@priklad.cz"], ["Eva", "Dvořák", "601 123 451", "eva@priklad.cz"]],
            {"firstName: Jméno", "lastName: Příjmení", "phone: Telefon", "email: E-mail"},
            ["+420601123450", "+420601123451"],
        ),
        (  # Romanian: Nume is the family name beside Prenume
            ["Nume", "Prenume", "Telefon mobil", "Email"],
            [["Popescu", "Ion", "0721 234 560", "ion@exemplu.ro"], ["Ionescu", "Maria", "0721 234 561", "maria@exemplu.ro"]],
            {"lastName: Nume", "firstName: Prenume", "phone: Telefon mobil", "email: Email"},
            ["+40721234560", "+40721234561"],
        ),
        (  # Hungarian
            ["Vezetéknév", "Keresztnév", "Telefonszám", "E-mail cím"],
            [["Nagy", "Anna", "06 20 123 4560", "anna@pelda.hu"], ["Kovács", "Péter", "06 20 123 4561", "peter@pelda.hu"]],
            {"lastName: Vezetéknév", "firstName: Keresztnév", "phone: Telefonszám", "email: E-mail cím"},
            ["+36201234560", "+36201234561"],
        ),
        (  # Urdu
            ["نام", "موبائل نمبر", "ای میل"],
            [["علی رضا", "0300 1234560", "ali@example.pk"], ["سارہ خان", "0300 1234561", "sara@example.pk"]],
            {"name: نام", "phone: موبائل نمبر", "email: ای میل"},
            ["+923001234560", "+923001234561"],
        ),
        (  # Bengali
            ["নাম", "মোবাইল নম্বর", "ইমেইল"],
            [["রহিম উদ্দিন", "01712-345670", "rahim@example.bd"], ["করিম হক", "01712-345671", "karim@example.bd"]],
            {"name: নাম", "phone: মোবাইল নম্বর", "email: ইমেইল"},
            ["+8801712345670", "+8801712345671"],
        ),
        (  # Hebrew
            ["שם מלא", "טלפון נייד", "דואר אלקטרוני"],
            [["דוד כהן", "054-765-4320", "david@example.co.il"], ["שרה לוי", "054-765-4321", "sara@example.co.il"]],
            {"name: שם מלא", "phone: טלפון נייד", "email: דואר אלקטרוני"},
            ["+972547654320", "+972547654321"],
        ),
        (  # Greek
            ["Ονοματεπώνυμο", "Κινητό τηλέφωνο", "Email"],
            [["Γιώργος Παπαδόπουλος", "694 123 4560", "g@example.gr"], ["Μαρία Νικολάου", "694 123 4561", "m@example.gr"]],
            {"name: Ονοματεπώνυμο", "phone: Κινητό τηλέφωνο", "email: Email"},
            ["+306941234560", "+306941234561"],
        ),
        (  # Mexican: the given names beside the father's and the mother's surname
            ["Nombre(s)", "Apellido Paterno", "Apellido Materno", "Teléfono Celular", "Correo"],
            [["Juan", "Pérez", "López", "55 1234 5670", "juan@ejemplo.mx"], ["Ana", "Ruiz", "Gil", "55 1234 5671", "ana@ejemplo.mx"]],
            {"firstName: Nombre(s)", "lastName: Apellido Paterno", "phone: Teléfono Celular", "email: Correo"},
            ["+525512345670", "+525512345671"],
        ),
        (  # Persian: نام beside نام خانوادگی (the family name)
            ["نام", "نام خانوادگی", "شماره موبایل", "ایمیل"],
            [["علی", "رضایی", "0912 123 4560", "ali@example.ir"], ["مریم", "احمدی", "0912 123 4561", "maryam@example.ir"]],
            {"firstName: نام", "lastName: نام خانوادگی", "phone: شماره موبایل", "email: ایمیل"},
            ["+989121234560", "+989121234561"],
        ),
        (  # Marathi, names with vowel signs
            ["नाव", "मोबाईल नंबर", "ईमेल"],
            [["राहुल पाटील", "98450 12340", "rahul@example.in"], ["स्नेहा जोशी", "98450 12341", "sneha@example.in"]],
            {"name: नाव", "phone: मोबाईल नंबर", "email: ईमेल"},
            ["+919845012340", "+919845012341"],
        ),
    ],
)  # fmt: skip
def test_headers_in_yet_more_languages_are_placed(
    run_cli: Any, tmp_path: Path, headers: list[str], rows: list[list[str]], placed: set[str], e164: list[str]
) -> None:
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, headers, rows))
    lines = {line.strip() for line in text.splitlines()}
    assert placed <= lines, text
    assert [(r["status"], r["phone_e164"]) for r in report] == [("valid", number) for number in e164], report


@pytest.mark.parametrize(
    "names",
    [
        ["राहुल शर्मा", "सुनीता देवी", "अमित कुमार"],  # Devanagari: vowel signs are marks, not letters
        ["முருகன் செல்வம்", "லட்சுமி ராஜ்", "கார்த்திக் குமார்"],  # Tamil
        ["রহিম উদ্দিন", "করিম হক", "ফাতেমা বেগম"],  # Bengali
    ],
)
def test_names_in_scripts_with_vowel_signs_are_found_under_a_header_that_says_nothing(
    run_cli: Any, tmp_path: Path, names: list[str]
) -> None:
    """The name column's header names nothing (``Column1``): its cells alone make it the name."""
    rows = [[name, f"98450 1234{i}"] for i, name in enumerate(names)]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Column1", "Mobile"], rows))
    assert "name: Column1" in {line.strip() for line in text.splitlines()}, text
    assert [(r["status"], r["phone_e164"]) for r in report] == [("valid", f"+91984501234{i}") for i in range(3)]


def test_a_mapping_written_by_hand_for_norway_and_a_column_named_no(run_cli: Any, tmp_path: Path) -> None:
    """YAML 1.1 reads a bare ``NO`` as false and ``Yes`` as true: Norway's code and a column named ``No`` (a serial
    number) are read as written, as the mapping's author meant them."""
    sheet = _sheet(tmp_path, ["No", "Navn", "Mobil", "Yes"], [["1", "Ola Nordmann", "912 34 560", "ja"]])
    mapping = tmp_path / "norway.yaml"
    mapping.write_text(
        "project_id: 507f1f77bcf86cd799439011\nprocess_id: 507f1f77bcf86cd799439012\ndefault_region: NO\n"
        "fields:\n  name: Navn\n  phone: [Mobil]\nmetadata:\n  serial: No\n  consent:\n    column: Yes\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 0, result.output + result.stderr
    assert [(r["status"], r["phone_e164"]) for r in result.report] == [("valid", "+4791234560")]


def test_a_sheet_named_2024_or_no_in_the_mapping_is_that_sheet(run_cli: Any, tmp_path: Path) -> None:
    """``sheet: 2024.10`` and ``sheet: No`` name the workbook's sheets as written, not the number 2024.1 or false."""
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "Other"  # type: ignore[union-attr]
    for title, phone in (("2024.10", "98450 12340"), ("No", "98450 12341")):
        sheet = workbook.create_sheet(title)
        sheet.append(["Name", "Mobile"])
        sheet.append([f"Lead {title}", phone])
    path = tmp_path / "book.xlsx"
    workbook.save(path)
    for title, e164 in (("2024.10", "+919845012340"), ("No", "+919845012341")):
        mapping = tmp_path / "m.yaml"
        mapping.write_text(
            "project_id: 507f1f77bcf86cd799439011\nprocess_id: 507f1f77bcf86cd799439012\ndefault_region: IN\n"
            f"sheet: {title}\nfields:\n  name: Name\n  phone: Mobile\n",
            encoding="utf-8",
        )
        result = run_cli("validate", str(path), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
        assert result.exit_code == 0, result.output + result.stderr
        assert [r["phone_e164"] for r in result.report] == [e164]


@pytest.mark.parametrize("digits", ["0912123456{i}", "۰۹۱۲۱۲۳۴۵۶{i}"])  # Persian digits, as typed in Iran
def test_persian_headers_settle_numbers_that_read_alike_in_iran_and_india(
    run_cli: Any, tmp_path: Path, digits: str
) -> None:
    """0912 123 4560 is as valid an Indian number as an Iranian mobile; Persian headers leave only Iran, while
    English headers leave the sheet without a default_region."""
    rows = [[name, digits.format(i=i)] for i, name in enumerate(["علی", "مریم", "رضا"])]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["نام", "شماره موبایل"], rows))
    assert "default_region: IR" in {line.strip() for line in text.splitlines()}, text
    assert "Persian" in text
    assert [(r["status"], r["phone_e164"]) for r in report] == [("valid", f"+98912123456{i}") for i in range(3)]
    text, _ = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Name", "Mobile"], rows, name="english.csv"))
    assert "default_region: IR" not in {line.strip() for line in text.splitlines()}
