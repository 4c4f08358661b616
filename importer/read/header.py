"""Finding the header row of a sheet and matching it to a mapping: single and two-row headers, a
leadimport report fed back in, the columns' display names, and the errors and notes a match leads to."""

from __future__ import annotations

import difflib
import functools
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from importer.config import HEADER_KEY_CHARS, ColumnSpec, LeadMapping, normalize_header
from importer.errors import ConfigError, SourceError

__all__ = [
    "HEADER_SEARCH_ROWS",
    "REPORT_PREFIX",
    "HeaderMatch",
    "choose_header",
    "display_names",
    "match_header",
    "missing_columns",
    "no_sheet_matches",
    "reading_notes",
    "report_columns",
]

HEADER_SEARCH_ROWS = 50


@dataclass(frozen=True, slots=True)
class HeaderMatch:
    """How well one row works as the header for a mapping."""

    index: int  # 0-based row index in the sheet
    headers: list[str]
    found: dict[str, int]  # target → column index
    missing: list[ColumnSpec]
    span: int = 1
    """Rows the header takes: 2 for a group row ("Contact") over its columns ("Mobile", "Email")."""
    alternates: dict[str, tuple[int, ...]] = field(default_factory=dict)
    """target → later columns with the same header as the one found (Phone, Phone)."""

    @property
    def data_start(self) -> int:
        """The 0-based row index of the first data row."""
        return self.index + self.span

    @property
    def complete(self) -> bool:
        return not any(s.required for s in self.missing)


# A leadimport report fed back in (fixed by hand) starts with our own columns, in this order.
REPORT_PREFIX = (
    "sheet_row", "status", "reason", "warnings", "duplicate_of",
    "phone_e164", "email", "referenceId", "lead_id", "imported_in_run",
)  # fmt: skip


def report_columns(row: list[str]) -> set[int]:
    """Positions of leadimport's own report columns, when ``row`` is the header of one of our reports."""
    i = 0
    for name in REPORT_PREFIX:
        if i < len(row) and row[i].strip() == name:
            i += 1
    return set(range(i)) if i >= 5 else set()


def match_header(row: list[str], mapping: LeadMapping, *, key: Callable[[str], str] = normalize_header) -> HeaderMatch:
    """Which mapping columns a candidate header row provides (``key``: how a header cell is normalized)."""
    keys: dict[str, list[int]] = {}
    ours = report_columns(row)
    if ours or len(row) < _MANY_CELLS:
        for i, cell in enumerate(row):
            if i in ours:
                continue
            keys.setdefault(key(cell.removesuffix(" (sheet)") if ours else cell), []).append(i)
    else:
        for i, k in enumerate(_keys(row, key)):
            keys.setdefault(k, []).append(i)
    keys.pop("", None)
    found: dict[str, int] = {}
    alternates: dict[str, tuple[int, ...]] = {}
    missing: list[ColumnSpec] = []
    for spec in mapping.specs:
        # Every column named by one of the aliases: the first alias found feeds the field, and the empty
        # cells are filled from its repeats, then from the other aliases' columns (Mobile No. and Contact No).
        aliases = dict.fromkeys(normalize_header(a) for a in spec.aliases)
        hits = [i for k in aliases if k in keys for i in keys[k]]
        if not hits:
            missing.append(spec)
            continue
        found[spec.target] = hits[0]
        if len(hits) > 1:
            alternates[spec.target] = tuple(hits[1:])
    headers = [c.strip() for c in row]
    return HeaderMatch(index=0, headers=headers, found=found, missing=missing, alternates=alternates)


_MANY_CELLS = 1_000
"""Cells of a row from which their keys are made at once (:func:`_keys`)."""


def _keys(cells: list[str], key: Callable[[str], str]) -> list[str]:
    """:func:`normalize_header` of each cell: of the ASCII cells all at once in Arrow (lower case, letters and
    digits kept, as it does for them), of the others one by one with ``key``. A wide sheet's header row may
    hold 100,000 cells."""
    try:
        text = pa.array(cells, pa.large_string())
    except (pa.ArrowException, UnicodeError):  # a lone surrogate (undecodable bytes kept as such)
        return [key(cell) for cell in cells]
    short = pc.utf8_slice_codeunits(text, 0, HEADER_KEY_CHARS)
    made: list[str] = pc.replace_substring_regex(pc.ascii_lower(short), "[^a-z0-9]+", "").to_pylist()
    other = np.flatnonzero(~np.asarray(pc.string_is_ascii(text).to_numpy(zero_copy_only=False), dtype=bool))
    for i in other.tolist():
        made[i] = key(cells[i])
    return made


