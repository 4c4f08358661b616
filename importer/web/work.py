"""What the pages ask of the library: the dry run, re-checking one row, and the send, as the CLI does them."""

from __future__ import annotations

import csv
import time
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import pandas as pd

from importer.config import LeadMapping, load_mapping
from importer.errors import ConfigError, StopKind
from importer.filenames import fit_name
from importer.pipeline import Outcome
from importer.read.source import ReadOptions
from importer.report.rows import summarize
from importer.text_columns import TextColumns
from importer.web import jobs
from importer.web.jobs import Task
from importer.web.review import Review, write_rows_to_fix
from importer.web.uploads import Send, Upload, safe_filename

COMMAND = "leadimport serve (upload page)"


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What every page's work shares: where the ledger and mappings are, and the CRM's address and token."""

    ledger_path: Path
    mappings_dir: Path
    token: str | None
    base_url: str
    project_id: str = ""
    """The form's default project id (VOX_PROJECT_ID where the server runs)."""
    process_id: str = ""


def read_options(upload: Upload) -> ReadOptions:
    return ReadOptions(sheet=upload.sheet, header_row=upload.header_row, encoding=upload.encoding)


def review_upload(upload: Upload, settings: ServerSettings, task: Task) -> Review:
    """The dry run of the upload with its working mapping: every row checked, nothing sent.

    What the ledger knows is applied as ``leadimport validate --ledger`` applies it: rows an earlier run got into
    the CRM are ``already-imported``, those the CRM refused for good ``rejected`` (a send would not send them).
    """
    import importer

    assert upload.mapping_path is not None
    mapping = _working_mapping(upload)
    outcome = importer.validate_file(
        upload.path, mapping, read=read_options(upload), progress=task.progress, ledger=_ledger(settings)
    )
    rows = outcome.rows.copy()
    plan = outcome.plan
    return Review(
        rows=rows,
        cells=outcome.table.cells.copy(),
        field_columns=dict(outcome.table.columns),
        region=mapping.default_region or "",  # none: explanations give generic examples
        plan_text=plan.describe() if plan is not None else "",
        plan=plan.as_dict() if plan is not None else {},
        already_imported=int((rows["status"] == "already-imported").sum()),
        checked=outcome,
    )


def start_review(upload: Upload, settings: ServerSettings) -> None:
    """The dry run in the background."""
    task = jobs.Task("review", f"Checking {upload.filename}")
    with upload.lock:
        upload.checks += 1
        check = upload.checks
        upload.task, upload.review, upload.send = task, None, None

    def work(task: jobs.Task) -> None:
        review = review_upload(upload, settings, task)
        with upload.lock:
            if upload.checks == check:  # an older check ending last never replaces the newest choice's
                upload.review = review

    jobs.start(task, work)


def _working_mapping(upload: Upload) -> LeadMapping:
    """The upload's working mapping, with the country chosen on the review page as ``--region`` gives one."""
    assert upload.mapping_path is not None
    return load_mapping(upload.mapping_path, default_region=upload.region_chosen)


def _ledger(settings: ServerSettings) -> Path | None:
    """The ledger to read what earlier runs did from (read only), when there is one yet."""
    return settings.ledger_path if settings.ledger_path.exists() else None


def check_reports(upload: Upload, review: Review, kinds: tuple[str, ...] = ("csv", "xlsx", "fix")) -> dict[str, Path]:
    """The review as it stands (edits and exclusions recorded), written as the reports a send writes (the
    Excel and CSV reports, the rows to fix: those of ``kinds``) in the upload's folder; nothing is sent."""
    with review.lock:
        rows = review.rows[~review.rows["sheet_row"].isin(review.excluded)].copy()
    rows = review.mark_report(rows)
    folder = upload.folder / "check"
    folder.mkdir(exist_ok=True)
    return _write_reports(upload, review, review.checked, rows, folder, tail="-check", kinds=kinds)


def recheck_row(upload: Upload, settings: ServerSettings, sheet_row: int, column: str, value: str) -> None:
    """Correct one cell and check that row again (only that row), as the dry run would."""
    import importer

    review = upload.review
    assert review is not None and upload.mapping_path is not None
    if column not in review.cells.columns:
        raise ConfigError(f"the sheet has no column {column!r}.")
    position = review.position(sheet_row)
    if position is None:
        raise ConfigError(f"row {sheet_row} is not a data row of this sheet.")
    mapping = _working_mapping(upload)
    cells = review.cells.iloc[position].astype(str).tolist()
    cells[list(review.cells.columns).index(column)] = value
    one = upload.folder / "recheck.csv"
    with one.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([str(c) for c in review.cells.columns])
        writer.writerow(cells)
    outcome = importer.validate_file(one, _without_place(mapping), ledger=_ledger(settings))
    checked_rows = outcome.rows.copy()
    checked = checked_rows.iloc[0].copy()
    checked["sheet_row"] = sheet_row
    checked["duplicate_of"] = pd.NA
    if checked["status"] == "valid":
        first = review.first_copy(
            position,
            str(checked.get("phone_e164") or ""),
            str(checked.get("email") or ""),
            str(checked.get("referenceId") or ""),
            mapping.dedupe,
        )
        if first is not None:
            checked["status"], checked["duplicate_of"] = "duplicate", first
    review.apply_recheck(sheet_row, column, value, checked)


