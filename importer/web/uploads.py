"""The uploads a server holds: each file, the choices made for it, and its background work."""

from __future__ import annotations

import os
import re
import secrets
import shutil
import threading
import time
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from importer.filenames import fit_name
from importer.web.jobs import Task
from importer.web.mapping_form import Described, MappingForm
from importer.web.review import Review

SUFFIXES = (".csv", ".tsv", ".txt", ".tab", ".xlsx", ".xlsm", ".xls", ".xlsb", ".ods", ".xml")
_REFUSED = frozenset('/\\:*?"<>|')
_RESERVED = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)), *(f"LPT{i}" for i in range(10))})


@dataclass
class Send:
    """One send of an upload (a resume is a new one) and what came of it."""

    task: Task
    started: float = field(default_factory=time.time)
    blocked_until: float | None = None
    stop_message: str | None = None
    stop_kind: str | None = None  # an importer.errors.StopKind value
    run_id: int | None = None
    counts: dict[str, int] = field(default_factory=dict)
    exit_code: int | None = None
    reports: dict[str, Path] = field(default_factory=dict)  # "csv", "xlsx", "fix" → file


@dataclass
class Upload:
    """One uploaded file on its way through the steps."""

    id: str
    folder: Path
    filename: str  # as the person's computer named it
    path: Path  # the stored copy, under that name
    size: int
    created: float = field(default_factory=time.time)
    task: Task | None = None  # reading or checking in the background
    described: Described | None = None
    sheet: str | None = None
    header_row: int | None = None  # set only when the person changed it
    encoding: str | None = None  # a text file's, when the person chose one (None: as detected)
    region_chosen: str | None = None  # numbers without + read in it for this file, as --region (review page)
    form: MappingForm | None = None
    mapping_path: Path | None = None  # the working mapping (also what a send records in the ledger)
    saved_mapping: Path | None = None  # under mappings/, when saved or picked
    review: Review | None = None
    checks: int = 0
    """Checks of the rows started (each columns choice starts one): only the newest one's review is kept."""
    send: Send | None = None
    sends: int = 0
    """Sends started: each send button carries the number its page saw, so a second click of it (a double-click,
    or another tab showing the page from before) does not start another send."""
    error: str | None = None  # the last problem, shown on the page until the next action
    notice: str | None = None  # what the last action did, said once on the next page (role=status)
    waits_for: tuple[str, str] | None = None
    """The upload (id, file name) whose send held the API key when this one's send was refused."""
    lock: threading.RLock = field(default_factory=threading.RLock)

    def wait_for(self, holder: str, other: Upload | None) -> None:
        """This upload's send was refused: ``holder``'s send has the API key."""
        name = other.filename if other is not None else "another file"
        self.waits_for = (holder, name)
        self.error = (
            f"A send with this API key is already running ({name}); one send per key runs at a time. "
            "Wait for it to finish, then send this file."
        )

    def waited(self, holder: str | None) -> None:
        """Said so when the send this one waited for no longer holds the key (``holder``: the key's holder now), in
        place of "already running", which a reload would otherwise show again."""
        if self.waits_for is None or holder == self.waits_for[0]:
            return
        name, self.waits_for, self.error = self.waits_for[1], None, None
        self.notice = (
            f"The send of {name} has finished: this file can be sent now. Leads that send already sent are "
            "recognised and not sent twice."
        )

    def plain(self, text: str) -> str:
        """A message as the person should read it: their file's own name where it names the stored copy, and no
        path of the server's upload folder (a copy made from the file is named by its file name alone)."""
        text = text.replace(str(self.path), self.filename)
        return text.replace(f"{self.folder}{os.sep}", "")

    @property
    def step(self) -> str:
        """The furthest step reached: where a reopened upload continues."""
        if self.send is not None:
            return "send"
        if self.review is not None:
            return "review"
        if self.form is not None:
            return "columns"
        return "sheet"


_FORM_ESCAPES = {"%22": '"', "%0A": "\n", "%0D": "\r", "%0a": "\n", "%0d": "\r"}
_FORM_ESCAPED = re.compile("|".join(_FORM_ESCAPES))


def browser_filename(sent: str) -> str:
    """The file name a browser sent, as the person's computer has it: browsers write its ``"``, line feed and
    carriage return as ``%22``, ``%0A`` and ``%0D`` in the form (the HTML standard's multipart encoding; ``%``
    itself is sent as it is, so no other escape is read)."""
    return _FORM_ESCAPED.sub(lambda m: _FORM_ESCAPES[m[0]], sent)


def safe_filename(name: str) -> str:
    """A file name from the browser as the person's computer had it (letters of any script, dashes, brackets),
    without its folder and with what a file system refuses (``/ \\ : * ? " < > |``, control characters) made an
    underscore, shortened in the middle to fit: the ledger, and so the History, name the file by it."""
    base = unicodedata.normalize("NFC", name.replace("\\", "/").rsplit("/", 1)[-1])
    base = "".join("_" if c in _REFUSED or unicodedata.category(c)[0] == "C" else c for c in base)
    base = base.strip(" .") or "upload"
    if base.split(".", 1)[0].upper() in _RESERVED:  # Windows's device names: CON.csv cannot be written there
        base = f"_{base}"
    return fit_name(base)


class UploadStore:
    """Uploads by id, each in its own folder under ``root``."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._uploads: dict[str, Upload] = {}
        self._lock = threading.Lock()

    def new(self, filename: str) -> Upload:
        upload_id = secrets.token_urlsafe(9)
        folder = self.root / upload_id
        folder.mkdir(parents=True)
        name = safe_filename(filename)
        upload = Upload(id=upload_id, folder=folder, filename=filename, path=folder / name, size=0)
        with self._lock:
            self._uploads[upload_id] = upload
        return upload

    def get(self, upload_id: str) -> Upload | None:
        with self._lock:
            return self._uploads.get(upload_id)

    def all(self) -> list[Upload]:
        with self._lock:
            return sorted(self._uploads.values(), key=lambda u: -u.created)

    def discard(self, upload: Upload) -> None:
        with self._lock:
            self._uploads.pop(upload.id, None)
        shutil.rmtree(upload.folder, ignore_errors=True)
