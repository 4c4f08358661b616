"""`leadimport watch` over real HTTP against the sandbox, with real files and folders: settled files only,
one mapping per source under one rate limit, the same bytes never twice, failures kept, kills resumed
exactly once, one watcher per inbox, key blocks waited out, webhooks, and --once exit codes."""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT, ROOT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import wait_until

PROCESS_2 = "64f0c0ffee0000000000cafe"
FAST = SandboxSettings(
    token=TOKEN, project_id=PROJECT, process_ids=(PROCESS, PROCESS_2), rate_limit=5000, rate_window=1.0
)
EVENTS_MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS_2}
default_region: IN
fields:
  name: [Full Name]
  phone: [Mobile No.]
"""


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(FAST) as crm:
        yield crm


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "inbox"
    folder.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


def _env(crm_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "VOX_API_TOKEN": TOKEN,
        "VOX_BASE_URL": crm_url,
        "LEADIMPORT_LEDGER": str(tmp_path / "ledger.db"),
    }
    env.pop("LEADIMPORT_CRASH_AT", None)
    env.pop("LEADIMPORT_WEBHOOK_SECRET", None)
    return {**env, **extra}


def _command(inbox: Path, *extra: str) -> list[str]:
    mapping = inbox.parent / "mapping.yaml"
    return [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(mapping), "--settle", "0.2",
            "--poll", "0.05", "--report-format", "csv", *extra]  # fmt: skip


def _once(
    inbox: Path, crm_url: str, *extra: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*_command(inbox, *extra), "--once"],
        cwd=ROOT,
        env=env or _env(crm_url, inbox.parent),
        capture_output=True,
        text=True,
        timeout=180,
    )


def _start(inbox: Path, crm_url: str, *extra: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        _command(inbox, *extra),
        cwd=ROOT,
        env=env or _env(crm_url, inbox.parent),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if not p.name.endswith((".report.csv", ".report.xlsx", ".result.json")))


def _result(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.with_name(path.name + ".result.json").read_text(encoding="utf-8"))
    return data


def _pending_in(folder: Path) -> bool:
    """Whether a file waits in the folder with a result saying it is pending."""
    for path in _files(folder):
        result = path.with_name(path.name + ".result.json")
        if result.exists() and json.loads(result.read_text(encoding="utf-8"))["state"] == "pending":
            return True
    return False


def _phones_stored(crm: Sandbox) -> list[str]:
    return sorted(str(lead["phone"]) for lead in crm.leads())


def test_a_file_written_slowly_is_taken_only_once_settled_and_imported_whole(tmp_path: Path, sandbox: Sandbox) -> None:
    """Written in chunks over a few seconds: never taken while it grows (the settle time runs on the watcher's
    clock, advanced here only once the writing is over), then imported whole."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    fake_now = [0.0]
    watcher = Watcher(
        WatchSettings(
            inbox=inbox,
            ledger=tmp_path / "ledger.db",
            token=TOKEN,
            base_url=sandbox.base_url,
            mapping=tmp_path / "mapping.yaml",
            settle=30.0,
            poll=0.02,
            report_format="csv",
        ),
        clock=lambda: fake_now[0],
    )
    thread = threading.Thread(target=watcher.run)
    thread.start()
    try:
        phones = good_phones(300, seed=3)
        lines = ["Name,Phone,Email,City", *(f"P{i},{p},p{i}@example.com,Pune" for i, p in enumerate(phones))]
        target = inbox / "slow.csv"
        with target.open("w", encoding="utf-8") as handle:
            for start in range(0, len(lines), 30):
                handle.write("\n".join(lines[start : start + 30]) + "\n")
                handle.flush()
                fake_now[0] += 10  # each chunk lands within the settle time of the one before
                time.sleep(0.2)
                assert target.exists() and not _files(inbox / "processing") and not sandbox.leads()
        time.sleep(0.3)
        assert target.exists() and not sandbox.leads()
        fake_now[0] += 31
        wait_until(lambda: _files(inbox / "done"))
    finally:
        watcher.stop()
        thread.join(timeout=30)
    assert _phones_stored(sandbox) == sorted("+91" + p for p in phones)
    (done,) = _files(inbox / "done")
    assert done.name.endswith("_slow.csv")
    assert _result(done)["counts"] == {"accepted": 300}


