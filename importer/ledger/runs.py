"""What the ledger lists about runs: a run's record, and a lead of a batch as a run's leads are listed."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from importer.ledger.batch_log import Batch

__all__ = ["LEAD_COLUMNS", "RUN_COLUMNS", "RUN_FIELDS", "RunRecord", "batch_lead", "run_record"]

RUN_COLUMNS = (
    "run_id, started_at, ended_at, file, fingerprint, mapping, project_id, process_id, "
    "command, counts, outcome, report, pid, host"
)

RUN_FIELDS = tuple(name.strip() for name in RUN_COLUMNS.split(","))

LEAD_COLUMNS = (
    "s.project_id, s.process_id, l.reference_id, l.phone, l.email, l.state, l.lead_id, l.run_id, "
    "l.first_run_id, l.sheet_row, l.payload_hash, l.message, l.updated_at"
)


@dataclass(frozen=True, slots=True)
class RunRecord:
    """One run of leadimport as the ledger recorded it."""

    run_id: int
    started_at: str
    ended_at: str | None
    file: str
    fingerprint: str
    mapping: str
    project_id: str
    process_id: str
    command: str
    counts: dict[str, int]
    outcome: str | None
    report: str | None
    pid: int
    host: str


def batch_lead(batch: Batch, entry: list[Any], scope: tuple[str, str]) -> dict[str, object]:
    """A lead of a batch, as :meth:`Ledger.leads_of_run` lists leads (with the batch's id)."""
    ref, phone, email, sheet_row, payload_hash, state, lead_id, message = entry
    return {
        "project_id": scope[0],
        "process_id": scope[1],
        "reference_id": ref,
        "phone": phone,
        "email": email,
        "state": state,
        "lead_id": lead_id,
        "run_id": batch.run_id,
        "first_run_id": batch.run_id,
        "sheet_row": sheet_row,
        "payload_hash": payload_hash,
        "message": message,
        "updated_at": batch.updated_at,
        "batch_id": batch.batch_id,
    }


def run_record(row: tuple[Any, ...]) -> RunRecord:
    fields = dict(zip(RUN_FIELDS, row, strict=True))
    fields["counts"] = {str(k): int(v) for k, v in json.loads(fields["counts"] or "{}").items()}
    return RunRecord(**fields)
