"""File names made from a name someone else chose (a dropped file's, an uploaded file's) that still fit.

Most file systems allow 255 bytes a name (ext4, XFS, APFS, tmpfs: of UTF-8; NTFS: 255 UTF-16 units, which
255 bytes never exceed). A name of 80 Devanagari or Chinese characters is already 240 bytes, so adding a
timestamp or ``.report.xlsx`` to it would fail with "File name too long" after the leads were sent.
"""

from __future__ import annotations

import os
import re

__all__ = ["NAME_MAX", "fit_name", "one_line", "readable_name"]

NAME_MAX = 255
"""Bytes (UTF-8) a file name may have."""

_ELLIPSIS = "…"
_LONGEST_SUFFIX = 16
"""A longer "suffix" is not a file type (``report.final version 2``): it is shortened with the rest."""


def fit_name(name: str, *, reserve: int = 0) -> str:
    """``name``, shortened in the middle when it and ``reserve`` more bytes would not fit in :data:`NAME_MAX`:
    its start and its type (``.csv``) are kept, with "…" where the cut is."""
    room = NAME_MAX - reserve
    if len(os.fsencode(name)) <= room:  # (the name's bytes on disk, also where they are not UTF-8)
        return name
    stem, suffix = os.path.splitext(name)
    if len(os.fsencode(suffix)) > _LONGEST_SUFFIX:
        stem, suffix = name, ""
    keep = room - len(os.fsencode(suffix)) - len(_ELLIPSIS.encode("utf-8"))
    if keep <= 0:
        raise ValueError(f"no room for a file name: {reserve} of {NAME_MAX} bytes are reserved")
    short = readable_name(stem).encode("utf-8")[:keep].decode("utf-8", errors="ignore")
    return f"{short}{_ELLIPSIS}{suffix}"


def readable_name(name: str) -> str:
    """``name`` as text every place it goes can hold (the ledger, a result's JSON, a report's name): a name whose
    bytes are not UTF-8 (written through a Windows share or unzipped in a code page; Python keeps such bytes as
    lone surrogates, which SQLite and UTF-8 files refuse) is read in Windows-1252, the code page such names are
    most often in, so that "Caf\\xe9.csv" is "Café.csv"."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return os.fsencode(name).decode("cp1252", errors="replace")
    return name


_UNSEEN = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")
"""What moves or hides the text after it on a terminal or in a log: C0 and C1 controls (a line break, ESC of a
colour code), Unicode's line and paragraph separators, and the bidirectional overrides and isolates that show
text in another order than it is written. (Joiners stay: Indic and emoji names need them.)"""
_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def one_line(text: str) -> str:
    """``text`` (a file name, a cell, a message someone else wrote) as it may go into a log line, a progress line
    or a status listing: :func:`readable_name`, with each character of :data:`_UNSEEN` shown as its escape
    (``\\n``, ``\\x1b``, ``\\u202e``), so that a name holding a line break cannot forge a line of its own."""
    text = readable_name(text)
    if not _UNSEEN.search(text):
        return text
    return _UNSEEN.sub(lambda m: _ESCAPES.get(m[0]) or m[0].encode("unicode_escape").decode("ascii"), text)
