"""The pages of one upload: sheet and header, columns, review, send and results."""

from __future__ import annotations

import asyncio
import hashlib
import math
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import phonenumbers
from starlette.requests import Request
from starlette.responses import Response

from importer.config import FIELD_TARGETS, load_mapping
from importer.errors import ConfigError, LeadImportError
from importer.read.header import HEADER_SEARCH_ROWS
from importer.send.plan import send_plan
from importer.tools.describe import ColumnProfile, TableInspection
from importer.web import downloads, jobs
from importer.web.charsets import ENCODINGS, cells_with_letters, encoding_label, offered, option_label, read_twice
from importer.web.mapping_form import (
    FIELD_LABELS,
    METADATA,
    NOT_IMPORTED,
    Described,
    MappingForm,
    addressable,
    carry_choices,
    check_form,
    choices_from_mapping,
    describe_upload,
    fits_leads,
    fix_column_position,
    mapping_document,
    mapping_name_for,
    region_name,
    repeated_labels,
    saved_mapping_path,
    saved_mappings_that_fit,
    suggested_choices,
    write_mapping,
)
from importer.web.pages import WebState, redirect, render, upload_of
from importer.web.region_choice import choose_region, held_for_country
from importer.web.review import PAGE_SIZE
from importer.web.uploads import Send, Upload
from importer.web.work import ServerSettings, recheck_row, send_upload, start_review

Handler = Callable[[Request], Awaitable[Response]]
__all__ = ["FIELD_LABELS", "routes"]
CHOICES = (NOT_IMPORTED, *FIELD_TARGETS, METADATA)


def _state(request: Request) -> WebState:
    return request.app.state.web  # type: ignore[no-any-return]


def _upload(request: Request) -> Upload:
    return upload_of(request)


