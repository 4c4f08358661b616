"""What a file really is, whatever its name: a workbook, text, an HTML table, or something leadimport
refuses with a reason (an image, an archive, a PDF, JSON, binary data)."""

from __future__ import annotations

import difflib
import itertools
import os
import re
import zipfile
from pathlib import Path
from typing import Literal

from importer.errors import SourceError
from importer.filenames import readable_name
from importer.read.spreadsheetml import is_spreadsheetml
from importer.read.workbook import WORKBOOK_SUFFIXES

__all__ = ["TEXT_SUFFIXES", "check_source_file", "workbook_kind"]

TEXT_SUFFIXES = (".csv", ".tsv", ".txt", ".tab")


def check_source_file(p: Path) -> Path:
    """``p``, when it is a regular file of a type leadimport reads; else a :class:`SourceError` saying why."""
    if not p.is_file():
        if p.exists():
            what = "a folder" if p.is_dir() else "not a regular file (a named pipe, socket or device)"
            raise SourceError(f"{p}: this is {what}; give the path of a lead file (CSV, XLSX, ...).")
        raise SourceError(f"{p}: file not found.{_meant(p)}")
    if readable_name(str(p)) != str(p):  # bytes not UTF-8: the readers (Arrow, calamine) cannot open it by name
        raise SourceError(
            f"{readable_name(str(p))}: the file's name is not UTF-8 (it was written in another code page, as a "
            f"Windows share or a zip may write it); rename it, e.g. to {readable_name(p.name)!r}, and give that name."
        )
    suffix = p.suffix.lower()
    if suffix == ".xml":  # how older CRMs name an Excel 2003 XML Spreadsheet
        with p.open("rb") as handle:
            if is_spreadsheetml(handle.read(4096)):
                return p
        raise SourceError(
            f"{p}: this XML file is not an Excel XML spreadsheet; export the leads as .csv or .xlsx (or open the "
            "file in Excel and save it so)."
        )
    if not (suffix in WORKBOOK_SUFFIXES or suffix in TEXT_SUFFIXES or suffix == ""):
        _refuse_archive(p)
        raise SourceError(
            f"{p}: unsupported file type {suffix!r}. Use CSV, TSV, TXT, XLSX, XLSM, XLS, XLSB, ODS or Excel XML."
        )
    return p


_LOOKED_AT = 10_000
"""Names of a folder compared with a name not found there (a folder of millions is not read whole)."""


def _meant(p: Path) -> str:
    """ " Did you mean ...?" naming the files beside ``p`` whose names are close to its (a letter missed or
    added), or where its folder is missing; '' when none is."""
    folder = p.parent
    if not folder.is_dir():
        return f" (The folder {folder} does not exist.)" if str(folder) not in ("", ".") else ""
    try:
        with os.scandir(folder) as entries:
            names = [e.name for e in itertools.islice(entries, _LOOKED_AT) if e.is_file()]
    except OSError:
        return ""
    close = difflib.get_close_matches(p.name, names, n=3, cutoff=0.75)
    return f" Did you mean {' or '.join(str(folder / name) for name in close)}?" if close else ""


_SHOWN_MEMBERS = 5
"""Files of an archive named in the message; more are counted."""


def _refuse_archive(path: Path) -> None:
    """A :class:`SourceError` naming the files inside when ``path`` is a ZIP archive that is no workbook (Mailchimp's
    audience export, HubSpot's and Salesforce's large exports come zipped); nothing when it is not one."""
    try:
        with zipfile.ZipFile(path) as archive:  # the central directory only: nothing is unpacked
            names = [i.filename for i in archive.infolist() if not i.is_dir()]
    except (OSError, zipfile.BadZipFile, ValueError):
        return
    if "[Content_Types].xml" in names or "mimetype" in names:
        return  # a workbook (XLSX, XLSB) or an OpenDocument file
    listed = ", ".join(names[:_SHOWN_MEMBERS]) + (
        f" and {len(names) - _SHOWN_MEMBERS} more" if len(names) > _SHOWN_MEMBERS else ""
    )
    held = f"holding {listed}" if names else "holding no file"
    raise SourceError(
        f"{path}: this is a ZIP archive ({held}), not a spreadsheet; unzip it first and import the file with the leads."
    )


