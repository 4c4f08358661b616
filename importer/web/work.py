"""What the pages ask of the library: the dry run, re-checking one row, and the send, as the CLI does them."""

from __future__ import annotations

import csv
import re
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from importer.config import LeadMapping, load_mapping
from importer.errors import ConfigError
from importer.read.source import ReadOptions
from importer.web.jobs import Task
from importer.web.review import Review, write_rows_to_fix
from importer.web.uploads import Send, Upload

COMMAND = "leadimport serve (upload page)"
_BLOCK_WAIT = re.compile(r"wait (\d+(?:\.\d+)?) s")


@dataclass(frozen=True, slots=True)
class ServerSettings:
    """What every page's work shares: where the ledger and mappings are, and the CRM's address and token."""

    ledger_path: Path
    mappings_dir: Path
    token: str | None
    base_url: str


def read_options(upload: Upload) -> ReadOptions:
    return ReadOptions(sheet=upload.sheet, header_row=upload.header_row)


def review_upload(upload: Upload, settings: ServerSettings, task: Task) -> Review:
    """The dry run of the upload with its working mapping: every row checked, nothing sent."""
    import importer

    assert upload.mapping_path is not None
    mapping = load_mapping(upload.mapping_path)
    ledger = importer.Ledger(settings.ledger_path) if settings.ledger_path.exists() else None
    try:
        outcome = importer.validate_file(
            upload.path, mapping, read=read_options(upload), ledger=ledger, progress=task.progress
        )
    finally:
        if ledger is not None:
            ledger.close()
    return _review_of(outcome, mapping)


def _review_of(outcome: object, mapping: LeadMapping) -> Review:
    rows: pd.DataFrame = outcome.rows  # type: ignore[attr-defined]
    table = outcome.prepared.table  # type: ignore[attr-defined]
    plan = outcome.plan  # type: ignore[attr-defined]
    counts = outcome.summary.counts  # type: ignore[attr-defined]
    return Review(
        rows=rows.copy(),
        cells=table.cells.copy(),
        field_columns=dict(table.columns),
        region=mapping.default_region,
        plan_text=plan.describe() if plan is not None else "",
        plan=plan.as_dict() if plan is not None else {},
        already_imported=int(counts.get("already-imported", 0)),
    )


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
    mapping = load_mapping(upload.mapping_path)
    cells = review.cells.iloc[position].astype(str).tolist()
    cells[list(review.cells.columns).index(column)] = value
    one = upload.folder / "recheck.csv"
    with one.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([str(c) for c in review.cells.columns])
        writer.writerow(cells)
    ledger = importer.Ledger(settings.ledger_path) if settings.ledger_path.exists() else None
    try:
        outcome = importer.validate_file(one, _without_place(mapping), ledger=ledger)
    finally:
        if ledger is not None:
            ledger.close()
    checked = outcome.rows.iloc[0].copy()
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
    from dataclasses import replace

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
    mapping = load_mapping(upload.mapping_path)
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
    send.stop_message = outcome.stop_message
    send.run_id = outcome.run_id
    send.exit_code = outcome.exit_code
    send.counts = {str(k): int(v) for k, v in rows["status"].value_counts().items()}
    if outcome.stop_message:
        send.blocked_until = blocked_until(outcome.stop_message)
    send.task.progress("report", 0, None)
    send.reports = _write_reports(upload, review, outcome, rows)


def _edited_copy(upload: Upload, review: Review) -> Path:
    """The sheet's data rows as a CSV, edits applied and excluded rows left out: what the send reads."""
    cells, _ = review.sent_cells()
    path = upload.folder / f"{Path(upload.filename).stem} (edited on the upload page).csv"
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


def _write_reports(upload: Upload, review: Review, outcome: object, rows: pd.DataFrame) -> dict[str, Path]:
    from dataclasses import replace

    stem = Path(upload.filename).stem
    final = replace(outcome, rows=rows)  # type: ignore[type-var]
    csv_path = final.write_report(upload.folder / f"{stem}.report.csv", format="csv")
    xlsx_path = final.write_report(upload.folder / f"{stem}.report.xlsx", format="xlsx")
    fix_path = upload.folder / f"{stem}.rows-to-fix.xlsx"
    write_rows_to_fix(review, rows, fix_path)
    return {"csv": csv_path, "xlsx": xlsx_path, "fix": fix_path}


def blocked_until(stop_message: str, now: float | None = None) -> float | None:
    """When a key block in the CRM's stop message ends (about an hour, or the wait the CRM asked for)."""
    now = time.time() if now is None else now
    text = stop_message.lower()
    if "blocked this api key" in text:
        return now + 3600
    wait = _BLOCK_WAIT.search(text)
    if wait and "429" in text:
        return now + float(wait.group(1))
    return None
