"""Files → a table of text cells, each row numbered as the person sees it (``sheet_row``).

What kind a file is comes from :mod:`importer.read.sniff`; its header row from :mod:`importer.read.header`.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import (
    column_blocks,
    columns_holding,
    first_char_in,
    holds_char_in,
    split_block,
    to_arrow,
    to_bool,
)
from importer.config import LeadMapping
from importer.errors import ConfigError, SourceError
from importer.read.cut_off import TAIL_CHARS, ends_mid_row, last_row
from importer.read.header import (
    HEADER_SEARCH_ROWS,
    HeaderMatch,
    choose_header,
    display_names,
    match_header,
    missing_columns,
    no_sheet_matches,
    reading_notes,
    report_columns,
)
from importer.read.html_tables import html_table
from importer.read.read_options import ReadOptions as ReadOptions
from importer.read.read_options import with_mapping
from importer.read.sniff import check_source_file, workbook_kind
from importer.read.split_cells import mend_split_cells, split_cells_note
from importer.read.text import DELIMITER_NAMES, open_text, parse_table, sep_hint
from importer.read.workbook import (
    Workbook,
    blank_row,
    cell_text,
    column_texts,
    hidden_sheets,
    lossy_phone_text,
    name_header_merges,
    open_workbook,
    opening_rows,
    sheet_hidden_cells,
    sheet_rows,
    sheets_by_preference,
)
from importer.read.xlsx_cells import HiddenCells, apply_formulas, apply_shown, sheet_notes, shows, stray_far_right
from importer.text_columns import TextColumns

HTML_SHEET = "HTML table"
"""The sheet name given to a web page's table saved as .xls."""


@dataclass(frozen=True, slots=True)
class SourceTable:
    """The data rows of one sheet, every cell as text."""

    path: str
    data: TextColumns
    """One text column per header, in file order (:attr:`cells` as a pandas frame)."""
    sheet_row: np.ndarray  # the row number a person sees, per row of ``cells``
    header_row: int
    columns: dict[str, str]  # mapping target (lead field or metadata key) → header
    sheet: str | None = None
    sheets: tuple[str, ...] = ()
    encoding: str | None = None
    delimiter: str | None = None
    ignored: frozenset[str] = field(default_factory=frozenset)  # our own report columns, in a report fed back in
    also_fit: tuple[str, ...] = ()
    """Other sheets whose header fits the mapping too (not read: one sheet per run)."""
    hidden_sheets: frozenset[str] = frozenset()
    """Sheets of the workbook Excel does not show as tabs."""
    header_rows: int = 1
    """Rows the header takes (2: group labels over sub-headers)."""
    alternates: dict[str, tuple[str, ...]] = field(default_factory=dict)
    """target → later columns named like the one in ``columns``: their cells fill its empty ones."""
    notes: tuple[str, ...] = ()
    """What the person should know about how the file was read (a column found twice, one not found)."""
    controls: np.ndarray | None = None
    """Per data row, whether a control character (NUL, Ctrl-Z, ...) was removed from one of its cells."""
    missing_cells: np.ndarray | None = None
    """Per row, how many cells it had fewer than the header (a ragged text file; None: no row was short)."""
    header_width: int = 0
    """How many columns the header has (the first ``header_width`` columns of ``cells``)."""
    cut_short: bool = False
    """A text file that ends inside a quoted cell of its last row (:mod:`importer.read.cut_off`)."""
    row_sheets: tuple[str, ...] = ()
    """Several sheets read as one (``--all-sheets``): their names; ``sheet_row`` is then
    ``index * SHEET_ROW_STRIDE + row`` (:meth:`row_label` says ``Jan!5``)."""

    @property
    def cells(self) -> pd.DataFrame:
        """The cells as a pandas frame of str columns (made when first asked for: a wide sheet's stages use
        :attr:`data`, :meth:`column` and :attr:`names` instead)."""
        return self.data.frame()

    @property
    def n_rows(self) -> int:
        """How many data rows the table holds."""
        return len(self.data)

    @property
    def names(self) -> list[str]:
        """The column names, in file order."""
        return self.data.names

    @property
    def index(self) -> pd.Index:
        """The rows' index (positions in the file's data rows)."""
        return self.data.index

    def column(self, name: str) -> pd.Series:
        """The column ``name`` as a pandas str Series."""
        return self.data[name]

    def row_label(self, sheet_row: int) -> str:
        """A sheet row as a person finds it: ``5``, or ``Jan!5`` when several sheets were read."""
        if not self.row_sheets:
            return str(sheet_row)
        return f"{self.row_sheets[sheet_row // SHEET_ROW_STRIDE]}!{sheet_row % SHEET_ROW_STRIDE}"

    @property
    def header_text(self) -> str:
        """Where the header is, as the summary says it: "row 3" or "rows 2-3"."""
        if self.header_rows > 1:
            return f"rows {self.header_row}-{self.header_row + self.header_rows - 1}"
        return f"row {self.header_row}"

    def rows_between(self, start: int, stop: int) -> SourceTable:
        """The same table cut to data rows ``start:stop`` (positions, not sheet rows)."""
        missing = self.missing_cells[start:stop] if self.missing_cells is not None else None
        return replace(
            self,
            data=self.data.rows_between(start, stop),
            sheet_row=self.sheet_row[start:stop],
            missing_cells=missing,
            cut_short=self.cut_short and stop >= self.n_rows,
        )


