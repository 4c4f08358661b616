"""Helpers for tests that import into a real sandbox CRM over loopback HTTP."""

from __future__ import annotations

import random
from pathlib import Path

from importer.normalize.phones import normalize_phones
from tests.conftest import PROCESS, PROJECT

TOKEN = "test-token-5f2b9c"
MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Name
  phone: Phone
  email:
    columns: [Email]
    required: false
metadata:
  city:
    columns: [City]
    required: false
"""


def good_phones(count: int, seed: int = 7) -> list[str]:
    """Distinct valid Indian mobile numbers with no fake pattern."""
    rng = random.Random(seed)
    picked: list[str] = []
    seen: set[str] = set()
    while len(picked) < count:
        batch = [f"{rng.choice('6789')}{rng.randrange(10**9):09d}" for _ in range(count)]
        checked = normalize_phones(__import__("pandas").Series(batch), "IN")
        for raw, issue in zip(batch, checked.issue, strict=True):
            if not issue and raw not in seen:
                seen.add(raw)
                picked.append(raw)
    return picked[:count]


def write_sheet(path: Path, phones: list[str], *, extra_rows: list[str] | None = None, prefix: str = "P") -> Path:
    """A CSV with one valid lead per phone, then any extra raw lines."""
    lines = ["Name,Phone,Email,City"]
    lines += [f"{prefix}{i},{p},{prefix.lower()}{i}@example.com,Pune" for i, p in enumerate(phones)]
    lines += extra_rows or []
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run_env(base_url: str, ledger: Path | None = None) -> dict[str, str]:
    """Environment for `leadimport run` against a sandbox."""
    env = {"VOX_API_TOKEN": TOKEN, "VOX_BASE_URL": base_url}
    if ledger is not None:
        env["LEADIMPORT_LEDGER"] = str(ledger)
    return env
