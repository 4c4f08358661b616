"""`mapping suggest` then a sandbox run on more ad-platform, portal and CRM exports: what each lead is sent with."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, by_row
from tests.sandbox_util import TOKEN, run_env

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0
    )
    with Sandbox(settings) as crm:
        yield crm


def _write(tmp_path: Path, name: str, rows: list[list[str]]) -> Path:
    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f, lineterminator="\r\n").writerows(rows)
    return path


def _suggest_then_run(
    run_cli: Any, tmp_path: Path, path: Path, crm: Sandbox, *extra: str
) -> tuple[str, dict[int, dict[str, str]]]:
    """``mapping suggest`` then ``run`` into the sandbox with no hand edit: the YAML and the report rows."""
    out = tmp_path / f"{path.stem}.yaml"
    suggested = run_cli("mapping", "suggest", str(path), "--out", str(out), *extra, env=ENV)
    assert suggested.exit_code == 0, suggested.output
    report = tmp_path / f"{path.stem}.report.csv"
    sent = run_cli(
        "run", str(path), "--mapping", str(out), "--report", str(report), "--rate", "2000/1s", "--no-ledger",
        env={**ENV, **run_env(crm.base_url)},
    )  # fmt: skip
    assert sent.exit_code in (0, 1), sent.output + sent.stderr
    return out.read_text(encoding="utf-8"), by_row(sent.report)


PEOPLE = [("Rahul Sharma", "9249000378"), ("Priya Nair", "6236042265"), ("Amit Verma", "8101905740"),
          ("Sneha Iyer", "9324902078"), ("Vikram Singh", "8278086998"), ("Anjali Gupta", "8410639063")]  # fmt: skip


@pytest.mark.parametrize(
    "header",
    [
        ["Full Name", "Phone", "Email", "Campaign ID", "Campaign", "Ad group", "adgroup_id"],  # Google Ads
        ["full_name", "phone_number", "email", "ad_id", "adset_name", "adset_id", "campaign_id"],  # Meta
        ["Name", "Mobile", "Email", "AdGroupId", "Ad Set Name", "Campaign Group", "Creative ID"],  # others
    ],
)
def test_an_ad_platforms_ids_are_never_the_leads_group(
    run_cli: Any, tmp_path: Path, sandbox: Sandbox, header: list[str]
) -> None:
    """The CRM's groupId is the importing team's own analytics group. An ad platform's ad group, ad set or
    campaign (its names and ids) was made the groupId by guess, so every lead was filed under the ad's id: they
    stay metadata, and the leads go without a groupId."""
    rows = [
        [name, phone, f"{name.split()[0].lower()}@mail.in", "120200001", "Diwali Sale", f"Brand {i % 2}",
         str(1342000001 + i)]
        for i, (name, phone) in enumerate(PEOPLE)
    ]  # fmt: skip
    mapping, report = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "ads.csv", [header, *rows]), sandbox)
    assert "groupId" not in mapping
    assert {report[row]["status"] for row in report} == {"accepted"}
    stored = sandbox.leads()
    assert len(stored) == len(PEOPLE)
    assert all("groupId" not in lead for lead in stored)
    assert all(len(lead["metadata"]) == 4 for lead in stored)  # type: ignore[arg-type]


def test_a_column_naming_the_leads_group_still_fills_it(run_cli: Any, tmp_path: Path, sandbox: Sandbox) -> None:
    """A sheet of the team's own with a Lead Group column beside the campaign's: that column is the groupId."""
    header = ["Name", "Mobile", "Campaign", "Lead Group"]
    rows = [[name, phone, "Diwali Sale", "north"] for name, phone in PEOPLE]
    mapping, _ = _suggest_then_run(run_cli, tmp_path, _write(tmp_path, "own.csv", [header, *rows]), sandbox)
    assert "groupId: Lead Group\n" in mapping
    assert {lead.get("groupId") for lead in sandbox.leads()} == {"north"}