def read_source(path: str | Path, mapping: LeadMapping, options: ReadOptions = ReadOptions()) -> SourceTable:
    """Read a lead file: pick the sheet and header row, return every data row as text."""
    p = check_source_file(Path(path))
    options = with_mapping(options, mapping)  # --header-row and --encoding win over the mapping's
    kind = workbook_kind(p)  # by content: portals save CSV or HTML as .xls, people rename workbooks .csv
    if kind == "workbook" and options.all_sheets:
        return read_all_sheets(p, mapping, options)
    if kind == "workbook":
        return _read_workbook(p, mapping, options)
    if kind == "html":
        return _read_html(p, mapping, options)
    return _read_text(p, mapping, options)


def _read_html(p: Path, mapping: LeadMapping, options: ReadOptions) -> SourceTable:
    """An HTML table saved as .xls, read like a one-sheet workbook."""
    rows, hidden = html_table(p.read_bytes(), path=str(p))
    search = max(HEADER_SEARCH_ROWS, options.header_row or 0)
    preview = [[cell_text(c) for c in r] for r in rows[:search]]
    match = choose_header(preview, mapping, options.header_row, where=f"{p} (HTML table)")
    if not match.complete:
        raise missing_columns(match, mapping, where=f"{p} (HTML table)")
    return _workbook_table(p, HTML_SHEET, [HTML_SHEET], rows, match, HiddenCells(hidden_rows=hidden))


