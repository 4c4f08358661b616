"""What a developer tries first with the library: every wrong argument raises the documented exception tree
(`importer.LeadImportError`), naming what to pass instead, and no setting is silently dropped."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import httpx
import pandas as pd
import pytest

import importer
from importer.sandbox.server import Sandbox
from tests.conftest import ROOT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet


@pytest.fixture
def sheet(tmp_path: Path) -> Path:
    return write_sheet(tmp_path / "leads.csv", good_phones(3))


@pytest.fixture
def mapping(tmp_path: Path) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(MAPPING, encoding="utf-8")
    return path


def test_a_file_object_or_a_dataframe_is_a_source_error_saying_to_give_a_path(sheet: Path, mapping: Path) -> None:
    """validate_file given a BytesIO, an open file or a DataFrame says it reads a path (and which), not TypeError."""
    with pytest.raises(importer.SourceError, match="not a BytesIO: save it first"):
        importer.validate_file(io.BytesIO(sheet.read_bytes()), mapping)  # type: ignore[arg-type]
    with sheet.open("rb") as handle, pytest.raises(importer.SourceError, match=f"give its path \\('{sheet}'\\)"):
        importer.validate_file(handle, mapping)  # type: ignore[arg-type]
    frame = pd.read_csv(sheet, dtype=str)
    with pytest.raises(importer.SourceError, match=r"not a DataFrame: write it to a file first \(df.to_csv"):
        importer.validate_file(frame, mapping)  # type: ignore[arg-type]
    with pytest.raises(importer.SourceError, match="not a NoneType"):
        importer.validate_file(None, mapping)  # type: ignore[arg-type]
    assert importer.validate_file(str(sheet), str(mapping)).summary.counts == {"valid": 3}
    for tool in (importer.tools.inspect_file, importer.tools.suggest_mapping):
        with pytest.raises(importer.SourceError, match="not a BytesIO"):
            tool(io.BytesIO(sheet.read_bytes()))  # type: ignore[arg-type]


def test_a_mapping_that_is_not_a_path_or_a_lead_mapping_is_a_config_error(sheet: Path) -> None:
    """A dict or None for the mapping is a ConfigError pointing at load_mapping."""
    for wrong in ({"fields": {"phone": "Phone"}}, None):
        with pytest.raises(importer.ConfigError, match=r"LeadMapping \(importer.load_mapping\(path\)\)"):
            importer.validate_file(sheet, wrong)  # type: ignore[arg-type]


def test_an_unset_token_is_no_token(sheet: Path, mapping: Path, sandbox: Sandbox) -> None:
    """token=os.environ.get("VOX_API_TOKEN") with the variable unset is the documented ConfigError; nothing is sent."""
    with pytest.raises(importer.ConfigError, match="no VOX API token"):
        importer.import_file(sheet, mapping, token=None, base_url=sandbox.base_url, ledger=None)  # type: ignore[arg-type]
    assert sandbox.leads() == []


def test_an_empty_ledger_path_is_refused_not_taken_as_no_ledger(sheet: Path, mapping: Path, sandbox: Sandbox) -> None:
    """ledger="" (an unset variable) would turn off the guard against sending twice: refused, nothing sent."""
    with pytest.raises(importer.LedgerError, match="ledger=None for no ledger"):
        importer.import_file(sheet, mapping, token=TOKEN, base_url=sandbox.base_url, ledger="")
    assert sandbox.leads() == []


def test_an_open_ledger_is_taken_by_its_path(tmp_path: Path, sheet: Path, mapping: Path, sandbox: Sandbox) -> None:
    """A Ledger object (what rebuild_report takes) works for validate_file and import_file too; rebuild_report
    takes a ledger's path as import_file does."""
    path = tmp_path / "ledger.sqlite3"
    with importer.Ledger(path) as ledger:
        done = importer.import_file(sheet, mapping, token=TOKEN, base_url=sandbox.base_url, ledger=ledger)  # type: ignore[arg-type]
        checked = importer.validate_file(sheet, mapping, ledger=ledger)  # type: ignore[arg-type]
    assert done.summary.counts == {"accepted": 3} and done.run_id is not None
    assert checked.summary.counts == {"already-imported": 3}
    assert importer.rebuild_report(done.run_id, path).summary.counts == {"accepted": 3}
    assert importer.rebuild_report(done.run_id, str(path)).summary.counts == {"accepted": 3}
    with pytest.raises(importer.ConfigError, match="there is no ledger at"):
        importer.rebuild_report(done.run_id, tmp_path / "other.sqlite3")


def test_read_options_take_a_sheet_number_and_refuse_impossible_values(tmp_path: Path, mapping: Path) -> None:
    """ReadOptions(sheet=2) is the second sheet, as --sheet 2; header_row 0, -1 or "2" and an unknown code page
    are ConfigErrors, not an AttributeError or a header read from the last row."""
    with pd.ExcelWriter(tmp_path / "two.xlsx") as writer:
        pd.DataFrame({"Notes": ["read me"]}).to_excel(writer, sheet_name="About", index=False)
        pd.read_csv(write_sheet(tmp_path / "l.csv", good_phones(2)), dtype=str).to_excel(
            writer, sheet_name="Leads", index=False
        )
    second = importer.validate_file(tmp_path / "two.xlsx", mapping, read=importer.ReadOptions(sheet=2))  # type: ignore[arg-type]
    assert second.summary.counts == {"valid": 2}
    for wrong in (0, -1, "2", True):
        with pytest.raises(importer.ConfigError, match="1-based row number"):
            importer.ReadOptions(header_row=wrong)  # type: ignore[arg-type]
    with pytest.raises(importer.ConfigError, match="code page"):
        importer.ReadOptions(code_page="latin-99")