_IMAGE = "export the leads from the program that made it as .csv or .xlsx: a picture of a sheet cannot be read"
_NOT_A_SHEET = (
    (b"\x89PNG\r\n\x1a\n", "an image (PNG), not a spreadsheet", _IMAGE),
    (b"\xff\xd8\xff", "an image (JPEG), not a spreadsheet", _IMAGE),
    (b"GIF87a", "an image (GIF), not a spreadsheet", _IMAGE),
    (b"GIF89a", "an image (GIF), not a spreadsheet", _IMAGE),
    (b"II*\x00", "an image (TIFF), not a spreadsheet", _IMAGE),
    (b"MM\x00*", "an image (TIFF), not a spreadsheet", _IMAGE),
    (b"\x1f\x8b", "a gzip-compressed file", "unpack it first (gunzip, 7-Zip) and import the file inside"),
    (b"BZh", "a bzip2-compressed file", "unpack it first and import the file inside"),
    (b"Rar!", "a RAR archive", "unpack it first and import the file inside"),
    (b"7z\xbc\xaf", "a 7-Zip archive", "unpack it first and import the file inside"),
    (b"%PDF", "a PDF document", "export the leads from the program that made it as .csv or .xlsx"),
)
_BINARY_SHARE = 0.02
"""Share of control bytes (besides NUL, tab, line breaks and Ctrl-Z) above which a file is binary data:
text has none, random bytes about 11 %."""
_BINARY_BYTES = bytes([*range(1, 9), 11, 12, *range(14, 26), *range(27, 32), 127])
_JSON_START = re.compile(r'^(?:\{\s*"|\[\s*(?:\{|\[|"|\]))')
_MARKUP = ("<html", "<!doc", "<table", "<meta", "<head", "<body", "<style", "<!--", "<?xml")


def workbook_kind(path: Path) -> Literal["workbook", "text", "html"]:
    """What a file really is, whatever its name: web apps save CSV, TSV or an HTML table as .xls, and
    people rename an .xlsx to .csv."""
    with path.open("rb") as handle:
        head = handle.read(4096)
    if head.startswith(_ZIP):
        _refuse_archive(path)
    if head.startswith((_ZIP, _OLE)):
        return "workbook"
    if path.name.startswith("~$") and len(head) < _LARGEST_OWNER_FILE:
        raise SourceError(_owner_file(path))
    if path.suffix.lower() in WORKBOOK_SUFFIXES and (cut := _cut_workbook(path, head)):
        raise SourceError(cut)
    for magic, what, advice in _NOT_A_SHEET:
        if head.startswith(magic):
            noun = what if "spreadsheet" in what else f"{what}, not a spreadsheet"
            raise SourceError(f"{path}: this is {noun}; {advice}.")
    if head[8:12] == b"WEBP" or head[4:12] in (b"ftypheic", b"ftypheix", b"ftypmif1", b"ftypavif"):
        raise SourceError(f"{path}: this is an image, not a spreadsheet; {_IMAGE}.")
    if _looks_binary(head):
        raise SourceError(
            f"{path}: this is binary data, not a spreadsheet or a text file (a damaged file, or another "
            "program's format). Open it in the program that made it and save the leads as .csv or .xlsx."
        )
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    start = head.decode("utf-16" if utf16 else "utf-8", errors="ignore").lstrip("\ufeff \t\r\n").lower()
    if start.startswith(("{", "[{", "[\n", "[\r")) and _JSON_START.match(start):
        raise SourceError(
            f"{path}: this is JSON data, not a spreadsheet. Export the leads from the program that made it as "
            ".csv or .xlsx (or convert it, e.g. with pandas: pd.read_json(...).to_csv(...))."
        )
    if start.startswith("<") and is_spreadsheetml(head):  # an Excel 2003 XML Spreadsheet, declared or not
        return "workbook"
    # A page may open with a PHP notice (<br /><b>Warning</b>: ...) before its table.
    markup = start.startswith(_MARKUP) or (start.startswith("<") and "<table" in start and "</t" in start)
    if markup:
        return "html"
    return "text"


