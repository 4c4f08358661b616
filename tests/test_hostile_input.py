"""Hostile and broken input through the CLI: ledgers that would silently switch off exactly-once, the token
over plain HTTP, absurd values, FIFOs, binary data posing as a sheet, control characters, and reports that
cannot be written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import MAPPING, TOKEN, good_phones, run_env, write_sheet

FAST = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1.0)
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(FAST) as crm:
        yield crm


def _run(run_cli: Callable[..., CliRun], sheet: Path, mapping: Path, env: dict[str, str], *extra: str) -> CliRun:
    report = sheet.with_suffix(".report.csv")
    return run_cli(
        "run", str(sheet), "--mapping", str(mapping), "--report", str(report), "--rate", "2000/1s", *extra, env=env
    )


# -- 1. the ledger ------------------------------------------------------------------------------------


def test_a_zero_byte_ledger_is_refused_and_nothing_is_sent_again(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A ledger truncated to 0 bytes after a run: the next run refuses it (exit 2) and sends nothing; with
    --new-ledger it starts anew and says where the ledger is."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(20, seed=3))
    mapping, ledger = mapping_file(MAPPING), tmp_path / "ledger.sqlite3"
    env = run_env(sandbox.base_url, ledger)
    first = _run(run_cli, sheet, mapping, env)
    assert first.exit_code == 0, first.output + first.stderr
    assert f"Started a new ledger at {ledger}" in first.stderr
    assert len(sandbox.leads()) == 20
    for leftover in (ledger, Path(f"{ledger}-wal"), Path(f"{ledger}-shm")):
        if leftover.exists():
            leftover.write_bytes(b"")  # a failed copy, a full disk
    requests = sandbox.stats().requests
    again = _run(run_cli, sheet, mapping, env)
    assert again.exit_code == 2
    assert "empty file (0 bytes)" in again.stderr and "--new-ledger" in again.stderr and str(ledger) in again.stderr
    assert sandbox.stats().requests == requests and len(sandbox.leads()) == 20
    assert ledger.stat().st_size == 0
    other = write_sheet(tmp_path / "more.csv", good_phones(30, seed=33)[20:], prefix="Q")
    anew = _run(run_cli, other, mapping, env, "--new-ledger")  # the user says: start anew (other leads here)
    assert anew.exit_code == 0, anew.output + anew.stderr
    assert f"Started a new ledger at {ledger}" in anew.stderr
    assert len(sandbox.leads()) == 30
    history = run_cli("history", env=env)
    assert history.exit_code == 0 and f"Ledger: {ledger}" in history.output


def test_a_mistyped_ledger_path_is_refused_unless_new_ledger(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """--ledger naming no file: refused (exit 2, nothing sent, nothing created); --new-ledger creates it and
    the run prints where; history shows that ledger and its run."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(5, seed=4))
    mapping, typo = mapping_file(MAPPING), tmp_path / "ledgr.sqlite3"
    env = run_env(sandbox.base_url)
    refused = _run(run_cli, sheet, mapping, env, "--ledger", str(typo))
    assert refused.exit_code == 2
    assert f"there is no ledger at {typo}" in refused.stderr and "--new-ledger" in refused.stderr
    assert not typo.exists() and sandbox.stats().requests == 0
    made = _run(run_cli, sheet, mapping, env, "--ledger", str(typo), "--new-ledger")
    assert made.exit_code == 0, made.output + made.stderr
    assert f"Started a new ledger at {typo}" in made.stderr
    again = _run(run_cli, sheet, mapping, env, "--ledger", str(typo))
    assert again.exit_code == 0 and "Started a new ledger" not in again.stderr
    assert {r["status"] for r in again.report} == {"already-imported"}
    history = run_cli("history", "--ledger", str(typo))
    assert f"Ledger: {typo}" in history.output and "leads.csv" in history.output
    missing = run_cli("history", "--ledger", str(tmp_path / "nope.sqlite3"))
    assert missing.exit_code == 0 and f"Ledger: {tmp_path / 'nope.sqlite3'} (no such file" in missing.output
    assert not (tmp_path / "nope.sqlite3").exists()


