"""What real drops throw at the watcher, over real folders and the sandbox: an empty file, a file whose
name has spaces, accents and emoji, a removed inbox, a subfolder without a mapping, a symlink, a full disk.
Each file ends in done/ or failed/ with a result that says why; nothing is sent twice; no traceback."""

from __future__ import annotations

import csv
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT, ROOT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet
from tests.waiting import wait_until

FAST = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0)


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(FAST) as crm:
        yield crm


@pytest.fixture
def inbox(tmp_path: Path) -> Path:
    folder = tmp_path / "in box"  # a path with a space, as on many shares
    folder.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    return folder


def _env(crm_url: str, tmp_path: Path) -> dict[str, str]:
    env = {**os.environ, "VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": crm_url, "LEADIMPORT_LEDGER": str(tmp_path / "l.db")}
    env.pop("LEADIMPORT_CRASH_AT", None)
    return env


def _once(inbox: Path, crm_url: str, *extra: str, wrap: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*wrap, sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(inbox.parent / "mapping.yaml"),
         "--settle", "0.2", "--poll", "0.05", "--report-format", "csv", "--once", *extra],
        cwd=ROOT, env=_env(crm_url, inbox.parent), capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def _taken(folder: Path) -> dict[str, Path]:
    """The files in a state folder, by the name they were dropped with."""
    if not folder.is_dir():
        return {}
    return {
        p.name.split("_", 1)[1]: p
        for p in folder.iterdir()
        if not p.name.endswith((".report.csv", ".report.xlsx", ".result.json")) and not p.name.startswith(".")
    }


