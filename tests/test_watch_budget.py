"""One duplicate budget for all of a watcher's files: the cautious start (a 5-lead probe, then requests that
grow as answers show no duplicates) happens once per watcher, not once per file."""

from __future__ import annotations

import threading
from pathlib import Path

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.send.submit import SendOptions
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet

PROBE = 5
"""Leads in the first request of a duplicate budget that knows nothing yet."""


def test_files_dropped_together_share_one_probe_and_ramp_up(tmp_path: Path) -> None:
    """Three files of 300 leads dropped at once: one probe request in all (the later files start from what the
    first one's answers showed), every lead stored once, each file done."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, latency=(0.15, 0.15)
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(900, seed=41)
    for i in range(3):
        write_sheet(inbox / f"drop-{i}.csv", phones[i * 300 : (i + 1) * 300], prefix=f"F{i}")
    with Sandbox(settings) as crm:
        watcher = Watcher(
            WatchSettings(
                inbox=inbox, ledger=tmp_path / "ledger.db", token=TOKEN, base_url=crm.base_url,
                mapping=tmp_path / "mapping.yaml", settle=0.0, poll=0.05, once=True, report_format="csv",
                send=SendOptions(batch_size=100), events=False,
            )
        )  # fmt: skip
        assert watcher.run() == 0
        sizes = crm.stats().initiate_sizes
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sorted(p.name.split("_", 1)[1] for p in (inbox / "done").glob("*.csv") if ".report." not in p.name) == [
        "drop-0.csv",
        "drop-1.csv",
        "drop-2.csv",
    ]
    assert stored == sorted("+91" + p for p in phones)
    assert sum(sizes) == 900
    assert sizes.count(PROBE) == 1, sizes
    assert sizes[0] == PROBE
    assert threading.active_count() < 20  # the watcher's threads ended
