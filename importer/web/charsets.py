"""The encodings a text file can be read in from the sheet page: those the reader tells apart by itself (and the
command line's ``--encoding`` takes), named as a person knows them."""

from __future__ import annotations

import codecs

from importer.tools.describe import TableInspection

ENCODINGS: dict[str, str] = {
    "utf-8": "Unicode, UTF-8",
    "utf-16": "Unicode, UTF-16 (Excel's 'Unicode Text')",
    "cp1252": "Western European, Windows-1252",
    "mac_roman": "Western European, Mac Roman (Excel for Mac's 'CSV (Macintosh)')",
    "cp1250": "Central European, Windows-1250",
    "cp1254": "Turkish, Windows-1254",
    "cp1257": "Baltic, Windows-1257",
    "cp1251": "Cyrillic, Windows-1251",
    "koi8_r": "Cyrillic, KOI8-R",
    "cp1253": "Greek, Windows-1253",
    "cp1255": "Hebrew, Windows-1255",
    "cp1256": "Arabic, Windows-1256",
    "cp874": "Thai, Windows-874",
    "cp932": "Japanese, Shift-JIS (Windows-932)",
    "gb18030": "Chinese (simplified), GB18030 / GBK",
    "cp950": "Chinese (traditional), Big5 (Windows-950)",
    "cp949": "Korean, Windows-949 (EUC-KR)",
}
"""Codec → what it is called, in the order offered (tests/test_web_marketer.py holds it to the reader's own list)."""

SAMPLES = 6
"""Cells shown as the chosen encoding reads them."""


def _codec(name: str) -> str | None:
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


_BY_CODEC = {_codec(name): name for name in ENCODINGS}


def offered(name: str) -> str | None:
    """The key of :data:`ENCODINGS` that reads as ``name`` does (``cp1251``, ``windows-1251``), else None."""
    return _BY_CODEC.get(_codec(name))


def encoding_label(read_as: str | None) -> str:
    """How a file was read, for the page: "Cyrillic, Windows-1251 (cp1251)"; the reader's own words kept
    ("utf-8 (3 bytes read as cp1252)": a UTF-8 file with a few bytes of another)."""
    if not read_as:
        return "as detected"
    first, _, rest = read_as.partition(" ")
    key = offered(first)
    if key is None:
        return read_as
    inner = rest.strip().removeprefix("(").removesuffix(")")
    return f"{ENCODINGS[key]} ({key}; {inner})" if inner else f"{ENCODINGS[key]} ({key})"


def option_label(key: str) -> str:
    return f"{ENCODINGS[key]} ({key})"


def cells_with_letters(table: TableInspection, prefer: tuple[str, ...]) -> list[str]:
    """Up to :data:`SAMPLES` cells holding a character beyond ASCII (what the encoding changes): the sample values
    of the ``prefer`` columns (the names) first, then the headers, then the other columns' values."""
    named = [c for c in table.columns if c.header in prefer]
    others = [c for c in table.columns if c.header not in prefer]
    values = [s for c in named for s in c.samples] + [c.header for c in table.columns]
    values += [s for c in others for s in c.samples]
    shown: list[str] = []
    for value in values:
        if not value.isascii() and value not in shown:
            shown.append(value)
            if len(shown) == SAMPLES:
                break
    return shown


def read_twice(values: list[str]) -> tuple[str, str] | None:
    """A cell that is UTF-8 read as Windows-1252 (``JosÃ©`` for ``José``), and what it reads as in UTF-8: the
    first of ``values`` that is so, else None."""
    for value in values:
        try:
            mended = value.encode("cp1252").decode("utf-8")
        except UnicodeError:
            continue
        if mended != value:
            return value, mended
    return None
