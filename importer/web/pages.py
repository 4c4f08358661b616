"""What every page of the upload page shares: the server's state, rendering, and finding an upload."""

from __future__ import annotations

import re
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.templating import Jinja2Templates

from importer.filenames import message_line, message_lines
from importer.web.auth import LoginGate
from importer.web.jobs import KeyLocks
from importer.web.mapping_form import FIELD_LABELS
from importer.web.review import STATUS_MEANINGS, title_of
from importer.web.uploads import Upload, UploadStore
from importer.web.work import ServerSettings

HERE = Path(__file__).resolve().parent


class WebState:
    """What the routes share: settings, sign-in, uploads, and the one-send-per-key locks."""

    def __init__(self, settings: ServerSettings, gate: LoginGate, uploads_root: Path, max_upload_bytes: int) -> None:
        self.settings = settings
        self.gate = gate
        self.uploads = UploadStore(uploads_root)
        self.max_upload_bytes = max_upload_bytes
        self.keys = KeyLocks()
        env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(HERE / "templates")), autoescape=True)
        self.templates = Jinja2Templates(env=env)
        self.templates.env.globals["FIELD_LABELS"] = FIELD_LABELS
        self.templates.env.globals["STATUS_MEANINGS"] = STATUS_MEANINGS
        self.templates.env.globals["title_of"] = title_of
        self.templates.env.filters["clock"] = lambda t: time.strftime("%H:%M", time.localtime(t)) if t else ""
        self.templates.env.filters["when"] = lambda t: time.strftime("%Y-%m-%d %H:%M", time.localtime(t)) if t else ""
        self.templates.env.filters["clip"] = clip
        self.templates.env.filters["on_page"] = on_page
        self.templates.env.filters["one_line"] = message_line
        self.templates.env.filters["lines"] = message_lines
        self.templates.env.filters["plain"] = lambda text, upload: upload.plain(str(text)) if upload else text


CLIP = 200
"""Characters of a cell shown on a page: a sheet's notes column, or a file that is one long line, would
otherwise make every page megabytes long (the reports keep the whole text)."""


def clip(value: object, limit: int = CLIP) -> str:
    """A cell's text for showing: whole when short, else its start and how long it is."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else f"{text[:limit]}… ({len(text):,} characters)"


_COMMAND = re.compile(r"\brun the same command( again)?")


def on_page(message: str) -> str:
    """A send's stop message as this page acts on it: its Resume button is what the command line calls running
    the same command again."""
    return _COMMAND.sub("send again (Resume, on this page)", message)


def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
    """A page, with the CSRF token and the upload cap every form needs."""
    state: WebState = request.app.state.web
    token = request.scope["csrftoken"]() if "csrftoken" in request.scope else ""
    upload = context.get("upload")
    notice = upload.notice if isinstance(upload, Upload) else None
    if isinstance(upload, Upload):
        upload.notice = None  # said once
    context = {"csrftoken": token, "max_upload_mb": state.max_upload_bytes // (1 << 20), "notice": notice, **context}
    response: Response = state.templates.TemplateResponse(request, name, context, status_code=status_code)
    response.headers["cache-control"] = "no-store"
    response.headers["x-frame-options"] = "DENY"
    response.headers["content-security-policy"] = (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'"
    )
    return response


def upload_of(request: Request) -> Upload:
    state: WebState = request.app.state.web
    upload = state.uploads.get(request.path_params["upload_id"])
    if upload is None:
        raise NotFound("This upload is not on the server (it may have been started before the server restarted).")
    return upload


class NotFound(Exception):
    """The page asked for is not on the server."""


def redirect(path: str, **query: object) -> RedirectResponse:
    kept = {k: v for k, v in query.items() if v not in (None, "")}
    return RedirectResponse(f"{path}?{urlencode(kept)}" if kept else path, status_code=303)
