"""Numbers written as their own country's people write them stay valid; another country's writing is held back.

Each test writes a small sheet, runs the CLI (``mapping suggest`` and/or ``validate``) and reads the report."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import phonenumbers
import pytest

from tests.conftest import PROCESS, PROJECT

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


def _sheet(tmp_path: Path, header: list[str], rows: list[list[str]], name: str = "leads.csv") -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _validate(run_cli: Any, tmp_path: Path, region: str, phones: list[str]) -> list[dict[str, str]]:
    sheet = _sheet(tmp_path, ["Name", "Phone"], [[f"Lead {i}", p] for i, p in enumerate(phones)])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {region}\nfields:\n  name: Name\n  phone: Phone\n"
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert result.exit_code in (0, 1), result.output
    rows: list[dict[str, str]] = result.report
    return rows


def _suggest(run_cli: Any, tmp_path: Path, sheet: Path) -> tuple[str, list[dict[str, str]]]:
    mapping = tmp_path / f"{sheet.stem}.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping), "--force", env=ENV)
    assert suggested.exit_code == 0, suggested.output
    report = tmp_path / f"{sheet.stem}.report.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert checked.exit_code in (0, 1), checked.output + checked.stderr
    return mapping.read_text(encoding="utf-8"), checked.report


@pytest.mark.parametrize(
    ("region", "written", "e164"),
    [
        ("ES", "91 234 56 78", "+34912345678"),  # Madrid's area code first, as Madrid writes it
        ("ES", "93 456 78 90", "+34934567890"),
        ("ES", "674 595 481", "+34674595481"),  # a mobile in threes
        ("NL", "06 8731 3841", "+31687313841"),
        ("MX", "(55) 6650-6888", "+525566506888"),
        ("IT", "334 747 8246", "+393347478246"),  # Italy's own format, though NANP groups ten digits alike
        ("IT", "06 1234 5678", "+390612345678"),
    ],
)
def test_a_number_written_the_home_way_is_valid(
    run_cli: Any, tmp_path: Path, region: str, written: str, e164: str
) -> None:
    (row,) = _validate(run_cli, tmp_path, region, [written])
    assert (row["status"], row["phone_e164"]) == ("valid", e164), row


@pytest.mark.parametrize(
    ("region", "written", "elsewhere"),
    [
        ("IN", "0803 123 4567", "NG"),
        ("IN", "07911 123456", "GB"),
        ("IN", "(415) 835-1656", "US"),
        ("IT", "06 12 34 56 78", "FR"),  # a French mobile, not Rome's 06 1234 5678
        ("MX", "(415) 835-1656", "US"),  # valid in Mexico too, but written as the US writes it
    ],
)
def test_another_countrys_writing_is_held_back(
    run_cli: Any, tmp_path: Path, region: str, written: str, elsewhere: str
) -> None:
    (row,) = _validate(run_cli, tmp_path, region, [written])
    assert row["status"] == "invalid" and row["reason"].startswith("phone-other-country"), row
    named = row["warnings"].split("phone-other-country:")[1].split(",")[0].split("/")
    code = phonenumbers.country_code_for_region(elsewhere)  # GB or GG: +44 either way
    assert code in {phonenumbers.country_code_for_region(r) for r in named}, row


def test_spanish_headers_make_madrid_numbers_spanish(run_cli: Any, tmp_path: Path) -> None:
    """91 234 56 78 is written exactly as Uzbekistan writes its numbers; Móvil is no Uzbek word."""
    rows = [["Ana Ruiz", "91 234 56 78"], ["Luis Gil", "93 456 78 90"], ["Eva Sanz", "91 765 43 21"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nombre completo", "Móvil"], rows))
    assert "\ndefault_region: ES\n" in text
    assert "ó" in text  # the evidence names the letters
    assert [r["phone_e164"] for r in report] == ["+34912345678", "+34934567890", "+34917654321"]
    assert {r["status"] for r in report} == {"valid"}


def test_spanish_headers_leave_mexican_numbers_mexican(run_cli: Any, tmp_path: Path) -> None:
    rows = [["María", "55 1234 5678"], ["José", "33 1234 5678"], ["Lucía", "81 8123 4567"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nombre", "Teléfono"], rows))
    assert "\ndefault_region: MX\n" in text
    assert {r["status"] for r in report} == {"valid"}


def test_numbers_told_apart_only_by_type_leave_no_region(run_cli: Any, tmp_path: Path) -> None:
    """Singapore landlines (6xxx xxxx) are Hong Kong mobiles as written: no guess, the rows refused visibly."""
    phones = ["6164 4902", "9421 3423", "6396 3634", "9103 6454", "6112 3316", "9071 2870"]
    sheet = _sheet(tmp_path, ["Name", "Mobile"], [[f"Tan {i}", p] for i, p in enumerate(phones)])
    text, report = _suggest(run_cli, tmp_path, sheet)
    assert "\ndefault_region:" not in text.replace("# default_region", "")
    assert "SG" in text and "HK" in text
    assert {(r["status"], r["reason"]) for r in report} == {("invalid", "no-region")}


def test_a_country_column_survives_numbers_excel_cut(run_cli: Any, tmp_path: Path) -> None:
    """4.47911E+11 says nothing of where the phones are: the ISO country column still reads each row's phone."""
    rows = [
        ["Oliver", "2085809132", "GB"],
        ["Louise", "156086919.0", "FR"],
        ["Thomas", "4.91717E+11", "DE"],
        ["Marie", "6.12345E+11", "FR"],
        ["Jack", "412345678", "AU"],
    ]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Name", "Phone", "Country"], rows))
    assert "phoneCountryCode: Country" in text
    got = {r["sheet_row"]: (r["status"], r["phone_e164"]) for r in report}
    assert got["2"] == ("valid", "+442085809132")
    assert got["3"] == ("valid", "+33156086919")
    assert got["6"] == ("valid", "+61412345678")
    assert got["4"][1] == "" and got["5"][1] == ""


