"""The per-row report (one line for every data row) and the run summary."""

from __future__ import annotations

import codecs
import collections
import errno
import os
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from importer.columns import ArrowText, column_arrays, columns_holding, first_char_in, to_arrow, to_series
from importer.report.atomic import write_atomically

REPORT_COLUMNS = (
    "sheet_row", "status", "reason", "warnings", "duplicate_of",
    "phone_e164", "email", "referenceId", "lead_id",
)  # fmt: skip
STATUS_ORDER = ("accepted", "valid", "already-imported", "duplicate", "invalid", "rejected", "pending", "skipped")
# A cell a spreadsheet would run as a formula; numbers and E.164 phones are left alone.
_FORMULA_START = "=+-@\t\r"
_SAFE_NUMBER = r"^(?:[+-]?\d+(?:\.\d+)?|\+?\d[\d ().\-/]*)$"


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts per status and the most common reasons, for people and for --json."""

    total: int
    counts: dict[str, int]
    top_reasons: list[tuple[str, int]]
    top_rejections: list[tuple[str, int]] = field(default_factory=list)
    top_pending: list[tuple[str, int]] = field(default_factory=list)
    """Why rows were left pending (the run stopped, another run is sending them, ...)."""

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "counts": self.counts,
            "top_reasons": [{"reason": r, "rows": n} for r, n in self.top_reasons],
            "top_rejections": [{"message": r, "rows": n} for r, n in self.top_rejections],
            "top_pending": [{"reason": r, "rows": n} for r, n in self.top_pending],
        }


def summarize(rows: pd.DataFrame, *, top: int = 5) -> Summary:
    """Counts per status (in a fixed order) and the most frequent reason codes."""
    counts_raw = rows["status"].value_counts().to_dict()
    counts = {s: int(counts_raw.get(s, 0)) for s in STATUS_ORDER if counts_raw.get(s, 0)}
    counted: collections.Counter[str] = collections.Counter()
    problem = rows[rows["status"].isin(["invalid", "skipped"])]["reason"]
    for reasons, n in problem.value_counts().items():
        for code in str(reasons).split(", "):
            if code:
                counted[code] += int(n)
    rejected = rows[rows["status"] == "rejected"]["reason"].value_counts().head(top)
    pending = rows[rows["status"] == "pending"]["reason"].value_counts().head(top)
    return Summary(
        total=len(rows),
        counts=counts,
        top_reasons=counted.most_common(top),
        top_rejections=[(str(m), int(n)) for m, n in rejected.items()],
        top_pending=[(str(m), int(n)) for m, n in pending.items()],
    )


def mask_summary(summary: Summary) -> Summary:
    """The summary with phones and emails in CRM messages masked."""
    from importer.report.mask import mask_text

    return replace(summary, top_rejections=[(mask_text(m), n) for m, n in summary.top_rejections])


def report_frame(rows: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Report columns first, then the original columns (renamed where they would clash)."""
    ours = [c for c in (*REPORT_COLUMNS, "imported_in_run") if c in rows.columns]
    taken = set(ours)
    names = []
    for name in cells.columns:
        key = name
        while key in taken:
            key = f"{key} (sheet)"
        taken.add(key)
        names.append(key)
    # one concatenation, not a Series per column: a sheet may have 100,000 columns of a few rows
    original = cells.set_axis(names, axis=1)
    if not original.index.equals(rows.index):
        original = original.reindex(rows.index)
    return pd.concat([rows[ours], original], axis=1)


def formula_safe_arrow(text: ArrowText) -> ArrowText:
    """Text that a spreadsheet would execute gets a leading apostrophe (numbers and phones excepted)."""
    first = first_char_in(text, _FORMULA_START)
    if not first.any():
        return text
    starts = pa.array(first)
    suspects = pc.filter(text, starts)
    # +919876543210 and -42 are numbers: a digit check settles most suspects before the full pattern
    unsure = pc.invert(pc.fill_null(pc.utf8_is_digit(pc.utf8_slice_codeunits(suspects, 1)), False))
    if not pc.any(unsure).as_py():
        return text
    number = pc.match_substring_regex(pc.filter(suspects, unsure), _SAFE_NUMBER)
    risky = pc.replace_with_mask(unsure, unsure, pc.invert(number))
    if not pc.any(risky).as_py():
        return text
    quoted = pc.binary_join_element_wise(pa.scalar("'", text.type), suspects, pa.scalar("", text.type))
    return pc.replace_with_mask(text, starts, pc.if_else(risky, quoted, suspects))


def formula_safe(values: pd.Series) -> pd.Series:
    """Text that a spreadsheet would execute gets a leading apostrophe (numbers and phones excepted)."""
    return to_series(formula_safe_arrow(to_arrow(values)), values.index)


def write_csv_report(frame: pd.DataFrame, path: Path) -> None:
    """Write the report as UTF-8 CSV with a byte-order mark (for Excel), formula-safe, quoting only where needed.

    Written to a temporary file and renamed: a full disk leaves no truncated report.
    """
    numbers = {"sheet_row", "duplicate_of"}
    every = [name for name in frame.columns if name not in numbers]
    positions = [i for i, name in enumerate(frame.columns) if name not in numbers]
    text_arrays = column_arrays(frame, only=positions)
    texts = every
    arrays = dict(zip(texts, text_arrays, strict=True))
    suspects = columns_holding(list(arrays.values()), lambda a: first_char_in(a, _FORMULA_START))
    for name in [texts[i] for i in suspects]:
        arrays[name] = formula_safe_arrow(arrays[name])
    columns = {
        name: pa.array(frame[name].astype("Int64"), type=pa.int64(), from_pandas=True)
        if name in numbers
        else arrays[name]
        for name in frame.columns
    }
    table = pa.Table.from_arrays(list(columns.values()), names=[str(n) for n in frame.columns])

    def write(tmp: Path) -> None:
        try:
            with pa.OSFile(str(tmp), "wb") as sink:
                sink.write(codecs.BOM_UTF8)  # Excel reads a CSV without one as the local code page
                pacsv.write_csv(table, sink, write_options=pacsv.WriteOptions(quoting_style="needed"))
        except pa.ArrowException as exc:  # Arrow's own I/O errors carry the errno only in their text
            raise OSError(_errno_of(str(exc)), str(exc)) from None

    write_atomically(path, write)


def _errno_of(text: str) -> int:
    """The errno Arrow's message names ("... error: No space left on device"), else EIO."""
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
        if os.strerror(code) in text:
            return code
    return errno.EIO


def default_report_path(source: str | Path, suffix: str = ".csv") -> Path:
    """``<name>.report.csv`` beside the input file."""
    p = Path(source)
    return p.with_name(f"{p.stem}.report{suffix}")
