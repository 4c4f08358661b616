"""Exports that come zipped (Mailchimp's audience, HubSpot's and Salesforce's large exports): named as archives."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliRun

MEMBERS = "Email Address,First Name,Last Name,Phone Number\nrahul@gmail.com,Rahul,Sharma,9845012345\n"


def _zip(path: Path) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("subscribed_members_export_4f1c2a.csv", MEMBERS)
        archive.writestr("unsubscribed_members_export_4f1c2a.csv", MEMBERS)
        archive.writestr("cleaned_members_export_4f1c2a.csv", MEMBERS)
    return path


@pytest.mark.parametrize("name", ["members_export_4f1c2a.zip", "members_export_4f1c2a"])
@pytest.mark.parametrize("command", ["validate", "suggest"])
def test_a_zipped_export_is_named_with_the_files_it_holds(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], name: str, command: str
) -> None:
    """Mailchimp's audience export is a ZIP of CSVs: leadimport says so and names them, not 'unsupported file type'
    or 'a workbook that cannot be read'."""
    path = _zip(tmp_path / name)
    args = (
        ("mapping", "suggest", str(path))
        if command == "suggest"
        else ("validate", str(path), "-m", str(mapping_file()))
    )
    result = run_cli(*args)
    assert result.exit_code == 2
    message = result.stderr
    assert "ZIP archive" in message and "unzip" in message, message
    assert "subscribed_members_export_4f1c2a.csv" in message and "cleaned_members_export_4f1c2a.csv" in message
    assert "Traceback" not in message and "workbook" not in message
