"""The rows an Excel 97-2003 workbook (.xls) hides (hidden by hand, or filtered out), which the workbook reader does
not report: xlrd reads the sheet's row records (only that sheet's)."""

from __future__ import annotations

import contextlib
import warnings
from pathlib import Path

import xlrd

__all__ = ["xls_hidden_rows"]


def xls_hidden_rows(path: Path, sheet: str) -> list[int]:
    """The 0-based rows of ``sheet`` Excel does not show; none when the file cannot tell (it is read elsewhere)."""
    try:
        with warnings.catch_warnings(), open(path, "rb") as handle:
            warnings.simplefilter("ignore")
            book = xlrd.open_workbook(
                file_contents=handle.read(), formatting_info=True, on_demand=True, logfile=_Quiet()
            )
            try:
                rows = book.sheet_by_name(sheet).rowinfo_map
                return sorted(r for r, info in rows.items() if info.hidden)
            finally:
                with contextlib.suppress(Exception):
                    book.release_resources()
    except Exception:  # xlrd raises its own and plain errors alike; hidden rows are a nicety
        return []


class _Quiet:
    """Where xlrd's notes on odd records go: nowhere."""

    def write(self, _text: str) -> int:
        return 0
