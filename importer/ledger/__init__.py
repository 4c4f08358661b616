"""The local SQLite ledger: runs, the batches sent, their outcomes, and the key index that dedupes across runs."""

from importer.ledger.opening import default_ledger_path
from importer.ledger.runs import RunRecord
from importer.ledger.store import Known, LeadKey, Ledger

__all__ = ["Known", "LeadKey", "Ledger", "RunRecord", "default_ledger_path"]
