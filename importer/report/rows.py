"""The per-row report (one line for every data row) and the run summary."""

from __future__ import annotations

import codecs
import collections
import errno
import os
from collections.abc import Callable, Iterable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from importer import issues
from importer.columns import (
    ArrowText,
    column_arrays,
    columns_holding,
    first_char_in,
    narrowed,
    nonempty,
    signed_digits,
    to_arrow,
    to_bool,
    to_series,
)
from importer.filenames import fit_name
from importer.report.atomic import write_atomically
from importer.text_columns import TextColumns

REPORT_COLUMNS = (
    "sheet_row", "status", "reason", "warnings", "duplicate_of",
    "phone_e164", "email", "referenceId", "lead_id",
)  # fmt: skip
STATUS_ORDER = ("accepted", "valid", "already-imported", "duplicate", "invalid", "rejected", "pending", "skipped")
# A cell a spreadsheet would run as a formula (unless it is a number it shows unchanged).
_FORMULA_START = "=+-@\t\r"
# What Excel's CSV import turns into something else: a signed value (a formula or a number), a number
# (leading zeros, more than 11 characters, exponents are lost to its General format), a date, "(42)".
_EXCEL_CONVERTS = (
    r"^[+-]|^\d+(?:\.\d*)?(?:[eE][+-]?\d+)?$|^\.\d+$|^\d{1,4}[/-]\d{1,2}(?:[/-]\d{1,4})?$"
    r"|^\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^\(\d+(?:\.\d+)?\)$"
)
# A number Excel shows exactly as written (with at most 11 characters, checked apart).
_EXCEL_SAME_NUMBER = r"^-?(?:0|[1-9]\d*)(?:\.\d*[1-9])?$"
# A phone (or a masked one, or a number) in any of the shapes people write: digits, * of masking, separators.
_PHONE_LIKE = r"^[+\-(]?[\d*][\d* ()./\-\x{00a0}\x{202f}\x{2009}\x{2007}]*$"
_PHONE_LIKE_CHARS = 250
"""The longest value written as a phone (longer ones are not wrapped)."""


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts per status and the most common reasons, for people and for --json."""

    total: int
    counts: dict[str, int]
    top_reasons: list[tuple[str, int]]
    top_rejections: list[tuple[str, int]] = field(default_factory=list)
    top_pending: list[tuple[str, int]] = field(default_factory=list)
    """Why rows were left pending (the run stopped, another run is sending them, ...)."""
    notes: list[str] = field(default_factory=list)
    """What the person should know about the rows (phones of another country, short rows, ...), one line each."""

    def as_dict(self) -> dict[str, object]:
        return {
            "total": self.total,
            "counts": self.counts,
            "top_reasons": [{"reason": r, "rows": n} for r, n in self.top_reasons],
            "top_rejections": [{"message": r, "rows": n} for r, n in self.top_rejections],
            "top_pending": [{"reason": r, "rows": n} for r, n in self.top_pending],
            "row_notes": self.notes,
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
        notes=row_notes(rows, counted, counts),
    )


def _tally(values: pd.Series) -> collections.Counter[str]:
    """How many rows carry each code (``code:detail`` counted under both) of a column of joined codes."""
    found: collections.Counter[str] = collections.Counter()
    for text, n in values.value_counts().items():
        for code in dict.fromkeys(c.strip() for c in str(text).split(", ") if c.strip()):
            found[code] += int(n)
            if ":" in code:
                found[code.partition(":")[0]] += int(n)
    return found


def _details(found: collections.Counter[str], code: str) -> str:
    parts = [(c.partition(":")[2], n) for c, n in found.most_common() if c.startswith(code + ":")]
    shown = ", ".join(f"{detail} {n}" for detail, n in parts[:5])
    return shown + (", ..." if len(parts) > 5 else "")


MOSTLY_REFUSED = 0.5
"""Share of a sheet's rows whose phone is invalid-phone that makes the summary ask whether the region is right."""
FEW_REFUSED = 3
"""The fewest invalid-phone rows that make it ask (two mistyped numbers in a short sheet are those rows' problem)."""


def region_in_doubt(refused: int, kept: int) -> bool:
    """Whether ``refused`` invalid-phone rows among ``kept`` (the rows not skipped) make the sheet's region doubtful:
    most of a sheet refused is seldom most of its people mistyping, more often another country's numbers."""
    return refused >= FEW_REFUSED and refused >= MOSTLY_REFUSED * kept


