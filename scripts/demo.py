"""`make demo`: start the sandbox CRM on a free loopback port, import the sample sheets, stop it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from importer.sandbox.server import Sandbox, SandboxSettings

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "demo_output"
SAMPLES = [
    ("sample_data/dealer_leads.xlsx", "mappings/dealer_leads.yaml", ".xlsx"),
    ("sample_data/event_leads.csv", "mappings/event_leads.yaml", ".csv"),
]


def main() -> int:
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir()
    settings = SandboxSettings()
    with Sandbox(settings) as crm:
        print(f"Sandbox CRM listening on {crm.base_url}\n")
        env = {
            **os.environ,
            "VOX_API_TOKEN": settings.token,
            "VOX_BASE_URL": crm.base_url,
            "VOX_PROJECT_ID": settings.project_id,
            "VOX_PROCESS_ID": settings.process_ids[0],
            "LEADIMPORT_LEDGER": str(OUT / "ledger.sqlite3"),
        }
        for sheet, mapping, suffix in SAMPLES:
            report = OUT / (Path(sheet).stem + ".report" + suffix)
            command = [sys.executable, "-m", "importer", "run", sheet, "--mapping", mapping, "--report", str(report)]
            print("$ leadimport run", sheet, "--mapping", mapping, "--report", report.relative_to(ROOT))
            code = subprocess.call(command, cwd=ROOT, env=env)
            print(f"(exit code {code}: {'some rows need fixing, see the report' if code == 1 else 'ok' if code == 0 else 'failed'})\n")
            if code not in (0, 1):
                return code
        print(f"The sandbox now holds {len(crm.leads())} leads. Reports and ledger are in {OUT}/")
    return 0


if __name__ == "__main__":
    sys.exit(main())