def _read_text(p: Path, mapping: LeadMapping, options: ReadOptions) -> SourceTable:
    text = open_text(
        p,
        encoding=options.encoding,
        delimiter=options.delimiter,
        records=(options.header_row or 0) + 1,
        code_page=options.code_page,
    )
    decoded, delimiter, preview, ends = text.decoded, text.delimiter, text.records, text.ends
    # Excel reads a first line "sep=;" as a setting and does not show it: rows are numbered as if it were not there.
    hint = int(bool(preview) and sep_hint(preview[0], delimiter))
    header_row = options.header_row + hint if options.header_row is not None else None
    match = choose_header(preview, mapping, header_row, where=str(p))
    if not match.complete:
        raise missing_columns(match, mapping, where=str(p))
    width = len(match.headers)
    last = match.data_start - 1  # the header's last record
    body = decoded.body(ends[last] if last < len(ends) else len(decoded.text))
    parsed = parse_table(body, delimiter, width, str(p), skip_spaces=text.skip_spaces)
    positions = list(range(parsed.num_columns)) if isinstance(parsed, pa.Table) else parsed.positions
    every = display_names(match.headers, _extra=max(positions, default=-1) + 1)
    names = [every[i] for i in positions]  # a column beyond the header keeps its letter (Column WZZ)
    if isinstance(parsed, pa.Table):
        # One contiguous large_string array per column, so later stages convert without copying.
        cells = TextColumns(names, _text_chunks(parsed), pd.RangeIndex(parsed.num_rows))
    else:
        checks = {match.found[f]: f for f in ("phone", "email") if f in match.found}
        split = mend_split_cells(parsed.columns, width, checks, delimiter, frozenset(match.found.values()))
        cells = text_columns_of_lists(names, split.columns)
    table = _source_table(
        p, match, names, cells, controls=body.has_controls(), encoding=decoded.encoding, delimiter=delimiter
    )
    if hint:
        table = replace(table, sheet_row=table.sheet_row - hint, header_row=table.header_row - hint)
    if not isinstance(parsed, pa.Table) and any(parsed.missing):  # the reader padded short rows: normalize warns
        table = replace(table, missing_cells=np.asarray(parsed.missing, dtype=np.int64), header_width=width)
    if not isinstance(parsed, pa.Table) and (split.mended or split.unmended):
        notes = split_cells_note(split.mended, split.unmended, table.sheet_row.tolist(), delimiter)
        table = replace(table, notes=(*table.notes, *notes))
    if body.line_breaks() > len(cells):  # else no cell holds a line break (each record ends with one)
        _refuse_runaway_quotes(table, delimiter)
    final_row = last_row(parsed if isinstance(parsed, pa.Table) else parsed.columns)
    if final_row and ends_mid_row(decoded.text[-TAIL_CHARS:], delimiter, final_row, table.missing_cells):
        table = replace(table, cut_short=True)
    return table


def text_columns_of_lists(names: list[str], columns: Sequence[Sequence[str | None]]) -> TextColumns:
    """Columns of Python strings (each as long as the first) as text columns: made into Arrow text all at
    once, then cut back into columns (a call per column would cost more than a wide sheet's cells)."""
    n = len(columns[0]) if columns else 0
    if any(len(c) != n for c in columns):
        raise ValueError("columns of different lengths")
    values = pa.array(list(itertools.chain.from_iterable(columns)), pa.large_string())
    if values.null_count:
        values = pc.fill_null(values, "")
    return TextColumns(names, split_block(values, len(columns)), pd.RangeIndex(n))


def _text_chunks(table: pa.Table) -> list[pa.Array]:
    """Each column as one large_string array, cast a block of columns at a time (not a call per column: a
    sheet may have 100,000 columns)."""
    arrays = [c.chunk(0) if c.num_chunks == 1 else c.combine_chunks() for c in table.columns]
    large = pa.large_string()
    if all(array.type == large for array in arrays):  # as the parser reads them
        return arrays
    return [part for block, values in column_blocks(arrays) for part in split_block(values, len(block))]


def _one_text_chunk(column: pa.ChunkedArray) -> pa.Array:
    """A column as one large_string array (the streamed reader's columns, one at a time)."""
    array = column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()
    return array if array.type == pa.large_string() else pc.cast(array, pa.large_string())


_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_CONTACT_LIKE = re.compile(r"\d{7}|@")


def _refuse_runaway_quotes(table: SourceTable, delimiter: str) -> None:
    """Stop at a quoted cell whose lines look like whole records: a stray quote swallowed the rows after it.

    A cell may hold line breaks (an address), but not lines with a delimiter for nearly every column; in
    a file of two or three columns, where an address line may hold as many commas, such a line must also
    hold a phone number or an email address.
    """
    columns = table.data.width
    if columns < 2:
        return
    need = max(1, columns - 1)
    arrays = table.data.arrays

    def record_like(line: str) -> bool:
        return line.count(delimiter) >= need and (need >= 3 or _CONTACT_LIKE.search(line) is not None)

    for at in columns_holding(arrays, lambda array: holds_char_in(array, "\r\n")):  # only these can run on
        name, values = table.names[at], arrays[at]
        broken = np.flatnonzero(to_bool(pc.match_substring_regex(values, "[\r\n]")))
        runaway = [
            int(i)
            for i, text in zip(broken, pc.take(values, pa.array(broken, pa.int64())).to_pylist(), strict=True)
            if any(record_like(line) for line in _LINE_BREAK.split(text)[1:])
        ]
        if runaway:
            row = int(table.sheet_row[runaway[0]])
            lines = len(_LINE_BREAK.split(str(values[runaway[0]])))
            raise SourceError(
                f'{table.path}: row {row}, column {name!r}: a quote (") opens a cell that runs on over {lines} '
                "lines and swallows what look like whole rows, so those leads would be lost. Remove the stray "
                'quote (or double it: "" inside a quoted cell), then run again.',
                file=table.path,
                row=row,
                column=str(name),
            )


