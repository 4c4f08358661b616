"""The upload page's routes: upload → sheet and header → columns → review → send → results, and history."""

from __future__ import annotations

import asyncio
import logging
import secrets
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from asgi_csrf import asgi_csrf
from itsdangerous import BadSignature, URLSafeSerializer
from starlette.applications import Starlette
from starlette.datastructures import UploadFile
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from importer.errors import LeadImportError
from importer.web import downloads, steps
from importer.web.auth import LOGIN_PATH, SESSION_COOKIE, SESSION_MAX_AGE, LoginGate, RequireLogin
from importer.web.pages import HERE, NotFound, WebState, render, upload_of
from importer.web.uploads import SUFFIXES, Upload, browser_filename
from importer.web.work import ServerSettings

Handler = Callable[[Request], Awaitable[Response]]

log = logging.getLogger("importer.web")


class TooLarge(Exception):
    """The request body passed the upload cap."""


async def login(request: Request) -> Response:
    state: WebState = request.app.state.web
    cookie = state.gate.redeem(request.query_params.get("token", ""))
    if cookie is None:
        return PlainTextResponse(
            "This sign-in link is wrong or was used already. Stop leadimport serve (Ctrl-C) and start it again "
            "for a new link.",
            status_code=403,
        )
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(SESSION_COOKIE, cookie, max_age=SESSION_MAX_AGE, httponly=True, samesite="strict", path="/")
    return response


async def index(request: Request) -> Response:
    state: WebState = request.app.state.web
    return render(request, "index.html", {"uploads": state.uploads.all(), "suffixes": ", ".join(SUFFIXES)})


async def receive_upload(request: Request) -> Response:
    """Store an uploaded file (up to the cap) and start reading it."""
    state: WebState = request.app.state.web
    wants_json = "application/json" in request.headers.get("accept", "")
    length = request.headers.get("content-length")
    if length is not None and length.isdecimal() and int(length) > state.max_upload_bytes + (1 << 16):
        return _too_large(request, state, wants_json)
    upload: Upload | None = None
    header_token = request.headers.get("x-csrftoken")
    if header_token is not None and not _csrf_ok(request, header_token):
        return PlainTextResponse(CSRF_REFUSED, status_code=403)
    try:
        form = await request.form(max_files=1, max_fields=5)
        if header_token is None and not _csrf_ok(request, str(form.get("csrftoken") or "")):
            return PlainTextResponse(CSRF_REFUSED, status_code=403)
        file = form.get("file")
        if not isinstance(file, UploadFile) or not file.filename:
            return _upload_error(request, "Choose a file to upload.", wants_json)
        upload = state.uploads.new(browser_filename(file.filename))
        await asyncio.to_thread(_copy, file, upload.path, state.max_upload_bytes)
    except TooLarge:
        if upload is not None:
            state.uploads.discard(upload)
        return _too_large(request, state, wants_json)
    except OSError as exc:  # the server's disk is full, or its upload folder cannot be written
        if upload is not None:
            state.uploads.discard(upload)
        message = (
            f"The server could not keep the file ({exc.strerror or exc}): nothing was imported. Free some space "
            f"on the disk holding {state.uploads.root}, or ask whoever runs leadimport serve, then upload it again."
        )
        return _upload_error(request, message, wants_json, status=507)
    upload.size = upload.path.stat().st_size
    steps.start_describe(upload, state.settings)
    target = f"/u/{upload.id}/sheet"
    if wants_json:
        return JSONResponse({"next": target})
    return RedirectResponse(target, status_code=303)


CSRF_REFUSED = "This form was not sent from this server's page (the CSRF token is missing or wrong); reload the page."


def _multipart_upload(scope: Scope) -> bool:
    """The upload form: asgi-csrf's multipart check fails with python-multipart 0.0.26 and later
    (simonw/asgi-csrf#38), so ``receive_upload`` checks the same token itself, before anything is kept."""
    if scope["path"] != "/upload" or scope["method"] != "POST":
        return False
    content_type = dict(scope.get("headers") or []).get(b"content-type", b"")
    return bool(content_type.startswith(b"multipart/form-data"))


def _csrf_ok(request: Request, submitted: str) -> bool:
    """Whether ``submitted`` is the signed CSRF token of this browser's cookie (asgi-csrf's own scheme)."""
    state: WebState = request.app.state.web
    cookie = request.cookies.get("csrftoken", "")
    if not cookie or not submitted:
        return False
    try:
        URLSafeSerializer(state.gate.secret).loads(cookie, "csrftoken")
    except BadSignature:
        return False
    return secrets.compare_digest(cookie.encode(), submitted.encode())


def _copy(file: UploadFile, path: Path, cap: int) -> None:
    written = 0
    with path.open("wb") as out:
        while block := file.file.read(1 << 20):
            written += len(block)
            if written > cap:
                raise TooLarge
            out.write(block)


