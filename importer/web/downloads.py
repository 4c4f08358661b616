"""The files the upload page hands out: a send's reports, the check's own report, and the history's."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.responses import FileResponse, Response

from importer.web.pages import NotFound, redirect, upload_of
from importer.web.work import check_reports

if TYPE_CHECKING:
    from importer.ledger.store import Ledger


async def download(request: Request) -> Response:
    upload = upload_of(request)
    kind = request.path_params["kind"]
    path = upload.send.reports.get(kind) if upload.send is not None else None
    if path is None or not path.is_file():
        raise NotFound("That file is not ready: it is written when the send has finished.")
    return FileResponse(path, filename=path.name)


_CHECK_WRITING = threading.Lock()
"""One check report written at a time: two clicks in the same second would write the same files."""


async def check_download(request: Request) -> Response:
    """The review as it stands, as a report or the rows to fix: written when asked for, nothing sent."""
    upload = upload_of(request)
    kind = request.path_params["kind"]
    review = upload.review
    if review is None or review.checked is None:
        return redirect(f"/u/{upload.id}/review")
    if kind not in ("xlsx", "csv", "fix"):
        raise NotFound("There is no such report of the check: the review offers Excel, CSV and the rows to fix.")

    def write() -> Path:
        with _CHECK_WRITING:
            return check_reports(upload, review, (kind,))[kind]

    path = await asyncio.to_thread(write)
    return FileResponse(path, filename=path.name)


def ledger_runs(ledger_path: Path) -> list[Any]:
    """Every run the ledger recorded (CLI, watcher or this page), newest first."""
    ledger = _looked_at(ledger_path)
    if ledger is None:
        return []
    with ledger:
        return list(ledger.runs(limit=500))


def run_report(ledger_path: Path, run_id: int) -> Path | None:
    """The report file a run recorded, when it is still there."""
    ledger = _looked_at(ledger_path)
    if ledger is None:
        return None
    with ledger:
        record = ledger.run(run_id)
    if record is None or not record.report:
        return None
    path = Path(record.report)
    return path if path.is_file() else None


def _looked_at(ledger_path: Path) -> Ledger | None:
    """The ledger opened for reading only: a run may be writing it meanwhile, and a look neither waits for it nor
    creates or seals anything. One that cannot be read as it is (written by an older leadimport, or with no tables
    yet), or that is no file, is opened as before, for writing, which upgrades it or says what is wrong. None when
    there is nothing at that path."""
    from importer.errors import LedgerError
    from importer.ledger.store import Ledger

    if not ledger_path.exists():
        return None
    try:
        ledger = Ledger.open_read_only(ledger_path)
    except LedgerError:
        ledger = None
    return ledger if ledger is not None else Ledger(ledger_path)