SHEET_ROW_STRIDE = 10_000_000
"""Sheet rows of the n-th sheet read with ``--all-sheets`` count from n times this (Excel has ~1M rows)."""


def read_all_sheets(p: Path, mapping: LeadMapping, options: ReadOptions) -> SourceTable:
    """Every sheet whose header fits the mapping (the first as without ``--all-sheets``, then the others that
    fit), as one table: a later sheet's mapped columns take the first one's header names, other columns are
    joined by name, and each row is numbered in its own sheet (:attr:`SourceTable.row_sheets`)."""
    if options.sheet is not None:
        raise ConfigError("--all-sheets reads every sheet that fits the mapping; leave out --sheet.")
    single = replace(options, all_sheets=False)
    first = _read_workbook(p, mapping, single)
    if not first.also_fit:
        return first
    tables = [first, *(_read_workbook(p, mapping, replace(single, sheet=name)) for name in first.also_fit)]
    parts = []
    for index, table in enumerate(tables):
        renamed = {table.columns[t]: first.columns[t] for t in first.columns if t in table.columns}
        cells = table.cells.rename(columns={k: v for k, v in renamed.items() if k != v})
        parts.append((cells, table.sheet_row + index * SHEET_ROW_STRIDE))
    cells = pd.concat([c for c, _ in parts], ignore_index=True).fillna("").astype("str")
    names = tuple(str(t.sheet) for t in tables)
    notes = [*first.notes, *(f"sheet {t.sheet!r}: {note}" for t in tables[1:] for note in t.notes)]
    return replace(
        first,
        data=TextColumns.of(cells),
        sheet_row=np.concatenate([rows for _, rows in parts]),
        sheet=", ".join(names),
        also_fit=(),
        row_sheets=names,
        notes=(*notes, f"read {len(names)} sheets as one: {', '.join(repr(n) for n in names)}"),
    )


def _read_workbook(p: Path, mapping: LeadMapping, options: ReadOptions) -> SourceTable:
    workbook = open_workbook(p)
    names = list(workbook.sheet_names)
    wanted = options.sheet or mapping.sheet
    candidates = (
        [pick_sheet(names, wanted, p, hidden=hidden_sheets(workbook))]
        if wanted is not None
        else sheets_by_preference(workbook)
    )
    with ThreadPoolExecutor(max_workers=1) as pool:
        # The sheet's XML is unzipped and searched beside calamine's reading (zlib lets go of the GIL).
        hidden = {candidates[0]: pool.submit(sheet_hidden_cells, workbook, p, candidates[0])} if candidates else {}
        return _first_fitting(p, workbook, mapping, options, candidates, hidden)


