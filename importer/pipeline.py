"""The stages composed: read → map/normalize → dedupe → (send) → report."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from importer.config import LeadMapping
from importer.dedupe import mark_duplicates
from importer.errors import ConfigError
from importer.normalize.leads import LeadFrame, build_leads
from importer.read.source import ReadOptions, SourceTable, read_source
from importer.report.mask import mask_frame, mask_text
from importer.report.rows import Summary, default_report_path, mask_summary, report_frame, summarize, write_csv_report
from importer.send.plan import SendPlan, SendPlanSettings, send_plan


@dataclass(frozen=True, slots=True)
class Prepared:
    """A file read, normalized, validated and deduped: what would be sent."""

    table: SourceTable
    leads: LeadFrame
    project_id: str | None
    process_id: str | None
    region: str = "IN"

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
    plan: SendPlan | None = None
    report_written: bool = True


def prepare(
    path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions(), *, progress: bool = False
) -> Prepared:
    """Read, map, normalize, validate and dedupe a file; nothing is sent."""
    size = Path(path).stat().st_size if Path(path).is_file() else 0
    with tqdm(total=size, unit="B", unit_scale=True, desc="reading", disable=not progress, leave=False) as bar:
        table = read_source(path, mapping, options)
        bar.update(size)
    project, process = mapping.project_id, mapping.process_id
    with tqdm(total=len(table.cells), unit="row", desc="validating", disable=not progress, leave=False) as bar:
        leads = build_leads(table, mapping, project_id=project or "", process_id=process or "")
        bar.update(len(table.cells))
    if not (project and process):
        # Without both ids a derived referenceId would differ from the real run's.
        derived = leads.rows["referenceId"].str.startswith("li-")
        leads.rows.loc[derived, "referenceId"] = ""
    rows = mark_duplicates(leads.rows, mapping.dedupe)
    return Prepared(
        table=table,
        leads=LeadFrame(rows=rows, metadata=leads.metadata),
        project_id=project,
        process_id=process,
        region=mapping.default_region,
    )


_NOT_A_REPORT_SUFFIX = frozenset({".xls", ".xlsm", ".xlsb", ".ods", ".json", ".pdf", ".html", ".htm"})
"""Report names Excel would open as another format (it warns, then shows CSV text)."""


@dataclass(frozen=True, slots=True)
class ReportOptions:
    """Where and how to write the report."""

    path: Path | None = None
    format: str | None = None  # "csv" or "xlsx"; default from the path's suffix, else csv
    mask_pii: bool = False

    def resolve(self, source: str) -> tuple[Path, str]:
        """The report path and format, defaults filled in."""
        path = self.path
        suffix = path.suffix.lower() if path is not None else ""
        if path is not None and self.format is None and suffix in _NOT_A_REPORT_SUFFIX:
            raise ConfigError(
                f"--report {path}: a report is written as .xlsx (Excel) or .csv, not {suffix}; "
                f"name it {path.with_suffix('.xlsx').name} or {path.with_suffix('.csv').name}."
            )
        fmt = self.format or ("xlsx" if suffix == ".xlsx" else "csv")
        return self.path or default_report_path(source, f".{fmt}"), fmt


def finish(
    prepared: Prepared,
    rows: pd.DataFrame,
    report: ReportOptions,
    *,
    stop_message: str | None = None,
    details: Sequence[tuple[str, str]] = (),
) -> Outcome:
    """Write the report (masked if asked) and work out the summary and exit code."""
    table = prepared.table
    path, fmt = report.resolve(table.path)
    summary = summarize(rows)
    frame = report_frame(rows, table.cells)
    if report.mask_pii:
        frame = mask_frame(frame)
        summary = mask_summary(summary)
        stop_message = mask_text(stop_message) if stop_message else None
    if fmt == "xlsx":
        from importer.report.xlsx import write_xlsx_report  # openpyxl loads only when an XLSX is written

        info = [("File", table.path), ("Sheet", table.sheet or "-"), ("Header row", str(table.header_row)), *details]
        info += [("Written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")), ("Data rows", str(summary.total))]
        write_xlsx_report(
            frame, path, field_columns=table.columns, summary=summary, details=info, region=prepared.region
        )
    else:
        write_csv_report(frame, path)
    return Outcome(
        prepared=prepared,
        rows=rows,
        summary=summary,
        report_path=path,
        exit_code=exit_code(summary, stopped=stop_message is not None),
        stop_message=stop_message,
    )


def exit_code(summary: Summary, *, stopped: bool) -> int:
    """0 all good · 1 some rows invalid/rejected · 3 stopped by the CRM or the network, or rows left pending.

    A key block is 3 even when it came after every row's answer (DESIGN.md): the key is unusable for an hour.
    """
    if stopped or summary.counts.get("pending"):
        return 3
    return 1 if summary.counts.get("invalid") or summary.counts.get("rejected") else 0


def validate(
    path: str | Path,
    mapping: LeadMapping,
    *,
    options: ReadOptions = ReadOptions(),
    report: ReportOptions = ReportOptions(),
    plan: SendPlanSettings = SendPlanSettings(),
    progress: bool = False,
) -> Outcome:
    """The dry run: everything but sending, the report, and the plan for sending."""
    prepared = prepare(path, mapping, options, progress=progress)
    outcome = finish(prepared, prepared.rows, report, details=[("Mapping", mapping.source), ("Mode", "dry run")])
    return replace(outcome, plan=send_plan(int((prepared.rows["status"] == "valid").sum()), plan))
