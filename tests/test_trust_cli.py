"""What a person running leadimport unattended, or trusting its dry run, relies on: the dry run knows what
earlier runs sent, a stop is always explained, scripts get what they need, and looking writes nothing."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row, read_report
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1)
    with Sandbox(settings) as crm:
        yield crm


def _run(run_cli: Callable[..., CliRun], *args: str, env: dict[str, str]) -> CliRun:
    return run_cli("run", *args, "--rate", "5000/1s", env=env)


# -- 1. the dry run knows history ---------------------------------------------------------------


def test_validate_after_an_import_says_what_run_would_send(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """After a file is imported, validate on it (with one row added, one already-called phone) says
    already-imported for what was accepted, rejected for the refused phone, and plans only the new row;
    --no-ledger gives the file alone. The ledger file is not written by validate."""
    phones = good_phones(12, seed=91)
    sheet = write_sheet(tmp_path / "leads.csv", phones[:10])
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), preexisting_phones=frozenset({"+91" + phones[3]})
    )
    with Sandbox(settings) as crm:  # phone 3 already called
        env = run_env(crm.base_url, ledger)
        first = _run(run_cli, str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), env=env)
    assert first.exit_code == 1
    write_sheet(sheet, phones[:11])
    before = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name.startswith("ledger")}
    checked = run_cli(
        "validate",
        str(sheet),
        "--mapping",
        str(mapping),
        "--report",
        str(tmp_path / "v.csv"),
        env={"LEADIMPORT_LEDGER": str(ledger)},
    )
    after = {p.name: p.stat().st_mtime_ns for p in tmp_path.iterdir() if p.name.startswith("ledger")}
    assert after == before  # read only: nothing written, nothing created
    rows = by_row(checked.report)
    assert [rows[n]["status"] for n in range(2, 13)] == ["already-imported"] * 3 + ["rejected"] + [
        "already-imported"
    ] * 6 + ["valid"]
    assert "not sent again" in rows[5]["reason"]
    assert rows[2]["imported_in_run"] and rows[2]["lead_id"]
    assert "Send plan: 1 leads in 1 request" in checked.output
    plain = run_cli(
        "validate",
        str(sheet),
        "--mapping",
        str(mapping),
        "--no-ledger",
        "--json",
        env={"LEADIMPORT_LEDGER": str(ledger)},
    )
    payload = json.loads(plain.output)
    assert payload["counts"] == {"valid": 11} and payload["send_plan"]["leads"] == 11 and payload["ledger"] is None


def test_validate_with_no_ledger_creates_none(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """With no ledger at the default path, validate is the pure file check and creates no ledger."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=93))
    ledger = tmp_path / "state" / "ledger.sqlite3"
    result = run_cli(
        "validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), env={"LEADIMPORT_LEDGER": str(ledger)}
    )
    assert result.exit_code == 0
    assert not ledger.parent.exists()


# -- 3. -q never hides why a run stopped ----------------------------------------------------------


