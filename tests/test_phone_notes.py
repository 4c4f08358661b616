"""Phone cells as people type them into a sheet: digit groups parted by an underscore or a tilde, a keypad's # or *
before or after the number, a count in brackets after it ((2)), an extension written Ext.-12 or ;ext=12, a note
with a time or a count after the number (call after 6, b/w 10-12, 2nd), and a cell holding another country's number
written its way before the lead's own mobile (with or without its +91). Each goes out as the number it holds, the
one phonenumbers reads from that number alone, never as another."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

import phonenumbers

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import TOKEN, run_env

MAPPING = f"""project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Student Name
  phone: Mobile No
  email:
    columns: [Email ID]
    required: false
"""

WRITTEN = {
    "98450_12345": ("98450 12345", ""),
    "98451 ~ 12345": ("98451 12345", ""),
    "98452-12345#": ("98452 12345", ""),
    "+91 98453 12345 #": ("+91 98453 12345", ""),
    "*98448 12345": ("98448 12345", ""),
    "#98449 12345": ("98449 12345", ""),
    "98440 12345*": ("98440 12345", ""),
    "98441-12345 (1)": ("98441 12345", ""),
    "+91 98442 12345 (2)": ("+91 98442 12345", ""),
    "98443 12345 [2]": ("98443 12345", ""),
    "98454 12345 - call after 6": ("98454 12345", ""),
    "98455 12345 call after 6pm": ("98455 12345", ""),
    "9845612345 call b/w 10-12": ("9845612345", ""),
    "98457 12345 - 2nd number": ("98457 12345", ""),
    "98458-12345 (call after 7:30 pm)": ("98458 12345", ""),
    "98459 12345 - 6pm": ("98459 12345", ""),
    "080 2345 6789 Ext.-12": ("080 2345 6789", "phone-extension-dropped"),
    "+91-80-2345-6790;ext=12": ("+91 80 2345 6790", "phone-extension-dropped"),
    "(415) 555-0134 / 98460 12345": ("98460 12345", "multiple-phones"),
    "(415) 555-0135 / +91 98470 12345": ("+91 98470 12345", "multiple-phones"),
    "(617) 278-4410, +919847112345": ("+91 98471 12345", "multiple-phones"),
}
"""A cell as typed → the number it holds (read in India) and the warning the row carries."""


PLAIN = [f"98860 {i:05d}" for i in range(11, 51)]
"""The rest of the sheet: mobiles written plainly."""


def _sheet(path: Path) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Student {i}", cell, f"s{i}@gmail.com"] for i, cell in enumerate([*WRITTEN, *PLAIN])]
        csv.writer(f).writerows([["Student Name", "Mobile No", "Email ID"], *rows])
    return path


def _e164(number: str) -> str:
    parsed = phonenumbers.parse(number, "IN")
    assert phonenumbers.is_valid_number(parsed), number
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def test_each_cell_gives_the_number_it_holds(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    result = run_cli("validate", str(_sheet(tmp_path / "admissions.csv")), "--mapping", str(mapping),
                     "--report", str(tmp_path / "r.csv"))  # fmt: skip
    assert result.exit_code == 0, result.output
    rows = zip(WRITTEN, result.report[: len(WRITTEN)], strict=True)
    got = {cell: (r["status"], r["phone_e164"].strip('="'), r["warnings"]) for cell, r in rows}
    want = {cell: ("valid", _e164(number), warning) for cell, (number, warning) in WRITTEN.items()}
    assert got == want


def test_the_numbers_are_stored_as_read(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        sent = run_cli("run", str(_sheet(tmp_path / "admissions.csv")), "--mapping", str(mapping),
                       "--report", str(tmp_path / "run.csv"), "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 0, sent.output + sent.stderr
    assert stored == sorted(_e164(number) for number in [*(n for n, _ in WRITTEN.values()), *PLAIN])


def test_in_a_sheet_of_another_countrys_numbers_a_bare_second_number_is_not_sent(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """An American sheet read in India: (415) 555-0134 / 98460 12345's second number is as likely (984) 601-2345,
    American as the rest: the row stays held. One written +91 goes out."""
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    cells = [f"(415) 392-{1800 + i:04d}" for i in range(12)]
    cells += ["(415) 555-0134 / 98460 12345", "(415) 555-0135 / +91 98470 12345"]
    sheet = tmp_path / "us.csv"
    with sheet.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Student {i}", cell, f"s{i}@gmail.com"] for i, cell in enumerate(cells)]
        csv.writer(f).writerows([["Student Name", "Mobile No", "Email ID"], *rows])
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    *rest, bare, signed = result.report
    assert all(r["reason"] == "phone-other-country" for r in rest), rest
    assert (bare["status"], bare["phone_e164"]) == ("invalid", ""), bare
    assert (signed["status"], signed["phone_e164"].strip('="')) == ("valid", "+919847012345"), signed
