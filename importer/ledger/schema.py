"""The ledger's SQLite schema: its tables and connection settings, creating them (atomically for a new
file), upgrading an older ledger's, and checking a file's schema version and key-hash scheme.

Functions here work on a connection (or a path) the caller holds; :class:`~importer.ledger.store.Ledger`
takes its locks and turns errors into a :class:`~importer.errors.LedgerError` around them.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

from importer.errors import LedgerError
from importer.ledger.batch_log import BATCH_DATA, BATCH_INDEXES, BATCHES_TABLE, BATCHES_TABLE_V2, UNPACK_V3
from importer.ledger.key_index import SEGMENTS_TABLE, hash_scheme

__all__ = [
    "LEAD_STATES",
    "MIGRATIONS",
    "MOVE_ASIDE",
    "PRAGMAS",
    "SCHEMA",
    "SCHEMA_VERSION",
    "SCHEMA_WAIT_STEPS",
    "create_atomically",
    "create_or_upgrade",
    "key_hash_is_current",
    "reindex",
    "schema_version",
    "wait_for_tables",
]

SCHEMA_VERSION = 4
LEAD_STATES = ("in-flight", "accepted", "rejected", "pending")
SCHEMA_WAIT_STEPS = 20
"""Tenths of a second to wait for another process to create the tables of a new ledger file."""


# A lead's project and process are stored once, in ``scopes``. Leads live in the batches that claimed
# them, found through the key index (``segments``); ``leads`` holds those folded from the batches of
# interrupted runs that had leads in flight (and every lead of a ledger from before version 4), looked
# up by referenceId (unique), phone and email; ``leads_in_flight`` finds the leads of interrupted runs.
SCHEMA = (
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)",
    """CREATE TABLE runs (
        run_id INTEGER PRIMARY KEY AUTOINCREMENT, started_at TEXT NOT NULL, ended_at TEXT,
        file TEXT NOT NULL, fingerprint TEXT NOT NULL, mapping TEXT NOT NULL,
        project_id TEXT NOT NULL, process_id TEXT NOT NULL, command TEXT NOT NULL,
        counts TEXT NOT NULL DEFAULT '{}', outcome TEXT, report TEXT, pid INTEGER NOT NULL, host TEXT NOT NULL)""",
    """CREATE TABLE scopes (
        scope_id INTEGER PRIMARY KEY, project_id TEXT NOT NULL, process_id TEXT NOT NULL,
        UNIQUE (project_id, process_id))""",
    """CREATE TABLE leads (
        scope_id INTEGER NOT NULL REFERENCES scopes, reference_id TEXT NOT NULL,
        phone TEXT NOT NULL DEFAULT '', email TEXT NOT NULL DEFAULT '',
        state TEXT NOT NULL CHECK (state IN ('in-flight', 'accepted', 'rejected', 'pending')),
        lead_id TEXT, run_id INTEGER NOT NULL, first_run_id INTEGER NOT NULL, sheet_row INTEGER NOT NULL,
        payload_hash TEXT, message TEXT, updated_at TEXT NOT NULL, batch_id INTEGER NOT NULL DEFAULT 0,
        UNIQUE (scope_id, reference_id))""",
    "CREATE INDEX leads_phone ON leads (scope_id, phone) WHERE phone != ''",
    "CREATE INDEX leads_email ON leads (scope_id, email) WHERE email != ''",
    "CREATE INDEX leads_in_flight ON leads (scope_id, run_id) WHERE state = 'in-flight'",
    BATCHES_TABLE,
    *BATCH_DATA,
    *BATCH_INDEXES,
    SEGMENTS_TABLE,
)

# Version 1 had no batch log: every claim went straight into ``leads``. Version 2 did not note when a batch
# was sent: its batches count as sent (their leads are looked up in the CRM, as version 2 would have).
# Version 3 folded every batch into ``leads``; its leads stay there, and its open batches (their leads
# stored lead by lead) are unpacked into fields, then sealed or folded by the next run, as an interrupted
# run's are.
MIGRATIONS = {
    1: (BATCHES_TABLE_V2, "ALTER TABLE leads ADD COLUMN batch_id INTEGER NOT NULL DEFAULT 0"),
    2: ("ALTER TABLE batches ADD COLUMN sent_at TEXT", "UPDATE batches SET sent_at = updated_at"),
    3: ("ALTER TABLE batches ADD COLUMN sealed INTEGER NOT NULL DEFAULT 0", *UNPACK_V3, *BATCH_INDEXES, SEGMENTS_TABLE),
}

# A claim mostly pays for writing the index pages it touched to the WAL: fewer, larger pages are
# cheaper. page_size only takes effect when the file is created.
PRAGMAS = (
    "PRAGMA page_size=8192",
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA temp_store=MEMORY",
    # 8 MiB: a claim looks keys up in the key index's segments (numpy, in memory) and appends batches; a larger
    # cache only kept pages already written (64 MiB held 70 MB more through a million-lead run, for no speed).
    "PRAGMA cache_size=-8192",
    "PRAGMA wal_autocheckpoint=5000",  # checkpoint every ~40 MB of WAL rather than after every batch
    "PRAGMA journal_size_limit=67108864",
)

MOVE_ASIDE = (
    "move it aside (e.g. `mv {path} {path}.broken`) and run again; leads it recorded will then not be "
    "recognised as already imported"
)


def wait_for_tables(version: Callable[[], int | None], path: Path) -> int:
    """The schema version (read by ``version``) of the file at ``path`` that existed with no tables, once another
    process has created them.

    Two runs starting on a new ledger: the other one may be between creating the file and its tables.
    Otherwise the file lost its tables: a ledger copied without its -wal file, where a killed run keeps
    what it recorded, is refused rather than taken for a new, empty one (everything would be resent).
    """
    for _ in range(SCHEMA_WAIT_STEPS):
        time.sleep(0.1)
        found = version()
        if found is not None:
            return found
    raise LedgerError(
        f"the ledger {path} is an SQLite file with no tables. A ledger copied without its "
        f"{path.name}-wal file loses what a killed run recorded there: copy the -wal file along, or use "
        f"`sqlite3 SOURCE '.backup {path}'`. To start a new ledger there, pass --new-ledger."
    )


def create_atomically(path: Path) -> bool:
    """Make a new ledger's tables in a file beside ``path``, which then takes the ledger's name in one step;
    say whether this call created the ledger.

    A run killed while a ledger is being created leaves no ledger file without tables behind (which the
    next run would have to refuse, since such a file may also be a truncated ledger). When another process
    creates the ledger first, its file is kept (and False returned).
    """
    created = False
    temp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    temp.unlink(missing_ok=True)
    try:
        conn = sqlite3.connect(temp, isolation_level=None)
        try:
            conn.execute("PRAGMA page_size=8192")
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("BEGIN")
            for statement in SCHEMA:
                conn.execute(statement)
            conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
            conn.execute("INSERT INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))
            conn.execute("COMMIT")
        finally:
            conn.close()
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)  # fails if the ledger appeared meanwhile: never replaces one
            created = True
    finally:
        for leftover in (temp, Path(f"{temp}-wal"), Path(f"{temp}-shm")):
            leftover.unlink(missing_ok=True)
    return created


def create_or_upgrade(conn: sqlite3.Connection, path: Path) -> bool:
    """Inside a write transaction: create the tables of the new ledger at ``path`` (then True), or upgrade an
    older ledger's to :data:`SCHEMA_VERSION`."""
    version = schema_version(conn, path)
    if version is None:
        for statement in SCHEMA:
            conn.execute(statement)
        conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        conn.execute("INSERT INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))
        return True
    if version < SCHEMA_VERSION:
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                conn.execute(statement)
        conn.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'", (str(SCHEMA_VERSION),))
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))
    return False


