"""One duplicate budget for all of a watcher's files: the cautious start (a 5-lead probe, then requests that
grow as answers show no duplicates) happens once per watcher, not once per file."""

from __future__ import annotations

from pathlib import Path

from importer.sandbox.server import Sandbox, SandboxSettings
from importer.watch import Watcher, WatchSettings
from tests.conftest import PROCESS, PROJECT
from tests.sandbox_util import MAPPING, TOKEN, good_phones, write_sheet

PROBE = 5
"""Leads in the first request of a duplicate budget that knows nothing yet."""
MOST_REQUESTS = 18
"""Requests grow 5, 6, 13, 27, 57, 120, 253, 533 while answers show no duplicates, up to the full batch of 1,000:
8 requests for the first 1,014 leads. Three files each ramping up on their own make 24 requests for 3 x 1,000
leads; with one ramp for all, about 14."""


def test_files_dropped_together_share_one_probe_and_ramp_up(tmp_path: Path) -> None:
    """Three files of 1,000 leads dropped at once: one probe and one ramp-up in all (the later files start from
    what the earlier answers showed), every lead stored once, each file done."""
    settings = SandboxSettings(
        token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=5000, latency=(0.15, 0.15)
    )
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (tmp_path / "mapping.yaml").write_text(MAPPING, encoding="utf-8")
    phones = good_phones(3000, seed=41)
    for i in range(3):
        write_sheet(inbox / f"drop-{i}.csv", phones[i * 1000 : (i + 1) * 1000], prefix=f"F{i}")
    with Sandbox(settings) as crm:
        watcher = Watcher(
            WatchSettings(
                inbox=inbox, ledger=tmp_path / "ledger.db", token=TOKEN, base_url=crm.base_url,
                mapping=tmp_path / "mapping.yaml", settle=0.0, poll=0.05, once=True, report_format="csv",
                events=False,
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
    assert sum(sizes) == 3000
    assert sizes[0] == PROBE
    assert len(sizes) <= MOST_REQUESTS, sizes
