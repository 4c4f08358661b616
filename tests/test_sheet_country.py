"""A sheet of another country's national numbers that are valid Indian numbers as written, read with a mapping's
``default_region: IN`` (a team's one mapping reused for a partner's sheet): the numbers whose reading depends on the
region are held back when the rest of the sheet (its numbers with + and a code, its email domains) points to that
country; ``--region`` for the run decides them. Real Indian sheets keep every lead."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import phonenumbers
import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import TOKEN, run_env

MAPPING = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n"
WITH_EMAIL = MAPPING + "  email: Email\n"


def _sheet(path: Path, rows: list[tuple[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([["Name", "Phone", "Email"], *([f"Lead {i}", p, e] for i, (p, e) in enumerate(rows))])
    return path


def _validate(run_cli: Callable[..., CliRun], tmp_path: Path, rows: list[tuple[str, str]], *extra: str) -> CliRun:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    sheet = _sheet(tmp_path / "leads.csv", rows)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), *extra)
    assert result.exit_code in (0, 1), result.output
    return result


UK_MOBILES = ["07401506159", "07911123456", "07400123456", "07123456789", "07551234567", "07825555555"]
"""British mobiles as a CRM exports them, digits alone: each a valid Indian mobile too (written with its 0)."""
UK_EMAILS = ["ann@btinternet.co.uk", "bo@gmail.com", "cy@company.co.uk", "di@hotmail.com", "ed@x.co.uk", "fi@y.org"]


def test_a_british_sheet_read_with_an_indian_default_is_held_back_and_names_britain(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    result = _validate(run_cli, tmp_path, [*zip(UK_MOBILES, UK_EMAILS, strict=True), ("020 7946 0958", "g@z.co.uk")])
    # 020 7946 0958 is London's landline written as Britain writes it, and Pune's as India does.
    rows = by_row(result.report)
    assert all(r["status"] == "invalid" and r["reason"] == "phone-sheet-country" for r in rows.values()), rows
    assert all(r["warnings"] == "phone-sheet-country:GB" and r["phone_e164"] == "" for r in rows.values())
    assert "run with --region GB" in result.output and "7 phone number(s) are valid" in result.output
    assert result.exit_code == 1


def test_numbers_written_with_the_other_countrys_code_point_to_it_without_emails(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Nigerian numbers, two of them written +234, every address at gmail.com: the national ones are held."""
    phones = ["+234 802 416 5141", "08024165141", "08031234567", "+2348051234567", "08091234567", "07031234567"]
    result = _validate(run_cli, tmp_path, [(p, f"n{i}@gmail.com") for i, p in enumerate(phones)])
    rows = by_row(result.report)
    assert [rows[n]["status"] for n in range(2, 8)] == ["valid", "invalid", "invalid", "valid", "invalid", "invalid"]
    assert {rows[n]["warnings"] for n in (3, 4, 6, 7)} == {"phone-sheet-country:NG"}
    assert rows[2]["phone_e164"].strip('="') == "+2348024165141"


@pytest.mark.parametrize("region", ["GB", "IN"])
def test_region_chosen_for_the_run_is_obeyed(run_cli: Callable[..., CliRun], tmp_path: Path, region: str) -> None:
    result = _validate(run_cli, tmp_path, list(zip(UK_MOBILES, UK_EMAILS, strict=True)), "--region", region)
    rows = by_row(result.report)
    assert all(r["status"] == "valid" for r in rows.values()), rows
    code = "+44" if region == "GB" else "+91"
    assert rows[2]["phone_e164"].strip('="') == f"{code}7401506159"
    assert "phone-sheet-country" not in result.output