def _result(path: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads(path.with_name(path.name + ".result.json").read_text(encoding="utf-8"))
    return data


def _stored(crm: Sandbox) -> list[str]:
    return sorted(str(lead["phone"]) for lead in crm.leads())


def test_an_empty_file_fails_saying_so_and_once_ends(inbox: Path, sandbox: Sandbox) -> None:
    """A 0-byte file never fills: --once does not wait for it for ever; it lands in failed/ with a result that
    says it is empty, and the good file beside it is imported."""
    (inbox / "empty.csv").write_bytes(b"")
    phones = good_phones(5, seed=71)
    write_sheet(inbox / "März leads 😀.csv", phones)
    done = _once(inbox, sandbox.base_url)
    assert done.returncode == 1, done.stderr  # a file failed
    assert "Traceback" not in done.stderr
    failed = _taken(inbox / "failed")
    assert set(failed) == {"empty.csv"}
    result = _result(failed["empty.csv"])
    assert result["state"] == "failed" and "empty" in str(result["reason"])
    assert set(_taken(inbox / "done")) == {"März leads 😀.csv"}
    assert _stored(sandbox) == sorted("+91" + p for p in phones)
    assert not [p for p in inbox.iterdir() if p.is_file()]  # nothing left behind in the inbox


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tiny tmpfs of its own, to fill up (skipped where mounting is not allowed)."""
    mount = tmp_path / "small disk"
    mount.mkdir()
    made = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=400k", "tmpfs", str(mount)], capture_output=True)
    if made.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(disk: Path) -> None:
    fd = os.open(disk / "filler", os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 4096):
            pass
    except OSError:
        pass
    finally:
        os.close(fd)


def test_a_full_disk_when_the_report_is_written_keeps_the_file_and_the_report_can_be_written_later(
    small_disk: Path, sandbox: Sandbox
) -> None:
    """The inbox's disk fills up: the watcher does not crash; the file still moves to done/ (its leads are in,
    once each), the log says why there is no report and how to write it again, and `leadimport show RUN
    --report` writes it from the moved file once there is room."""
    inbox = small_disk / "in box"
    inbox.mkdir()
    (small_disk.parent / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(300, seed=72)
    write_sheet(inbox / "leads.csv", phones)
    _fill(small_disk)
    env = _env(sandbox.base_url, small_disk.parent)
    done = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(small_disk.parent / "mapping.yaml"),
         "--settle", "0.2", "--poll", "0.05", "--report-format", "csv", "--once"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr and "Traceback" not in done.stderr
    assert "No space left" in done.stderr and "--report FILE" in done.stderr
    assert "--report PATH" not in done.stderr  # (run's option: the watcher has none)
    (moved,) = _taken(inbox / "done").values()
    assert not [p for p in (inbox / "processing").iterdir()]  # no half-written result left behind
    assert _stored(sandbox) == sorted("+91" + p for p in phones)
    run_id = done.stderr.split("leadimport show ", 1)[1].split()[0]
    (small_disk / "filler").unlink()
    report = small_disk.parent / "report.csv"
    shown = subprocess.run(
        [sys.executable, "-m", "importer", "show", run_id, "--report", str(report)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert shown.returncode == 0, shown.stderr
    assert moved.exists()
    with report.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["status"] for row in rows] == ["accepted"] * len(phones)


def test_a_removed_inbox_is_not_made_again_and_is_watched_again_once_back(
    tmp_path: Path, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The inbox disappears (deleted, or its share unmounted): the watcher says so once and waits, making nothing
    in its place (on an unmounted share that would be the local disk underneath); once it is back, a file
    dropped there is imported."""
    caplog.set_level(logging.INFO, logger="importer.watch")
    inbox = tmp_path / "in box"
    inbox.mkdir()
    (tmp_path / "maps").mkdir()  # subfolder sources are looked for too
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    settings = WatchSettings(
        inbox=inbox, ledger=tmp_path / "l.db", token=TOKEN, base_url=sandbox.base_url, mapping=tmp_path / "mapping.yaml",
        mappings_dir=tmp_path / "maps", settle=0.0, poll=0.05, events=False, report_format="csv",
    )  # fmt: skip
    stopped = threading.Event()
    looks: list[float] = []
    hold, held, go_on = threading.Event(), threading.Event(), threading.Event()

    def wait(seconds: float) -> bool:
        looks.append(seconds)
        if hold.is_set() and not go_on.is_set():  # between two looks, so nothing is being written in the inbox
            held.set()
            go_on.wait()
        return stopped.wait(seconds)

    watcher = Watcher(settings, wait=wait)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: (inbox / "processing").is_dir(), message="the watcher started")
        hold.set()
        assert held.wait(timeout=60), "the watcher finished a look at the inbox"
        shutil.rmtree(inbox)
        go_on.set()
        wait_until(lambda: "is gone" in caplog.text, message="the watcher says the inbox is gone")
        seen = len(looks)
        wait_until(lambda: len(looks) > seen + 5, message="the watcher looked again several times")
        assert thread.is_alive()
        assert not inbox.exists()  # nothing made in its place
        inbox.mkdir()
        phones = good_phones(5, seed=73)
        staged = write_sheet(tmp_path / "back.csv", phones)
        staged.rename(inbox / "back.csv")
        wait_until(lambda: _taken(inbox / "done"), timeout=60, message="a file dropped in the inbox once back")
        assert _stored(sandbox) == sorted("+91" + p for p in phones)
        assert caplog.text.count("is gone") == 1 and "is back" in caplog.text
    finally:
        stopped.set()
        go_on.set()
        watcher.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_a_subfolder_without_a_mapping_is_named_in_the_log_and_the_status(inbox: Path, sandbox: Sandbox) -> None:
    """A file dropped in a subfolder that has no mapping of its name is not taken: the log and --status say so,
    naming the folder and the mapping it would need, instead of the file waiting there unexplained."""
    maps = inbox.parent / "maps"
    maps.mkdir()
    (inbox / "dealer").mkdir()
    write_sheet(inbox / "dealer" / "leads.csv", good_phones(3, seed=74))
    done = _once(inbox, sandbox.base_url, "--mappings-dir", str(maps))
    assert done.returncode == 0, done.stderr
    assert "dealer" in done.stderr and "no mapping dealer.yaml" in done.stderr
    assert (inbox / "dealer" / "leads.csv").exists() and not sandbox.leads()
    status = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(inbox.parent / "mapping.yaml"),
         "--mappings-dir", str(maps), "--status"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "dealer/" in status.stdout and "1 file(s) not taken; add dealer.yaml" in status.stdout


