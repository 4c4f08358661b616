"""Valid rows → the CRM's lead objects (only non-empty fields), and a stable hash of each."""

from __future__ import annotations

import hashlib

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import to_arrow

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


def payload_hashes(rows: pd.DataFrame, metadata: pd.DataFrame, *, project_id: str, process_id: str) -> list[str]:
    """For each row, a short stable digest of the lead :func:`build_payloads` makes of it.

    It tells a changed row from the same one; an empty field counts as absent, as in the payload.
    """
    if rows.empty:
        return []
    meta = metadata.loc[rows.index]
    columns = [to_arrow(rows[c]) for c in ("referenceId", "phone_e164", *LEAD_TEXT_FIELDS)]
    columns += [to_arrow(meta[k]) for k in meta.columns]
    header = "\x1e".join([project_id, process_id, *map(str, meta.columns)])
    joined = pc.binary_join_element_wise(
        pa.scalar(header, pa.large_string()), *columns, pa.scalar("\x1f", pa.large_string())
    )
    return [hashlib.blake2b(b, digest_size=8).hexdigest() for b in pc.cast(joined, pa.large_binary()).to_pylist()]
