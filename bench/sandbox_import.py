"""One ``leadimport run`` into a fresh sandbox CRM: the client measured, the sandbox's log read back."""

from __future__ import annotations

import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from measure import Measurement, run_measured
from sandbox_process import SandboxProcess, SandboxReport

from importer.sandbox.server import SandboxSettings

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MAPPING = BENCH / "mapping.yaml"


class ImportFailed(RuntimeError):
    """The import did not run to a clean end: every row of a valid sheet should be accepted."""


@dataclass(frozen=True, slots=True)
class SandboxImport:
    """How one import went: the client process, what the sandbox saw, and the report's statuses.

    ``started`` and ``ended`` bracket the client's run in ``time.monotonic()``, the clock of the
    sandbox's ``initiate_times`` (on Linux one clock for every process).
    """

    client: Measurement
    sandbox: SandboxReport
    statuses: dict[str, int]
    started: float
    ended: float

    @property
    def accepted(self) -> int:
        return self.statuses.get("accepted", 0)


def import_into_sandbox(
    sheet: Path,
    sandbox_settings: SandboxSettings,
    run_options: Sequence[str],
    *,
    workdir: Path,
    python: str,
) -> SandboxImport:
    """Start a fresh sandbox, import ``sheet`` into it with ``run_options``, and check every row was accepted.

    ``workdir`` (empty, the caller's) receives the report. Raises ``ImportFailed``.
    """
    report = workdir / "report.csv"
    argv = [python, "-m", "importer", "run", str(sheet), "--mapping", str(MAPPING), "--report", str(report)]
    argv += ["--quiet", *run_options]
    with SandboxProcess(sandbox_settings, python=python) as sandbox:
        env = {**os.environ, "VOX_API_TOKEN": sandbox_settings.token, "VOX_BASE_URL": sandbox.base_url}
        started = time.monotonic()
        client = run_measured(argv, cwd=ROOT, env=env)
        ended = time.monotonic()
        seen = sandbox.report()
    if client.exit_code != 0:
        tail = "\n    ".join(client.stderr.strip().splitlines()[-15:])
        raise ImportFailed(f"leadimport exited {client.exit_code}: {' '.join(argv)}\n    {tail}")
    if not report.is_file():
        raise ImportFailed(f"leadimport wrote no report: {' '.join(argv)}")
    statuses = status_counts(report)
    rows = sum(statuses.values())
    if statuses.get("accepted", 0) != rows:
        raise ImportFailed(f"not every row of the valid sheet was accepted: {statuses}")
    return SandboxImport(client=client, sandbox=seen, statuses=statuses, started=started, ended=ended)


def status_counts(report: Path) -> dict[str, int]:
    """Rows per status in a report's ``status`` column."""
    table = pacsv.read_csv(
        report,
        convert_options=pacsv.ConvertOptions(include_columns=["status"], column_types={"status": pa.string()}),
    )
    counts = pc.value_counts(table.column("status")).to_pylist()
    return {str(c["values"]): int(c["counts"]) for c in counts}