def row_notes(rows: pd.DataFrame, reasons: collections.Counter[str], counts: dict[str, int]) -> list[str]:
    """Summary lines for what rows share: phones of another country, short rows, mistyped email domains, ..."""
    if "warnings" not in rows.columns or rows.empty:
        return []
    warned = _tally(rows.loc[rows["status"] != "skipped", "warnings"])
    other, unknown, no_region = (issues.PHONE_OTHER_COUNTRY.code, issues.UNKNOWN_COUNTRY.code, issues.NO_REGION.code)
    from_column, short, shifted_row = (issues.PHONE_FROM_COLUMN.code, issues.SHORT_ROW.code, issues.SHIFTED_ROW.code)
    typo = issues.EMAIL_DOMAIN_TYPO.code
    notes = []
    if reasons.get(other):
        notes.append(
            f"{reasons[other]} phone number(s) look like another country's, not the default "
            f"region's, and were not sent (likely {_details(warned, other)}): write them with + and "
            "the country code, give the rows a country column, or run with --region"
        )
    ambiguous = issues.PHONE_AMBIGUOUS_COUNTRY.code
    if reasons.get(ambiguous):
        notes.append(
            f"{reasons[ambiguous]} phone number(s) are written as the default region writes its numbers, but also "
            f"as another country writes its own ({_details(warned, ambiguous)}), in a sheet of several countries, "
            "and were not sent: write them with + and the country code, or give the rows a country column"
        )
    sheet = issues.PHONE_SHEET_COUNTRY.code
    if reasons.get(sheet):
        named = [c.partition(":")[2] for c, _ in warned.most_common() if c.startswith(sheet + ":")]
        country = named[0] if len(named) == 1 else "XX"
        notes.append(
            f"{reasons[sheet]} phone number(s) are valid as written both in the default region and in another "
            f"country ({_details(warned, sheet)}), which the sheet points to (its numbers written with + and a "
            f"code, its email domains, places or postcodes, or its numbers: far more of them mobiles there, or all "
            f"of one series of its mobiles), and were not "
            f"sent ({sheet}): if the sheet is {country}'s, run with --region {country}; if it is the default "
            "region's, run with --region and its code"
        )
    refused, kept = reasons.get(issues.INVALID_PHONE.code, 0), len(rows) - counts.get("skipped", 0)
    if region_in_doubt(refused, kept):
        notes.append(
            f"{refused} of {kept} rows' phone numbers are not valid numbers of the country they were read in "
            f"({issues.INVALID_PHONE.code}): if the sheet is another country's, set default_region in the mapping "
            "or run with --region (leadimport mapping suggest FILE reads the country from the numbers)"
        )
    if reasons.get(unknown):
        notes.append(
            f"{reasons[unknown]} row(s) name a country leadimport does not know, so their phone numbers "
            f"were not read ({unknown}); write the country (Germany, DE, DEU, +49) or the number with its + code"
        )
    if reasons.get(no_region):
        notes.append(
            f"{reasons[no_region]} phone number(s) have no country code, their rows name no country and the "
            f"mapping has no default_region ({no_region}); set default_region or run with --region"
        )
    differs = issues.PHONE_COUNTRY_DIFFERS.code
    if warned.get(differs):
        notes.append(
            f"{warned[differs]} row(s) name another country than their number's own + code "
            f"({_details(warned, differs)}) and were sent as written ({differs}): check their country or number"
        )
    if warned.get(from_column):
        notes.append(
            f"{warned[from_column]} row(s) took their phone number from a later phone column, the first "
            f"having none that is valid ({_details(warned, from_column)})"
        )
    if warned.get(short):
        shifted = reasons.get(shifted_row, 0)
        slid = f"; {shifted} of them have their phone or email under another column and were not sent ({shifted_row})"
        notes.append(
            f"{warned[short]} row(s) have fewer cells than the header ({short}): the missing cells are "
            f"read as empty{slid if shifted else ''}"
        )
    if warned.get(typo):
        notes.append(
            f"{warned[typo]} email address(es) have a domain that looks mistyped and were sent as "
            f"written (suggested: {_details(warned, typo)})"
        )
    masked = issues.MASKED_EMAIL.code
    if warned.get(masked):
        notes.append(
            f"{warned[masked]} email address(es) are hidden behind asterisks ({masked}: a portal's lead not yet "
            "bought, or a report written with --mask-pii) and were not sent: export the leads with their addresses shown"
        )
    masked = issues.MASKED_PHONE.code
    if warned.get(masked):
        notes.append(
            f"{warned[masked]} phone number(s) have digits hidden ({masked}: a portal's lead not yet bought, or a "
            "report written with --mask-pii) and were not sent: export the leads with their numbers shown"
        )
    made_up = [c for c in (issues.REPEATED_DIGITS_WARNING.code, issues.FAKE_PHONE_WARNING.code) if warned.get(c)]
    if made_up:
        notes.append(
            f"{sum(warned[c] for c in made_up)} phone number(s) look made up ({', '.join(made_up)}) and were not "
            "sent: those leads went with their email only"
        )
    templates = reasons.get(issues.TEMPLATE_ROW.code, 0)
    if templates and counts.get("skipped", 0) == len(rows):
        notes.append(f"No leads in this file: its {templates} row(s) hold only a template's default values or formulas")
    elif templates:
        notes.append(f"{templates} row(s) hold only a template's default values or formulas, no lead (skipped)")
    return notes