def test_a_symlink_dropped_in_the_inbox_is_imported_and_its_target_left_alone(inbox: Path, sandbox: Sandbox) -> None:
    """`ln -s /exports/today.csv INBOX/` is a drop too: the link moves to done/ with its report, the file it
    points to is read (and left where it is), instead of the link waiting in the inbox unnoticed."""
    phones = good_phones(4, seed=75)
    target = write_sheet(inbox.parent / "export.csv", phones)
    (inbox / "today.csv").symlink_to(target)
    done = _once(inbox, sandbox.base_url)
    assert done.returncode == 0, done.stderr
    moved = _taken(inbox / "done")
    assert set(moved) == {"today.csv"} and _result(moved["today.csv"])["counts"] == {"accepted": 4}
    assert target.is_file() and _stored(sandbox) == sorted("+91" + p for p in phones)


AS_A_USER = ("setpriv", "--bounding-set", "-dac_override,-dac_read_search")
"""Run as root without the power to read any file: file permissions apply as they do to a user."""


def test_a_file_the_watcher_may_not_read_fails_saying_so_and_once_ends(inbox: Path, sandbox: Sandbox) -> None:
    """A file without read permission never becomes readable by waiting: --once does not wait for it for ever;
    it lands in failed/ with a result that says it cannot be read and what to do."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop the power to read any file")
    secret = write_sheet(inbox / "secret.csv", good_phones(3, seed=76))
    secret.chmod(0)
    phones = good_phones(3, seed=77)
    write_sheet(inbox / "open.csv", phones, prefix="O")
    done = _once(inbox, sandbox.base_url, wrap=AS_A_USER)
    if "setpriv:" in done.stderr:
        pytest.skip(f"setpriv cannot drop capabilities here: {done.stderr.strip()}")
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr
    failed = _taken(inbox / "failed")
    assert set(failed) == {"secret.csv"}
    reason = str(_result(failed["secret.csv"])["reason"])
    assert "cannot be read" in reason and "Permission denied" in reason
    assert _stored(sandbox) == sorted("+91" + p for p in phones)


def test_a_mapping_broken_while_watching_leaves_its_files_where_they_were_dropped_until_fixed(
    tmp_path: Path, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """A source's mapping is saved with a YAML error while the watcher runs: the log says so once, a file
    dropped there stays in the source's folder (not taken into processing/ with no word why), and once the
    mapping is fixed the file is imported."""
    caplog.set_level(logging.INFO, logger="importer.watch")
    inbox = tmp_path / "inbox"
    (inbox / "dealer").mkdir(parents=True)
    maps = tmp_path / "maps"
    maps.mkdir()
    mapping = maps / "dealer.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    settings = WatchSettings(
        inbox=inbox, ledger=tmp_path / "l.db", token=TOKEN, base_url=sandbox.base_url, mappings_dir=maps,
        settle=0.0, poll=0.05, events=False, report_format="csv",
    )  # fmt: skip
    stopped = threading.Event()
    looks: list[float] = []

    def wait(seconds: float) -> bool:
        looks.append(seconds)
        return stopped.wait(seconds)

    watcher = Watcher(settings, wait=wait)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: (inbox / "dealer" / "processing").is_dir(), message="the watcher started")
        mapping.write_text(MAPPING.replace("fields:", "fields: [oops"), encoding="utf-8")
        os.utime(mapping, (mapping.stat().st_atime, mapping.stat().st_mtime + 5))
        wait_until(lambda: "until its mapping is fixed" in caplog.text, message="the broken mapping is told")
        phones = good_phones(3, seed=78)
        staged = write_sheet(tmp_path / "leads.csv", phones)
        staged.rename(inbox / "dealer" / "leads.csv")
        seen = len(looks)
        wait_until(lambda: len(looks) > seen + 5, message="the watcher looked again several times")
        assert (inbox / "dealer" / "leads.csv").exists()
        assert not list((inbox / "dealer" / "processing").iterdir())
        mapping.write_text(MAPPING, encoding="utf-8")
        os.utime(mapping, (mapping.stat().st_atime, mapping.stat().st_mtime + 10))
        wait_until(lambda: _taken(inbox / "dealer" / "done"), timeout=60, message="imported once the mapping is fixed")
        assert _stored(sandbox) == sorted("+91" + p for p in phones)
        assert caplog.text.count("until its mapping is fixed") == 1
    finally:
        stopped.set()
        watcher.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_status_keeps_one_line_a_file_and_names_a_broken_mapping(inbox: Path, sandbox: Sandbox) -> None:
    """A failure whose reason runs over several lines still takes one line of --status (ending with where the
    file is); a source whose mapping is broken says so there, since its files wait."""
    maps = inbox.parent / "maps"
    maps.mkdir()
    (maps / "dealer.yaml").write_text(MAPPING, encoding="utf-8")
    (inbox / "dealer").mkdir()
    (inbox / "misfit.csv").write_text("Company,Revenue\nAcme,100\n", encoding="utf-8")
    done = _once(inbox, sandbox.base_url, "--mappings-dir", str(maps))
    assert done.returncode == 1, done.stderr
    (maps / "dealer.yaml").write_text("project_id: [oops\n", encoding="utf-8")
    status = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(inbox.parent / "mapping.yaml"),
         "--mappings-dir", str(maps), "--status"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    misfit = _result(_taken(inbox / "failed")["misfit.csv"])
    assert "header_row: N in the mapping" in str(misfit["reason"])  # what a watcher's user can change
    (line,) = [line for line in status.stdout.splitlines() if "misfit.csv" in line]
    assert "failed" in line and "-> " in line and line.endswith("_misfit.csv")
    assert "dealer" in status.stdout and "its mapping is broken" in status.stdout
    missing = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox.parent / "in bx"), "--status"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert "in bx is not a folder here" in missing.stdout  # a typo is not shown as an empty inbox


def test_files_named_without_a_type_are_read_by_their_content(inbox: Path, sandbox: Sandbox) -> None:
    """An SFTP drop named `leads` (no extension), CSV or workbook, is read as `leadimport run` reads it: by its
    content. The watcher's timestamp prefix must not become its type."""
    import openpyxl

    phones = good_phones(6, seed=79)
    write_sheet(inbox / "leads", phones[:3])
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Name", "Phone"])
    for i, phone in enumerate(phones[3:]):
        sheet.append([f"W{i}", phone])
    book.save(inbox / "LEADS_WORKBOOK")
    done = _once(inbox, sandbox.base_url)
    assert done.returncode == 0, done.stderr
    assert set(_taken(inbox / "done")) == {"leads", "LEADS_WORKBOOK"}
    assert _stored(sandbox) == sorted("+91" + p for p in phones)


