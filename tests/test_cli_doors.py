"""The command line used by someone who never read the docs: whatever a CRM or a mistake puts in a message, what
the command prints is one readable line per message, and says what to do next."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet

CRM_WORDS = "API key temporarily blocked\r\nfor duplicate submissions.\n\x1b[31mContact support\x1b[0m\u202e now"


def test_a_stop_quoting_a_crm_body_of_several_lines_is_one_clean_line(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The CRM blocks the key with a message of several lines holding a colour code: "Stopped: ..." is one line
    on stderr with no control character, and --json's "stopped" keeps the CRM's whole text."""
    phones = good_phones(8, seed=501)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    settings = SandboxSettings(
        token=TOKEN,
        project_id=PROJECT,
        process_ids=(PROCESS,),
        rate_limit=5000,
        rate_window=1.0,
        dup_threshold=0,
        block_message=CRM_WORDS,
        preexisting_phones=frozenset({f"+91{phones[0]}"}),
    )
    mapping = mapping_file(MAPPING)
    with Sandbox(settings) as crm:
        plain = run_cli("run", str(sheet), "--mapping", str(mapping), "--no-ledger", env=run_env(crm.base_url))
        as_json = run_cli(
            "run", str(sheet), "--mapping", str(mapping), "--no-ledger", "--json", env=run_env(crm.base_url)
        )
    assert plain.exit_code == 3
    stopped = [line for line in plain.stderr.splitlines() if "Stopped:" in line]
    assert len(stopped) == 1, plain.stderr
    line = stopped[0]
    assert "\x1b" not in plain.stderr and "\r" not in plain.stderr and "\u202e" not in plain.stderr
    assert "Contact support" in line and "for duplicate submissions." in line
    assert "Wait" in line  # what to do next is on the same line
    assert as_json.exit_code == 3 and CRM_WORDS in json.loads(as_json.output)["stopped"]


def test_a_file_named_in_shift_jis_is_named_in_japanese_in_the_message(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A file unzipped from a Japanese Windows zip (its name in Shift-JIS, not UTF-8): the command's error names it,
    and the name to rename it to, in Japanese, where it said "ƒeƒXƒg.csv"."""
    import os

    written = write_sheet(tmp_path / "x.csv", good_phones(2, seed=503))
    raw = os.fsencode(tmp_path) + b"/" + "テスト.csv".encode("cp932")
    os.rename(written, raw)
    result = run_cli("validate", os.fsdecode(raw), "--mapping", str(mapping_file(MAPPING)))
    assert result.exit_code == 2
    assert f"{tmp_path}/テスト.csv: the file's name is not UTF-8" in result.stderr
    assert "rename it, e.g. to 'テスト.csv'" in result.stderr and "ƒ" not in result.stderr


def test_a_lead_file_given_as_the_mapping_is_said_to_be_one(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """`validate leads.csv --mapping leads.csv` (or the two swapped): the error says this is a lead file, not a
    mapping, and how the command is written, rather than "a mapping must be a YAML dictionary"."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2, seed=504))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    for args in ((str(sheet), "--mapping", str(sheet)), (str(mapping), "--mapping", str(sheet))):
        result = run_cli("validate", *args)
        assert result.exit_code == 2
        assert f"{sheet}: this is a lead file (CSV), not a mapping" in result.stderr, result.stderr
        assert "leadimport validate LEAD_FILE --mapping MAPPING.yaml" in result.stderr
        assert "Traceback" not in result.stderr


def test_a_yaml_error_names_the_line_and_shows_it(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A mapping whose line 5 is indented one space too far: the error names the file and line 5, shows that line,
    and says nothing of "<unicode string>"."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2, seed=505))
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\nfields:\n  name: Name\n   phone: Phone\n", encoding="utf-8"
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping))
    assert result.exit_code == 2
    assert f"{mapping}, line 5" in result.stderr, result.stderr
    assert "   phone: Phone" in result.stderr
    assert "<unicode string>" not in result.stderr


@pytest.mark.parametrize("tail", ["/leads/bulk/initiate", "/leads/initiate?v=1.2", "/leads", "/leads/get/", "?x=1"])
def test_vox_base_url_pasted_with_an_endpoint_is_refused_naming_the_address_to_set(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], tail: str
) -> None:
    """VOX_BASE_URL copied from the API docs with an endpoint (or a query) after /api/v1: the run stopped on the
    CRM's 404 as "an unexpected body ... a bug in leadimport"; it is a usage error before anything is read or sent,
    naming the address to set."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2, seed=506))
    env = {**run_env(sandbox.base_url), "VOX_BASE_URL": sandbox.base_url + tail}
    result = run_cli("run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--no-ledger", env=env)
    assert result.exit_code == 2, result.stderr
    assert f"Set it to {sandbox.base_url}." in result.stderr
    assert "bug in leadimport" not in result.stderr
    assert sandbox.stats().requests == 0


def test_a_lead_file_name_typed_wrong_names_the_files_it_may_have_meant(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`validate lead.csv` where the folder holds leads.csv: "file not found" names leads.csv as the one meant."""
    write_sheet(tmp_path / "leads.csv", good_phones(2, seed=507))
    write_sheet(tmp_path / "other.csv", good_phones(2, seed=508))
    result = run_cli("validate", str(tmp_path / "lead.csv"), "--mapping", str(mapping_file(MAPPING)))
    assert result.exit_code == 2
    assert f"{tmp_path / 'lead.csv'}: file not found. Did you mean {tmp_path / 'leads.csv'}?" in result.stderr


def test_serve_with_an_address_no_send_could_use_says_so_before_the_sign_in_link(tmp_path: Path) -> None:
    """`leadimport serve` with VOX_BASE_URL pasted with an endpoint started, and each send then failed on the page,
    which cannot fix it: serve refuses to start (exit 2) naming the address to set, as run does."""
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    env = {**os.environ, "VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": "https://crm.example.com/api/v1/leads/bulk/initiate"}
    done = subprocess.run(
        [sys.executable, "-m", "importer", "serve", "--port", "0", "--ledger", str(tmp_path / "l.db")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "Set it to https://crm.example.com/api/v1." in done.stderr
    assert "/login?token=" not in done.stdout
