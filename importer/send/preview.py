"""What ``run`` would do with a validated sheet, as far as the ledger tells, without writing to it: the dry
run's rows that earlier runs imported become ``already-imported``, those the CRM refused for good are
``rejected`` again (a phone already called, the same lead refused before), and earlier refusals of a row
changed since are noted. Rows still ``valid`` are what ``run`` would send."""

from __future__ import annotations

import pandas as pd

from importer.ledger.store import Known, LeadKey, Ledger
from importer.send.batches import lead_keys
from importer.send.payload import payload_hashes
from importer.send.pending import ANOTHER_RUN
from importer.text_columns import TextColumns


def preview_with_ledger(
    rows: pd.DataFrame, metadata: pd.DataFrame | TextColumns, ledger: Ledger, *, project_id: str, process_id: str
) -> pd.DataFrame:
    """``rows`` (a dry run's) with what the ledger knows applied; ``imported_in_run`` added."""
    out = rows.copy()
    out["imported_in_run"] = ""
    valid = out[out["status"] == "valid"]
    if valid.empty:
        return out
    keys = lead_keys(valid)
    known = ledger.known_matches(project_id, process_id, keys)
    called = ledger.called_phones(project_id, [k.phone for k in keys])
    refused = [k.sheet_row for k in keys if k.sheet_row in known and known[k.sheet_row].state == "rejected"]
    hashes: dict[int, str] = {}
    if refused:
        picked = valid[valid["sheet_row"].isin(refused)]
        found = payload_hashes(picked, metadata, project_id=project_id, process_id=process_id)
        hashes = dict(zip(picked["sheet_row"].astype(int).tolist(), found, strict=True))
    at = {int(row): index for row, index in zip(valid["sheet_row"], valid.index, strict=True)}
    for key in keys:
        index = at[key.sheet_row]
        entry = known.get(key.sheet_row)
        if entry is not None and entry.state == "accepted":
            _set(out, index, "already-imported", "", entry.lead_id or "", entry.run_id)
        elif key.phone in called:
            message, run = called[key.phone]
            _set(out, index, "rejected", f"{message} (refused in run {run}; not sent again)", "", run)
        elif entry is not None and entry.state == "rejected":
            _rejected(out, index, entry, key._replace(payload_hash=hashes.get(key.sheet_row, "")))
        elif entry is not None and entry.state == "in-flight" and entry.owner_alive:
            _set(out, index, "pending", ANOTHER_RUN.format(run=entry.run_id), "", None)
        elif entry is not None and entry.state == "in-flight":
            out.at[index, "reason"] = (
                f"sent by interrupted run {entry.run_id}: run first checks it with the CRM and sends it only if "
                "it is not there"
            )
    return out


def _rejected(out: pd.DataFrame, index: object, entry: Known, key: LeadKey) -> None:
    message = entry.message or "rejected by the CRM"
    if entry.matched_by == "referenceId" and entry.payload_hash == key.payload_hash:  # as a claim holds it back
        _set(out, index, "rejected", message, "", entry.run_id)
    else:
        out.at[index, "reason"] = (
            f"refused by the CRM in run {entry.run_id} ({message}); changed since, so run sends it again"
        )


def _set(out: pd.DataFrame, index: object, status: str, reason: str, lead_id: str, run: int | None) -> None:
    out.at[index, "status"] = status
    out.at[index, "reason"] = reason
    out.at[index, "lead_id"] = lead_id
    out.at[index, "imported_in_run"] = "" if run is None else str(run)