@pytest.mark.parametrize(
    "rows",
    [
        # An Indian sheet with a few numbers written +91 and mobiles written with their 0: nothing points elsewhere.
        [("+91 98200 12345", "a@gmail.com"), ("07401506159", "b@gmail.com"), ("07911123456", "c@yahoo.co.uk"),
         ("+919876012345", "d@gmail.com"), ("07400123456", "e@yahoo.co.uk"), ("08024165141", "f@rediffmail.com")],
        # Indian mobiles (bare), their .co.uk addresses saying Britain: Britain's numbers are written 07..., not so.
        [("9820012345", "a@x.co.uk"), ("7401506159", "b@y.co.uk"), ("8123456789", "c@z.co.uk"),
         ("9123456780", "d@w.co.uk"), ("7012345678", "e@v.co.uk"), ("6301234567", "f@u.co.uk")],
        # Four addresses of a German domain among fifty Indian leads with numbers written with 0: too few to say.
        [(f"0{(9820012340, 7012345600, 8123456700, 6301234500)[i % 4] + i}", "x@web.de" if i < 4 else f"l{i}@gmail.com")
         for i in range(50)],
        # .in addresses against +44 numbers: two countries named, nothing decided.
        [("+44 7400 123456", "a@x.in"), ("+447911123457", "b@y.in"), ("07401506159", "c@z.in"), ("07123456789", "")],
        # One series of Bangalore mobiles, each as valid an American number (984 is North Carolina's): mobiles at home.
        [(f"98450{n:05d}", f"l{n}@gmail.com") for n in (12345, 98765, 23456, 67890, 11223, 34567, 55555, 80808)],
    ],
)  # fmt: skip
def test_indian_sheets_keep_every_lead(
    run_cli: Callable[..., CliRun], tmp_path: Path, rows: list[tuple[str, str]]
) -> None:
    result = _validate(run_cli, tmp_path, rows)
    assert all(r["reason"] != "phone-sheet-country" for r in result.report), result.report


def test_held_rows_are_not_stored_and_the_region_for_the_run_sends_them_as_its_own(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    sheet = _sheet(
        tmp_path / "uk.csv", [*zip(UK_MOBILES[:4], UK_EMAILS[:4], strict=True), ("9820012345", "r@gmail.com")]
    )
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        first = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r1.csv"),
                        "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        assert first.exit_code == 1, first.output
        # The Indian mobile (no British number as written) is the only lead sent.
        assert [lead["phone"] for lead in crm.leads()] == ["+919820012345"]
        again = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r2.csv"),
                        "--no-ledger", "--region", "GB", env=run_env(crm.base_url))  # fmt: skip
        stored = {str(lead["phone"]) for lead in crm.leads()}
    assert stored >= {"+447123456789", "+447400123456", "+447401506159", "+447911123456"}, stored
    assert [by_row(again.report)[n]["status"] for n in range(2, 6)] == ["accepted"] * 4


def test_a_country_cell_that_disagrees_with_the_numbers_own_code_is_said(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Country: US beside +44 20 7946 0958: the number's own + code is the stronger evidence, so it is sent as
    written, with a warning naming the number's country; codes shared within a plan (+1 787 beside US) say nothing."""
    sheet = tmp_path / "c.csv"
    sheet.write_text(
        "Name,Phone,Country\nA,+44 20 7946 0958,US\nB,+1 (787) 555 0134,US\nC,+971 50 611 8444,India\n"
        "D,+91 98200 12345,India\nE,98200 12346,India\n",
        encoding="utf-8",
    )
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING + "  phoneCountryCode: Country\n")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert all(r["status"] == "valid" for r in rows.values()), rows
    assert [rows[n]["warnings"] for n in range(2, 7)] == [
        "phone-country-differs:GB", "", "phone-country-differs:AE", "", ""
    ]  # fmt: skip
    assert rows[2]["phone_e164"].strip('="') == "+442079460958"
    assert "2 row(s) name another country than their number's own + code (GB 1, AE 1)" in result.output


