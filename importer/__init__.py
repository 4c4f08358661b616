"""leadimport: lead spreadsheets into the Vox CRM, every good lead exactly once, with a per-row report.

The public API::

    import importer

    mapping = importer.load_mapping("mappings/dealer_leads.yaml")
    checked = importer.validate_file("leads.xlsx", mapping)          # the dry run; writes nothing
    checked.write_report("leads.report.xlsx")
    done = importer.import_file("leads.xlsx", mapping, token=os.environ["VOX_API_TOKEN"])
    print(done.summary.counts, done.exit_code, done.run_id)

Names load when first used, so ``import importer`` is cheap and changes nothing in the caller's process.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_EXPORTS: dict[str, str] = {
    "AuthFailed": "importer.errors",
    "ClientBug": "importer.errors",
    "ConfigError": "importer.errors",
    "CrmError": "importer.errors",
    "CrmStop": "importer.errors",
    "CrmUnreachable": "importer.errors",
    "DuplicateBudget": "importer.crm.dup_budget",
    "DEFAULT_BASE_URL": "importer.pipeline",
    "DEFAULT_RATE": "importer.crm.limiter",
    "Issue": "importer.issues",
    "KeyBlocked": "importer.errors",
    "LeadImportError": "importer.errors",
    "LeadMapping": "importer.config",
    "Ledger": "importer.ledger.store",
    "LedgerError": "importer.errors",
    "Outcome": "importer.pipeline",
    "ProcessNotFound": "importer.errors",
    "PendingKind": "importer.send.pending",
    "Progress": "importer.send.submit",
    "RateLimit": "importer.crm.limiter",
    "ReportError": "importer.errors",
    "ReadOptions": "importer.read.source",
    "Sandbox": "importer.sandbox.server",
    "SandboxSettings": "importer.sandbox.server",
    "SendOptions": "importer.send.submit",
    "SendPlanSettings": "importer.send.plan",
    "SourceChanged": "importer.errors",
    "SourceError": "importer.errors",
    "StopKind": "importer.errors",
    "Summary": "importer.report.rows",
    "WrongAddress": "importer.errors",
    "default_ledger_path": "importer.ledger.store",
    "import_file": "importer.pipeline",
    "issues": "importer",
    "load_mapping": "importer.config",
    "rebuild_report": "importer.pipeline",
    "tools": "importer",
    "validate_file": "importer.pipeline",
}

__all__ = [
    "DEFAULT_BASE_URL",
    "DEFAULT_RATE",
    "AuthFailed",
    "ClientBug",
    "ConfigError",
    "CrmError",
    "CrmStop",
    "CrmUnreachable",
    "DuplicateBudget",
    "Issue",
    "KeyBlocked",
    "LeadImportError",
    "LeadMapping",
    "Ledger",
    "LedgerError",
    "Outcome",
    "PendingKind",
    "ProcessNotFound",
    "Progress",
    "RateLimit",
    "ReadOptions",
    "ReportError",
    "Sandbox",
    "SandboxSettings",
    "SendOptions",
    "SendPlanSettings",
    "SourceChanged",
    "SourceError",
    "StopKind",
    "Summary",
    "WrongAddress",
    "__version__",
    "default_ledger_path",
    "import_file",
    "issues",
    "load_mapping",
    "rebuild_report",
    "tools",
    "validate_file",
]

if TYPE_CHECKING:
    from importer import issues, tools
    from importer.config import LeadMapping, load_mapping
    from importer.crm.dup_budget import DuplicateBudget
    from importer.crm.limiter import DEFAULT_RATE, RateLimit
    from importer.errors import (
        AuthFailed,
        ClientBug,
        ConfigError,
        CrmError,
        CrmStop,
        CrmUnreachable,
        KeyBlocked,
        LeadImportError,
        LedgerError,
        ProcessNotFound,
        ReportError,
        SourceChanged,
        SourceError,
        StopKind,
        WrongAddress,
    )
    from importer.issues import Issue
    from importer.ledger.store import Ledger, default_ledger_path
    from importer.pipeline import DEFAULT_BASE_URL, Outcome, import_file, rebuild_report, validate_file
    from importer.read.source import ReadOptions
    from importer.report.rows import Summary
    from importer.sandbox.server import Sandbox, SandboxSettings
    from importer.send.pending import PendingKind
    from importer.send.plan import SendPlanSettings
    from importer.send.submit import Progress, SendOptions


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'importer' has no attribute {name!r}")
    # "issues" and "tools" name modules themselves (importer.issues, importer.tools), loaded as the other names are.
    value = (
        importlib.import_module(f"importer.{name}")
        if module == "importer"
        else getattr(importlib.import_module(module), name)
    )
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
