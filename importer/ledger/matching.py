"""Matching a batch of leads about to be claimed with the leads the ledger already holds.

A lead is known by its referenceId, phone and email within a project and process (a *scope*).
:func:`stored_matches` finds the stored leads matching each lead of a batch, :func:`best_matches`
keeps the one to go by, and :func:`decide` splits the batch into the leads to claim and those held
back, each with what holds it back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from importer.ledger import json_text
from importer.ledger.batch_log import Match
from importer.ledger.batch_log import PayloadHashes as PayloadHashes  # re-exported: the claim's callers name it here

STATE_RANK = {"accepted": 0, "in-flight": 1, "rejected": 2, "pending": 3}
MATCH_KINDS = ("referenceId", "phone", "email")

MATCH_COLUMNS = (
    "j.key, {kind}, l.reference_id, l.state, l.lead_id, l.run_id, l.message, l.payload_hash, l.batch_id, l.phone"
)

# Every stored lead matching a batch lead by referenceId, phone or email (kind 0, 1, 2). The batch's
# referenceIds, phones and emails come as three JSON arrays (one statement, whatever the batch's size);
# CROSS JOIN keeps the batch as the outer loop, so each lead costs one index probe per kind.
BY_REFERENCE = f"""
SELECT {MATCH_COLUMNS.format(kind=0)} FROM json_each(:refs) AS j CROSS JOIN leads AS l
 WHERE l.scope_id = :scope AND l.reference_id = j.value"""

MATCHES = f"""{BY_REFERENCE}
UNION ALL
SELECT {MATCH_COLUMNS.format(kind=1)} FROM json_each(:phones) AS j CROSS JOIN leads AS l
 WHERE j.value != '' AND l.scope_id = :scope AND l.phone = j.value AND l.phone != ''
   AND l.reference_id != (:refs ->> j.key)
UNION ALL
SELECT {MATCH_COLUMNS.format(kind=2)} FROM json_each(:emails) AS j CROSS JOIN leads AS l
 WHERE j.value != '' AND l.scope_id = :scope AND l.email = j.value AND l.email != ''
   AND l.reference_id != (:refs ->> j.key)"""


class LeadKey(NamedTuple):
    """What identifies a lead about to be sent, and a digest of what would be sent."""

    reference_id: str
    phone: str
    """E.164, or "" when the lead has no phone."""
    email: str
    """Lowercase, or "" when the lead has no email."""
    sheet_row: int
    payload_hash: str
    """"" when not worked out yet (see :data:`PayloadHashes`)."""


@dataclass(frozen=True, slots=True)
class Known:
    """What the ledger already holds that matches a lead."""

    reference_id: str
    """The ledger row's referenceId (differs from the lead's when matched by phone or email)."""
    state: str
    lead_id: str | None
    run_id: int
    message: str | None
    payload_hash: str | None
    owner_alive: bool
    """For ``in-flight``: the run holding it is still running."""
    matched_by: str
    """``referenceId``, ``phone`` or ``email``."""
    since: str = ""
    """For stale ``in-flight`` leads: when the ledger last touched them (ISO, UTC), no earlier than their claim."""


@dataclass(frozen=True, slots=True)
class ClaimResult:
    """Leads now ``in-flight`` for the run (send exactly these), and why the others were not claimed."""

    claimed: list[LeadKey]
    known: dict[int, Known]
    """By the lead's sheet_row."""
    without_email: frozenset[str] = frozenset()
    """referenceIds of claimed leads whose email an earlier lead with another phone has: send them without it
    (the CRM takes an address once per project; the lead is another person, not that one again)."""
    batch_id: int | None = None
    """The batch the claimed leads were written as (for :meth:`Ledger.mark_sent`); None when none was claimed."""


def stored_matches(conn: sqlite3.Connection, sql: str, scope: int, columns: Sequence[Sequence[str]]) -> list[Match]:
    """The rows of ``leads`` matching each lead by position; ``columns``: the leads' referenceIds, phones
    and emails (the referenceIds alone for :data:`BY_REFERENCE`)."""
    params: dict[str, object] = {"scope": scope, "refs": json_text.dumps(list(columns[0]))}
    if ":phones" in sql:
        params.update(phones=json_text.dumps(list(columns[1])), emails=json_text.dumps(list(columns[2])))
    return conn.execute(sql, params).fetchall()