def mask_summary(summary: Summary) -> Summary:
    """The summary with phones and emails in CRM messages masked."""
    from importer.report.mask import mask_text

    return replace(summary, top_rejections=[(mask_text(m), n) for m, n in summary.top_rejections])


def report_frame(rows: pd.DataFrame, cells: pd.DataFrame) -> pd.DataFrame:
    """Report columns first, then the original columns (renamed where they would clash)."""
    ours = [c for c in (*REPORT_COLUMNS, "imported_in_run") if c in rows.columns]
    names = _sheet_names(ours, cells.columns.tolist())
    # one concatenation, then the names set in place: a sheet may have 100,000 columns of a few rows, and each
    # copy of a frame costs per column
    original = cells if cells.index.equals(rows.index) else cells.reindex(rows.index)
    frame = pd.concat([rows[ours], original], axis=1)
    frame.columns = pd.Index([*ours, *names])
    return frame


ReportColumns = tuple[list[str], list[pa.Array]]
"""A part of the report as its column names and its columns (row numbers as int64, the rest as text)."""


def report_columns(rows: pd.DataFrame, cells: TextColumns) -> ReportColumns:
    """:func:`report_frame` of ``rows`` beside ``cells`` as the CSV writer takes it, without making a pandas frame
    of the sheet's columns (a sheet may have 100,000 of them): the same names and values."""
    at = None if cells.index.equals(rows.index) else cells.index.get_indexer(rows.index)
    if at is not None and (at < 0).any():  # rows without cells: empty there, as pandas' reindex makes them
        return _report_columns(report_frame(rows, cells.frame()))
    ours = [c for c in (*REPORT_COLUMNS, "imported_in_run") if c in rows.columns]
    names, columns = _report_columns(rows[ours])
    original = cells if at is None else cells.taken(at, rows.index)
    return [*names, *_sheet_names(ours, cells.names)], [*columns, *original.arrays]


def _sheet_names(ours: list[str], names: list[str]) -> list[str]:
    """The sheet's column names in the report: renamed ``X (sheet)`` where they would clash with ours."""
    taken = set(ours)
    out = []
    for name in names:
        key = name
        while key in taken:
            key = f"{key} (sheet)"
        taken.add(key)
        out.append(key)
    return out


