"""Valid rows → the CRM in batches under the ledger's exactly-once protocol; the send plan."""

from importer.send.plan import MAX_BATCH, SendPlan, SendPlanSettings, send_plan
from importer.send.submit import LedgerRun, Progress, SendOptions, send_rows

__all__ = [
    "MAX_BATCH",
    "LedgerRun",
    "Progress",
    "SendOptions",
    "SendPlan",
    "SendPlanSettings",
    "send_plan",
    "send_rows",
]
