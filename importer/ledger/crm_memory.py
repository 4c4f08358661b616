"""What the CRM taught earlier runs about a project, kept in the ledger: the phones it refused as already
called (never sent again) and the duplicate guard's memory (refusal rate, the last minute's refusals). The
runs whose answers left a lead out are kept by :mod:`importer.ledger.unanswered`.

Tables are created by the first run that writes them; a ledger without them (older, or never written)
reads as knowing nothing.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence

from importer.crm.dup_budget import DuplicateMemory
from importer.ledger import json_text

CALLED_TABLE = """CREATE TABLE IF NOT EXISTS called_phones (
    project_id TEXT NOT NULL, phone TEXT NOT NULL, message TEXT NOT NULL, run_id INTEGER NOT NULL,
    noted_at TEXT NOT NULL, PRIMARY KEY (project_id, phone)) WITHOUT ROWID"""
GUARD_TABLE = """CREATE TABLE IF NOT EXISTS duplicate_guard (
    project_id TEXT PRIMARY KEY, memory TEXT NOT NULL, updated_at TEXT NOT NULL)"""


def has_table(conn: sqlite3.Connection, table: str) -> bool:
    """Whether the ledger has the table (the tables of this module and :mod:`~importer.ledger.unanswered` are
    created by the first run that writes them)."""
    return (
        conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table,)).fetchone() is not None
    )


def called(conn: sqlite3.Connection, project_id: str, phones: Sequence[str]) -> dict[str, tuple[str, int]]:
    """Of ``phones``, those the CRM refused as already called in the project: phone → (its message, run)."""
    if not has_table(conn, "called_phones"):  # no run into this ledger was ever refused so: nothing to sort
        return {}
    wanted = sorted({p for p in phones if p})
    if not wanted:
        return {}
    rows = conn.execute(
        "SELECT phone, message, run_id FROM called_phones WHERE project_id = ?"
        " AND phone IN (SELECT value FROM json_each(?))",
        (project_id, json_text.dumps(wanted)),
    )
    return {str(phone): (str(message), int(run_id)) for phone, message, run_id in rows}


def note_called(
    conn: sqlite3.Connection, project_id: str, run_id: int, refused: Sequence[tuple[str, str]], now: str
) -> None:
    """Store phones the CRM refused as already called: (phone, its message)."""
    conn.execute(CALLED_TABLE)
    conn.executemany(
        "INSERT OR REPLACE INTO called_phones VALUES (?, ?, ?, ?, ?)",
        [(project_id, phone, message, run_id, now) for phone, message in refused if phone],
    )


def guard_memory(conn: sqlite3.Connection, project_id: str) -> DuplicateMemory:
    """The duplicate guard's memory of the project (empty when none was kept)."""
    if not has_table(conn, "duplicate_guard"):
        return DuplicateMemory()
    row = conn.execute("SELECT memory FROM duplicate_guard WHERE project_id = ?", (project_id,)).fetchone()
    if row is None:
        return DuplicateMemory()
    try:
        data = json.loads(row[0])
        return DuplicateMemory(
            sent=int(data.get("sent", 0)),
            refused=int(data.get("refused", 0)),
            recent=tuple(float(t) for t in data.get("recent", ())),
            blocked_at=None if data.get("blocked_at") is None else float(data["blocked_at"]),
        )
    except (ValueError, TypeError, AttributeError):
        return DuplicateMemory()  # unreadable: start cautiously, as with none


def keep_guard_memory(conn: sqlite3.Connection, project_id: str, memory: DuplicateMemory, now: str) -> None:
    """Store the duplicate guard's memory of the project for the next run."""
    conn.execute(GUARD_TABLE)
    data = {"sent": memory.sent, "refused": memory.refused, "recent": list(memory.recent)}
    data["blocked_at"] = memory.blocked_at
    conn.execute("INSERT OR REPLACE INTO duplicate_guard VALUES (?, ?, ?)", (project_id, json.dumps(data), now))