def choose_header(preview: list[list[str]], mapping: LeadMapping, header_row: int | None, where: str) -> HeaderMatch:
    if header_row is not None:
        if header_row > len(preview):
            raise SourceError(f"{where}: there is no row {header_row} (the last row is {len(preview)}).")
        return replace(match_header(preview[header_row - 1], mapping), index=header_row - 1)
    best: HeaderMatch | None = None
    rows = preview[:HEADER_SEARCH_ROWS]
    # Each cell is met several times (alone, and stacked over and under its neighbours); a wide sheet's row
    # holds more distinct cells than normalize_header remembers.
    key = functools.lru_cache(maxsize=None)(normalize_header)
    singles = [match_header(row, mapping, key=key) for row in rows]
    for index, m in enumerate(singles):
        if best is None or len(m.found) > len(best.found):
            best = replace(m, index=index)
        if index + 1 < len(rows):
            # A two-row header: group labels over sub-headers ("Contact" over "Mobile" and "Email"): each
            # column named by its sub-header (or by its label where the sub-header is empty, or the other way
            # round, whichever fits); used only when it fits better than either row alone.
            upper, lower = rows[index], rows[index + 1]
            to_beat = max(len(m.found), len(singles[index + 1].found), len(best.found))
            if not _stacking_may_fit_better(upper, lower, m, singles[index + 1], to_beat):
                continue
            two = max(match_header(_stacked(lower, upper), mapping, key=key),
                      match_header(_stacked(upper, lower), mapping, key=key), key=lambda t: len(t.found))  # fmt: skip
            if len(two.found) > to_beat:
                best = replace(two, index=index, span=2)
    assert best is not None
    return best


def _stacking_may_fit_better(
    upper: list[str], lower: list[str], upper_match: HeaderMatch, lower_match: HeaderMatch, to_beat: int
) -> bool:
    """Whether the two rows stacked could provide more columns than ``to_beat``.

    A stacked cell is one of the two rows' cells, so the stacked rows find no column that neither row finds
    alone, unless one of them is a leadimport report's header (read in its own way). Checked first, because
    a wide sheet's row holds 100,000 cells.
    """
    prefix = len(REPORT_PREFIX)
    rows = (upper[:prefix], lower[:prefix])
    if any(report_columns(r) for r in (*rows, _stacked(*rows), _stacked(*rows[::-1]))):
        return True
    return len(upper_match.found.keys() | lower_match.found.keys()) > to_beat


def _stacked(first: list[str], second: list[str]) -> list[str]:
    """The cells of ``first``, its empty ones taken from ``second``."""
    width = max(len(first), len(second))
    padded = [*first, *[""] * (width - len(first))], [*second, *[""] * (width - len(second))]
    return [a if a.strip() else b for a, b in zip(*padded, strict=True)]


def _closest_header(aliases: tuple[str, ...], headers: list[str]) -> str | None:
    """The header most like any of the aliases (one holding an alias whole counts as close), if any is close."""
    best, score = None, 0.5
    for alias in map(normalize_header, aliases):
        for header in headers:
            key = normalize_header(header)
            ratio = 0.9 if alias and alias in key else difflib.SequenceMatcher(None, alias, key).ratio()
            if ratio > score:
                best, score = header, ratio
    return best


def missing_columns(match: HeaderMatch, mapping: LeadMapping, where: str) -> ConfigError:
    headers = [h for h in match.headers if h]
    lines = []
    for spec in match.missing:
        if not spec.required:
            continue
        label = f"fields.{spec.target}" if spec in mapping.fields else spec.target
        near = _closest_header(spec.aliases, headers)
        tip = f" Closest header: {near!r}." if near else ""
        lines.append(f"  {label}: no column named {' / '.join(repr(a) for a in spec.aliases)}.{tip}")
    if len(headers) == 1 and _ROW_IN_ONE_CELL.fullmatch(headers[0].strip()):
        hint = (
            f"\n  Row {match.index + 1} is one cell holding a whole row ({headers[0][:60]!r}): each line of the file "
            "is wrapped in quotes, as Excel saves rows pasted into column A. In Excel, select column A, use Data > "
            "Text to Columns (Delimited) and save again; or remove the quotes around each line in a text editor."
        )
    elif any(_LEAD_LIKE.search(h) for h in headers):  # Rahul,9812345678,rahul@x.com: a lead, not a header
        hint = (
            f"\n  Row {match.index + 1} holds a phone number or an email address: the file seems to have no header"
            " row. Add one above the data (e.g. Name,Phone,Email), naming the columns as the mapping does."
        )
    else:
        hint = (
            f"\n  (The header is looked for in the first {HEADER_SEARCH_ROWS} rows; give --header-row N, or "
            "header_row: N in the mapping, if it is further down.)"
        )
    return ConfigError(
        f"{where}: the mapping {mapping.source} does not fit the header on row {match.index + 1}.\n"
        + "\n".join(lines)
        + f"\n  Headers found: {', '.join(repr(h) for h in headers) or '(none)'}."
        + hint,
        row=match.index + 1,
    )


