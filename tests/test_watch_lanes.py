"""A drop of many files: later files are taken and read while earlier ones send, yet they send in the order
they were taken; a helper process reads them for the CLI's watcher and never outlives it."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.send.submit import SendOptions
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT, ROOT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import wait_until

FAST = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0)


def _drop(inbox: Path, files: int, leads: int, seed: int) -> list[str]:
    """``files`` sheets of ``leads`` valid leads each (names F0…, F1…, oldest first); all their phones."""
    phones = good_phones(files * leads, seed=seed)
    for i in range(files):
        path = write_sheet(inbox / f"drop-{i}.csv", phones[i * leads : (i + 1) * leads], prefix=f"F{i}x")
        os.utime(path, (1_000_000 + i, 1_000_000 + i))
    return phones


def _in(folder: Path) -> list[str]:
    if not folder.is_dir():
        return []
    return sorted(p.name.split("_", 1)[1] for p in folder.iterdir() if p.suffix == ".csv" and ".report." not in p.name)


def test_files_are_taken_ahead_while_the_first_sends_and_send_in_the_order_taken(tmp_path: Path) -> None:
    """One file sends at a time (files_at_once=1): while the first file's request is held at the CRM, the
    other files are taken into processing/ already (to be read meanwhile), but no lead of theirs leaves before
    the first file has all its answers; the CRM stores the files' leads file by file, in the order taken
    (one request of 50 leads out per file: several files would send at once if they sent side by side)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = _drop(inbox, 5, 300, seed=71)
    with Sandbox(FAST) as crm:
        crm.hold()
        watcher = Watcher(
            WatchSettings(
                inbox=inbox, ledger=tmp_path / "ledger.db", token=TOKEN, base_url=crm.base_url,
                mapping=tmp_path / "mapping.yaml", settle=0.0, poll=0.05, once=True, report_format="csv",
                events=False, files_at_once=1, send=SendOptions(batch_size=50, concurrency=1),
            )
        )  # fmt: skip
        codes: list[int] = []
        runner = threading.Thread(target=lambda: codes.append(watcher.run()))
        runner.start()
        try:
            wait_until(lambda: crm.stats().held >= 1, message="the first file's first request reached the CRM")
            wait_until(lambda: len(_in(inbox / "processing")) == 5, message="every file taken while the first sends")
            first = {str(lead["name"])[:3] for lead in crm.leads()}
            assert first <= {"F0x"}, first
        finally:
            crm.release()
            runner.join(timeout=120)
        stored = crm.leads()
    assert codes == [0]
    assert _in(inbox / "done") == [f"drop-{i}.csv" for i in range(5)]
    assert sorted(str(lead["phone"]) for lead in stored) == sorted("+91" + p for p in phones)
    files_in_store_order = [str(lead["name"])[:3] for lead in stored]
    assert files_in_store_order == sorted(files_in_store_order), "a file's leads sent before an earlier file's"


def test_the_helper_that_reads_files_ends_with_a_killed_watcher_and_a_restart_imports_each_lead_once(
    tmp_path: Path,
) -> None:
    """The CLI's watcher reads a drop of several files in a helper process (where a core is free): `kill -9` of
    the watcher ends the helper too (nothing holds the watcher's output open), and the next start finishes
    every file exactly once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    phones = _drop(inbox, 4, 100, seed=72)
    env = {
        **os.environ,
        "VOX_API_TOKEN": TOKEN,
        "LEADIMPORT_LEDGER": str(tmp_path / "ledger.db"),
    }
    env.pop("LEADIMPORT_CRASH_AT", None)
    command = [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(mapping), "--settle", "0",
               "--poll", "0.05", "--report-format", "csv", "--once"]  # fmt: skip
    with Sandbox(FAST) as crm:
        env["VOX_BASE_URL"] = crm.base_url
        crm.hold()
        watcher = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            wait_until(lambda: crm.stats().held >= 1, message="the watcher sends")
            helpers = _children(watcher.pid)  # none when no processor core was free
            os.kill(watcher.pid, signal.SIGKILL)
            watcher.communicate(timeout=60)  # returns once nothing holds the watcher's output open
        finally:
            crm.release()
            if watcher.poll() is None:
                watcher.kill()
        assert watcher.returncode == -signal.SIGKILL
        wait_until(lambda: not any(_alive(pid) for pid in helpers), message="the helper ended with the watcher")
        again = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert again.returncode == 0, again.stderr
    assert stored == sorted("+91" + p for p in phones)  # every lead once
    assert _in(inbox / "done") == [f"drop-{i}.csv" for i in range(4)]
    assert not _in(inbox / "processing")


HELPER_SCRIPT = """
import sys, time
from pathlib import Path
import importer
from importer.pipeline import prepare
from importer.watch.preparer import Preparer