@pytest.mark.parametrize(
    ("header", "places"),
    [
        ("City", ["London", "Manchester", "Leeds", "Bristol", "London", "Birmingham"]),
        ("City", ["London", "Manchester", "Leeds", "Bristol", "Chicago", "Birmingham"]),  # one lead from abroad
        ("Country", ["United Kingdom", "UK", "England", "United Kingdom", "Scotland", "UK"]),
    ],
)
def test_a_column_of_places_the_mapping_does_not_read_points_to_the_country(
    run_cli: Callable[..., CliRun], tmp_path: Path, header: str, places: list[str]
) -> None:
    """No +44 and no .uk address, but a City (the geocoder's places) or Country column the mapping leaves out."""
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Lead {i}", p, f"l{i}@gmail.com", c] for i, (p, c) in enumerate(zip(UK_MOBILES, places, strict=True))]
        csv.writer(f).writerows([["Name", "Phone", "Email", header], *rows])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert {(r["reason"], r["warnings"]) for r in result.report} == {("phone-sheet-country", "phone-sheet-country:GB")}


def test_an_indian_sheet_with_its_cities_keeps_every_lead(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    sheet = tmp_path / "leads.csv"
    cities = ["Mumbai", "Pune", "Delhi", "Hyderabad", "Surat", "Kochi"]
    phones = ["07401506159", "07911123456", "09820012345", "08024165141", "07123456789", "09876543211"]
    with sheet.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Lead {i}", p, "", c] for i, (p, c) in enumerate(zip(phones, cities, strict=True))]
        csv.writer(f).writerows([["Name", "Phone", "Email", "City"], *rows])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL.replace("  email: Email\n", "  email:\n    columns: [Email]\n    required: false\n"))
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert all(r["status"] == "valid" for r in result.report), result.report


