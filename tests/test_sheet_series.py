"""A foreign sheet whose mobiles are all valid Indian mobiles as written, with nothing else to tell its country:
Britain's ``07…`` and the Philippines' ``09…`` mobiles, read with ``default_region: IN``. One number cannot tell;
a sheet can: Indian mobiles spread over the 6, 7, 8 and 9 series, so twenty or more all of one series, each
written with the trunk 0, are that other country's. They are held (``phone-sheet-country``), never sent as +91;
``--region`` decides. Indian sheets written with the 0 keep every lead."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path

import phonenumbers
import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import TOKEN, run_env

MAPPING = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n"
MOBILE = phonenumbers.PhoneNumberType.MOBILE


def _is_mobile(number: str, region: str) -> bool:
    parsed = phonenumbers.parse(number, region)
    return phonenumbers.is_valid_number(parsed) and phonenumbers.number_type(parsed) == MOBILE


def mobiles_of_both(region: str, prefix: str, count: int, seed: int) -> list[str]:
    """``count`` national numbers written as ``region`` writes its mobiles (``prefix`` first) that are Indian
    mobiles as written too."""
    draw, found = random.Random(seed), set[str]()
    while len(found) < count:
        number = prefix + "".join(draw.choice("0123456789") for _ in range(11 - len(prefix)))
        if _is_mobile(number, region) and _is_mobile(number, "IN"):
            found.add(number)
    return sorted(found)


def indian_mobiles_with_zero(count: int, seed: int) -> list[str]:
    draw, found = random.Random(seed), set[str]()
    while len(found) < count:
        number = "0" + draw.choice("6789") + "".join(draw.choice("0123456789") for _ in range(9))
        if _is_mobile(number, "IN"):
            found.add(number)
    return sorted(found)


def _sheet(path: Path, phones: list[str]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        rows = [[f"Lead {i}", p] for i, p in enumerate(phones)]
        csv.writer(f).writerows([["Name", "Phone"], *rows])
    return path


def _validate(run_cli: Callable[..., CliRun], tmp_path: Path, phones: list[str]) -> CliRun:
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    sheet = _sheet(tmp_path / "leads.csv", phones)
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code in (0, 1), result.output
    return result


@pytest.mark.parametrize(
    ("region", "prefix", "seed"), [("GB", "07", 5), ("GB", "07", 1), ("PH", "09", 5), ("IQ", "07", 5)]
)
def test_a_sheet_of_one_series_of_another_countrys_mobiles_is_held(
    run_cli: Callable[..., CliRun], tmp_path: Path, region: str, prefix: str, seed: int
) -> None:
    """Seed 1's British mobiles are Iraqi mobiles too, all but one: the likelier country is named."""
    phones = mobiles_of_both(region, prefix, 30, seed=seed)
    result = _validate(run_cli, tmp_path, phones)
    rows = by_row(result.report)
    assert {(r["status"], r["reason"], r["warnings"]) for r in rows.values()} == {
        ("invalid", "phone-sheet-country", f"phone-sheet-country:{region}")
    }
    assert f"run with --region {region}" in result.output and "all of one series" in result.output


def test_held_british_leads_reach_the_crm_as_british_with_the_region_for_the_run(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    phones = mobiles_of_both("GB", "07", 24, seed=6)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING)
    sheet = _sheet(tmp_path / "uk.csv", phones)
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        first = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r1.csv"),
                        "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        assert first.exit_code == 1 and not crm.leads(), first.output
        again = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r2.csv"),
                        "--no-ledger", "--region", "GB", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert again.exit_code == 0, again.output
    assert stored == sorted("+44" + p[1:] for p in phones)


@pytest.mark.parametrize(
    "phones",
    [
        indian_mobiles_with_zero(40, seed=8),  # every series, each written with its 0
        mobiles_of_both("GB", "07", 19, seed=9),  # one series, but too few to tell
        [*mobiles_of_both("GB", "07", 30, seed=10), *indian_mobiles_with_zero(6, seed=11)[:3]],  # not all one series
    ],
    ids=["indian-with-zero", "too-few", "mixed-series"],
)
def test_sheets_the_series_does_not_tell_keep_every_lead_as_indian(
    run_cli: Callable[..., CliRun], tmp_path: Path, phones: list[str]
) -> None:
    result = _validate(run_cli, tmp_path, phones)
    rows = by_row(result.report).values()
    assert {r["status"] for r in rows} == {"valid"}, result.output
    assert {r["phone_e164"].strip('="')[:3] for r in rows} == {"+91"}
