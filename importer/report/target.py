"""Where a report goes and in which format: from ``--report`` and ``--report-format``, defaults filled in."""

from __future__ import annotations

import os
from pathlib import Path

from importer import arguments
from importer.errors import ConfigError
from importer.report.rows import default_report_path

__all__ = ["report_target"]

_NOT_A_REPORT_SUFFIX = frozenset({".xls", ".xlsm", ".xlsb", ".ods", ".json", ".pdf", ".html", ".htm"})
"""Report names Excel would open as another format (it warns, then shows CSV text)."""
_OWN_SUFFIX = {"csv": ".csv", "xlsx": ".xlsx"}
_NOT_WRITTEN_AS = {"csv": frozenset({".xlsx"}), "xlsx": frozenset({".csv", ".tsv", ".txt"})}
"""Names the other format's report has: a workbook named .csv (or CSV text named .xlsx) is refused by Excel or
opened as garbage, and a script that goes by the name reads the wrong format. (Other names, ``--report out.xls
--report-format csv``, are the caller's explicit choice, as docs/report.md says.)"""


def report_target(source: str | Path, path: str | Path | None, format: str | None) -> tuple[Path, str]:
    """The report's path and format (``csv`` or ``xlsx``), defaults filled in; refuses a name Excel would misread,
    and a format the name contradicts (``--report out.csv --report-format xlsx``)."""
    if path is not None and not isinstance(path, str | os.PathLike):
        raise ConfigError(f"a report's path is a str or pathlib.Path; got {type(path).__name__}.")
    format = format.lower() if isinstance(format, str) else format  # "XLSX" as a person writes it
    chosen = Path(path) if path is not None else None
    suffix = chosen.suffix.lower() if chosen is not None else ""
    if chosen is not None and format is None and suffix in _NOT_A_REPORT_SUFFIX:
        raise ConfigError(
            f"--report {chosen}: a report is written as .xlsx (Excel) or .csv, not {suffix}; "
            f"name it {chosen.with_suffix('.xlsx').name} or {chosen.with_suffix('.csv').name}."
        )
    if format not in (None, "csv", "xlsx"):
        raise ConfigError(f"report format must be csv or xlsx, not {format!r}.")
    if chosen is not None and format is not None and suffix in _NOT_WRITTEN_AS[format]:
        raise ConfigError(
            f"--report {chosen} is named {suffix}, but --report-format {format} writes "
            f"{'an Excel workbook' if format == 'xlsx' else 'CSV text'}; name it "
            f"{chosen.with_suffix(_OWN_SUFFIX[format]).name}, or leave out --report-format (the name decides)."
        )
    fmt = format or ("xlsx" if suffix == ".xlsx" else "csv")
    if chosen is not None and arguments.same_file(chosen, Path(source)):  # the lead file replaced by its own report
        raise ConfigError(
            f"--report {chosen} would overwrite the input file; choose another report path "
            f"(the default is {default_report_path(source)})."
        )
    return chosen or default_report_path(source, f".{fmt}"), fmt
