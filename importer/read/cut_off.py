"""A text file cut short in the middle of a row: it ends inside a quoted cell that never closes (a copy,
upload or export that stopped early, a file taken while still being written). The CSV reader takes what is
there as the cell's whole value; this says so, so the row is not sent with a value cut short."""

from __future__ import annotations

from pathlib import Path

__all__ = ["TAIL_CHARS", "ends_inside_quote", "file_ends_inside_quote"]

TAIL_CHARS = 65_536
"""Characters at the end of a text looked at: the last line of a lead file is shorter."""

_DELIMITERS = (",", ";", "\t", "|")


def ends_inside_quote(text: str, delimiter: str) -> bool:
    """Whether ``text`` ends, with no line break, inside a quoted cell opened on its last line."""
    if not text or text.endswith(("\n", "\r")):
        return False
    line = text[max(text.rfind("\n"), text.rfind("\r")) + 1 :]
    if '"' not in line:
        return False
    inside, at_start, at = False, True, 0
    while at < len(line):
        char = line[at]
        if inside and char == '"':
            if line.startswith('""', at):  # a quote written inside a quoted cell
                at += 2
                continue
            inside = False
        elif not inside and char == '"' and at_start:
            inside = True
        at_start = not inside and char == delimiter
        at += 1
    return inside


def file_ends_inside_quote(path: Path, delimiter: str | None = None) -> bool:
    """Whether the text file at ``path`` ends inside a quoted cell of its last line (with any usual delimiter
    when ``delimiter`` is None). Files in UTF-16 or unreadable ones are not looked at (False)."""
    try:
        with path.open("rb") as handle:
            start = handle.read(2)
            if start in (b"\xff\xfe", b"\xfe\xff"):
                return False
            handle.seek(0, 2)
            size = handle.tell()
            handle.seek(max(0, size - 4096))
            tail = handle.read()
    except OSError:
        return False
    text = tail.decode("utf-8", errors="ignore")
    return any(ends_inside_quote(text, d) for d in ((delimiter,) if delimiter else _DELIMITERS))
