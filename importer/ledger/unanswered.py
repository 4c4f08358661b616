"""The runs whose CRM answers left a lead out without storing it, kept in the ledger per project, process and
referenceId: after a few such runs the lead is taken as refused (see :mod:`importer.send.submit`).

The table is created by the first run that writes it; a ledger without it (older, or never written) reads as
knowing nothing.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import NamedTuple

from importer.ledger import json_text
from importer.ledger.crm_memory import has_table

__all__ = ["LeftOut", "note", "read"]

TABLE = """CREATE TABLE IF NOT EXISTS unanswered_leads (
    project_id TEXT NOT NULL, process_id TEXT NOT NULL, reference_id TEXT NOT NULL, runs TEXT NOT NULL,
    last_run_id INTEGER NOT NULL, noted_at TEXT NOT NULL, PRIMARY KEY (project_id, process_id, reference_id))
    WITHOUT ROWID"""

_SEPARATOR = ", "
"""Between the run ids of the ``runs`` column (``"3, 5, 8"``), as it has always been stored."""


class LeftOut(NamedTuple):
    """The runs whose answers left one lead out."""

    runs: tuple[int, ...]
    """Each such run once, in the order they were first noted."""
    last_run: int
    """The run that noted it last."""


def read(conn: sqlite3.Connection, scope: tuple[str, str], reference_ids: Sequence[str]) -> dict[str, LeftOut]:
    """The runs that left out each of ``reference_ids`` of the scope (project, process); those never left out
    are not listed. Nothing is written."""
    if not has_table(conn, "unanswered_leads"):
        return {}
    rows = conn.execute(
        "SELECT reference_id, runs, last_run_id FROM unanswered_leads WHERE project_id = ? AND process_id = ?"
        " AND reference_id IN (SELECT value FROM json_each(?))",
        (*scope, json_text.dumps(sorted(set(reference_ids)))),
    )
    return {str(ref): LeftOut(_runs(str(runs)), int(last)) for ref, runs, last in rows}


def note(
    conn: sqlite3.Connection, scope: tuple[str, str], reference_ids: Sequence[str], run_id: int, now: str
) -> dict[str, LeftOut]:
    """Count ``run_id`` (once) among the runs that left out each of ``reference_ids``; return each one's runs."""
    conn.execute(TABLE)
    known = read(conn, scope, reference_ids)
    counted: dict[str, LeftOut] = {}
    for ref in sorted(set(reference_ids)):
        runs = known[ref].runs if ref in known else ()
        counted[ref] = LeftOut(runs if run_id in runs else (*runs, run_id), run_id)
    conn.executemany(
        "INSERT OR REPLACE INTO unanswered_leads VALUES (?, ?, ?, ?, ?, ?)",
        [(*scope, ref, _SEPARATOR.join(map(str, left.runs)), run_id, now) for ref, left in counted.items()],
    )
    return counted


def _runs(text: str) -> tuple[int, ...]:
    """The run ids of a ``runs`` cell."""
    return tuple(int(run) for run in text.split(_SEPARATOR) if run.strip().isdecimal())