def formula_safe_arrow(text: ArrowText) -> ArrowText:
    """Cells as Excel's CSV import shows them as written: a phone or number Excel would turn into a number
    (``+919820123456`` → 9.19820E+11, ``09820123456`` → 9820123456), a date or a formula
    (``+91-98201-23461`` → -121571) is written as the text formula ``="+91-98201-23461"``, which Excel shows
    as exactly that text (and leadimport reads back as it); other text Excel would run as a formula gets a
    leading apostrophe. Numbers Excel shows unchanged (``-42``, ``3.5``) stay as they are."""
    if signed_digits(text, _PHONE_LIKE_CHARS):  # a column of E.164 phones (the report's phone_e164): all wrapped
        return pc.if_else(nonempty(text), _as_text_formula(text), text)
    risky = pc.fill_null(pc.match_substring_regex(text, _EXCEL_CONVERTS), False)
    formula = first_char_in(text, _FORMULA_START)
    if not (pc.any(risky).as_py() or formula.any()):
        return text
    same = pc.and_(
        pc.fill_null(pc.match_substring_regex(text, _EXCEL_SAME_NUMBER), False),
        pc.less_equal(pc.fill_null(pc.utf8_length(text), 0), 11),
    )
    changed = pc.and_not(pc.or_(risky, pa.array(formula)), same)
    phone_like = pc.and_(
        pc.fill_null(pc.match_substring_regex(text, _PHONE_LIKE), False),
        pc.less_equal(pc.fill_null(pc.utf8_length(text), 0), _PHONE_LIKE_CHARS),
    )
    wrap = pc.and_(changed, phone_like)
    quote = pc.and_not(pc.and_(pa.array(formula), changed), wrap)
    if not (pc.any(wrap).as_py() or pc.any(quote).as_py()):
        return text
    wrapped = _as_text_formula(pc.replace_substring(text, '"', '""'))
    quoted = pc.binary_join_element_wise(pa.scalar("'", text.type), text, pa.scalar("", text.type))
    return pc.if_else(wrap, wrapped, pc.if_else(quote, quoted, text))


def _as_text_formula(literal: ArrowText) -> ArrowText:
    """Each value (its quotes doubled) as the text formula ``="..."``."""
    kind = literal.type
    return pc.binary_join_element_wise(pa.scalar('="', kind), literal, pa.scalar('"', kind), pa.scalar("", kind))


def label_rows(frame: pd.DataFrame, label: Callable[[int], str]) -> pd.DataFrame:
    """The frame with ``sheet_row`` and ``duplicate_of`` as ``label`` writes them (``Jan!5`` for rows of
    several sheets read as one)."""
    out = frame.copy()
    for name in ("sheet_row", "duplicate_of"):
        if name in out.columns:
            numbers = pd.to_numeric(out[name], errors="coerce")
            out[name] = [label(int(n)) if pd.notna(n) else "" for n in numbers]
    return out


def formula_safe(values: pd.Series) -> pd.Series:
    """:func:`formula_safe_arrow` of a column."""
    return to_series(formula_safe_arrow(to_arrow(values)), values.index)


REPORT_SLICE = 100_000
"""Rows of the CSV report made safe and written at a time."""


def write_csv_report(frame: pd.DataFrame, path: Path) -> None:
    """Write the report as UTF-8 CSV with a byte-order mark (for Excel), formula-safe, quoting only where needed.

    Written to a temporary file and renamed: a full disk leaves no truncated report. A slice of rows at a
    time: the text of the whole report is never held at once.
    """
    write_csv_parts([frame], path)


def write_csv_parts(parts: Iterable[pd.DataFrame | ReportColumns], path: Path) -> None:
    """:func:`write_csv_report` of the report given in parts (the rows of a file read a chunk at a time), in
    order, each a frame or its :func:`report_columns`; the parts' columns are the first part's.

    Slices are made safe and turned into CSV text on a worker thread (Arrow's kernels and its CSV writer release
    the GIL) while this thread reads the next part and writes the text before it, in order.
    """

    def write(tmp: Path) -> None:
        try:
            with pa.OSFile(str(tmp), "wb") as sink, ThreadPoolExecutor(max_workers=SAFE_WORKERS) as pool:
                sink.write(codecs.BOM_UTF8)  # Excel reads a CSV without one as the local code page
                pending: collections.deque[Future[pa.Buffer]] = collections.deque()
                try:
                    header = True
                    for part in parts:
                        names, columns = _report_columns(part) if isinstance(part, pd.DataFrame) else part
                        length = len(columns[0]) if columns else 0
                        for start in range(0, max(length, 1), REPORT_SLICE):
                            whole = length <= REPORT_SLICE
                            sliced = columns if whole else [c.slice(start, REPORT_SLICE) for c in columns]
                            pending.append(pool.submit(_csv_text, names, sliced, header))
                            header = False
                            while len(pending) > SAFE_AHEAD:
                                sink.write(pending.popleft().result())
                        del columns
                    while pending:
                        sink.write(pending.popleft().result())
                finally:
                    for future in pending:
                        future.cancel()
        except pa.ArrowMemoryError as exc:  # out of memory, not a disk's fault
            raise MemoryError(str(exc)) from None
        except pa.ArrowException as exc:  # Arrow's own I/O errors carry the errno only in their text
            raise OSError(_errno_of(str(exc)), str(exc)) from None

    write_atomically(path, write)