def test_files_with_the_same_leads_dropped_together_all_finish_and_send_each_lead_once(tmp_path: Path) -> None:
    """A full export and a part of it dropped at once: while one file sends a lead, the other finds it
    "being sent by another run"; that file waits in processing/ and is taken up again once the first is done,
    so --once ends with every file finished (exit 0, not 3 "pending" with no reason) and each lead stored once."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(1200, seed=80)
    write_sheet(inbox / "full.csv", phones)
    write_sheet(inbox / "again.csv", phones, prefix="A")  # the same leads, other names: other bytes
    write_sheet(inbox / "half.csv", phones[:600], prefix="H")
    slow = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, rate_window=1.0, latency=(0.2, 0.2)
    )
    with Sandbox(slow) as crm:
        done = _once(inbox, crm.base_url, "--batch-size", "50", "--concurrency", "2")
        stored = _stored(crm)
    assert done.returncode == 0, done.stderr
    assert "None" not in done.stderr
    assert set(_taken(inbox / "done")) | set(_taken(inbox / "duplicate")) == {"full.csv", "again.csv", "half.csv"}
    assert not _taken(inbox / "processing")
    assert stored == sorted("+91" + p for p in phones)  # each lead once


def test_a_file_with_a_long_non_latin_name_is_imported_under_a_shortened_name(inbox: Path, sandbox: Sandbox) -> None:
    """70 Devanagari letters and spaces are 228 bytes: with the timestamp and `.report.xlsx` added the name would not fit
    (255 bytes), and the watcher ended with an internal error. It is shortened in the middle, keeping `.csv`;
    the result and the log keep the name it was dropped with."""
    name = "लीड्स " * 14 + ".csv"
    assert len(name.encode()) > 255 - 40
    phones = good_phones(3, seed=82)
    write_sheet(inbox / name, phones)
    done = _once(inbox, sandbox.base_url, "--report-format", "xlsx")
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
    (moved,) = [p for p in (inbox / "done").iterdir() if p.suffix == ".csv"]
    assert moved.name.endswith("….csv") and len(moved.name.encode()) <= 255 - 25
    assert moved.with_name(moved.name + ".report.xlsx").is_file()
    assert _result(moved)["file"] == name
    assert _stored(sandbox) == sorted("+91" + p for p in phones)


def test_a_mapping_file_removed_while_watching_is_told_and_its_files_wait(
    tmp_path: Path, sandbox: Sandbox, caplog: pytest.LogCaptureFixture
) -> None:
    """The --mapping file is deleted (or moved) while the watcher runs: the log says the files wait and why,
    once; a file dropped meanwhile stays in the inbox and is imported once the mapping is back."""
    caplog.set_level(logging.INFO, logger="importer.watch")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    mapping = tmp_path / "mapping.yaml"
    mapping.write_text(MAPPING, encoding="utf-8")
    settings = WatchSettings(
        inbox=inbox, ledger=tmp_path / "l.db", token=TOKEN, base_url=sandbox.base_url, mapping=mapping,
        settle=0.0, poll=0.05, events=False, report_format="csv",
    )  # fmt: skip
    stopped = threading.Event()
    looks: list[float] = []

    def wait(seconds: float) -> bool:
        looks.append(seconds)
        return stopped.wait(seconds)

    watcher = Watcher(settings, wait=wait)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    try:
        wait_until(lambda: (inbox / "processing").is_dir(), message="the watcher started")
        mapping.rename(tmp_path / "elsewhere.yaml")
        wait_until(lambda: "cannot read its mapping" in caplog.text, message="the missing mapping is told")
        phones = good_phones(3, seed=84)
        write_sheet(tmp_path / "leads.csv", phones).rename(inbox / "leads.csv")
        seen = len(looks)
        wait_until(lambda: len(looks) > seen + 5, message="the watcher looked again several times")
        assert (inbox / "leads.csv").exists()
        (tmp_path / "elsewhere.yaml").rename(mapping)
        wait_until(lambda: _taken(inbox / "done"), timeout=60, message="imported once the mapping is back")
        assert _stored(sandbox) == sorted("+91" + p for p in phones)
        assert caplog.text.count("cannot read its mapping") == 1
    finally:
        stopped.set()
        watcher.stop()
        thread.join(timeout=60)
    assert not thread.is_alive()


def test_an_inbox_the_watcher_may_not_write_in_is_refused_with_a_plain_message(inbox: Path, sandbox: Sandbox) -> None:
    """The watcher's user may read the inbox but not create folders or move files there: --once says so and
    exits 2 (no internal error, no endless "another process has it" lines, no hang), the file left untouched;
    the same when the state folders exist but the files cannot be moved."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop the power to write anywhere")
    write_sheet(inbox / "leads.csv", good_phones(3, seed=86))
    inbox.chmod(0o555)
    try:
        bare = _once(inbox, sandbox.base_url, wrap=AS_A_USER)
        if "setpriv:" in bare.stderr:
            pytest.skip(f"setpriv cannot drop capabilities here: {bare.stderr.strip()}")
        assert bare.returncode == 2, bare.stderr
        assert "internal error" not in bare.stderr and "Traceback" not in bare.stderr
        assert "may not create folders or move files" in bare.stderr and str(inbox) in bare.stderr
        inbox.chmod(0o755)
        for state in ("processing", "done", "failed", "duplicate"):
            (inbox / state).mkdir()
        inbox.chmod(0o555)
        made = _once(inbox, sandbox.base_url, wrap=AS_A_USER)
        assert made.returncode == 2, made.stderr
        assert made.stderr.count("may not create folders or move files") == 1
        assert "another process has it" not in made.stderr
    finally:
        inbox.chmod(0o755)
    assert (inbox / "leads.csv").is_file() and not sandbox.leads()