def test_suggest_reads_the_country_from_a_city_or_state_column(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """Indian mobiles starting with 9 are as valid in Russia: Mumbai, Pune and Maharashtra say India."""
    sheet = tmp_path / "in.csv"
    sheet.write_text(
        "Name,Mobile,City,State\nRavi,9820012345,Mumbai,Maharashtra\nAsha,9876512340,Pune,Maharashtra\n"
        "Vik,9123456780,Mumbai,Maharashtra\nNeha,9988776655,Nagpur,Maharashtra\nRaj,9012345678,Thane,Maharashtra\n",
        encoding="utf-8",
    )
    result = run_cli("mapping", "suggest", str(sheet))
    assert "\ndefault_region: IN\n" in result.output, result.output


def test_british_mobiles_whose_zero_excel_dropped_are_held_too(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """7401506159 (a number cell: Excel drops the 0) is a British mobile as much as an Indian one; 9820012345 is a
    British premium line only without its 0, nobody's way of writing one: it goes as the Indian mobile it is."""
    mobiles = [m[1:] for m in UK_MOBILES]
    result = _validate(run_cli, tmp_path, [*zip(mobiles, UK_EMAILS, strict=True), ("9820012345", "k@gmail.com")])
    rows = by_row(result.report)
    assert [rows[n]["reason"] for n in range(2, 8)] == ["phone-sheet-country"] * 6, rows
    assert (rows[8]["status"], rows[8]["phone_e164"].strip('="')) == ("valid", "+919820012345")


NORTH_AMERICAN = [
    ("(415) 555-0134", "US"), ("(212) 555-0188", "US"), ("312-555-0147", "US"), ("(646) 555-0123", "US"),
    ("6475550134", "CA"),  # Toronto: a valid Indian mobile as digits alone
    ("8768206860", "JM"),  # Jamaica: likewise
    ("9393719208", "PR"),  # Puerto Rico: likewise
    ("9429847367", "CA"),
]  # fmt: skip
"""A North American sheet: most numbers written the American way, some as digits alone of the plan's other countries
(Canada, Jamaica, Puerto Rico: +1 too), each of which India's plan takes as one of its mobiles."""


def test_a_north_american_sheets_bare_numbers_of_any_plan_country_are_not_sent_as_indian(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Held as the sheet's country is named by calling code, not by the one country most numbers are of: a bare
    Canadian number in a sheet of American ones went out as +91."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    sheet = _sheet(tmp_path / "na.csv", [(p, f"l{i}@gmail.com") for i, (p, _) in enumerate(NORTH_AMERICAN)])
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        first = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r1.csv"),
                        "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        assert first.exit_code == 1, first.output
        assert crm.leads() == []  # not one lead under a +91 number that is nobody's on this sheet
        rows = by_row(first.report)
        assert [rows[n + 2]["warnings"] for n in range(4, 8)] == [
            f"phone-other-country:{region}" for _, region in NORTH_AMERICAN[4:]
        ], rows
        again = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r2.csv"),
                        "--no-ledger", "--region", "US", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert again.exit_code == 0, again.output
    assert stored == sorted("+1" + "".join(ch for ch in p if ch.isdigit()) for p, _ in NORTH_AMERICAN)


AMERICAN = ["2125550188", "3105550142", "4155550134", "3125550147", "6465550123", "7135550111", "3055550176",
            "4045550190", "6175550164", "2065550135", "5035550127", "7025550159"]  # fmt: skip
"""An American CRM's export, digits alone, no email domain or place to tell: eight of them valid Indian numbers."""
INDIAN = ["9820012345", "9833412765", "8123456789", "7012345678", "9988776655", "6301234567", "9123456780",
          "8800112233", "7506123456", "9000012345"]  # fmt: skip
"""Indian mobiles, digits alone: about half of them valid American numbers too."""


@pytest.mark.parametrize(
    ("numbers", "default", "country"), [(AMERICAN, "IN", "US"), (INDIAN, "US", "IN")], ids=["us-sheet", "in-sheet"]
)
def test_a_sheet_whose_numbers_alone_tell_its_country_is_not_sent_as_the_defaults(
    run_cli: Callable[..., CliRun], tmp_path: Path, numbers: list[str], default: str, country: str
) -> None:
    """Read in the default region, the sheet's numbers are half landlines and invalid numbers; read in its own
    country, all mobiles. Those valid in both are held, and --region for the run sends every one as its own."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL.replace("default_region: IN", f"default_region: {default}"))
    sheet = _sheet(tmp_path / "leads.csv", [(n, f"l{i}@gmail.com") for i, n in enumerate(numbers)])
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        first = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r1.csv"),
                        "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        assert first.exit_code == 1, first.output
        assert crm.leads() == []  # no lead under a number of the wrong country
        reasons = {r["reason"] for r in first.report}
        assert reasons == {"phone-sheet-country", "invalid-phone"}, first.report
        assert f"run with --region {country}" in first.output
        again = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r2.csv"),
                        "--no-ledger", "--region", country, env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    code = "+1" if country == "US" else "+91"
    assert again.exit_code == 0, again.output
    assert stored == sorted(code + n for n in numbers)


def _with_postcodes(path: Path, header: str, phones: list[str], codes: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Lead {i}", p, f"l{i}@gmail.com", c] for i, (p, c) in enumerate(zip(phones, codes, strict=True))]
        csv.writer(f).writerows([["Name", "Phone", "Email", header], *rows])
    return path


UK_POSTCODES = ["SW1A 1AA", "M1 1AE", "EC1A 1BB", "B33 8TH", "CR2 6XH", "DN55 1PT"]
UK_AND_INDIAN_MOBILES = ["07892174218", "07400339075", "07893834701", "07846814538", "07701916146", "07400330766"]
"""British mobiles that are Indian mobiles as written too: the numbers alone cannot tell."""


def test_the_british_mobiles_are_mobiles_in_both_countries() -> None:
    mobile = phonenumbers.PhoneNumberType.MOBILE
    for region in ("GB", "IN"):
        assert {phonenumbers.number_type(phonenumbers.parse(p, region)) for p in UK_AND_INDIAN_MOBILES} == {mobile}


@pytest.mark.parametrize("header", ["Postcode", "ZIP/Postal Code", "Post Code"])
def test_a_column_of_postcodes_in_one_countrys_format_points_to_it(
    run_cli: Callable[..., CliRun], tmp_path: Path, header: str
) -> None:
    """A British export with nothing British but its postcodes (gmail addresses, mobiles written 07…, each a valid
    Indian mobile too): read with default_region IN, the numbers are held and the summary names Britain; no lead
    reaches the CRM as +91. With --region GB, each is stored as +44."""
    sheet = _with_postcodes(tmp_path / "uk.csv", header, UK_AND_INDIAN_MOBILES, UK_POSTCODES)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        first = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r1.csv"),
                        "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        assert {(r["reason"], r["warnings"]) for r in first.report} == {
            ("phone-sheet-country", "phone-sheet-country:GB")
        }
        assert "run with --region GB" in first.output and not crm.leads()
        again = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r2.csv"),
                        "--no-ledger", "--region", "GB", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert again.exit_code == 0, again.output
    assert stored == sorted("+44" + p[1:] for p in UK_AND_INDIAN_MOBILES)


@pytest.mark.parametrize(
    ("header", "codes"),
    [
        ("PIN Code", ["400001", "411001", "110001", "500081", "395003", "682001"]),  # India's: six digits, shared
        ("ZIP", ["94105", "10001", "60601", "73301", "02139", "98101"]),  # five digits: many countries' format
    ],
)
def test_postcodes_that_name_no_other_country_keep_every_lead(
    run_cli: Callable[..., CliRun], tmp_path: Path, header: str, codes: list[str]
) -> None:
    phones = ["07401506159", "07911123456", "09820012345", "08024165141", "07123456789", "09876543211"]
    sheet = _with_postcodes(tmp_path / "in.csv", header, phones, codes)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert all(r["status"] == "valid" for r in result.report), result.report
    assert {r["phone_e164"].strip('="')[:3] for r in result.report} == {"+91"}


def test_one_british_postcode_among_indian_ones_holds_its_own_row_alone(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Too few to name the sheet's country, the British postcode names its row's (tests/test_row_country.py): its
    07123 456789, a British mobile as written, is held; the other rows go out as +91."""
    phones = ["07401506159", "07911123456", "09820012345", "08024165141", "07123456789", "09876543211"]
    sheet = _with_postcodes(tmp_path / "in.csv", "Postcode", phones, ["", "n/a", "-", "400001", "SW1A 1AA", ""])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [(r["status"], r["warnings"] or r["phone_e164"].strip('="')[:3]) for r in result.report] == [
        *[("valid", "+91")] * 4,
        ("invalid", "phone-other-country:GB"),
        ("valid", "+91"),
    ]


def test_suggest_reads_the_country_from_a_postcode_column(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """`mapping suggest` on the British export: its postcodes name Britain, so the mapping reads numbers there."""
    sheet = _with_postcodes(tmp_path / "uk.csv", "Postcode", UK_AND_INDIAN_MOBILES, UK_POSTCODES)
    result = run_cli("mapping", "suggest", str(sheet))
    assert "\ndefault_region: GB\n" in result.output, result.output + result.stderr
    assert "postcodes are in GB" in result.output + result.stderr


def test_places_written_with_and_without_a_trailing_space_count_as_one(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Manchester written with a trailing space on half its rows, beside one Lyon: the six count for Britain (86%
    of the places). The count of one spelling used to replace the other's (3 of 4), and the sheet went out as
    +91."""
    from tests.test_sheet_series import mobiles_of_both

    sheet = tmp_path / "leads.csv"
    places = ["Manchester", "Manchester ", "Manchester", "Manchester ", "Manchester", "Manchester ", "Lyon"]
    phones = mobiles_of_both("GB", "07", 7, seed=12)
    with sheet.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Lead {i}", p, f"l{i}@gmail.com", c] for i, (p, c) in enumerate(zip(phones, places, strict=True))]
        csv.writer(f).writerows([["Name", "Phone", "Email", "City"], *rows])
    mapping = tmp_path / "m.yaml"
    mapping.write_text(WITH_EMAIL)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert {(r["reason"], r["warnings"]) for r in result.report} == {("phone-sheet-country", "phone-sheet-country:GB")}