SAFE_WORKERS = 1
SAFE_AHEAD = 1
"""Threads making slices of the report safe and CSV, and slices in flight besides the one being written: one is
enough beside the thread reading the file again (2 cores), and each more raised the dry run's peak memory."""


def _csv_text(names: list[str], columns: list[pa.Array], header: bool) -> pa.Buffer:
    """A slice of the report as CSV text (quoted only where needed), with the header line when ``header``."""
    table = _safe_table(names, columns)
    out = pa.BufferOutputStream()
    pacsv.write_csv(table, out, write_options=pacsv.WriteOptions(quoting_style="needed", include_header=header))
    return out.getvalue()


def _report_columns(frame: pd.DataFrame) -> tuple[list[str], list[pa.Array]]:
    """The report's column names and its columns as Arrow arrays: row numbers as integers, the rest as text
    (taken from the frame once, all columns together: a sheet may have 100,000 columns)."""
    names = [str(n) for n in frame.columns.tolist()]
    numbers = {n for n in ("sheet_row", "duplicate_of") if n in names and pd.api.types.is_numeric_dtype(frame[n])}
    positions = [i for i, name in enumerate(names) if name not in numbers]
    texts = iter(column_arrays(frame, only=positions))
    columns = [
        pa.array(frame[name].astype("Int64"), type=pa.int64(), from_pandas=True) if name in numbers else next(texts)
        for name in names
    ]
    return names, columns


def _safe_table(names: list[str], columns: list[pa.Array]) -> pa.Table:
    """A slice of the report as an Arrow table, every cell Excel would change made safe (all columns at once)."""
    integer, large = pa.int64(), pa.large_string()
    texts = [i for i, column in enumerate(columns) if column.type != integer]
    safe = list(columns)
    for k in columns_holding([columns[i] for i in texts], _excel_would_change):
        safe[texts[k]] = formula_safe_arrow(columns[texts[k]])
    for i in texts:
        if safe[i].type != large:  # one type in every slice
            safe[i] = pc.cast(safe[i], large)
    return pa.Table.from_arrays(safe, names=names)


def _excel_would_change(text: pa.Array) -> np.ndarray:
    """Per value, whether :func:`formula_safe_arrow` may rewrite it (tested on many columns at once).

    Only a value starting with one of :data:`_MAY_CHANGE_START` can: names, cities and most emails are told
    apart by their first byte, and the pattern runs on the others alone."""
    if signed_digits(text, _PHONE_LIKE_CHARS):
        return to_bool(nonempty(text))
    may = first_char_in(text, _MAY_CHANGE_START)
    count = int(np.count_nonzero(may))
    if count == 0:
        return may
    if count > len(text) // 4:
        risky = to_bool(pc.match_substring_regex(text, _EXCEL_CONVERTS))
    else:
        risky = narrowed(text, may, lambda some: pc.match_substring_regex(some, _EXCEL_CONVERTS))
    return np.asarray(risky | first_char_in(text, _FORMULA_START), dtype=bool)


_MAY_CHANGE_START = _FORMULA_START + "0123456789.("
"""The first characters of every value :data:`_EXCEL_CONVERTS` matches (each of its branches is anchored and
opens with a sign, an ASCII digit, a point or a bracket) or :data:`_FORMULA_START` names."""


def _errno_of(text: str) -> int:
    """The errno Arrow's message names ("... error: No space left on device"), else EIO."""
    for code in (errno.ENOSPC, errno.EDQUOT, errno.EACCES, errno.EROFS):
        if os.strerror(code) in text:
            return code
    return errno.EIO


def default_report_path(source: str | Path, suffix: str = ".csv") -> Path:
    """``<name>.report.csv`` beside the input file (``<name>`` shortened in the middle when that would not fit in a
    file name: 80 Devanagari or Chinese letters are 240 bytes of the 255)."""
    p = Path(source)
    tail = f".report{suffix}"
    return p.with_name(fit_name(p.stem, reserve=len(tail.encode("utf-8")) + _TEMPORARY) + tail)


_TEMPORARY = 16
"""Bytes the report's temporary name adds to it while it is written (:func:`write_atomically`)."""