def test_a_broken_symlink_in_the_inbox_is_told_once_and_named_by_status(inbox: Path, sandbox: Sandbox) -> None:
    """A link whose file was moved away (or lives on a share not mounted) cannot be read: instead of being passed
    over in silence, the log says once what it points to and what to do, and --status names it; the files
    beside it are imported."""
    (inbox / "today.csv").symlink_to(inbox.parent / "exports" / "today.csv")
    phones = good_phones(3, seed=88)
    write_sheet(inbox / "other.csv", phones)
    done = _once(inbox, sandbox.base_url)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("today.csv is a link to") == 1 and "which is not there" in done.stderr
    assert str(inbox.parent / "exports" / "today.csv") in done.stderr
    assert set(_taken(inbox / "done")) == {"other.csv"} and _stored(sandbox) == sorted("+91" + p for p in phones)
    status = subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(inbox.parent / "mapping.yaml"),
         "--status"],
        cwd=ROOT, env=_env(sandbox.base_url, inbox.parent), capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert status.returncode == 0, status.stderr
    assert "Not taken (links to a file that is not there" in status.stdout
    assert "today.csv -> " in status.stdout


def test_a_done_folder_that_cannot_be_written_leaves_an_honest_result_and_no_duplicate(
    inbox: Path, sandbox: Sandbox
) -> None:
    """Only done/ is not writable for the watcher's user: the imported file stays in processing/ with a result
    that says it is done, where it is and why, and what to do; later looks do not import it again as a
    "duplicate"; once done/ can be written, it is moved there."""
    if shutil.which("setpriv") is None or os.geteuid() != 0:
        pytest.skip("needs root and setpriv to drop the power to write anywhere")
    for state in ("processing", "done", "failed", "duplicate"):
        (inbox / state).mkdir()
    (inbox / "done").chmod(0o555)
    phones = good_phones(3, seed=89)
    write_sheet(inbox / "leads.csv", phones)
    try:
        first = _once(inbox, sandbox.base_url, wrap=AS_A_USER)
        if "setpriv:" in first.stderr:
            pytest.skip(f"setpriv cannot drop capabilities here: {first.stderr.strip()}")
        assert "Traceback" not in first.stderr and "could not be moved to done/" in first.stderr
        left = _taken(inbox / "processing")
        assert set(left) == {"leads.csv"}
        result = _result(left["leads.csv"])
        assert result["state"] == "done" and result["counts"] == {"accepted": 3}
        assert result["path"] == str(left["leads.csv"])
        assert "could not be moved to done/" in str(result["move_error"])
        assert "Permission denied" in str(result["move_error"]) and "processing/" in str(result["move_error"])
        assert Path(str(result["report"])).parent == inbox / "processing" and Path(str(result["report"])).is_file()
        again = _once(inbox, sandbox.base_url, wrap=AS_A_USER)
        assert again.returncode == 0, again.stderr
        assert not _taken(inbox / "duplicate") and set(_taken(inbox / "processing")) == {"leads.csv"}
    finally:
        (inbox / "done").chmod(0o755)
    moved = _once(inbox, sandbox.base_url, wrap=AS_A_USER)
    assert moved.returncode == 0, moved.stderr
    assert set(_taken(inbox / "done")) == {"leads.csv"} and not _taken(inbox / "processing")
    finished = _result(_taken(inbox / "done")["leads.csv"])
    assert finished["move_error"] is None and finished["path"] == str(_taken(inbox / "done")["leads.csv"])
    assert Path(str(finished["report"])).parent == inbox / "done" and Path(str(finished["report"])).is_file()
    assert not _taken(inbox / "duplicate") and _stored(sandbox) == sorted("+91" + p for p in phones)