def test_a_sheet_of_several_countries_holds_back_ambiguous_bare_digits(run_cli: Any, tmp_path: Path) -> None:
    """An event list read in Germany: 0621437019 is a Mannheim landline as much as a French mobile."""
    phones = ["0170/1690091", "0621437019", "619 469 939", "06-44536369", "06 83 84 12 80", "0172/1442944",
              "06 63 17 33 44", "934 137 184", "0170 7971353", "06 58 73 59 80"]  # fmt: skip
    report = _validate(run_cli, tmp_path, "DE", phones)
    by_phone = {p: r for p, r in zip(phones, report, strict=True)}
    assert by_phone["0621437019"]["status"] == "invalid"
    assert by_phone["0621437019"]["reason"] == "phone-other-country"
    for german in ("0170/1690091", "0172/1442944", "0170 7971353"):
        assert by_phone[german]["status"] == "valid", by_phone[german]


def test_a_number_dialled_from_home_with_its_exit_code_reaches_the_rows_country(run_cli: Any, tmp_path: Path) -> None:
    """A US team writes a British lead's mobile 011 44 7911 123456: with Country = United Kingdom it is +44."""
    rows = [
        ["Jack Thomas", "011 44 7911 123456", "United Kingdom"],
        ["Ann Lee", "(415) 835-1656", "United States"],
        ["Bob Ray", "(212) 736-5000", "United States"],
        ["Paul Weber", "011 49 171 2821887", "Germany"],
        ["Cy Dunn", "(312) 555-0177", "United States"],
    ]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Contact", "Phone", "Country"], rows))
    assert "phoneCountryCode: Country" in text
    got = [(r["status"], r["phone_e164"]) for r in report]
    assert got[0] == ("valid", "+447911123456")
    assert got[3] == ("valid", "+491712821887")


def test_nominativo_is_the_name(run_cli: Any, tmp_path: Path) -> None:
    rows = [["Sofia Ferrari", "337 8549854"], ["Leonardo Bianchi", "02 0533 6418"], ["Giulia Rossi", "06 1234 5678"]]
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, ["Nominativo", "Telefono"], rows))
    assert "name: Nominativo" in text
    assert [r["status"] for r in report] == ["valid", "valid", "valid"]


@pytest.mark.parametrize(
    ("region", "written", "e164"),
    [
        ("IN", "wa.me/447400123456", "+447400123456"),  # a WhatsApp link, international without its +
        ("IN", "https://wa.me/447400123457?text=Hi%20there", "+447400123457"),
        ("DE", "https://api.whatsapp.com/send?phone=%2B447400123458&text=Hallo", "+447400123458"),
        ("IN", "++44 7400 123459", "+447400123459"),  # the plus typed twice
        ("IN", "(++44) 7400 123450", "+447400123450"),
        ("IN", "RES: 022 2345 6780", "+912223456780"),  # residence, not El Salvador's name
        ("IN", "MO: 98200 12348", "+919820012348"),  # mobile, not Macao
        ("IN", "NO 98200 11112", "+919820011112"),  # number, not Norway
        ("IN", "PH 98200 11113", "+919820011113"),  # phone, not the Philippines
    ],
)
def test_a_link_a_doubled_plus_or_a_label_in_capitals_is_read(
    run_cli: Any, tmp_path: Path, region: str, written: str, e164: str
) -> None:
    (row,) = _validate(run_cli, tmp_path, region, [written])
    assert (row["status"], row["phone_e164"]) == ("valid", e164), row