def test_an_impossible_rate_is_a_config_error() -> None:
    """RateLimit(0, 5) is refused as the CLI's --rate 0 is: a ConfigError, not a ValueError from the limiter."""
    for count, seconds in ((0, 5.0), (10, 0.0), (10, float("nan"))):
        with pytest.raises(importer.ConfigError, match="at least one request in a positive number of seconds"):
            importer.RateLimit(count, seconds)


def test_options_of_the_wrong_type_are_config_errors_naming_the_argument(
    sheet: Path, mapping: Path, sandbox: Sandbox
) -> None:
    """A dict for read=/send=/plan=, rate="100/5s" (as the CLI writes it), base_url=None (an unset variable), an
    httpx.AsyncClient, progress=True, report=True: each a ConfigError naming the argument, nothing sent."""
    url = sandbox.base_url
    tries: list[tuple[str, Callable[[], object]]] = [
        ("read=", lambda: importer.validate_file(sheet, mapping, read={"sheet": "Leads"})),  # type: ignore[arg-type]
        ("plan=", lambda: importer.validate_file(sheet, mapping, plan={})),  # type: ignore[arg-type]
        ("report=", lambda: importer.validate_file(sheet, mapping, report=True)),  # type: ignore[arg-type]
        ("progress=", lambda: importer.validate_file(sheet, mapping, progress=True)),  # type: ignore[arg-type]
        ("rate=", lambda: importer.import_file(sheet, mapping, token=TOKEN, base_url=url, ledger=None, rate="100/5s")),  # type: ignore[arg-type]
        ("base_url=", lambda: importer.import_file(sheet, mapping, token=TOKEN, base_url=None, ledger=None)),  # type: ignore[arg-type]
        ("send=", lambda: importer.import_file(sheet, mapping, token=TOKEN, base_url=url, ledger=None, send={})),  # type: ignore[arg-type]
        (
            "http=",
            lambda: importer.import_file(
                sheet,
                mapping,
                token=TOKEN,
                base_url=url,
                ledger=None,
                http=httpx.AsyncClient(),  # type: ignore[arg-type]
            ),
        ),
        ("project_id=", lambda: importer.load_mapping(mapping, project_id=123)),  # type: ignore[arg-type]
    ]
    for name, call in tries:
        with pytest.raises(importer.ConfigError, match=re.escape(name)):
            call()
    assert sandbox.leads() == []


def test_write_report_takes_its_format_in_capitals_and_refuses_a_path_that_is_not_one(
    sheet: Path, mapping: Path
) -> None:
    """write_report(format="XLSX") writes the Excel report; write_report(5) is a ConfigError, not a TypeError."""
    checked = importer.validate_file(sheet, mapping)
    written = checked.write_report(sheet.with_name("checked.out"), format="XLSX")
    assert written.read_bytes()[:2] == b"PK"
    with pytest.raises(importer.ConfigError, match=r"a report.s path is a str or pathlib\.Path; got int"):
        checked.write_report(5)  # type: ignore[arg-type]


def test_a_report_is_never_written_over_the_lead_file(sheet: Path, mapping: Path) -> None:
    """validate_file(path, report=path) or write_report(path) (or a link to it) would replace the lead file with its
    own report, as `--report` naming the input is refused on the command line: a ConfigError, the file unchanged."""
    before = sheet.read_bytes()
    link = sheet.with_name("link.csv")
    link.symlink_to(sheet)
    with pytest.raises(importer.ConfigError, match="would overwrite the input file"):
        importer.validate_file(sheet, mapping, report=sheet)
    checked = importer.validate_file(sheet, mapping)
    for target in (sheet, str(sheet), link):
        with pytest.raises(importer.ConfigError, match="would overwrite the input file"):
            checked.write_report(target)
    assert sheet.read_bytes() == before


def test_a_lead_file_whose_name_is_not_utf8_is_refused_by_name_not_with_an_internal_error(
    sheet: Path, mapping: Path
) -> None:
    """ "Caf\\xe9.csv" (a name in Windows-1252, as a share or a zip writes it): `validate` said "internal error
    (UnicodeEncodeError ...)"; now a SourceError (exit 2) suggesting a name to rename it to, in the API too."""
    odd = os.fsencode(sheet.parent) + b"/Caf\xe9 leads.csv"
    os.rename(sheet, odd)
    with pytest.raises(importer.SourceError, match=r"name is not UTF-8.*rename it, e\.g\. to 'Café leads\.csv'"):
        importer.validate_file(os.fsdecode(odd), mapping)
    done = subprocess.run(
        [sys.executable, "-m", "importer", "validate", odd, "--mapping", str(mapping)],
        cwd=ROOT, capture_output=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 2
    assert b"internal error" not in done.stderr and "rename it, e.g. to 'Café leads.csv'".encode() in done.stderr


def test_a_send_wait_that_is_negative_or_not_finite_is_a_config_error(
    sheet: Path, mapping: Path, sandbox: Sandbox
) -> None:
    """SendOptions(outage_wait=-1) (or inflight_grace=-1) raised a bare ValueError from deep inside import_file;
    outage_wait=inf was taken, and a CRM in maintenance past the few tries then waited inf seconds (an
    OverflowError); nan turned the wait off. Each is a ConfigError naming the option, as the CLI refuses them."""
    for name in ("outage_wait", "inflight_grace"):
        for seconds in (-1.0, float("inf"), float("nan")):
            with pytest.raises(importer.ConfigError, match=f"{name}="):
                importer.import_file(
                    sheet,
                    mapping,
                    token=TOKEN,
                    base_url=sandbox.base_url,
                    ledger=None,
                    send=importer.SendOptions(**{name: seconds}),  # type: ignore[arg-type]
                )
    assert sandbox.leads() == []
