"""Digits that are not 0-9 (superscripts ¹ ² ³, a colspan written so): read, shown and refused without a crash
by the upload page and the command line."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliRun
from tests.sandbox_util import MAPPING, good_phones
from tests.test_web import Page

SUPERSCRIPTS = "\N{SUPERSCRIPT ONE}\N{SUPERSCRIPT TWO}\N{SUPERSCRIPT THREE}"


def _footnoted(path: Path) -> Path:
    """A sheet whose Note column marks each row with a footnote sign: ¹, ², ³."""
    phones = good_phones(3, seed=421)
    lines = ["Name,Phone,Note", *(f"Lead {i},{p},{SUPERSCRIPTS[i]}" for i, p in enumerate(phones))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_column_of_superscript_digits_is_read_by_inspect_suggest_and_validate(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    """Superscripts are digits to str.isdigit() but not to int(): inspect and mapping suggest said "internal error
    (ValueError ...) This is a bug" and exited 2 for a sheet whose validate is fine."""
    sheet = _footnoted(tmp_path / "footnoted.csv")
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    for args in (("inspect", str(sheet)), ("mapping", "suggest", str(sheet))):
        done = run_cli(*args)
        assert done.exit_code == 0, done.stderr
        assert "internal error" not in done.stderr
    checked = run_cli(
        "validate", str(sheet), "--mapping", str(tmp_path / "mapping.yaml"), "--report", str(tmp_path / "r.csv")
    )
    assert checked.exit_code == 0 and [r["status"] for r in checked.report] == ["valid"] * 3


def test_an_html_export_with_a_colspan_in_superscript_is_read(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A portal's HTML "Excel" file whose header cell says colspan="²": read as a span of 1, not a crash."""
    phones = good_phones(2, seed=422)
    rows = "".join(f"<tr><td>Lead {i}</td><td>{p}</td></tr>" for i, p in enumerate(phones))
    sheet = tmp_path / "portal.xls"
    sheet.write_text(
        f'<html><body><table><tr><th>Name</th><th colspan="\N{SUPERSCRIPT TWO}">Phone</th></tr>{rows}</table></body></html>',
        encoding="utf-8",
    )
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    assert run_cli("inspect", str(sheet)).exit_code == 0
    checked = run_cli(
        "validate", str(sheet), "--mapping", str(tmp_path / "mapping.yaml"), "--report", str(tmp_path / "r.csv")
    )
    assert "internal error" not in checked.stderr
    assert [r["status"] for r in checked.report] == ["valid"] * 2


def test_the_upload_page_reads_superscripts_and_refuses_them_as_numbers(tmp_path: Path) -> None:
    """The sheet page of a footnoted sheet shows its columns (it said "Something went wrong inside leadimport"); a
    header row typed as ² is refused in words and the review's ?page=² is its first page, neither a 500."""
    page = Page(tmp_path)
    upload = page.upload(_footnoted(tmp_path / "footnoted.csv"))
    sheet = page.get(f"/u/{upload.id}/sheet")
    assert sheet.status_code == 200 and "Something went wrong" not in sheet.text
    refused = page.post(f"/u/{upload.id}/sheet", {"header_row": "\N{SUPERSCRIPT TWO}"})
    assert refused.status_code == 200
    assert re.search(r'class="error-text">The header row must be a row number from 1 to \d+', refused.text)
    review = page.get(f"/u/{upload.id}/review?page=\N{SUPERSCRIPT TWO}")
    assert review.status_code == 200