@pytest.mark.parametrize(("written", "held"), [("UK 07400 123456", "GB"), ("NO: 412 34 567", "NO")])
def test_a_country_code_before_that_countrys_number_still_holds_it(
    run_cli: Any, tmp_path: Path, written: str, held: str
) -> None:
    """``UK 07400...`` read in India is not sent as an Indian number though 7400... would be one."""
    (row,) = _validate(run_cli, tmp_path, "IN", [written])
    assert row["status"] == "invalid" and row["phone_e164"] == "", row


def test_a_home_number_another_country_writes_alike_is_held_as_ambiguous_not_foreign(
    run_cli: Any, tmp_path: Path
) -> None:
    """In a sheet defaulting to Germany that holds British and French numbers, ``0177 8800215`` (a German mobile,
    and as Indonesia writes a number of its own) is held, but its row says it is valid in Germany and which other
    country writes it so (``phone-ambiguous-country``), not that it is another country's number; the summary
    says the same. A French number written the French way stays ``phone-other-country``."""
    phones = ["0177 8800215", "+49 177 9727611", "01.31.59.42.59", "06 24 56 24 18", "06 73 29 04 84"]
    phones += ["+44 7936 657872", "0171 2345678", "030 1234567"]
    sheet = _sheet(tmp_path, ["Name", "Phone"], [[f"Lead {i}", p] for i, p in enumerate(phones)])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: DE\nfields:\n  name: Name\n  phone: Phone\n"
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), env=ENV)
    rows = result.report
    assert (rows[0]["status"], rows[0]["reason"], rows[0]["warnings"]) == (
        "invalid",
        "phone-ambiguous-country",
        "phone-ambiguous-country:ID",
    )
    assert rows[2]["reason"] == "phone-other-country" and rows[2]["warnings"].startswith("phone-other-country:FR")
    assert "written as the default region writes its numbers, but also as another country" in result.output
    assert "ID 1" in result.output


def test_a_turkish_mobile_column_is_found_though_cep_is_a_brazilian_postcode(run_cli: Any, tmp_path: Path) -> None:
    """``Cep Telefonu`` (Turkish: mobile phone) over Turkish mobiles is the phone column: ``cep`` alone would be a
    Brazilian postcode's header, but a phone word in the header says what its numbers are."""
    rows = [
        ["Şükrü Yılmaz", "0532 123 45 67", "s@example.com.tr"],  # noqa: RUF001
        ["Ayşe Güneş", "0533 111 22 22", "a@example.com.tr"],
    ]
    rows.append(["Gülşen Doğan", "0535 555 66 77", "g@example.com.tr"])
    sheet = _sheet(tmp_path, ["Ad Soyad", "Cep Telefonu", "E-posta"], rows)
    mapping, report = _suggest(run_cli, tmp_path, sheet)
    assert "phone: Cep Telefonu" in mapping
    assert [row["phone_e164"] for row in report] == ["+905321234567", "+905331112222", "+905355556677"]


@pytest.mark.parametrize("headers", [["Vorname", "Nachname", "Handynummer"], ["First Name", "Last Name", "Phone"]])
def test_mobiles_written_with_their_network_code_apart_are_read_where_that_code_is_a_network(
    run_cli: Any, tmp_path: Path, headers: list[str]
) -> None:
    """0151 23456780 is how Germans write a T-Mobile number: the network code apart. phonenumbers groups it 01512
    3456780, and it is valid as written in China and Austria too; phonenumbers' carrier data names 49151 a network,
    so the first group is Germany's own, as an area code is (Madrid's 91 in 912 34 56 78)."""
    rows = [["Hans", "Müller", "0151 23456780"], ["Anna", "Schmidt", "0151 98765430"], ["Jonas", "Weber", "0151 24681357"],
            ["Lena", "Fischer", "0152 13572468"]]  # fmt: skip
    text, report = _suggest(run_cli, tmp_path, _sheet(tmp_path, headers, rows))
    assert "\ndefault_region: DE\n" in text
    assert [(r["status"], r["phone_e164"]) for r in report] == [
        ("valid", "+4915123456780"), ("valid", "+4915198765430"), ("valid", "+4915124681357"),
        ("valid", "+4915213572468"),
    ]  # fmt: skip