def _without_place(mapping: LeadMapping) -> LeadMapping:
    """The mapping for a one-row CSV of the sheet's cells: no sheet, header on row 1."""
    return replace(mapping, sheet=None, header_row=None)


def send_upload(upload: Upload, settings: ServerSettings, send: Send) -> None:
    """Send every valid row once (edits applied, excluded rows left out) and write the reports."""
    import importer

    review = upload.review
    assert review is not None and upload.mapping_path is not None
    if not settings.token:
        raise ConfigError(
            "VOX_API_TOKEN is not set where leadimport serve runs: stop the server, set it (and VOX_BASE_URL "
            "for a CRM other than the default), and start it again. The token never goes through this page."
        )
    mapping = _working_mapping(upload)
    source, read, sheet_rows = upload.path, read_options(upload), None
    if review.changed:
        source = _edited_copy(upload, review)
        _, sheet_rows = review.sent_cells()
        mapping = _without_place(mapping)
        read = ReadOptions()
    outcome = importer.import_file(
        source,
        mapping,
        token=settings.token,
        base_url=settings.base_url,
        ledger=settings.ledger_path,
        progress=send.task.progress,
        read=read,
        command=COMMAND,
    )
    rows = outcome.rows.copy()
    if sheet_rows is not None:
        rows = _back_to_sheet_rows(rows, sheet_rows)
    rows = review.mark_report(rows)
    review.record_send(rows)
    send.stop_message = outcome.stop_message
    send.stop_kind = str(outcome.stop_kind) if outcome.stop_kind is not None else None
    send.run_id = outcome.run_id
    send.exit_code = outcome.exit_code
    send.counts = {str(k): int(v) for k, v in rows["status"].value_counts().items()}
    if outcome.stop_kind is StopKind.KEY_BLOCKED and outcome.blocked_until is not None:
        send.blocked_until = outcome.blocked_until.timestamp()
    send.task.progress("report", 0, None)
    send.reports = _write_reports(upload, review, outcome, rows, settings.ledger_path.parent / "reports")


_TEMP = 24
"""Bytes a report's name grows by while it is written (``.NAME.PID.tmp``)."""


def _edited_copy(upload: Upload, review: Review) -> Path:
    """The sheet's data rows as a CSV, edits applied and excluded rows left out: what the send reads."""
    cells, _ = review.sent_cells()
    edited = " (edited on the upload page).csv"
    path = upload.folder / (
        fit_name(Path(safe_filename(upload.filename)).stem, reserve=len(edited.encode()) + _TEMP) + edited
    )
    cells.to_csv(path, index=False, encoding="utf-8")
    return path


def _back_to_sheet_rows(rows: pd.DataFrame, sheet_rows: np.ndarray) -> pd.DataFrame:
    """Rows of the edited copy (numbered 2, 3, ...) numbered as in the uploaded sheet again."""
    out = rows.copy()
    position = out["sheet_row"].astype("int64").to_numpy() - 2
    out["sheet_row"] = sheet_rows[position]
    if "duplicate_of" in out.columns:
        dup = out["duplicate_of"]
        has = dup.notna().to_numpy()
        mapped = pd.array([pd.NA] * len(out), dtype="Int64")
        mapped[has] = sheet_rows[dup[has].astype("int64").to_numpy() - 2]
        out["duplicate_of"] = mapped
    return out


def _write_reports(
    upload: Upload,
    review: Review,
    outcome: Outcome,
    rows: pd.DataFrame,
    folder: Path,
    *,
    tail: str = "",
    kinds: tuple[str, ...] = ("csv", "xlsx", "fix"),
) -> dict[str, Path]:
    """The CSV and XLSX reports (of the sheet as uploaded, edits recorded) and the rows-to-fix file.

    They go beside the ledger (uploads are removed when the server starts again; reports stay, as the
    history page links to them).
    """
    stamp = time.strftime("%Y%m%d-%H%M%S")
    tail = f"{tail}-{stamp}" if tail else f"-{stamp}-run{outcome.run_id or 0}"
    stem = (
        fit_name(Path(safe_filename(upload.filename)).stem, reserve=len(tail) + len(".rows-to-fix.xlsx") + _TEMP) + tail
    )
    final = outcome
    if review.changed:  # the send read an edited copy: report the sheet as uploaded, row for row
        rows = rows.reset_index(drop=True)
        cells = review.cells.reset_index(drop=True)
        table = replace(
            outcome.table,
            path=str(upload.path),
            data=TextColumns.of(cells),
            sheet_row=rows["sheet_row"].to_numpy(),
            sheet=upload.sheet,
        )
        details = (*outcome.details, ("Edited on the upload page", "; ".join(review.edited_description()) or "-"))
        final = replace(outcome, prepared=replace(outcome.prepared, table=table), details=details)
    final = replace(final, rows=rows, summary=summarize(rows))
    written: dict[str, Path] = {}
    for kind in ("csv", "xlsx"):
        if kind in kinds:
            written[kind] = final.write_report(folder / f"{stem}.report.{kind}", format=kind)
    if "fix" in kinds:
        written["fix"] = folder / f"{stem}.rows-to-fix.xlsx"
        write_rows_to_fix(review, rows, written["fix"])
    return written