def best_matches(rows: Iterable[Match]) -> dict[int, Match]:
    """For each batch position, the stored lead to go by: best state first, then referenceId > phone > email."""
    best: dict[int, Match] = {}
    for row in rows:
        current = best.get(row[0])
        if current is None or (STATE_RANK[row[3]], row[1]) < (STATE_RANK[current[3]], current[1]):
            best[row[0]] = row
    return best


def by_reference(conn: sqlite3.Connection, scope: int, reference_ids: Sequence[str]) -> list[Match]:
    """The ``leads`` rows with these referenceIds."""
    return list(best_matches(stored_matches(conn, BY_REFERENCE, scope, [list(dict.fromkeys(reference_ids))])).values())


def distinct_keys(columns: Sequence[Sequence[str]]) -> bool:
    """Whether no two leads share a referenceId, phone or email (then no lead of a batch holds back another).

    ``columns``: the batch's referenceIds, phones and emails.
    """
    for column in columns:
        values = set(column)  # "" (no phone or email) may repeat
        if len(values) - ("" in values) != len(column) - column.count(""):
            return False
    return True


def others_emails(rows: list[Match], phones: Sequence[str]) -> tuple[list[Match], set[int]]:
    """``rows`` without the matches by email of a stored lead with another phone, and those leads' positions.

    Such a lead is another person who gave the same address (a dealer's sales@, a shared family address),
    not the earlier lead again: it is sent, without that email.
    """
    kept: list[Match] = []
    others: set[int] = set()
    for row in rows:
        phone = phones[row[0]]
        if row[1] == 2 and row[9] and phone and row[9] != phone:
            others.add(row[0])
        else:
            kept.append(row)
    return kept, others


def decide(
    run_id: int, leads: Sequence[LeadKey], best: Mapping[int, Match], alive: Mapping[int, bool]
) -> tuple[list[LeadKey], dict[int, Known]]:
    """Split a batch into the leads to claim and those already known, each with the stored lead it matches."""
    claimed: list[LeadKey] = []
    known: dict[int, Known] = {}
    # The batch's claimed leads by referenceId, phone and email: a later copy in the same batch is held back.
    by_ref: dict[str, LeadKey] = {}
    by_phone: dict[str, LeadKey] = {}
    by_email: dict[str, LeadKey] = {}
    for pos, lead in enumerate(leads):
        row = best.get(pos)
        if row is not None and holds_back(row, lead):
            known[lead.sheet_row] = to_known(row, alive)
            continue
        ref, phone, email = lead.reference_id, lead.phone, lead.email
        twin = by_ref.get(ref) or (phone and by_phone.get(phone)) or (email and by_email.get(email)) or None
        if twin is not None:
            kind = "referenceId" if twin.reference_id == ref else "phone" if phone and twin.phone == phone else "email"
            known[lead.sheet_row] = Known(
                twin.reference_id, "in-flight", None, run_id, None, twin.payload_hash, True, kind
            )
            continue
        claimed.append(lead)
        by_ref[ref] = lead
        if phone:
            by_phone.setdefault(phone, lead)
        if email:
            by_email.setdefault(email, lead)
    return claimed, known


def with_rejected_hashes(
    leads: Sequence[LeadKey], best: Mapping[int, Match], hashes: PayloadHashes | None
) -> Sequence[LeadKey]:
    """``leads`` with the payload hash worked out for each lead whose stored lead was rejected under its
    referenceId (:func:`holds_back` compares the two)."""
    need = [pos for pos, row in best.items() if row[3] == "rejected" and row[1] == 0 and not leads[pos].payload_hash]
    if hashes is None or not need:
        return leads
    found = hashes([leads[pos].sheet_row for pos in need])
    hashed = list(leads)
    for pos in need:
        hashed[pos] = hashed[pos]._replace(payload_hash=found.get(hashed[pos].sheet_row, ""))
    return hashed


def holds_back(row: Match, lead: LeadKey) -> bool:
    """Whether the stored lead ``row`` means ``lead`` must not be sent now."""
    state, kind = row[3], row[1]
    return bool(
        state in ("accepted", "in-flight") or (state == "rejected" and kind == 0 and row[7] == lead.payload_hash)
    )


def to_known(row: Match, alive: Mapping[int, bool]) -> Known:
    _, kind, reference_id, state, lead_id, run_id, message, payload_hash = row[:8]
    return Known(
        reference_id=reference_id,
        state=state,
        lead_id=lead_id,
        run_id=run_id,
        message=message,
        payload_hash=payload_hash,
        owner_alive=state == "in-flight" and alive.get(run_id, False),
        matched_by=MATCH_KINDS[kind],
    )