def test_three_files_in_two_sources_each_use_their_mapping_under_one_rate_limit(tmp_path: Path) -> None:
    """Two subfolders with a mapping each (different columns, different process): every lead goes to its
    source's process, and all requests together stay within the limit (the sandbox's request log)."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS, PROCESS_2), rate_limit=4, rate_window=1.0
    )
    inbox = tmp_path / "inbox"
    maps = tmp_path / "maps"
    (inbox / "dealer").mkdir(parents=True)
    (inbox / "events").mkdir()
    maps.mkdir()
    (maps / "dealer.yaml").write_text(MAPPING, encoding="utf-8")
    (maps / "events.yaml").write_text(EVENTS_MAPPING, encoding="utf-8")
    phones = good_phones(300, seed=5)
    write_sheet(inbox / "dealer" / "monday.csv", phones[:100], prefix="M")
    write_sheet(inbox / "dealer" / "tuesday.csv", phones[100:200], prefix="T")
    events = ["Full Name,Mobile No."] + [f"E{i},{p}" for i, p in enumerate(phones[200:])]
    (inbox / "events" / "expo.csv").write_text("\n".join(events) + "\n", encoding="utf-8")
    with Sandbox(settings) as crm:
        command = [sys.executable, "-m", "importer", "watch", str(inbox), "--mappings-dir", str(maps), "--once",
                   "--settle", "0.2", "--poll", "0.05", "--rate", "4/1s", "--batch-size", "20", "--report-format", "csv"]  # fmt: skip
        done = subprocess.run(
            command, cwd=ROOT, env=_env(crm.base_url, tmp_path), capture_output=True, text=True, timeout=180
        )
        assert done.returncode == 0, done.stderr
        stats = crm.stats()
        by_process = {PROCESS: 0, PROCESS_2: 0}
        for lead in crm.leads():
            by_process[str(lead["processId"])] += 1
    assert by_process == {PROCESS: 200, PROCESS_2: 100}
    # each import starts with the duplicate guard's probe, then batches grow up to --batch-size 20
    assert sum(stats.initiate_sizes) == 300 and stats.max_leads_per_request <= 20
    assert stats.max_requests_in(1.0) <= 4 and stats.rate_limited == 0
    assert len(_files(inbox / "dealer" / "done")) == 2 and len(_files(inbox / "events" / "done")) == 1
    assert "expo.csv: done (100 accepted)" in done.stderr


def test_the_same_bytes_under_a_new_name_send_nothing_and_name_the_earlier_run(inbox: Path, sandbox: Sandbox) -> None:
    phones = good_phones(60, seed=8)
    write_sheet(inbox / "leads.csv", phones)
    first = _once(inbox, sandbox.base_url)
    assert first.returncode == 0, first.stderr
    run_id = _result(_files(inbox / "done")[0])["run_id"]
    requests = sandbox.stats().requests
    write_sheet(inbox / "leads (copy).csv", phones)
    again = _once(inbox, sandbox.base_url)
    assert again.returncode == 0, again.stderr
    assert sandbox.stats().requests == requests  # nothing sent, nothing looked up
    (dup,) = _files(inbox / "duplicate")
    result = _result(dup)
    assert result["state"] == "duplicate" and result["duplicate_of"]["run_id"] == run_id  # type: ignore[index]
    assert f"already imported in run {run_id} on " in str(result["reason"])
    assert dup.name.endswith("_leads (copy).csv")


def test_a_misfit_file_and_a_truncated_xlsx_fail_with_a_reason_and_the_watcher_goes_on(
    inbox: Path, sandbox: Sandbox
) -> None:
    import openpyxl

    (inbox / "a_misfit.csv").write_text("Company,Revenue\nAcme,100\n", encoding="utf-8")
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone"])
    for i, phone in enumerate(good_phones(200, seed=9)):
        sheet.append([f"X{i}", phone])
    whole = inbox.parent / "whole.xlsx"
    book.save(whole)
    (inbox / "b_truncated.xlsx").write_bytes(whole.read_bytes()[: whole.stat().st_size // 2])
    phones = good_phones(40, seed=10)
    good = write_sheet(inbox / "c_good.csv", phones)
    for i, path in enumerate((inbox / "a_misfit.csv", inbox / "b_truncated.xlsx", good)):
        os.utime(path, (1_000_000 + i, 1_000_000 + i))  # taken oldest first: the good one last
    done = _once(inbox, sandbox.base_url)
    assert done.returncode == 1, done.stderr  # files failed
    failed = {original.name.split("_", 1)[1]: _result(original) for original in _files(inbox / "failed")}
    assert set(failed) == {"a_misfit.csv", "b_truncated.xlsx"}
    assert "Phone" in str(failed["a_misfit.csv"]["reason"])  # names the missing column
    assert failed["b_truncated.xlsx"]["reason"]
    assert all(result["state"] == "failed" for result in failed.values())
    assert len(_files(inbox / "done")) == 1
    assert _phones_stored(sandbox) == sorted("+91" + p for p in phones)
    status = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--status"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "Last 3 results:" in status.stdout and "In processing: 0" in status.stdout
    assert "failed    b_truncated.xlsx" in status.stdout and "done      c_good.csv" in status.stdout


def test_kill_9_mid_file_then_a_restart_stores_every_lead_once_and_finishes_the_file(
    inbox: Path, sandbox: Sandbox
) -> None:
    phones = good_phones(200, seed=11)
    write_sheet(inbox / "big.csv", phones)
    env = _env(sandbox.base_url, inbox.parent, LEADIMPORT_CRASH_AT="after-answer:2")
    killed = _once(inbox, sandbox.base_url, "--batch-size", "40", "--concurrency", "1", env=env)
    assert killed.returncode == -9
    assert len(_files(inbox / "processing")) == 1 and 0 < len(sandbox.leads()) < 200
    again = _once(inbox, sandbox.base_url, "--batch-size", "40")
    assert again.returncode == 0, again.stderr
    assert _phones_stored(sandbox) == sorted("+91" + p for p in phones)
    assert sandbox.stats().duplicates == 0
    (done,) = _files(inbox / "done")
    result = _result(done)
    assert result["counts"] == {"accepted": 200} and len(result["runs"]) == 2  # type: ignore[arg-type]
    assert not _files(inbox / "processing")


def test_a_second_watcher_is_refused_with_exit_2_and_sigterm_stops_the_first(inbox: Path, sandbox: Sandbox) -> None:
    first = _start(inbox, sandbox.base_url)
    try:
        wait_until(lambda: (inbox / "processing").is_dir())
        second = _once(inbox, sandbox.base_url)
        assert second.returncode == 2
        assert f"process {first.pid}" in second.stderr and "already serves" in second.stderr
    finally:
        stopped_at = time.monotonic()
        first.send_signal(signal.SIGTERM)
        _, err = first.communicate(timeout=60)
    assert first.returncode == 0, err
    assert time.monotonic() - stopped_at < 10
    status = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--status"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "no watcher holds this inbox" in status.stdout


def test_sigterm_mid_file_records_what_was_sent_and_the_next_start_finishes_exactly_once(inbox: Path) -> None:
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.3, 0.3)
    )
    phones = good_phones(400, seed=12)
    write_sheet(inbox / "leads.csv", phones)
    with Sandbox(settings) as crm:
        proc = _start(inbox, crm.base_url, "--batch-size", "20", "--concurrency", "2")
        wait_until(lambda: len(crm.leads()) >= 40)
        crm.hold()  # both batches under way stay at the CRM until the signal is in
        wait_until(lambda: crm.stats().held == 2, message="two batches held at the CRM")
        at_signal = crm.stats().requests
        proc.send_signal(signal.SIGTERM)
        crm.release()
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        assert crm.stats().requests == at_signal  # the batches under way were answered; no further one left
        (left,) = _files(inbox / "processing")
        assert _result(left)["state"] == "pending"
        again = _once(inbox, crm.base_url, "--batch-size", "20")
        assert again.returncode == 0, again.stderr
        assert _phones_stored(crm) == sorted("+91" + p for p in phones)
        assert crm.stats().duplicates == 0
    assert _result(_files(inbox / "done")[0])["counts"] == {"accepted": 400}


@pytest.mark.parametrize("block_wait", ["3", "3600"])
def test_a_key_block_pauses_the_watcher_and_the_file_finishes_after_it_without_more_duplicates(
    inbox: Path, block_wait: str
) -> None:
    """One lead's phone was already called: its refusal blocks the key (a test-scaled block); the file stays in
    processing/ while the watcher waits, then finishes, with no further duplicate submission. The CRM says when its
    block ends (2 s here): the watcher waits no longer than that, even where --block-wait is an hour (it used to
    wait the hour out)."""
    phones = good_phones(120, seed=13)
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0,
        preexisting_phones=frozenset({"+91" + phones[3]}), dup_threshold=0, block_seconds=2.0,
    )  # fmt: skip
    write_sheet(inbox / "leads.csv", phones)
    _Hook.received = []
    hook = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=hook.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{hook.server_address[1]}/hook"
    with Sandbox(settings) as crm:
        proc = _start(
            inbox, crm.base_url, "--batch-size", "20", "--concurrency", "1", "--block-wait", block_wait,
            "--notify-url", url,
        )  # fmt: skip
        try:
            wait_until(lambda: crm.stats().blocked)
            wait_until(lambda: _pending_in(inbox / "processing"))
            assert not _files(inbox / "done")
            wait_until(lambda: _files(inbox / "done"))
        finally:
            proc.send_signal(signal.SIGTERM)
            _, err = proc.communicate(timeout=60)
        assert "paused: the CRM blocked the API key" in err
        assert crm.stats().duplicates == 1
        stored = _phones_stored(crm)
    assert stored == sorted("+91" + p for i, p in enumerate(phones) if i != 3)
    result = _result(_files(inbox / "done")[0])
    assert result["counts"] == {"accepted": 119, "rejected": 1}
    hook.shutdown()
    hook.server_close()
    told = [json.loads(body) for _, body in _Hook.received]
    assert [m.get("event", m.get("state")) for m in told] == ["key-blocked", "done"]  # the block, then the file


class _Hook(BaseHTTPRequestHandler):
    received: ClassVar[list[tuple[dict[str, str], bytes]]] = []

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((dict(self.headers), body))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: object) -> None:
        pass


def test_notify_url_gets_one_signed_json_per_file_and_a_dead_webhook_changes_nothing(
    inbox: Path, sandbox: Sandbox
) -> None:
    _Hook.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/hook"
    try:
        phones = good_phones(60, seed=14)
        write_sheet(inbox / "one.csv", phones[:30])
        write_sheet(inbox / "two.csv", phones[30:], prefix="Q")
        env = _env(sandbox.base_url, inbox.parent, LEADIMPORT_WEBHOOK_SECRET="hook-secret")
        called = inbox.parent / "called.txt"
        command = f"{sys.executable} -c \"import sys; open({str(called)!r}, 'a').write(sys.argv[1] + '\\n')\""
        done = _once(inbox, sandbox.base_url, "--notify-url", url, "--notify-cmd", command, env=env)
        assert done.returncode == 0, done.stderr
    finally:
        server.shutdown()
        server.server_close()
    assert len(_Hook.received) == 2
    files = set()
    for headers, body in _Hook.received:
        expected = "sha256=" + hmac.new(b"hook-secret", body, hashlib.sha256).hexdigest()
        assert headers["X-Leadimport-Signature"] == expected
        payload = json.loads(body)
        assert payload["state"] == "done" and "text" in payload
        files.add(payload["file"])
    assert files == {"one.csv", "two.csv"}
    results = called.read_text().split()  # --notify-cmd got each result file's path
    assert len(results) == 2 and all(Path(r).parent == inbox / "done" and Path(r).is_file() for r in results)
    # the same again with nobody listening: the import is the same, exit 0
    write_sheet(inbox / "three.csv", good_phones(20, seed=15), prefix="R")
    dead = _once(inbox, sandbox.base_url, "--notify-url", url)
    assert dead.returncode == 0, dead.stderr
    assert len(_files(inbox / "done")) == 3 and len(sandbox.leads()) == 80


def test_once_exit_codes(inbox: Path, sandbox: Sandbox, tmp_path: Path) -> None:
    """0 all done · 1 rows invalid · 3 something pending (CRM unreachable) · 2 usage error."""
    write_sheet(inbox / "good.csv", good_phones(10, seed=16))
    assert _once(inbox, sandbox.base_url).returncode == 0
    write_sheet(inbox / "some_bad.csv", good_phones(10, seed=17), extra_rows=["Nobody,12,,Pune"], prefix="B")
    bad = _once(inbox, sandbox.base_url)
    assert bad.returncode == 1, bad.stderr
    write_sheet(inbox / "later.csv", good_phones(10, seed=18), prefix="L")
    unreachable = _once(inbox, "http://127.0.0.1:9/api/v1", env=_env("http://127.0.0.1:9/api/v1", tmp_path))
    assert unreachable.returncode == 3, unreachable.stderr
    assert len(_files(inbox / "processing")) == 1
    no_token = _once(inbox, sandbox.base_url, env={**_env(sandbox.base_url, tmp_path), "VOX_API_TOKEN": ""})
    assert no_token.returncode == 2 and "VOX_API_TOKEN" in no_token.stderr
    missing = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(tmp_path / "nowhere"), "--once"],
        cwd=ROOT, env=_env(sandbox.base_url, tmp_path), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert missing.returncode == 2
    # the pending file is resumed first by the next run
    assert _once(inbox, sandbox.base_url).returncode == 0
    assert len(_files(inbox / "done")) == 3


def test_once_takes_no_file_that_appears_after_it_started(inbox: Path, sandbox: Sandbox) -> None:
    write_sheet(inbox / "first.csv", good_phones(10, seed=19))
    proc = subprocess.Popen(
        [*_command(inbox), "--once", "--settle", "1.5"], cwd=ROOT, env=_env(sandbox.base_url, inbox.parent),
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    wait_until(lambda: (inbox / "processing").is_dir())
    write_sheet(inbox / "second.csv", good_phones(10, seed=20), prefix="S")
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert [p.name.split("_", 1)[1] for p in _files(inbox / "done")] == ["first.csv"]
    assert (inbox / "second.csv").exists()


def test_a_refused_token_stops_the_watcher_with_exit_3_and_keeps_the_file(inbox: Path, sandbox: Sandbox) -> None:
    """HTTP 403 (a bad token, the wrong project): waiting cannot help, so the daemon stops with a plain message."""
    write_sheet(inbox / "leads.csv", good_phones(20, seed=21))
    proc = _start(
        inbox, sandbox.base_url, env={**_env(sandbox.base_url, inbox.parent), "VOX_API_TOKEN": "wrong-token-123"}
    )
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 3, err
    assert "HTTP 403" in err and "VOX_API_TOKEN" in err
    assert len(_files(inbox / "processing")) == 1 and not sandbox.leads()


def test_an_unreachable_crm_pauses_the_watcher_with_backoff_and_the_file_finishes_once_it_is_back(
    tmp_path: Path,
) -> None:
    """The CRM is down when the file is taken: the file waits in processing/ (pending), the watcher backs off
    and takes it up again; once the CRM answers, every lead is stored once."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(50, seed=22)
    write_sheet(inbox / "leads.csv", phones)
    watcher = Watcher(
        WatchSettings(
            inbox=inbox,
            ledger=tmp_path / "ledger.db",
            token=TOKEN,
            base_url=f"http://127.0.0.1:{port}/api/v1",
            mapping=tmp_path / "mapping.yaml",
            settle=0.0,
            poll=0.02,
            report_format="csv",
            backoff_first=0.5,
            backoff_max=1.0,
        )
    )
    thread = threading.Thread(target=watcher.run)
    thread.start()
    try:
        wait_until(lambda: _pending_in(inbox / "processing"))
        assert not _files(inbox / "done") and not _files(inbox / "failed")
        with Sandbox(FAST, port=port) as crm:
            wait_until(lambda: _files(inbox / "done"))
            assert _phones_stored(crm) == sorted("+91" + p for p in phones)
    finally:
        watcher.stop()
        thread.join(timeout=30)
    assert _result(_files(inbox / "done")[0])["counts"] == {"accepted": 50}