def test_quiet_run_with_a_wrong_token_says_why_on_stderr(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`run -q` with a token the CRM refuses: nothing on stdout, the reason on stderr, exit 3."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=95))
    env = {**run_env(sandbox.base_url), "VOX_API_TOKEN": "wrong-token-42"}
    result = _run(run_cli, str(sheet), "--mapping", str(mapping_file(MAPPING)), "--no-ledger", "-q", env=env)
    assert result.exit_code == 3
    assert result.output == ""
    assert "Stopped:" in result.stderr and "VOX_API_TOKEN" in result.stderr


# -- 4. --json for scripts ------------------------------------------------------------------------


def test_json_run_gives_run_id_and_ledger_and_show_uses_them(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`run --json` names the run and the ledger; `show RUN_ID` on that ledger prints the run."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(4, seed=97))
    env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    result = _run(run_cli, str(sheet), "--mapping", str(mapping_file(MAPPING)), "--json", env=env)
    payload = json.loads(result.output)
    assert isinstance(payload["run_id"], int) and payload["ledger"] == str(tmp_path / "ledger.sqlite3")
    shown = run_cli("show", str(payload["run_id"]), "--ledger", payload["ledger"])
    assert shown.exit_code == 0 and f"Run {payload['run_id']}: complete" in shown.output


@pytest.mark.parametrize(
    ("content", "code", "row", "column"),
    [
        (None, "source", None, None),  # no such file
        ('Name,Phone,City\nA,"9820012345,Pune\nB,9820012346,Pune\nC,9820012347,Pune\n', "source", 2, "Phone"),
        ("Nombre,Telefono\nA,9820012345\n", "config", 1, None),
    ],
)
def test_json_errors_are_a_json_object_with_the_exit_code(
    tmp_path: Path,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    content: str | None,
    code: str,
    row: int | None,
    column: str | None,
) -> None:
    """An unusable file or mapping with --json: exit 2 and {"error": {code, message, file, row, column}}."""
    sheet = tmp_path / "leads.csv"
    if content is not None:
        sheet.write_text(content, encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--json")
    assert result.exit_code == 2
    error = json.loads(result.output)["error"]
    assert error["code"] == code and error["message"] and error["row"] == row and error["column"] == column
    if code == "source":
        assert error["file"] == str(sheet)


def test_json_run_without_a_token_is_a_json_error(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2, seed=99))
    result = run_cli("run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--json", env={"VOX_API_TOKEN": ""})
    assert result.exit_code == 2
    assert json.loads(result.output)["error"]["code"] == "config"


# -- 7. looking writes nothing; show tells the run as it was -------------------------------------


def test_history_without_a_ledger_creates_nothing(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    ledger = tmp_path / "state" / "ledger.sqlite3"
    result = run_cli("history", "--ledger", str(ledger))
    assert result.exit_code == 0 and "No runs recorded yet." in result.output
    assert not ledger.parent.exists()
    assert run_cli("show", "1", "--ledger", str(ledger)).exit_code == 2
    assert not ledger.parent.exists()


def test_show_gives_the_report_path_absolute_and_the_command_with_report(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A run started in another folder with a relative --report: show prints the report's absolute path and a
    command that resumes it from anywhere, --report included."""
    work = tmp_path / "work"
    work.mkdir()
    write_sheet(work / "leads.csv", good_phones(3, seed=101))
    mapping_file(MAPPING)
    env = {**os.environ, **run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")}
    done = subprocess.run(
        [sys.executable, "-m", "importer", "run", "leads.csv", "--mapping", "../mapping.yaml", "--report",
         "out/r.csv", "--rate", "5000/1s", "--json"],
        cwd=work, env={**env, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    run_id = json.loads(done.stdout)["run_id"]
    shown = run_cli("show", str(run_id), "--ledger", str(tmp_path / "ledger.sqlite3"))
    assert f"report    {work / 'out' / 'r.csv'}" in shown.output
    command = next(line for line in shown.output.splitlines() if line.strip().startswith("command"))
    assert f"--report {work / 'out' / 'r.csv'}" in command and str(work / "leads.csv") in command


def test_show_report_of_a_killed_run_says_what_that_run_did(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A run killed after its first batch, then finished by a second run: `show 1 --report` has the first
    batch accepted and the rest pending (not `already-imported` by a run that came later)."""
    phones = good_phones(30, seed=103)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    mapping = mapping_file(MAPPING)
    env = {**os.environ, **run_env(sandbox.base_url, tmp_path / "ledger.sqlite3"), "PYTHONPATH": str(ROOT)}
    command = [sys.executable, "-m", "importer", "run", str(sheet), "--mapping", str(mapping), "--rate", "5000/1s",
               "--concurrency", "1", "-q"]  # fmt: skip
    killed = subprocess.run(command, env={**env, "LEADIMPORT_CRASH_AT": "after-record:1"}, capture_output=True)
    assert killed.returncode == -9
    assert subprocess.run(command, env=env, capture_output=True).returncode == 0
    shown = run_cli("show", "1", "--ledger", str(tmp_path / "ledger.sqlite3"), "--report", str(tmp_path / "one.csv"))
    assert shown.exit_code == 0
    statuses = [row["status"] for row in read_report(tmp_path / "one.csv")]
    assert statuses == ["accepted"] * 5 + ["pending"] * 25  # the probe batch; the rest run 2 sent


def test_validate_notes_an_earlier_refusal_and_plans_a_changed_row(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A row the CRM refused (its email taken) is `rejected` again in the dry run while it is unchanged (run
    would not send it); once the row is changed it is valid, with the earlier refusal noted, and planned."""
    import httpx

    phones = good_phones(4, seed=131)
    httpx.post(
        sandbox.base_url + "/leads/bulk/initiate",
        headers={"Authorization": f"Bearer {TOKEN}"},
        json={"leads": [{"projectId": PROJECT, "processId": PROCESS, "name": "Other", "email": "p1@example.com"}]},
    ).raise_for_status()
    sheet = write_sheet(tmp_path / "leads.csv", phones[:3])
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    first = _run(run_cli, str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"),
                 env=run_env(sandbox.base_url, ledger))  # fmt: skip
    assert by_row(first.report)[3]["status"] == "rejected"
    env = {"LEADIMPORT_LEDGER": str(ledger)}
    same = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "v.csv"), env=env)
    row = by_row(same.report)[3]
    assert row["status"] == "rejected" and "already exists" in row["reason"]
    assert "Send plan: nothing to send." in same.output
    sheet.write_text(sheet.read_text(encoding="utf-8").replace("P1,", "Priya Shah,"), encoding="utf-8")
    fixed = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "w.csv"), env=env)
    row = by_row(fixed.report)[3]
    assert (
        row["status"] == "valid" and "refused by the CRM in run 1" in row["reason"] and "changed since" in row["reason"]
    )
    assert "Send plan: 1 leads in 1 request" in fixed.output


def test_a_usage_error_with_json_is_a_json_error_too(tmp_path: Path) -> None:
    """A mistyped command line (a missing FILE, an unknown option) run with --json prints the JSON error object on
    stdout with click's exit code 2, and click's own message on stderr; without --json, stdout stays empty."""

    def leadimport(*words: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "importer", *words]
        return subprocess.run(command, capture_output=True, text=True, cwd=tmp_path, check=False, timeout=120)

    missing = leadimport("validate", "--json")
    assert missing.returncode == 2
    error = json.loads(missing.stdout)["error"]
    assert error["code"] == "usage" and "Missing argument 'FILE'" in error["message"]
    assert "Missing argument 'FILE'" in missing.stderr
    unknown = leadimport("run", "leads.csv", "--json", "--no-such-option")
    assert unknown.returncode == 2 and json.loads(unknown.stdout)["error"]["code"] == "usage"
    plain = leadimport("validate")
    assert plain.returncode == 2 and plain.stdout == ""