def test_history_on_a_new_machine_creates_nothing(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """history with no ledger yet says where it would be, and does not create it."""
    ledger = tmp_path / "state" / "ledger.sqlite3"
    result = run_cli("history", env={"LEADIMPORT_LEDGER": str(ledger)})
    assert result.exit_code == 0 and f"Ledger: {ledger} (no such file" in result.output
    assert not ledger.parent.exists()


# -- 4. the token only over TLS -----------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every httpx transport fails the test if it is ever asked to send (nothing may leave this machine)."""
    attempts: list[str] = []

    def refuse(self: object, request: httpx.Request) -> httpx.Response:
        attempts.append(str(request.url))
        pytest.fail(f"a request was sent to {request.url}")

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", refuse)
    return attempts


def test_plain_http_to_another_host_is_refused_before_any_connection(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], no_network: list[str]
) -> None:
    """VOX_BASE_URL=http://<not loopback>: exit 2 before anything connects; credentials in it never show."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=5))
    url = "http://ops:Hunter2-secret@crm.example.com/api/v1"
    env = {"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": url, "LEADIMPORT_LEDGER": str(tmp_path / "l.sqlite3")}
    result = _run(run_cli, sheet, mapping_file(MAPPING), env)
    assert result.exit_code == 2
    assert "plain http://" in result.stderr and "--insecure-http" in result.stderr
    assert "Hunter2-secret" not in result.stderr + result.output and "ops:" not in result.stderr
    assert "http://***@crm.example.com/api/v1" in result.stderr
    assert no_network == []


def test_insecure_http_warns_then_sends(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun], monkeypatch: pytest.MonkeyPatch
) -> None:
    """--insecure-http lets plain http through with a warning (here to a MockTransport: nothing leaves)."""
    sent: list[str] = []

    def crm(self: object, request: httpx.Request) -> httpx.Response:
        sent.append(f"{request.url.scheme}://{request.url.host}{request.url.path}")
        if request.method == "GET":
            return httpx.Response(404, json={"success": False, "error": "not found"})
        leads = __import__("json").loads(request.content)["leads"]
        return httpx.Response(
            200, json={"success": [{"_id": f"id{i}", **x} for i, x in enumerate(leads)], "errors": []}
        )

    monkeypatch.setattr(httpx.HTTPTransport, "handle_request", crm)
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(3, seed=6))
    env = {
        "VOX_API_TOKEN": TOKEN,
        "VOX_BASE_URL": "http://crm.example.com/api/v1",
        "LEADIMPORT_LEDGER": str(tmp_path / "l.sqlite3"),
    }
    result = _run(run_cli, sheet, mapping_file(MAPPING), env, "--insecure-http")
    assert "warning: --insecure-http" in result.stderr and "unencrypted" in result.stderr
    assert result.exit_code == 0, result.output + result.stderr
    assert sent and set(sent) == {"http://crm.example.com/api/v1/leads/bulk/initiate"}


# -- 5. bounds ----------------------------------------------------------------------------------------


def test_absurd_values_are_not_sent(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A 1 MB name, a 300-character email or phone cell make the row invalid (value-too-long) and it is
    not sent; a 5,000-character metadata value is cut to 2,000 with the warning metadata-truncated."""
    phones = good_phones(5, seed=8)
    sheet = tmp_path / "leads.csv"
    rows = [
        "Name,Phone,Email,City",
        f"{'A' * 1_000_000},{phones[0]},a@example.com,Pune",
        f"Bina,{phones[1]},{'b' * 300}@example.com,Pune",
        f"Chet,{phones[2]} {'9' * 300},c@example.com,Pune",
        f"Dev,{phones[3]},d@example.com,{'Pune ' * 1000}",
        f"Esha,{phones[4]},e@example.com,Goa",
    ]
    sheet.write_text("\n".join(rows) + "\n", encoding="utf-8")
    result = _run(run_cli, sheet, mapping_file(MAPPING), run_env(sandbox.base_url, tmp_path / "l.sqlite3"))
    assert result.exit_code == 1
    report = by_row(result.report)
    for row in (2, 3, 4):
        assert report[row]["status"] == "invalid" and "value-too-long" in report[row]["reason"]
    assert report[5]["status"] == "accepted" and "metadata-truncated" in report[5]["warnings"]
    assert report[6]["status"] == "accepted" and report[6]["warnings"] == ""
    stored = {lead["name"]: lead for lead in sandbox.leads()}
    assert set(stored) == {"Dev", "Esha"}
    metadata = stored["Dev"]["metadata"]
    assert isinstance(metadata, dict) and len(metadata["city"]) == 2000


