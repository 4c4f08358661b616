"""North American sheets read with another country's default_region: their toll-free and other non-geographic
numbers (800, 888, 877, 866, 855, 844) are as American as the rest, and no reason to send the sheet's numbers as
the default region's."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import phonenumbers

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import TOKEN, run_env

MAPPING = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Contact Name\n"
MAPPING += "  phone: Phone Number\n  email: Email Address\n"

GEOGRAPHIC = ["6172784410", "7134027683", "3126647150", "4153921877", "2063459012", "4047583321", "5127327320",
              "3034561278", "6027814456", "3058843120", "6464770913", "9498359307", "8185867172", "2123672240"]  # fmt: skip
"""American numbers as a CRM exports them, digits alone: most are valid Indian numbers too (6, 7, 8, 9: mobiles)."""
TOLL_FREE = ["8008486446", "8889061695", "8776414893", "8665550871", "8559003153", "8446675892", "8005522091",
             "8883302214"]  # fmt: skip
"""A business's toll-free line, as B2B leads give it: each a valid Indian mobile as digits."""


def _sheet(path: Path) -> Path:
    """A US trade-show export: people's numbers and, for a third of the leads, their company's toll-free line."""
    numbers = [n for pair in zip(GEOGRAPHIC, [*TOLL_FREE, *[""] * 6], strict=True) for n in pair if n]
    with path.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Contact {i}", n, f"contact{i}@gmail.com", "Austin", "TX"] for i, n in enumerate(numbers)]
        csv.writer(f).writerows([["Contact Name", "Phone Number", "Email Address", "City", "State"], *rows])
    return path


def test_toll_free_numbers_of_an_american_sheet_are_not_sent_as_indian(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Eight toll-free numbers among 22 kept every number from being held: the sheet went out as +91 numbers."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    sheet = _sheet(tmp_path / "tradeshow.csv")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert not [r for r in rows.values() if r["phone_e164"].strip('="').startswith("+91")], rows
    by_phone = {r["Phone Number"]: r for r in rows.values()}
    for number in TOLL_FREE:
        assert by_phone[number]["status"] == "invalid", by_phone[number]
        assert by_phone[number]["warnings"].startswith("phone-sheet-country:US"), by_phone[number]
    assert "--region US" in result.output


def test_toll_free_numbers_go_out_as_american_with_the_region_chosen(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    sheet = _sheet(tmp_path / "tradeshow.csv")
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        sent = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"),
                       "--no-ledger", "--region", "US", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 0, sent.output + sent.stderr
    expected = [phonenumbers.parse(n, "US") for n in GEOGRAPHIC + TOLL_FREE]
    assert all(phonenumbers.is_valid_number(n) for n in expected)
    assert stored == sorted(phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.E164) for n in expected)


BAY_STATE = ["6172784410", "6175550199", "6179231144", "6174412290", "7812345601", "7819876543", "9785551234",
             "5083457812", "4132567890", "3392218877", "8572319045", "7744120987"]  # fmt: skip
"""Massachusetts numbers as a CRM exports them: most are valid Indian mobiles too."""
TOWNS = ["Boston", "Cambridge", "Somerville", "Quincy", "Newton", "Boston", "Worcester", "Cambridge", "Lowell"]
"""Massachusetts towns, some named like English ones (Boston, Cambridge: towns of phonenumbers' British areas)."""


def test_an_american_sheets_towns_named_like_english_ones_do_not_make_it_go_out_as_indian(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Its City column named Britain (Boston and Cambridge are English towns too, and American towns are no one's
    evidence), none of its numbers fit Britain, and the sheet was sent as +91 numbers: the numbers, read far more
    often as American people's, were never asked."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING.replace("  email: Email Address\n", "  email: Email Address\nmetadata:\n  city: City\n"))
    sheet = tmp_path / "boston.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        table = [[f"Contact {i}", n, f"c{i}@gmail.com", TOWNS[i % len(TOWNS)], "MA"] for i, n in enumerate(BAY_STATE)]
        csv.writer(f).writerows([["Contact Name", "Phone Number", "Email Address", "City", "State"], *table])
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert not [r for r in rows.values() if r["phone_e164"].strip('="').startswith("+91")], rows
    held = [r for r in rows.values() if r["warnings"].startswith("phone-sheet-country:US")]
    assert len(held) >= len(BAY_STATE) - 2, rows
    assert "--region US" in result.output


def test_numbers_that_fit_no_country_the_places_name_are_asked(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """Paris, Texas: the City column names France, whose numbers the sheet's are not; the numbers, far more often
    American people's (and toll-free lines) than Indian, name the United States. Nothing was held: +91 numbers."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    sheet = tmp_path / "paris_tx.csv"
    numbers = [*GEOGRAPHIC, *TOLL_FREE]
    with sheet.open("w", newline="", encoding="utf-8") as f:
        table = [[f"Contact {i}", n, f"c{i}@gmail.com", "Paris"] for i, n in enumerate(numbers)]
        csv.writer(f).writerows([["Contact Name", "Phone Number", "Email Address", "City"], *table])
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert not [r for r in rows.values() if r["phone_e164"].strip('="').startswith("+91")], rows
    assert "--region US" in result.output
