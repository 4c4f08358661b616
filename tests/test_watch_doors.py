"""What an unattended inbox on a share really holds besides exports: the files a file manager leaves there."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox
from importer.watch.settle import is_ignored
from tests.conftest import ROOT
from tests.sandbox_util import MAPPING, good_phones, write_sheet
from tests.test_watch import FAST, _command, _env, _files

SHELL_FILES = ("Thumbs.db", "ehthumbs.db", "ehthumbs_vista.db", "desktop.ini", "Desktop.ini", "Icon\r")


@pytest.fixture
def sandbox() -> Iterator[Sandbox]:
    with Sandbox(FAST) as crm:
        yield crm


@pytest.mark.parametrize("name", SHELL_FILES)
def test_the_files_explorer_and_finder_keep_in_a_folder_are_never_taken(name: str) -> None:
    """Windows' thumbnail caches and folder settings, and the Mac's custom-icon file, are no drop."""
    assert is_ignored(name)


def test_a_shared_inbox_with_thumbnail_caches_imports_the_export_and_fails_nothing(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """An inbox on a Windows share gets Thumbs.db and desktop.ini as soon as someone browses it: they stay where
    they are, no failed/ entry or notice is made of them, and --once ends 0 for the one export imported."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    (inbox / "Thumbs.db").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600))
    (inbox / "desktop.ini").write_text("[.ShellClassInfo]\r\nIconResource=leads.ico,0\r\n", encoding="utf-8")
    (inbox / "Icon\r").write_bytes(b"")
    name = "Leads \N{EN DASH} Dezember \u00fc (1).csv"  # as a Mac or Windows names a second download
    write_sheet(inbox / name, good_phones(5, seed=401))
    done = subprocess.run(
        [*_command(inbox), "--once"], cwd=ROOT, env=_env(sandbox.base_url, tmp_path),
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert _files(inbox / "failed") == []
    assert [p.name.split("_", 1)[1] for p in _files(inbox / "done")] == [name]
    assert sorted(p.name for p in inbox.iterdir() if p.is_file()) == ["Icon\r", "Thumbs.db", "desktop.ini"]
    assert len(sandbox.leads()) == 5


def test_a_file_whose_name_is_not_utf8_is_imported_under_a_readable_name(tmp_path: Path, sandbox: Sandbox) -> None:
    """A name written in Windows-1252 through a share or a zip ("Caf\\xe9.csv": not UTF-8) stopped the watcher with an
    internal error (the ledger cannot store it) before any file was taken, on every start. It is taken under the
    name read in Windows-1252, its leads sent once, and --status lists it readably while it waits."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(4, seed=402)
    written = write_sheet(tmp_path / "export.csv", phones)
    os.rename(written, os.fsencode(inbox) + b"/Leads Caf\xe9 M\xe4rz.csv")
    write_sheet(inbox / "other.csv", good_phones(2, seed=403), prefix="O")
    env = _env(sandbox.base_url, tmp_path)
    status = subprocess.run(
        [*_command(inbox), "--status"], cwd=ROOT, env=env, capture_output=True, timeout=60, check=False
    )
    assert "Leads Café März.csv".encode() in status.stdout
    done = subprocess.run([*_command(inbox), "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    assert "internal error" not in done.stderr
    names = sorted(p.name.split("_", 1)[1] for p in _files(inbox / "done"))
    assert names == ["Leads Café März.csv", "other.csv"]
    (moved,) = [p for p in _files(inbox / "done") if "Caf" in p.name]
    result = json.loads(moved.with_name(moved.name + ".result.json").read_text(encoding="utf-8"))
    assert result["file"] == "Leads Café März.csv" and result["state"] == "done"
    assert len(sandbox.leads()) == 6


def test_names_unzipped_in_an_east_asian_code_page_are_imported_under_their_own_names(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """Files unzipped on Linux from a zip made on a Japanese or a Korean Windows keep names in Shift-JIS or in
    Korean's code page: they were taken and moved to done/ as Windows-1252 ("ƒeƒXƒg..."), which nobody can find
    again. They are moved, reported and named in the result's JSON as written."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    names = {"cp932": "テスト顧客リスト.csv", "cp949": "고객 목록.csv"}
    for seed, (code_page, name) in enumerate(names.items(), start=406):
        written = write_sheet(tmp_path / f"{code_page}.csv", good_phones(3, seed=seed), prefix=f"Lead{seed}x")
        os.rename(written, os.fsencode(inbox) + b"/" + name.encode(code_page))
    env = _env(sandbox.base_url, tmp_path)
    done = subprocess.run([*_command(inbox), "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    moved = {p.name.split("_", 1)[1]: p for p in _files(inbox / "done")}
    assert sorted(moved) == sorted(names.values())
    for name, path in moved.items():
        result = json.loads(path.with_name(path.name + ".result.json").read_text(encoding="utf-8"))
        assert result["file"] == name and result["state"] == "done"
        assert name in done.stderr
    assert len(sandbox.leads()) == 6


def test_a_stop_quoting_crm_words_of_several_lines_is_one_clean_line_in_the_log(tmp_path: Path) -> None:
    """The CRM blocks the key with words of several lines and a colour code: the watcher's log says why the file
    stays in processing/ on one line, the CRM's lines joined by spaces, not as "\\n" and "\\x1b[31m"."""
    from dataclasses import replace

    from tests.test_cli_doors import CRM_WORDS

    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(6, seed=409)
    write_sheet(inbox / "leads.csv", phones)
    settings = replace(
        FAST, dup_threshold=0, block_message=CRM_WORDS, preexisting_phones=frozenset({f"+91{phones[0]}"})
    )
    with Sandbox(settings) as crm:
        done = subprocess.run(
            [*_command(inbox), "--once"], cwd=ROOT, env=_env(crm.base_url, tmp_path), capture_output=True, text=True,
            timeout=180,
        )  # fmt: skip
    assert done.returncode == 3, done.stderr
    (line,) = [line for line in done.stderr.splitlines() if "stays in processing/" in line]
    assert "for duplicate submissions. Contact support" in line, line
    assert "\\n" not in line and "\\x1b" not in line and "\\r" not in line


def test_an_inbox_that_is_not_there_says_why_it_may_not_be(tmp_path: Path, sandbox: Sandbox) -> None:
    """`watch /mnt/share/inbox --once` from cron while the share is not mounted: a usage error (exit 2) saying the
    folder is not there and why that may be, not only "is not a folder"."""
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    done = subprocess.run(
        [*_command(tmp_path / "inbox"), "--once"], cwd=ROOT, env=_env(sandbox.base_url, tmp_path),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "is not a folder here (not there: a typo, removed, or its network share is not mounted)" in done.stderr
    assert not (tmp_path / "inbox").exists()


def test_a_settle_time_of_nan_is_refused_not_taken_as_no_wait(tmp_path: Path, sandbox: Sandbox) -> None:
    """--settle nan passed the range check (nan compares false) and the watcher then took files at once, without
    waiting for a copy to finish: a usage error (exit 2) like --settle -1, and the file stays where it was dropped;
    inf is refused the same way."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    write_sheet(inbox / "leads.csv", good_phones(2, seed=404))
    for option in (("--settle", "nan"), ("--block-wait", "inf"), ("--poll", "nan")):
        done = subprocess.run(
            [*_command(inbox), "--once", *option], cwd=ROOT, env=_env(sandbox.base_url, tmp_path),
            capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert done.returncode == 2, (option, done.stderr)
        assert "is not a finite number" in done.stderr
    assert (inbox / "leads.csv").is_file() and sandbox.leads() == []


def test_a_file_named_like_a_state_folder_is_said_plainly(tmp_path: Path, sandbox: Sandbox) -> None:
    """A sender's flag file named `done` (or `failed`, `processing`) where the watcher keeps that folder: it ended
    with "internal error (FileExistsError ...)", exit 3; now a usage error (exit 2) naming the file and what to do,
    and the export waits in the inbox."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    write_sheet(inbox / "leads.csv", good_phones(2, seed=405))
    (inbox / "done").write_text("finished at 02:00\n", encoding="utf-8")
    done = subprocess.run(
        [*_command(inbox), "--once"], cwd=ROOT, env=_env(sandbox.base_url, tmp_path),
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "internal error" not in done.stderr
    assert f"{inbox / 'done'} is a file, where the watcher keeps its folder of that name" in done.stderr
    assert (inbox / "leads.csv").is_file() and sandbox.leads() == []


def test_a_loop_of_links_in_the_inbox_is_left_alone_and_the_export_imported(tmp_path: Path, sandbox: Sandbox) -> None:
    """Two links pointing at each other (a link that cannot be followed): the watcher stopped with "internal error
    (OSError: Too many levels of symbolic links)", exit 3. They are told as links to nothing, as a broken link is,
    and the export beside them is imported."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    (inbox / "a.csv").symlink_to("b.csv")
    (inbox / "b.csv").symlink_to("a.csv")
    write_sheet(inbox / "leads.csv", good_phones(3, seed=406))
    done = subprocess.run(
        [*_command(inbox), "--once"], cwd=ROOT, env=_env(sandbox.base_url, tmp_path),
        capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert f"{inbox / 'a.csv'} is a link to b.csv" in done.stderr
    assert [p.name.split("_", 1)[1] for p in _files(inbox / "done")] == ["leads.csv"]
    assert (inbox / "a.csv").is_symlink() and len(sandbox.leads()) == 3


def test_a_file_name_with_a_line_break_cannot_forge_a_line_of_the_log_or_the_status(
    tmp_path: Path, sandbox: Sandbox
) -> None:
    """A dropped file named "a.csv<newline>2026-01-01 00:00:00 ...done" was written raw into the watcher's log and
    --status, so it printed a line that read as the watcher's own (and ESC codes recoloured the terminal). Every log
    line now starts with its time, and the name shows its line break and ESC escaped, in the log and in --status."""
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    name = "a.csv\n2026-01-01 00:00:00 FORGED: done (9 accepted)\x1b[8m\u202e.csv"
    write_sheet(inbox / name, good_phones(3, seed=406))
    shown = "a.csv\\n2026-01-01 00:00:00 FORGED: done (9 accepted)\\x1b[8m\\u202e.csv"
    env = _env(sandbox.base_url, tmp_path)
    status = subprocess.run(
        [*_command(inbox), "--status"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )
    assert status.returncode == 0, status.stderr
    assert shown in status.stdout
    assert not any(line.startswith("2026-01-01") for line in status.stdout.splitlines())
    done = subprocess.run([*_command(inbox), "--once"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    assert lines and all(line[:4].isdigit() and not line.startswith("2026-01-01") for line in lines), done.stderr
    assert "\x1b" not in done.stderr and "\u202e" not in done.stderr
    assert f"taking {shown}" in done.stderr
    assert len(sandbox.leads()) == 3
    (moved,) = [p for p in _files(inbox / "done") if p.name.endswith("\u202e.csv")]
    result = json.loads(moved.with_name(moved.name + ".result.json").read_text(encoding="utf-8"))
    assert result["file"] == name and "\n" not in result["text"]