def test_a_huge_mapping_is_refused_and_long_errors_are_cut(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A 2 MB mapping is refused at once; an error listing thousands of lines shows 20 and counts the rest."""
    sheet = write_sheet(tmp_path / "leads.csv", good_phones(2, seed=9))
    huge = mapping_file(MAPPING + "# " + "x" * (2 << 20) + "\n", name="huge.yaml")
    result = run_cli("validate", str(sheet), "--mapping", str(huge))
    assert result.exit_code == 2 and "too large for a mapping" in result.stderr
    nested = mapping_file("fields:\n  name: " + "[" * 5000 + "\n", name="nested.yaml")
    result = run_cli("validate", str(sheet), "--mapping", str(nested))
    assert result.exit_code == 2 and "nested thousands deep" in result.stderr


def test_an_error_naming_thousands_of_headers_is_cut(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A sheet of 5,000 columns without the phone column: the error names the headers it has, cut short."""
    sheet = tmp_path / "wide.csv"
    headers = ["Name", *(f"Column number {i}" for i in range(5000))]
    sheet.write_text(",".join(headers) + "\n" + ",".join(["Asha"] + ["x"] * 5000) + "\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)))
    assert result.exit_code == 2
    assert "Phone" in result.stderr and "more characters" in result.stderr
    assert len(result.stderr) < 2_500 and len(result.stderr.splitlines()) <= 21


# -- 6. misleading messages ---------------------------------------------------------------------------


def test_a_fifo_is_not_called_missing(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A named pipe given as the lead file or the mapping gets its own message, at once (no hang)."""
    fifo = tmp_path / "leads.csv"
    os.mkfifo(fifo)
    result = run_cli("validate", str(fifo), "--mapping", str(mapping_file(MAPPING)))
    assert result.exit_code == 2 and "not a regular file" in result.stderr and "not found" not in result.stderr
    inspected = run_cli("inspect", str(fifo))
    assert inspected.exit_code == 2 and "not a regular file" in inspected.stderr
    sheet = write_sheet(tmp_path / "real.csv", good_phones(2, seed=10))
    mapped = run_cli("validate", str(sheet), "--mapping", str(fifo))
    assert mapped.exit_code == 2 and "not a regular file" in mapped.stderr


def test_random_bytes_and_an_image_are_called_what_they_are(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Random bytes named .csv are "binary data", a PNG named .xlsx or .csv "an image": not a header problem."""
    rng = __import__("random").Random(11)
    noise = tmp_path / "noise.csv"
    noise.write_bytes(bytes(rng.randrange(256) for _ in range(50_000)))
    png = b"\x89PNG\r\n\x1a\n" + bytes(rng.randrange(256) for _ in range(5_000))
    (tmp_path / "photo.xlsx").write_bytes(png)
    (tmp_path / "photo.csv").write_bytes(png)
    mapping = str(mapping_file(MAPPING))
    for name, words in (("noise.csv", "binary data"), ("photo.xlsx", "an image"), ("photo.csv", "an image")):
        result = run_cli("validate", str(tmp_path / name), "--mapping", mapping)
        assert result.exit_code == 2, result.stderr
        assert words in result.stderr and "header" not in result.stderr, result.stderr
        assert run_cli("inspect", str(tmp_path / name)).exit_code == 2


def test_excels_lock_file_is_called_what_it_is(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """~$leads.xlsx, the 165-byte lock file Excel keeps beside an open workbook, picked by mistake: exit 2 naming
    it and the workbook beside it, not "no header" or "the mapping does not fit"."""
    write_sheet(tmp_path / "leads.xlsx", good_phones(2))
    user = b"Asha".ljust(54, b" ")
    (tmp_path / "~$leads.xlsx").write_bytes(
        bytes([4]) + user + b"\x04\x00" + "Asha".encode("utf-16-le").ljust(110, b"\x00")
    )
    mapping = str(mapping_file(MAPPING))
    for command in (["validate", "--mapping", mapping], ["inspect"], ["mapping", "suggest"]):
        result = run_cli(*command, str(tmp_path / "~$leads.xlsx"))
        assert result.exit_code == 2, result.output
        assert "lock file Excel keeps" in result.stderr and "leads.xlsx beside it" in result.stderr, result.stderr


def test_control_characters_in_cells_are_cleaned_with_a_warning(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """98123<NUL>45671 is read as a phone, but the row says control-characters; a clean row does not."""
    sheet = tmp_path / "leads.csv"
    sheet.write_bytes(b"Name,Phone,Email,City\nAsha,98123\x0045671,a@example.com,Pu\x07ne\nRavi,9822044556,,Goa\n")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report))
    assert result.exit_code == 0, result.stderr
    rows = by_row(result.report)
    assert rows[2]["status"] == "valid" and rows[2]["phone_e164"] == "+919812345671"
    assert "control-characters" in rows[2]["warnings"] and rows[2]["City"] == "Pune"
    assert rows[3]["warnings"] == ""
    assert "\x00" not in report.read_text(encoding="utf-8-sig")


def test_a_report_that_cannot_be_written_names_the_disk_and_leaves_no_half_file(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path]
) -> None:
    """The report outgrows what the disk takes (RLIMIT_FSIZE in a subprocess): the run says the report
    could not be written where, never that the CRM stopped it; the earlier report is left whole."""
    phones = good_phones(400, seed=12)
    sheet = write_sheet(tmp_path / "leads.csv", phones)
    report = tmp_path / "out" / "leads.report.csv"
    report.parent.mkdir()
    report.write_text("the earlier report\n", encoding="utf-8")
    env = {**os.environ, **run_env(sandbox.base_url, tmp_path / "l.sqlite3")}
    limit = 24_000  # the ledger and the report's temporary file are written; the report needs more

    def small_files() -> None:
        import resource

        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # the write fails with EFBIG instead of killing
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    (tmp_path / "l.sqlite3").unlink(missing_ok=True)
    args = [sys.executable, "-m", "importer", "run", str(sheet), "-m", str(mapping_file(MAPPING))]
    args += ["--report", str(report), "--rate", "2000/1s", "--no-ledger"]
    done = subprocess.run(args, env=env, cwd=ROOT, capture_output=True, text=True, preexec_fn=small_files, timeout=120)
    assert done.returncode == 3, done.stdout + done.stderr
    assert f"cannot write the report to {report}" in done.stderr and "Report: not written" in done.stdout
    assert "CRM then stopped" not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert report.read_text(encoding="utf-8") == "the earlier report\n"
    assert [p.name for p in report.parent.iterdir()] == [report.name]
    assert len(sandbox.leads()) == 400


def test_a_full_disk_is_named_in_the_report_error(tmp_path: Path) -> None:
    """ENOSPC while a report is written: the message names the report path, the disk holding it and its
    free space (a real full disk cannot be made here without root)."""
    import errno

    from importer.report.atomic import report_error

    message = str(report_error(tmp_path / "out" / "r.csv", OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))))
    assert f"cannot write the report to {tmp_path / 'out' / 'r.csv'}: No space left on device" in message
    assert "The disk holding /" in message and "free" in message and "--report PATH" in message
