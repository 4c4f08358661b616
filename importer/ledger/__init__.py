"""The local SQLite ledger: runs, the batches sent, their outcomes, and the key index that dedupes across runs."""

from importer.ledger.store import Known, LeadKey, Ledger, RunRecord, default_ledger_path

__all__ = ["Known", "LeadKey", "Ledger", "RunRecord", "default_ledger_path"]
