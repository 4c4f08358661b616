"""A mapping that could send no lead (no phone or email column, no name) is said to be unusable (exit 2) by every
door: mapping suggest, validate and run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import PROCESS, PROJECT, CliRun

NO_CONTACT = "Name,City,Notes\nAsha Rao,Pune,called twice\nRavi Kumar,Delhi,wants a demo\n"
NO_NAME = "Mobile,City\n9845012345,Pune\n9845012346,Delhi\n"


def test_suggest_without_a_contact_column_exits_2(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """mapping suggest on a sheet with no phone or email column writes the mapping for the person to finish, but
    says on stderr that it cannot send a lead and exits 2 (it exited 0, and validate then held every row invalid)."""
    sheet = tmp_path / "visits.csv"
    sheet.write_text(NO_CONTACT, encoding="utf-8")
    out = tmp_path / "m.yaml"
    result = run_cli("mapping", "suggest", str(sheet), "--out", str(out))
    assert result.exit_code == 2, result.output + result.stderr
    assert "no phone or email column" in result.stderr and "fields.phone or fields.email" in result.stderr
    assert "Check it, then" not in result.output
    assert yaml.safe_load(out.read_text(encoding="utf-8"))["fields"] == {"name": "Name"}  # a start to finish
    printed = run_cli("mapping", "suggest", str(sheet))
    assert printed.exit_code == 2 and "fields:" in printed.output and "no phone or email column" in printed.stderr


def test_suggest_without_a_name_column_exits_2(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """The same for a sheet with no name column: the mapping it wrote was refused by validate."""
    sheet = tmp_path / "numbers.csv"
    sheet.write_text(NO_NAME, encoding="utf-8")
    result = run_cli("mapping", "suggest", str(sheet), "--out", str(tmp_path / "m.yaml"))
    assert result.exit_code == 2, result.output + result.stderr
    assert "no name column" in result.stderr


def test_validate_and_run_refuse_a_mapping_without_a_contact(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A mapping without fields.phone or fields.email is refused before the sheet is read (exit 2, nothing written),
    naming the keys to add: every row was invalid missing-contact (exit 1) and a run sent nothing."""
    sheet = tmp_path / "visits.csv"
    sheet.write_text(NO_CONTACT, encoding="utf-8")
    mapping = mapping_file(f"project_id: {PROJECT}\nprocess_id: {PROCESS}\nfields:\n  name: Name\n")
    for command in ("validate", "run"):
        report = tmp_path / f"{command}.csv"
        env = {"VOX_API_TOKEN": "token", "VOX_BASE_URL": "http://127.0.0.1:9/api/v1"}  # nothing listens there
        result = run_cli(command, str(sheet), "-m", str(mapping), "--report", str(report), env=env)
        assert result.exit_code == 2, (command, result.output, result.stderr)
        assert "every lead needs a phone number or an email" in result.stderr
        assert "fields.phone or fields.email" in result.stderr
        assert not report.exists()
