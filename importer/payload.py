"""Valid rows → the CRM's lead objects (only non-empty fields), and a stable hash of each."""

from __future__ import annotations

import hashlib
import json

import pandas as pd

LEAD_TEXT_FIELDS = ("name", "firstName", "lastName", "email", "groupId")


def build_payloads(
    rows: pd.DataFrame, metadata: pd.DataFrame, *, project_id: str, process_id: str
) -> list[dict[str, object]]:
    """One lead object per row of ``rows`` (in order), as the bulk endpoint takes it."""
    fields = rows[["referenceId", "phone_e164", *LEAD_TEXT_FIELDS]].to_dict("records")
    meta_records = metadata.loc[rows.index].to_dict("records") if metadata.shape[1] else [{}] * len(rows)
    leads: list[dict[str, object]] = []
    for record, meta in zip(fields, meta_records, strict=True):
        lead: dict[str, object] = {
            "projectId": project_id,
            "processId": process_id,
            "referenceId": record["referenceId"],
        }
        if record["phone_e164"]:
            lead["phone"] = record["phone_e164"]
        for key in LEAD_TEXT_FIELDS:
            if record[key]:
                lead[key] = record[key]
        extra = {k: v for k, v in meta.items() if v}
        if extra:
            lead["metadata"] = extra
        leads.append(lead)
    return leads


def payload_hash(lead: dict[str, object]) -> str:
    """A short stable digest of what is sent, to tell a changed row from the same one."""
    text = json.dumps(lead, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]