def _first_fitting(
    p: Path,
    workbook: Workbook,
    mapping: LeadMapping,
    options: ReadOptions,
    candidates: list[str],
    hidden: dict[str, Future[HiddenCells]],
) -> SourceTable:
    """The first of ``candidates`` whose header fits the mapping, read; else an error naming every sheet tried."""
    wanted = options.sheet or mapping.sheet
    tried: list[tuple[str, HeaderMatch | str]] = []
    empty: tuple[str, list[list[object]], HeaderMatch] | None = None
    """The first sheet that fits but holds no row below its header (a template tab before the data)."""
    for name in candidates:
        refuse_stray_far_right(p, name)
        rows = sheet_rows(workbook, name, where=str(p))
        search = max(HEADER_SEARCH_ROWS, options.header_row or 0)
        too_short = wanted is None and options.header_row is not None and len(rows) < options.header_row
        if too_short or not any(any(c != "" for c in r) for r in rows[:search]):
            # a sheet with no row N cannot hold the header the user placed there
            tried.append((name, f"has no row {options.header_row}" if too_short else "empty"))
            continue
        preview = [[cell_text(c) for c in r] for r in rows[:search]]  # a header typed as 2024 reads "2024"
        match = choose_header(preview, mapping, options.header_row, where=f"{p} [sheet {name!r}]")
        if name_header_merges(workbook, name, preview, rows, match.index + match.span - 1):  # merged over 2 columns
            match = choose_header(preview, mapping, options.header_row, where=f"{p} [sheet {name!r}]")
        if match.complete and wanted is None and all(blank_row(r) for r in rows[match.data_start :]):
            empty = empty or (name, rows, match)
            continue
        if match.complete:
            return _fitting_table(p, workbook, mapping, candidates, hidden, name, rows, match, skipped=empty)
        tried.append((name, match))
    if empty is not None:  # only empty sheets fit: read the first, so the summary says it has no rows
        return _fitting_table(p, workbook, mapping, candidates, hidden, *empty, skipped=None)
    if wanted is not None and tried and isinstance(tried[0][1], HeaderMatch):
        raise missing_columns(tried[0][1], mapping, where=f"{p} [sheet {wanted!r}]")
    raise no_sheet_matches(p, mapping, tried)


def _fitting_table(
    p: Path,
    workbook: Workbook,
    mapping: LeadMapping,
    candidates: list[str],
    hidden: dict[str, Future[HiddenCells]],
    name: str,
    rows: list[list[object]],
    match: HeaderMatch,
    *,
    skipped: tuple[str, list[list[object]], HeaderMatch] | None,
) -> SourceTable:
    """The sheet chosen, read, with the sheets after it that fit too (and any header-only one passed over)."""
    cells = hidden[name].result() if name in hidden else sheet_hidden_cells(workbook, p, name)
    table = _workbook_table(p, name, list(workbook.sheet_names), rows, match, cells)
    later = candidates[candidates.index(name) + 1 :] if len(candidates) > 1 else []
    also = tuple(n for n in later if _fits(workbook, n, mapping, p))
    notes = table.notes
    if skipped is not None:
        notes = (*notes, f"sheet {skipped[0]!r} has the header but no rows below it; read {name!r} instead")
    return replace(table, also_fit=also, notes=notes, hidden_sheets=frozenset(hidden_sheets(workbook)))


def refuse_stray_far_right(p: Path, sheet: str) -> None:
    """Stop before reading a sheet that a stray value far to the right makes gigabytes large."""
    stray = stray_far_right(p, sheet)
    if stray is not None:
        at = f" (in {stray.cell})" if stray.cell else ""
        raise SourceError(
            f"{p} [sheet {sheet!r}]: its used range is {stray.used}, far wider than any table of leads: a stray value "
            f"sits far to the right of the data{at}, and reading every cell of that range would take gigabytes. "
            "In Excel, select the columns right of the data, delete them and save (or save the sheet as CSV), "
            "then run again."
        )


def _fits(workbook: Workbook, name: str, mapping: LeadMapping, p: Path) -> bool:
    """Whether a sheet's opening rows hold a header the mapping fits (only those rows are read)."""
    if stray_far_right(p, name) is not None:
        return False
    try:
        rows = opening_rows(workbook, name, HEADER_SEARCH_ROWS)
    except Exception:  # a sheet that cannot be read does not fit
        return False
    preview = [[cell_text(c) for c in r] for r in rows]
    name_header_merges(workbook, name, preview, None)  # any row may be the header: a title's merge names nothing
    return any(match_header(row, mapping).complete for row in preview)


