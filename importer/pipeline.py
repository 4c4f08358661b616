"""The stages composed: read → map/normalize → dedupe → (send) → report."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from importer.config import LeadMapping
from importer.dedupe import mark_duplicates
from importer.leads import LeadFrame, build_leads
from importer.read import ReadOptions, SourceTable, read_source
from importer.report import Summary, default_report_path, report_frame, summarize, write_csv_report


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read, normalized, validated and deduped: what would be sent."""

    table: SourceTable
    leads: LeadFrame
    project_id: str | None
    process_id: str | None

    @property
    def rows(self) -> pd.DataFrame:
        return self.leads.rows


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a command did: the summary, where the report is, and the exit code."""

    prepared: Prepared
    rows: pd.DataFrame
    summary: Summary
    report_path: Path
    exit_code: int
    stop_message: str | None = None


def prepare(path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions()) -> Prepared:
    """Read, map, normalize, validate and dedupe a file; nothing is sent."""
    table = read_source(path, mapping, options)
    project, process = mapping.project_id, mapping.process_id
    leads = build_leads(table, mapping, project_id=project or "", process_id=process or "")
    if not (project and process):
        # Without both ids a derived referenceId would differ from the real run's.
        derived = leads.rows["referenceId"].str.startswith("li-")
        leads.rows.loc[derived, "referenceId"] = ""
    rows = mark_duplicates(leads.rows, mapping.dedupe)
    return Prepared(table=table, leads=LeadFrame(rows=rows, metadata=leads.metadata), project_id=project, process_id=process)


def finish(prepared: Prepared, rows: pd.DataFrame, report_path: Path | None, stop_message: str | None = None) -> Outcome:
    """Write the report and work out the summary and exit code."""
    path = report_path or default_report_path(prepared.table.path)
    write_csv_report(report_frame(rows, prepared.table.cells), path)
    summary = summarize(rows)
    return Outcome(
        prepared=prepared,
        rows=rows,
        summary=summary,
        report_path=path,
        exit_code=exit_code(summary, stopped=stop_message is not None),
        stop_message=stop_message,
    )


def exit_code(summary: Summary, *, stopped: bool) -> int:
    """0 all good · 1 some rows invalid/rejected · 3 stopped by the CRM or network (resumable)."""
    if stopped:
        return 3
    return 1 if summary.counts.get("invalid") or summary.counts.get("rejected") else 0


def validate(
    path: str | Path, mapping: LeadMapping, *, options: ReadOptions = ReadOptions(), report_path: Path | None = None
) -> Outcome:
    """The dry run: everything but sending, and the report."""
    prepared = prepare(path, mapping, options)
    return finish(prepared, prepared.rows, report_path)