_ZIP = b"PK\x03\x04"
"""How an .xlsx, .xlsm, .xlsb or .ods file starts (a zip archive)."""
_OLE = b"\xd0\xcf\x11\xe0"
"""How an .xls file starts (an OLE2 compound document)."""


def _cut_workbook(path: Path, head: bytes) -> str | None:
    """What to say of a file named as a workbook that holds nothing, the first bytes of one, or a few bytes of
    text on one line (a copy or upload cut short, a file saved as it was being written); None for anything
    else (web apps save CSV or HTML tables as .xls: those are read as what they are)."""
    size, suffix = len(head), path.suffix.lower()
    expected = "an OpenDocument spreadsheet" if suffix == ".ods" else "an Excel workbook"
    if size == 0:
        what = "an empty file (0 bytes)"
    elif _ZIP.startswith(head[:4]) or _OLE.startswith(head[:4]) or head.startswith(b"PK"):
        what = f"only the first {_bytes(size)} of one (or a damaged one)"
    elif size < _SHORT_TEXT and _one_line(shown := _as_text(head)):
        what = f"{_bytes(size)} of text on one line ({shown[:40]!r})" if shown else f"{_bytes(size)} of blank text"
    else:
        return None
    return (
        f"{path}: this is not {expected}, as its name ({suffix}) says, but {what}: it may have been cut short when "
        "it was copied, uploaded or saved (or taken while still being written). Open the original in the program "
        "that made it, save it again as .xlsx (or .csv), and give that file."
    )


def _as_text(head: bytes) -> str:
    """The bytes as text (UTF-16 by its mark, else UTF-8), without the mark and blank space around."""
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    return head.decode("utf-16" if utf16 else "utf-8", errors="replace").strip("\ufeff \t\r\n\x00")


def _one_line(text: str) -> bool:
    """Whether text is blank or one line that is not markup or JSON (refused for what they are)."""
    return not text or ("\n" not in text and "\r" not in text and text[:1] not in ("<", "{", "["))


def _bytes(size: int) -> str:
    return "1 byte" if size == 1 else f"{size} bytes"


_SHORT_TEXT = 200
"""Bytes: a file named as a workbook holding less text than this on one line has no header with leads under it."""


_LARGEST_OWNER_FILE = 1024
"""Bytes: Office's lock file holds the name of the user who has the document open (165 bytes)."""


def _owner_file(path: Path) -> str:
    """What to say of ``~$leads.xlsx``: the lock file Office keeps beside a workbook while it is open."""
    tail = path.name[2:]
    try:
        beside = sorted(p.name for p in path.parent.iterdir() if p.name.endswith(tail) and not p.name.startswith("~$"))
    except OSError:
        beside = []
    which = f" ({', '.join(beside[:3])} beside it)" if beside else ""
    return (
        f"{path}: this is the lock file Excel keeps beside a workbook while it is open, not the workbook; "
        f"give the workbook itself{which}, saved and closed."
    )


def _looks_binary(head: bytes) -> bool:
    """Whether the start of a file is binary data rather than text in some encoding (UTF-16 aside)."""
    if not head or head.startswith((b"\xff\xfe", b"\xfe\xff")) or head.count(b"\x00") > len(head) // 3:
        return False  # UTF-16 text holds a NUL beside every ASCII letter; NUL padding is read as blank rows
    try:
        head.decode("utf-8")
        return False
    except UnicodeDecodeError as exc:
        if exc.start >= len(head) - 3:  # a character cut at the end of the sample
            return False
    controls = sum(head.count(bytes([b])) for b in _BINARY_BYTES)
    return controls > _BINARY_SHARE * len(head)
