"""What real drops throw at the watcher, over real folders and the sandbox: an empty file, a file whose
name has spaces, accents and emoji, a removed inbox, a subfolder without a mapping, a symlink, a full disk.
Each file ends in done/ or failed/ with a result that says why; nothing is sent twice; no traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, ROOT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet

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


def _once(inbox: Path, crm_url: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "importer", "watch", str(inbox), "--mapping", str(inbox.parent / "mapping.yaml"),
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