_ROW_IN_ONE_CELL = re.compile(r"[^,;\t|]+([,;\t|])[^,;\t|]*(?:\1[^,;\t|]*)*")
"""Name,Phone,Email in one cell: parts split by one delimiter."""
_LEAD_LIKE = re.compile(r"^[^@\s]+@[^@\s]+\.\w+$|^\+?[\d\s().-]{10,}$")
"""A cell that is an email address or a phone number of 10 digits or more, never a column's name."""


def no_sheet_matches(p: Path, mapping: LeadMapping, tried: list[tuple[str, HeaderMatch | str]]) -> SourceError:
    wanted = ", ".join(f"{s.target} ({' / '.join(s.aliases)})" for s in mapping.specs if s.required)
    lines = [f"{p}: no sheet has a header row with the columns the mapping {mapping.source} needs: {wanted}."]
    for name, match in tried:
        if isinstance(match, str):
            lines.append(f"  sheet {name!r}: {match}")
            continue
        headers = ", ".join(repr(h) for h in match.headers if h) or "(none)"
        missing = ", ".join(s.target for s in match.missing if s.required)
        lines.append(f"  sheet {name!r}, row {match.index + 1}: {headers} — missing {missing}")
    lines.append(
        "Pick a sheet with --sheet (or sheet: in the mapping) or fix the column names in the mapping. The header "
        f"is looked for in the first {HEADER_SEARCH_ROWS} rows; give --header-row N (or header_row: N in the "
        "mapping) if it is further down."
    )
    return SourceError("\n".join(lines))


def display_names(headers: list[str], *, _extra: int) -> list[str]:
    names: list[str] = []
    seen: set[str] = set()
    tried: dict[str, int] = {}  # base → the next number to try (a header repeated 1,000 times is not counted up anew)
    for i in range(max(len(headers), _extra)):
        base = headers[i].strip() if i < len(headers) and headers[i].strip() else f"Column {column_letter(i)}"
        name, n = base, tried.get(base, 2)
        if name in seen:
            name = f"{base} ({n})"
            while name in seen:
                n += 1
                name = f"{base} ({n})"
            tried[base] = n + 1
        seen.add(name)
        names.append(name)
    return names


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA: the letter Excel shows over a column."""
    out = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        out = chr(65 + rem) + out
    return out


def reading_notes(match: HeaderMatch, names: list[str]) -> tuple[str, ...]:
    """Columns found twice, and optional columns not found: either may hide data the person expects used."""
    notes = [_alternates_note(match, target, others) for target, others in match.alternates.items()]
    notes += [
        f"{_target_label(spec.target)}: no column named {' / '.join(repr(a) for a in spec.aliases)} "
        "(optional, so it is left empty)"
        for spec in match.missing
        if not spec.required
    ]
    return tuple(notes)


def _alternates_note(match: HeaderMatch, target: str, others: tuple[int, ...]) -> str:
    first = match.headers[match.found[target]]
    repeats = [i for i in others if normalize_header(match.headers[i]) == normalize_header(first)]
    if len(repeats) == len(others):
        return (
            f"{_target_label(target)}: the header {first!r} appears {len(others) + 1} times; "
            "empty cells of the first such column are read from the next"
        )
    more = ", ".join(dict.fromkeys(repr(match.headers[i]) for i in others))
    what = "empty cells and invalid numbers" if target == "phone" else "empty cells"
    return f"{_target_label(target)}: {what} of {first!r} are read from {more} (another name the mapping gives)"


def _target_label(target: str) -> str:
    return target if target.startswith("metadata.") else f"fields.{target}"