def _too_large(request: Request, state: WebState, wants_json: bool) -> Response:
    message = (
        f"The file is larger than {state.max_upload_bytes // (1 << 20)} MB, the most this server accepts. "
        "Split it into smaller files, or start leadimport serve with a larger --max-upload-mb."
    )
    return _upload_error(request, message, wants_json, status=413)


def _upload_error(request: Request, message: str, wants_json: bool, status: int = 400) -> Response:
    if wants_json:
        return JSONResponse({"error": message}, status_code=status)
    state: WebState = request.app.state.web
    context = {"uploads": state.uploads.all(), "suffixes": ", ".join(SUFFIXES), "error": message}
    return render(request, "index.html", context, status_code=status)


async def open_upload(request: Request) -> Response:
    upload = upload_of(request)
    return RedirectResponse(f"/u/{upload.id}/{upload.step}", status_code=303)


async def task_status(request: Request) -> Response:
    """The background work of an upload as JSON, for the progress poller."""
    upload = upload_of(request)
    send = upload.send
    task = send.task if request.path_params["what"] == "send" and send is not None else upload.task
    if task is None:
        return JSONResponse({"running": False, "error": upload.error})
    return JSONResponse(task.as_dict())


def _safe(handler: Handler) -> Handler:
    """Errors of the library stay on the page; an unknown upload is a 404 page; a browser that went away
    mid-request (closed, or the network dropped) is a line in the log, not a traceback."""

    async def wrapped(request: Request) -> Response:
        try:
            return await handler(request)
        except ClientDisconnect:
            log.info("%s %s: the browser went away before it had sent it all; nothing was kept", request.method,
                     request.url.path)  # fmt: skip
            return Response(status_code=400)
        except NotFound as exc:
            return render(request, "error.html", {"error": str(exc)}, status_code=404)
        except LeadImportError as exc:
            return render(request, "error.html", {"error": str(exc)}, status_code=400)

    return wrapped


async def history(request: Request) -> Response:
    state: WebState = request.app.state.web
    runs = await asyncio.to_thread(downloads.ledger_runs, state.settings.ledger_path)
    return render(request, "history.html", {"runs": runs, "ledger": state.settings.ledger_path})


async def history_report(request: Request) -> Response:
    state: WebState = request.app.state.web
    path = await asyncio.to_thread(downloads.run_report, state.settings.ledger_path, int(request.path_params["run_id"]))
    if path is None:
        raise NotFound("That run has no report file on this computer (it was not written, or was moved).")
    return FileResponse(path, filename=path.name)


class CapBody:
    """ASGI middleware: a request body longer than the cap is cut off with 413 before it is all read."""

    def __init__(self, app: ASGIApp, cap: int) -> None:
        self.app = app
        self.cap = cap

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        seen = 0
        started = False

        async def tracked(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.cap:
                raise TooLarge
            return message

        try:
            await self.app(scope, counted, tracked)
        except TooLarge:
            if started:  # the route answered already (the upload route says it in its own words)
                return
            body = b"The upload is larger than this server accepts (--max-upload-mb)."
            await send({"type": "http.response.start", "status": 413, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": body})


def create_app(
    settings: ServerSettings,
    *,
    gate: LoginGate | None = None,
    uploads_root: Path | None = None,
    max_upload_mb: int = 200,
) -> tuple[ASGIApp, WebState]:
    """The ASGI app (sign-in, CSRF and the upload cap around the routes) and its shared state."""
    gate = gate or LoginGate()
    root = uploads_root or settings.ledger_path.parent / "uploads"
    root.mkdir(parents=True, exist_ok=True)
    state = WebState(settings, gate, root, max_upload_mb << 20)
    routes = [
        Route(LOGIN_PATH, login),
        Route("/", _safe(index)),
        Route("/upload", _safe(receive_upload), methods=["POST"]),
        Route("/history", _safe(history)),
        Route("/history/{run_id:int}/report", _safe(history_report)),
        Route("/u/{upload_id}", _safe(open_upload)),
        Route("/u/{upload_id}/status/{what}", _safe(task_status)),
        *[Route(path, _safe(handler), methods=methods) for path, handler, methods in steps.routes()],
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    app = Starlette(routes=routes)
    app.state.web = state
    wrapped: ASGIApp = asgi_csrf(
        app, signing_secret=gate.secret, cookie_samesite="Strict", skip_if_scope=_multipart_upload
    )
    wrapped = CapBody(wrapped, state.max_upload_bytes + (1 << 20))
    return RequireLogin(wrapped, gate), state


def clean_uploads(root: Path) -> None:
    """Remove what earlier servers left in the uploads folder (they are not reopened)."""
    if root.is_dir():
        for child in root.iterdir():
            if child.is_dir():
                shutil.rmtree(child, ignore_errors=True)