def _workbook_table(
    p: Path, sheet: str, sheets: list[str], rows: list[list[object]], match: HeaderMatch, hidden: HiddenCells
) -> SourceTable:
    for (r, c), text in hidden.errors.items():  # #N/A as the sheet shows it (calamine reads it empty)
        if r < len(rows) and c < len(rows[r]) and rows[r][c] == "":
            rows[r][c] = text
    phone = match.found.get("phone")
    for (r, c), text in hidden.padded.items():  # 000123 as the sheet shows it (calamine reads 123)
        if match.data_start <= r < len(rows) and c < len(rows[r]) and c != phone and shows(rows[r][c], text):
            rows[r][c] = text
    # +91 98220 33445, LD-00123 as shown; a number Excel had cut (919822000000) stays one, for the phone check
    apply_shown(rows, hidden, match.data_start, keep=lambda value: lossy_phone_text(value) is not None)
    apply_formulas(rows, hidden)  # ="9876543210" written by a script with no result, or a result of 0
    width = max([len(match.headers)] + [len(r) for r in rows[match.data_start :]])
    columns = column_texts(rows, match.data_start, width)
    if "phone" in match.found:
        _mark_lossy_phones(columns[match.found["phone"]], rows[match.data_start :], match.found["phone"])
    # Trailing columns with neither a header nor any value are just Excel's used range.
    while len(columns) > len(match.headers) and not any(columns[-1]):
        columns.pop()
    names = display_names(match.headers, _extra=len(columns))
    table = _source_table(p, match, names, text_columns_of_lists(names, columns), sheet=sheet, sheets=tuple(sheets))
    return replace(table, notes=(*table.notes, *sheet_notes(hidden, match.data_start, len(rows), len(columns))))


def _mark_lossy_phones(texts: list[str], rows: list[list[object]], column: int) -> None:
    """Numeric phone cells Excel had already cut to six digits read as Excel shows them (9.82203E+09).

    The phone check then calls them damaged instead of sending the different number they now hold.
    """
    for i, row in enumerate(rows):
        if column < len(row) and type(row[column]) is not str:
            shown = lossy_phone_text(row[column])
            if shown is not None:
                texts[i] = shown


def _source_table(
    p: Path,
    match: HeaderMatch,
    names: list[str],
    cells: TextColumns,
    *,
    controls: bool = True,
    **where: str | tuple[str, ...] | None,
) -> SourceTable:
    """The data rows below ``match``'s header, numbered as the person sees them (``controls``: the cells may
    hold control characters)."""
    first = match.data_start + 1
    cells, cleaned = _without_controls(cells) if controls else (cells, None)
    return SourceTable(
        path=str(p),
        data=_clean_cells(cells),
        controls=cleaned,
        sheet_row=np.arange(first, first + len(cells), dtype=np.int64),
        header_row=match.index + 1,
        header_rows=match.span,
        alternates={t: tuple(names[i] for i in others) for t, others in match.alternates.items()},
        notes=reading_notes(match, names) + _serial_reference_note(match, names, cells),
        columns={t: names[i] for t, i in match.found.items()},
        ignored=frozenset(names[i] for i in report_columns(match.headers)),
        **where,  # type: ignore[arg-type]
    )


def is_row_serial(distinct: list[str], filled: int) -> bool:
    """Whether a column's distinct filled cells (``filled`` of them in all) are the numbers 1..n (or 0..n-1):
    each row's number, which every export starts again, rather than an id."""
    if filled < 3 or len(distinct) != filled or not all(v.isdecimal() and len(v) <= 7 for v in distinct):
        return False
    numbers = sorted(int(v) for v in distinct)
    return numbers[0] in (0, 1) and numbers[-1] - numbers[0] == filled - 1