def key_hash_is_current(conn: sqlite3.Connection) -> bool:
    """Whether the ledger's key index was written with this process's hash function."""
    row = conn.execute("SELECT value FROM meta WHERE key = 'key_hash'").fetchone()
    return row is not None and bool(row[0] == hash_scheme())


def reindex(conn: sqlite3.Connection) -> None:
    """Inside a write transaction: drop a key index written with another hash function (another pandas, say).
    The batches are unsealed, and sealed again by the next run, as an interrupted run's are."""
    conn.execute("DELETE FROM segments")
    conn.execute("UPDATE batches SET sealed = 0 WHERE sealed = 1")
    conn.execute("INSERT OR REPLACE INTO meta VALUES ('key_hash', ?)", (hash_scheme(),))


def schema_version(conn: sqlite3.Connection, path: Path) -> int | None:
    """The schema version of the ledger at ``path``; None for an empty file (a new ledger)."""
    tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if tables and "meta" not in tables:
        raise LedgerError(
            f"{path} is an SQLite database of some other program, not a leadimport ledger; "
            "choose another file (--ledger or LEADIMPORT_LEDGER)."
        )
    if not tables:
        return None
    row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isdecimal():
        raise LedgerError(f"the ledger {path} has no readable schema version; {MOVE_ASIDE.format(path=path)}.")
    if int(row[0]) > SCHEMA_VERSION:
        raise LedgerError(
            f"the ledger {path} was written by a newer leadimport (schema version {row[0]}; this one "
            f"knows version {SCHEMA_VERSION}); upgrade leadimport to use it."
        )
    return int(row[0])