helper = Preparer(always=True)
helper.start()
while not helper.ready:
    time.sleep(0.01)
mapping = importer.load_mapping(sys.argv[1])
there = helper.prepare(Path(sys.argv[2]), mapping)
same = there.rows.equals(prepare(sys.argv[2], mapping).rows)
try:
    helper.prepare(Path(sys.argv[3]), mapping)
    error = "none"
except importer.LeadImportError as exc:
    error = f"{type(exc).__name__}: {exc}"
print(same, helper._process.pid, error.splitlines()[0], sep="|", flush=True)
time.sleep(600)
"""


def test_the_helper_reads_files_as_the_watcher_would_and_ends_when_the_watcher_is_killed(tmp_path: Path) -> None:
    """A file read by the helper has the same rows as one read in the watcher, a file that does not fit the
    mapping raises the same error, and a watcher killed with `kill -9` takes its helper with it."""
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    good = write_sheet(tmp_path / "good.csv", good_phones(50, seed=73), extra_rows=["Bad,123,x@y,Pune"])
    misfit = tmp_path / "misfit.csv"
    misfit.write_text("Company,Revenue\nAcme,100\n", encoding="utf-8")
    watcher = subprocess.Popen(
        [sys.executable, "-c", HELPER_SCRIPT, str(mapping), str(good), str(misfit)],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        assert watcher.stdout is not None
        same, pid, error = watcher.stdout.readline().strip().split("|")
        assert same == "True"
        assert error.startswith("ConfigError:") and "does not fit the header" in error, error
        assert _alive(int(pid))
        os.kill(watcher.pid, signal.SIGKILL)
        watcher.communicate(timeout=60)  # returns once nothing holds the watcher's output open
        wait_until(lambda: not _alive(int(pid)), message="the helper ended with the watcher")
    finally:
        if watcher.poll() is None:
            watcher.kill()


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(child) for child in text.split()]


def _alive(pid: int) -> bool:
    """Whether the process runs (a zombie waiting to be reaped has ended)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_after_a_key_block_the_files_waiting_for_their_turn_send_nothing(tmp_path: Path) -> None:
    """The first file's first request trips a key block: the files taken ahead of time, waiting for their turn
    to send, do not knock on the blocked key; every file stays in processing/ as pending (exit 3 with --once)."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = _drop(inbox, 4, 40, seed=74)
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0,
        preexisting_phones=frozenset({"+91" + phones[2]}), dup_threshold=0, block_seconds=600.0,
    )  # fmt: skip
    with Sandbox(settings) as crm:
        watcher = Watcher(
            WatchSettings(
                inbox=inbox, ledger=tmp_path / "ledger.db", token=TOKEN, base_url=crm.base_url,
                mapping=tmp_path / "mapping.yaml", settle=0.0, poll=0.05, once=True, report_format="csv",
                events=False, files_at_once=1,
            )
        )  # fmt: skip
        assert watcher.run() == 3
        stats, stored = crm.stats(), crm.leads()
    assert stats.blocked
    assert {str(lead["name"])[:3] for lead in stored} == {"F0x"}
    assert _in(inbox / "processing") == [f"drop-{i}.csv" for i in range(4)]
    waiting = [
        json.loads(path.read_text(encoding="utf-8"))
        for path in sorted((inbox / "processing").glob("*drop-[123].csv.result.json"))
    ]
    assert [result["state"] for result in waiting] == ["pending"] * 3
    assert [result["run_id"] for result in waiting] == [None] * 3  # no import began: nothing of theirs was sent
    assert all(str(result["stop_reason"]).startswith("not sent yet: ") for result in waiting), waiting