def _serial_reference_note(match: HeaderMatch, names: list[str], cells: pd.DataFrame | TextColumns) -> tuple[str, ...]:
    """A warning when the referenceId column numbers the rows 1, 2, 3 ...: every export starts again at 1."""
    at = match.found.get("referenceId")
    if at is None:
        return ()
    column = cells[names[at]]
    if any(not str(v).strip().isdigit() for v in column.iloc[:50] if str(v).strip()):
        return ()  # ids with letters (nearly always): no need to look at every cell
    text = pc.utf8_trim_whitespace(to_arrow(column))
    text = pc.filter(text, pc.greater(pc.binary_length(text), 0))
    filled = len(text)
    if filled < 3 or not pc.all(pc.match_substring_regex(text, r"^[0-9]{1,7}$")).as_py():
        return ()  # ids with letters or long numbers: no row serial (and no need to look at each)
    numbers = pc.cast(text, pa.int64())
    low, high = pc.min_max(numbers).values()
    if (
        low.as_py() not in (0, 1)
        or high.as_py() - low.as_py() != filled - 1
        or pc.count_distinct(numbers).as_py() != filled
    ):
        return ()
    return (
        f"fields.referenceId: {names[at]!r} numbers the rows 1 to {filled}; another file numbered from 1 "
        "would reuse these ids, and its leads would be taken for these (already-imported). Map a lasting id, "
        "or leave referenceId out so that each lead's id is made from its phone",
    )


def pick_sheet(names: list[str], wanted: str, p: Path, *, hidden: set[str] | frozenset[str] = frozenset()) -> str:
    """The sheet named ``wanted``, or the one at that number among the tabs Excel shows (hidden ones not counted)."""
    for name in names:
        if name == wanted or name.strip().casefold() == wanted.strip().casefold():
            return name
    shown = [n for n in names if n not in hidden]
    if wanted.isdecimal() and 1 <= int(wanted) <= len(shown):
        return shown[int(wanted) - 1]
    listed = ", ".join(repr(n) + (" (hidden)" if n in hidden else "") for n in names)
    raise SourceError(f"{p}: no sheet named {wanted!r}. Sheets: {listed}.")


_CONTROL_CHARS = (
    "\x00\x01\x02\x03\x04\x05\x06\x07\x08\x0b\x0c\x0e\x0f\x10\x11\x12\x13\x14\x15\x16\x17\x18\x19\x1a\x1b\x7f"
)
"""C0 control characters (and DEL) a cell never means to hold; tab, line breaks and the separators
U+001C-U+001F (whitespace to Python, trimmed like spaces) are not among them."""
_CONTROLS = "[" + _CONTROL_CHARS + "]"


def _without_controls(cells: TextColumns) -> tuple[TextColumns, np.ndarray | None]:
    """Cells without NUL, Ctrl-Z and other control characters (a line of them is a blank row, and none
    reaches the report or the CRM), and per row whether one was removed (None: none was)."""
    n = len(cells)
    changed: dict[int, pa.Array] = {}
    rows = np.zeros(n, dtype=bool)
    for block, values in cells.blocks():
        held = holds_char_in(values, _CONTROL_CHARS).reshape(len(block), n)
        if not held.any():
            continue
        rows |= held.any(axis=0)
        cleaned = split_block(pc.replace_substring_regex(values, _CONTROLS, ""), len(block))
        changed.update((block.start + k, cleaned[k]) for k in np.flatnonzero(held.any(axis=1)).tolist())
    return cells.with_arrays(changed), (rows if changed else None)


def _clean_cells(cells: TextColumns) -> TextColumns:
    """Undo spreadsheet text tricks: a leading apostrophe, and ="0123" wrappers."""
    n = len(cells)
    changed: dict[int, pa.Array] = {}
    for block, values in cells.blocks():
        tricked = first_char_in(values, "='").reshape(len(block), n)
        if not tricked.any():
            continue
        text = values
        if pc.any(pc.starts_with(text, "=")).as_py():
            text = pc.replace_substring_regex(text, r'^="(.*)"$', r"\1")
        if pc.any(pc.starts_with(text, "'")).as_py():
            text = pc.replace_substring_regex(text, "^'", "")
        cleaned = split_block(text, len(block))
        changed.update((block.start + k, cleaned[k]) for k in np.flatnonzero(tricked.any(axis=1)).tolist())
    return cells.with_arrays(changed)


def describe_delimiter(delimiter: str | None) -> str:
    """A delimiter as said to a person."""
    return DELIMITER_NAMES.get(delimiter or "", repr(delimiter))