def _page(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    return render(request, name, context, status_code)


def _go(path: str, **query: object) -> Response:
    return redirect(path, **query)


def _working(request: Request, upload: Upload, what: str) -> Response:
    """The progress page while an upload's file is read or checked."""
    return _page(request, "working.html", {"upload": upload, "task": upload.task, "what": what})


def _sending(upload: Upload) -> Response | None:
    """While the upload's rows are being sent, its sheet and columns stay as they are."""
    if upload.send is not None and upload.send.task.running:
        upload.error = "This file is being sent; its sheet and columns can be changed once the send has finished."
        return _go(f"/u/{upload.id}/send")
    return None


# -- step 2: sheet and header -----------------------------------------------------------------------


def start_describe(
    upload: Upload,
    settings: ServerSettings,
    *,
    sheet: str | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
) -> None:
    """Read the uploaded file in the background: sheets, header (``header_row`` when the person set one below
    the one found), columns, and a suggested mapping; a text file in ``encoding`` (None: as detected)."""
    task = jobs.Task("inspect", f"Reading {upload.filename}")
    upload.task, upload.error = task, None
    recoded = encoding != upload.encoding

    def work(task: jobs.Task) -> None:
        task.progress("reading", 0, None)
        try:
            described = describe_upload(upload.path, sheet=sheet, header_row=header_row, encoding=encoding)
            if header_row and not any(c.header for c in described.suggestion.table.columns):
                raise ConfigError(f"row {header_row} holds no column names (it is blank), so it cannot be the header.")
        except LeadImportError as exc:
            if upload.described is None:
                raise
            # another sheet or header row was asked for and cannot be read as leads (notes, a chart, a blank
            # row): the choice so far stays, and so do the columns chosen for it and their check
            kept = upload.sheet or upload.described.suggestion.table.sheet
            stays = f"The header row stays row {_table(upload).header_row}." if header_row else ""
            if recoded:
                stays = f"The file stays read as {upload.encoding or upload.described.suggestion.encoding}."
            stays = stays or (f"Sheet {kept} stays chosen." if kept else "")
            upload.error = f"{exc} {stays}".strip()
            return
        with upload.lock:
            before = _table(upload) if upload.described is not None else None
            upload.described = described
            upload.sheet = described.suggestion.table.sheet if described.is_workbook else None
            upload.header_row = header_row or described.suggestion.header_row
            upload.encoding = encoding
            if before is not None:  # another sheet or header row: the check was of the one before
                _carry(upload, before)

    jobs.start(task, work)


def _carry(upload: Upload, before: TableInspection) -> None:
    """The columns chosen for the table read before, kept where the table now read has the same column; the
    check, which was of the table before, dropped."""
    if upload.form is not None and upload.described is not None:
        upload.form = carry_choices(upload.form, before, _table(upload), upload.described.suggestion)
    upload.review = None
    upload.checks += 1  # a check of the table before still running never lands


async def sheet_page(request: Request) -> Response:
    upload = _upload(request)
    if upload.task is not None and upload.task.kind == "inspect" and upload.task.running:
        return _working(request, upload, "sheet")
    if upload.described is None:
        error = upload.task.error if upload.task is not None and upload.task.error else "The file was not read."
        return _page(request, "error.html", {"error": error, "upload": upload}, status_code=400)
    described = upload.described
    table = _table(upload)
    others = [t.sheet for t in described.tables if t.sheet != table.sheet and fits_leads(t)]
    return _page(
        request,
        "sheet.html",
        {
            "upload": upload,
            "described": described,
            "table": table,
            "others": others,
            "header_max": header_row_max(described.table(upload.sheet)),
            "encodings": {key: option_label(key) for key in ENCODINGS},
            "read_as": encoding_label(described.suggestion.encoding),
            "encoding": offered(upload.encoding or "") or "",
            "letters": (letters := cells_with_letters(table, _name_headers(described))),
            "twice": read_twice(letters),
            "read_utf8": offered((described.suggestion.encoding or "").split(" ")[0]) == "utf-8",
            "step": "sheet",
        },
    )


def _name_headers(described: Described) -> tuple[str, ...]:
    """The headers of the columns suggested as the lead's name (their cells show best how a file was read)."""
    return tuple(c.header for c in described.suggestion.fields if c.field in ("name", "firstName", "lastName"))


def _table(upload: Upload) -> TableInspection:
    """The chosen sheet's inspection, with the person's header row when they picked another."""
    assert upload.described is not None
    table = upload.described.table(upload.sheet)
    if upload.header_row is None or upload.header_row == table.header_row or table.header_row is None:
        return table
    if upload.header_row < table.header_row:  # a row above the detected header: its cells are the headers
        rows = table.title_rows
        cells = rows[upload.header_row - 1]
        columns = tuple(
            ColumnProfile(i, c, 0.0, (), "text", {}, 0, 0) for i, c in enumerate(cells) if c or i < len(cells)
        )
        return TableInspection(table.sheet, upload.header_row, 0, 0, columns, rows[: upload.header_row - 1])
    return table


def columns_signature(upload: Upload, table: TableInspection) -> str:
    """What the Columns form was made for (sheet, header row, column names), to tell a form from before a change."""
    seen = repr((upload.sheet, table.header_row, upload.encoding, [c.header for c in table.columns]))
    return hashlib.sha256(seen.encode()).hexdigest()[:16]


def header_row_max(table: TableInspection) -> int:
    """The lowest row the page offers as the header: one of the sheet's first rows, as the header is looked for."""
    if table.header_row is None:
        return 1
    return max(table.header_row, min(HEADER_SEARCH_ROWS, table.header_row + table.data_rows + table.blank_rows))


async def choose_sheet(request: Request) -> Response:
    upload = _upload(request)
    if (busy := _sending(upload)) is not None:
        return busy
    form = await request.form()
    described = upload.described
    if described is None:
        return _go(f"/u/{upload.id}/sheet")
    sheet = str(form.get("sheet") or "") or None
    header = str(form.get("header_row") or "").strip()
    encoding = offered(str(form.get("encoding") or "")) if form.get("encoding") else None
    if "encoding" in form and encoding != upload.encoding and not described.is_workbook:
        # read again in that encoding, and back to this page: the person sees the names as it reads them
        start_describe(upload, _state(request).settings, header_row=upload.header_row, encoding=encoding)
        return _go(f"/u/{upload.id}/sheet")
    if sheet is not None and sheet != upload.sheet and sheet in [t.sheet for t in described.tables]:
        # the columns chosen and the check stay until that sheet has been read (it may be no leads at all)
        start_describe(upload, _state(request).settings, sheet=sheet, encoding=upload.encoding)
        return _go(f"/u/{upload.id}/sheet")
    table = described.table(upload.sheet)
    if header:
        last = header_row_max(table)
        if not header.isdecimal() or table.header_row is None or not 1 <= int(header) <= last:
            upload.error = f"The header row must be a row number from 1 to {last}."
            return _go(f"/u/{upload.id}/sheet")
        if int(header) > table.header_row:  # below the row found: read again, that row's cells are the columns
            start_describe(
                upload, _state(request).settings, sheet=upload.sheet, header_row=int(header), encoding=upload.encoding
            )
            return _go(f"/u/{upload.id}/sheet")
        # the row read is said explicitly: a title row that also names the columns would otherwise win
        with upload.lock:
            before = _table(upload)
            upload.header_row = int(header)
            if [c.header for c in _table(upload).columns] != [c.header for c in before.columns]:
                _carry(upload, before)
    upload.error = None
    return _go(f"/u/{upload.id}/columns")


# -- step 3: columns ----------------------------------------------------------------------------


async def columns_page(request: Request) -> Response:
    upload = _upload(request)
    if upload.described is None:
        return _go(f"/u/{upload.id}/sheet")
    settings = _state(request).settings
    table = _table(upload)
    fits = await asyncio.to_thread(saved_mappings_that_fit, settings.mappings_dir, table)
    picked = request.query_params.get("mapping")
    saved = next((f for f in fits if f.path.name == picked), None) if picked else None
    if request.query_params.get("suggestion"):  # the person set the saved mappings aside
        fits, saved = [], None
        upload.form = upload.saved_mapping = None
    if upload.form is not None and saved is None:
        form = upload.form
        why: dict[int, str] = {}
        using = upload.saved_mapping
    elif saved is not None or fits:
        chosen = saved or fits[0]
        form = MappingForm(
            choices_from_mapping(chosen.mapping, table),
            # the page asks for one; a mapping may leave it out, and then the data's suggestion is offered
            chosen.mapping.default_region or upload.described.suggestion.region or "",
            chosen.mapping.project_id or settings.project_id,
            chosen.mapping.process_id or settings.process_id,
        )
        _, why = suggested_choices(upload.described.suggestion, table)
        using = chosen.path
    else:
        choices, why = suggested_choices(upload.described.suggestion, table)
        # what the data points to (suggest's evidence); nothing preselected when it does not tell
        form = MappingForm(choices, upload.described.suggestion.region or "", settings.project_id, settings.process_id)
        using = None
    fix = fix_column_position(table)
    if fix is not None:
        form.choices[fix] = NOT_IMPORTED
    suggestion = upload.described.suggestion  # its country is tools.region's inference, as `mapping suggest` says
    regions = sorted(phonenumbers.SUPPORTED_REGIONS, key=region_name)
    return _page(
        request,
        "columns.html",
        {
            "upload": upload,
            "table": table,
            "form": form,
            "why": why,
            "unusable": addressable(table.columns),
            "repeated": repeated_labels(table.columns),
            "choices": CHOICES,
            "fits": fits,
            "using": using,
            "region_guess": region_name(suggestion.region) if suggestion.region else "",
            "region_evidence": suggestion.region_evidence,
            "region_doubt": _saved_region_doubt(using, form.region, suggestion.region) or suggestion.region_doubt,
            "saved_encoding": _saved_encoding(upload, settings, using.name if using is not None else None),
            "rows_carry_country": suggestion.rows_carry_country,
            "regions": [(r, region_name(r)) for r in regions],
            "mappings_dir": settings.mappings_dir,
            "mapping_name": mapping_name_for(upload.filename),
            "columns_of": columns_signature(upload, table),
            "step": "columns",
        },
    )


def _saved_encoding(upload: Upload, settings: ServerSettings, name: str | None) -> str | None:
    """The encoding a saved mapping in use says a text file like this one is in, when the person chose none here
    (it is read so, as `leadimport run --mapping` reads it: a file that is UTF-8 or UTF-16 itself stays so)."""
    if not name or upload.encoding is not None or upload.described is None or upload.described.is_workbook:
        return None
    path = settings.mappings_dir / name
    if Path(name).name != name or path.suffix not in (".yaml", ".yml"):  # a form's field: a file of that folder only
        return None
    try:
        return load_mapping(path).encoding
    except LeadImportError:
        return None  # gone or changed since the page was shown: the file is read as detected


def _saved_region_doubt(using: Path | None, chosen: str, data: str | None) -> str | None:
    """A saved mapping's country that is not the one this sheet's numbers point to (the team's usual mapping on
    another country's sheet would hold back every number as not valid)."""
    if using is None or not chosen or not data or chosen == data:
        return None
    return f"the saved mapping {using.name} reads numbers in {region_name(chosen)}, not {region_name(data)}"


async def choose_columns(request: Request) -> Response:
    upload = _upload(request)
    if (busy := _sending(upload)) is not None:
        return busy
    if upload.described is None:
        return _go(f"/u/{upload.id}/sheet")
    settings = _state(request).settings
    data = await request.form()
    table = _table(upload)
    if data.get("columns_of") not in (None, columns_signature(upload, table)):
        # another tab chose another sheet or header row since this form was shown: its choices by position
        # would land on other columns
        where = f"sheet {upload.sheet}, " if upload.sheet else ""
        upload.error = (
            f"The sheet or header row was changed in another tab since this page was shown (now {where}header on "
            f"row {table.header_row}): below are its columns. Check the choices and go on from here."
        )
        return _go(f"/u/{upload.id}/columns")
    choices = {}
    for column in table.columns:
        value = str(data.get(f"col{column.position}") or "")
        choices[column.position] = value if value in CHOICES else NOT_IMPORTED
    form = MappingForm(
        choices,
        str(data.get("region") or "IN").strip().upper(),
        str(data.get("project_id") or "").strip(),
        str(data.get("process_id") or "").strip(),
    )
    upload.form, upload.region_chosen = form, None  # the country chosen here, until the review chooses another
    problems = check_form(form, table)
    if problems:
        upload.error = " ".join(problems)
        return _go(f"/u/{upload.id}/columns")
    sheet = upload.sheet if upload.described.is_workbook else None
    detected = upload.described.table(upload.sheet).header_row
    needed = upload.described.suggestion.header_row is not None or upload.header_row not in (None, detected)
    header_row = (upload.header_row or detected) if needed else None
    saved_encoding = _saved_encoding(upload, settings, str(data.get("using") or ""))
    document = mapping_document(form, table, sheet=None, header_row=None, encoding=saved_encoding)
    try:
        upload.mapping_path = upload.folder / "mapping.yaml"
        write_mapping(document, upload.mapping_path, comment=f"Working mapping for {upload.filename} (upload page)")
        if data.get("action") == "save":
            target = saved_mapping_path(settings.mappings_dir, str(data.get("mapping_name") or ""))
            if target.exists() and not data.get("replace"):
                raise ConfigError(f"{target} already exists; tick 'Replace it' to overwrite it, or pick another name.")
            encoding = upload.encoding or saved_encoding
            saved_document = mapping_document(form, table, sheet=sheet, header_row=header_row, encoding=encoding)
            write_mapping(saved_document, target, comment=f"Saved on the upload page for files like {upload.filename}")
            upload.saved_mapping = target
            upload.error = None
            return _go(f"/u/{upload.id}/columns", saved=target.name)
    except LeadImportError as exc:
        upload.error = str(exc)
        return _go(f"/u/{upload.id}/columns")
    upload.error = None
    start_review(upload, settings)
    return _go(f"/u/{upload.id}/review")


# -- step 4: review ------------------------------------------------------------------------------


async def review_page(request: Request) -> Response:
    upload = _upload(request)
    if upload.task is not None and upload.task.kind == "review" and upload.task.running:
        return _working(request, upload, "review")
    review = upload.review
    upload.waited(_state(request).keys.holder(_state(request).settings.token or ""))
    if review is None:
        if upload.task is not None and upload.task.error:
            return _page(request, "error.html", {"error": upload.task.error, "upload": upload}, status_code=400)
        return _go(f"/u/{upload.id}/columns")
    status = request.query_params.get("status", "")
    reason = request.query_params.get("reason", "")
    page_text = request.query_params.get("page", "1")
    page = int(page_text) if page_text.isdecimal() and int(page_text) > 0 else 1
    started = time.perf_counter()
    positions = await asyncio.to_thread(review.matching, status, reason)
    pages = max(1, math.ceil(len(positions) / PAGE_SIZE))
    page = min(page, pages)
    rows = await asyncio.to_thread(review.page, positions, page)
    # the lead's own columns, then its problems and actions, then the extra information (a CRM export's 36
    # custom fields would otherwise push the problems out of sight)
    extra = {h for k, h in review.field_columns.items() if k.startswith("metadata.")}
    extra -= {h for k, h in review.field_columns.items() if not k.startswith("metadata.")}
    shown = [c for c in review.cells.columns if c in review.field_columns.values() and c not in extra]
    after = [c for c in review.cells.columns if c in extra]
    phone_col = review.field_columns.get("phone")
    email_col = review.field_columns.get("email")
    return _page(
        request,
        "review.html",
        {
            "upload": upload,
            "review": review,
            "rows": rows,
            "status": status,
            "reason": reason,
            "page": page,
            "pages": pages,
            "matching": len(positions),
            "counts": review.status_counts(),
            "issue_counts": await asyncio.to_thread(review.issue_counts),
            "country_doubt": await asyncio.to_thread(review.country_in_doubt),
            "sheet_held": await asyncio.to_thread(held_for_country, review),
            "region_chosen": region_name(review.region) if review.region else "",
            "region_data": _data_region(upload, review.region),
            "columns": shown,
            "extra_columns": after,
            "phone_col": phone_col,
            "email_col": email_col,
            "field_of": {v: k for k, v in review.field_columns.items()},
            "sending": upload.send is not None and upload.send.task.running,
            "to_send": review.to_send(),
            "plan_text": send_plan(review.to_send()).describe(),
            "ids_missing": upload.form is None or not (upload.form.project_id and upload.form.process_id),
            "page_of": lambda sheet_row: (review.position(sheet_row) or 0) // PAGE_SIZE + 1,
            "elapsed_ms": round(1000 * (time.perf_counter() - started)),
            "step": "review",
        },
    )


def _data_region(upload: Upload, chosen: str) -> str:
    """The country the sheet's own numbers point to (as the Columns page says), when not the one chosen."""
    found = upload.described.suggestion.region if upload.described is not None else None
    return region_name(found) if found and found != chosen else ""


async def fix_cell(request: Request) -> Response:
    upload = _upload(request)
    data = await request.form()
    back = _back(data)
    if upload.review is None:
        return _go(f"/u/{upload.id}/review")
    if upload.send is not None and upload.send.task.running:
        upload.error = "Rows cannot be changed while they are being sent."
        return _go(f"/u/{upload.id}/review", **back)
    sheet_row = int(request.path_params["sheet_row"])
    column, value = str(data.get("column") or ""), str(data.get("value") or "")
    try:
        await asyncio.to_thread(recheck_row, upload, _state(request).settings, sheet_row, column, value)
        upload.error = None
        upload.notice = _row_outcome(upload, sheet_row)
    except LeadImportError as exc:
        upload.error = f"Row {sheet_row}: {exc}"
    return _go_row(upload, back, sheet_row)


async def exclude_row(request: Request) -> Response:
    upload = _upload(request)
    data = await request.form()
    back = _back(data)
    if upload.review is None:
        return _go(f"/u/{upload.id}/review")
    sheet_row = int(request.path_params["sheet_row"])
    if upload.review.position(sheet_row) is None:
        upload.error = f"Row {sheet_row} is not a data row of this sheet."
    else:
        upload.review.toggle_excluded(sheet_row, data.get("exclude") == "1")
    return _go_row(upload, back, sheet_row)


def _row_outcome(upload: Upload, sheet_row: int) -> str | None:
    """How a row checked again came out, in words: "Row 8 checked again: still invalid (...)"."""
    review = upload.review
    position = review.position(sheet_row) if review is not None else None
    if review is None or position is None:
        return None
    row = review.grid_row(position)
    if row.status == "invalid":
        why = "; ".join(p.title for p in row.problems if p.severity == "error")
        return f"Row {sheet_row} checked again: still invalid ({why})."
    return f"Row {sheet_row} checked again: {row.status}."


def _back(data: Any) -> dict[str, str]:
    return {k: str(data.get(k) or "") for k in ("status", "reason", "page")}


def _go_row(upload: Upload, back: dict[str, str], sheet_row: int) -> Response:
    response = _go(f"/u/{upload.id}/review", **back)
    response.headers["location"] += f"#row-{sheet_row}"
    return response


# -- step 5 and 6: send and results -------------------------------------------------------------


async def start_send(request: Request) -> Response:
    upload = _upload(request)
    state = _state(request)
    if upload.review is None:
        return _go(f"/u/{upload.id}/review")
    if upload.send is not None and upload.send.task.running:
        return _go(f"/u/{upload.id}/send")
    form = await request.form()
    seen = form.get("sends")
    if seen is not None and seen != str(upload.sends):  # the page clicked on is older than the last send
        return _go(f"/u/{upload.id}/send" if upload.send is not None else f"/u/{upload.id}/review")
    checked = form.get("checks")
    if checked is not None and checked != str(upload.checks):  # another tab chose the columns again since
        upload.error = (
            "The columns were chosen again (in another tab) since that page was shown: below is the check of the "
            "newest choice. Nothing was sent; send from here if it is right."
        )
        return _go(f"/u/{upload.id}/review")
    if upload.send is None and not upload.review.to_send():  # nothing valid: a run would only record nothing
        return _go(f"/u/{upload.id}/review")
    token = state.settings.token or ""
    holder = state.keys.acquire(token, upload.id) if token else None
    if holder is not None:
        upload.wait_for(holder, state.uploads.get(holder))
        return _go(f"/u/{upload.id}/review")
    task = jobs.Task("send", f"Sending {upload.filename}")
    send = Send(task=task)
    upload.send, upload.error, upload.waits_for = send, None, None
    upload.sends += 1
    jobs.start(
        task,
        lambda _task: send_upload(upload, state.settings, send),
        on_exit=lambda: state.keys.release(token, upload.id) if token else None,
    )
    return _go(f"/u/{upload.id}/send")


async def send_page(request: Request) -> Response:
    upload = _upload(request)
    if upload.send is None:
        return _go(f"/u/{upload.id}/review")
    send = upload.send
    blocked = send.blocked_until is not None and not send.task.running
    return _page(
        request,
        "send.html",
        {
            "upload": upload,
            "send": send,
            "task": send.task,
            "blocked": blocked,
            "step": "send",
        },
    )


def routes() -> list[tuple[str, Handler, list[str]]]:
    return [
        ("/u/{upload_id}/sheet", sheet_page, ["GET"]),
        ("/u/{upload_id}/sheet", choose_sheet, ["POST"]),
        ("/u/{upload_id}/columns", columns_page, ["GET"]),
        ("/u/{upload_id}/columns", choose_columns, ["POST"]),
        ("/u/{upload_id}/review", review_page, ["GET"]),
        ("/u/{upload_id}/rows/{sheet_row:int}/cell", fix_cell, ["POST"]),
        ("/u/{upload_id}/rows/{sheet_row:int}/exclude", exclude_row, ["POST"]),
        ("/u/{upload_id}/region", choose_region, ["POST"]),
        ("/u/{upload_id}/send", start_send, ["POST"]),
        ("/u/{upload_id}/send", send_page, ["GET"]),
        ("/u/{upload_id}/download/{kind}", downloads.download, ["GET"]),
        ("/u/{upload_id}/check/{kind}", downloads.check_download, ["GET"]),
    ]