def test_mask_pii_covers_what_the_watcher_writes(inbox: Path) -> None:
    """A file without a header row fails naming its first cells as headers: with --mask-pii the result JSON
    and the log show only the phone's last 4 digits and the email's first letter and domain."""
    (inbox / "noheader.csv").write_text("Asha,9876543210,asha@example.com\nRavi,9123456780,r@example.com\n")
    done = _once(inbox, "http://127.0.0.1:9/api/v1", "--mask-pii")
    assert done.returncode == 1, done.stderr
    (failed,) = _files(inbox / "failed")
    reason = str(_result(failed)["reason"])
    assert "no header row" in reason and "noheader.csv" in reason
    assert "******3210" in reason and "a***@example.com" in reason
    everything = reason + done.stderr + failed.with_name(failed.name + ".result.json").read_text()
    assert "9876543210" not in everything and "asha@example.com" not in everything


def test_bytes_imported_by_leadimport_run_are_a_duplicate_when_dropped(inbox: Path, sandbox: Sandbox) -> None:
    """The same content hash in the ledger's runs (a `leadimport run` of the file) counts as imported too."""
    sheet = write_sheet(inbox.parent / "manual.csv", good_phones(30, seed=23))
    run = subprocess.run(
        [sys.executable, "-m", "importer", "run", str(sheet), "--mapping", str(inbox.parent / "mapping.yaml"), "--quiet"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    requests = sandbox.stats().requests
    (inbox / "dropped.csv").write_bytes(sheet.read_bytes())
    done = _once(inbox, sandbox.base_url)
    assert done.returncode == 0, done.stderr
    (dup,) = _files(inbox / "duplicate")
    assert _result(dup)["duplicate_of"]["file"] == "manual.csv"  # type: ignore[index]
    assert sandbox.stats().requests == requests
