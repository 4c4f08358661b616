"""Lead payloads and their hashes: what the ledger compares to tell a changed row from the same one."""

from __future__ import annotations

import pandas as pd

from importer.send.payload import build_payloads, payload_hashes

PROJECT, PROCESS = "64f0c0ffee0000000000aaaa", "64f0c0ffee0000000000beef"
FIELDS = ("referenceId", "phone_e164", "name", "firstName", "lastName", "email", "groupId")


def _rows(*leads: dict[str, str]) -> tuple[pd.DataFrame, pd.DataFrame]:
    rows = pd.DataFrame([{f: lead.get(f, "") for f in FIELDS} for lead in leads], dtype="str")
    metadata = pd.DataFrame([{"city": lead.get("city", "")} for lead in leads], dtype="str")
    return rows, metadata


def _hashes(*leads: dict[str, str], project: str = PROJECT) -> list[str]:
    rows, metadata = _rows(*leads)
    return payload_hashes(rows, metadata, project_id=project, process_id=PROCESS)


BASE = {"referenceId": "li-1", "phone_e164": "+919822033445", "name": "Asha Rao", "email": "a@x.in", "city": "Pune"}


def test_same_lead_same_hash_any_change_another() -> None:
    """Equal rows hash alike; a change in any sent field, metadata value or the project changes the hash."""
    same = _hashes(BASE, dict(BASE))
    assert same[0] == same[1] and len(same[0]) == 16
    variants = [
        {**BASE, "phone_e164": "+919822033446"},
        {**BASE, "name": "Asha R"},
        {**BASE, "email": ""},
        {**BASE, "city": "Mumbai"},
        {**BASE, "groupId": "g1"},
        # a value moved to the neighbouring field is a different lead, not the same text
        {**BASE, "name": "", "firstName": "Asha Rao"},
    ]
    changed = _hashes(*variants)
    assert len(set(changed) | {same[0]}) == len(variants) + 1
    assert _hashes(BASE, project="64f0c0ffee0000000000cccc")[0] != same[0]


def test_hashes_follow_the_payload_rows() -> None:
    """One hash per row in row order, each the hash of the payload built from that row."""
    other = {**BASE, "referenceId": "li-2", "phone_e164": "+919822033446"}
    rows, metadata = _rows(BASE, other)
    payloads = build_payloads(rows, metadata, project_id=PROJECT, process_id=PROCESS)
    assert [p["referenceId"] for p in payloads] == ["li-1", "li-2"]
    assert payload_hashes(rows, metadata, project_id=PROJECT, process_id=PROCESS) == [
        _hashes(BASE)[0],
        _hashes(other)[0],
    ]
    assert payload_hashes(rows.iloc[:0], metadata, project_id=PROJECT, process_id=PROCESS) == []
