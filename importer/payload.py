"""Valid rows → the CRM's lead objects (only non-empty fields), and a stable hash of each."""

from __future__ import annotations

import hashlib

import pandas as pd

from importer.arrow import to_arrow

LEAD_TEXT_FIELDS = ("name", "firstName", "lastName", "email", "groupId")


def build_payloads(
    rows: pd.DataFrame, metadata: pd.DataFrame, *, project_id: str, process_id: str
) -> list[dict[str, object]]:
    """One lead object per row of ``rows`` (in order), as the bulk endpoint takes it."""
    fields = ["referenceId", "phone_e164", *LEAD_TEXT_FIELDS]
    values = [to_arrow(rows[c]).to_pylist() for c in fields]
    meta = metadata.loc[rows.index]
    meta_keys = list(meta.columns)
    meta_values = [to_arrow(meta[k]).to_pylist() for k in meta_keys]
    leads: list[dict[str, object]] = []
    for i, (ref, phone, *texts) in enumerate(zip(*values, strict=True)):
        lead: dict[str, object] = {"projectId": project_id, "processId": process_id, "referenceId": ref}
        if phone:
            lead["phone"] = phone
        for key, text in zip(LEAD_TEXT_FIELDS, texts, strict=True):
            if text:
                lead[key] = text
        extra = {k: v[i] for k, v in zip(meta_keys, meta_values, strict=True) if v[i]}
        if extra:
            lead["metadata"] = extra
        leads.append(lead)
    return leads


def payload_hash(lead: dict[str, object]) -> str:
    """A short stable digest of what is sent, to tell a changed row from the same one."""
    text = repr(sorted(lead.items()))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()
