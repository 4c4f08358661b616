"""What the commands share: options parsed once, errors turned into messages and exit codes."""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import click

from importer.arguments import same_file
from importer.cli.failures import crash_message, is_crash, is_out_of_memory, out_of_memory_message
from importer.config import LeadMapping, load_mapping
from importer.crm.limiter import RateLimit
from importer.errors import ConfigError, LeadImportError, SourceError, shorten_message
from importer.pipeline import report_target
from importer.read.source import ReadOptions
from importer.report.mask import mask_text
from importer.report.rows import default_report_path
from importer.send.plan import MAX_BATCH

F = TypeVar("F", bound=Callable[..., Any])


def guarded(func: F) -> F:
    """Our errors become a message and their exit code, never a traceback; with --json, also a JSON object
    ``{"error": {code, message, file, row, column}}`` on stdout."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        source = kwargs.get("source")
        as_json = bool(kwargs.get("as_json") or getattr(source, "as_json", False))
        try:
            return func(*args, **kwargs)
        except LeadImportError as exc:
            # The message may quote cells (a data row taken for the header): --mask-pii covers it too.
            masked = kwargs.get("mask_pii") or getattr(source, "mask_pii", False)
            message = shorten_message(mask_text(str(exc)) if masked else str(exc))
            click.echo(f"error: {message}", err=True)
            if as_json:
                where = exc.file
                if where is None and isinstance(exc, SourceError) and isinstance(source, SourceArgs):
                    where = str(source.file)
                _echo_error(exc.code, message, file=where, row=exc.row, column=exc.column)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:  # exit codes stay 0-3: 3 is "stopped before the end, the same command resumes"
            click.echo("interrupted: run the same command again to finish.", err=True)
            if as_json:
                _echo_error("interrupted", "interrupted")
            sys.exit(3)
        except BaseException as exc:
            if is_out_of_memory(exc):
                message = out_of_memory_message(kwargs)
            elif is_crash(exc):
                message = crash_message(exc, kwargs)
            else:
                raise
            click.echo(f"error: {message}", err=True)
            if as_json:
                _echo_error("source", message)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]


def _echo_error(
    code: str, message: str, *, file: str | None = None, row: int | None = None, column: str | None = None
) -> None:
    """The JSON object a script reads on stdout when a command fails before its summary."""
    error = {"code": code, "message": message, "file": file, "row": row, "column": column}
    click.echo(json.dumps({"error": error}, indent=2, ensure_ascii=False))


@dataclass(frozen=True, slots=True)
class SourceArgs:
    """The options every file-reading command shares, parsed once."""

    file: Path
    mapping_path: Path
    report_path: Path | None
    sheet: str | None
    header_row: int | None
    encoding: str | None
    delimiter: str | None
    project_id: str | None
    process_id: str | None
    region: str | None
    report_format: str | None
    mask_pii: bool
    batch_size: int
    rate: str
    as_json: bool
    quiet: bool
    all_sheets: bool

    def mapping(self) -> LeadMapping:
        return load_mapping(
            self.mapping_path, project_id=self.project_id, process_id=self.process_id, default_region=self.region
        )

    def read_options(self) -> ReadOptions:
        if self.all_sheets and self.sheet is not None:
            raise ConfigError("--all-sheets reads every sheet that fits the mapping; leave out --sheet.")
        return ReadOptions(
            sheet=self.sheet,
            header_row=self.header_row,
            encoding=self.encoding,
            delimiter=self.delimiter,
            all_sheets=self.all_sheets,
        )

    def report(self) -> tuple[Path, str]:
        """The report's path and format; refuses a report path that would overwrite the input or the mapping."""
        target, fmt = report_target(self.file, self.report_path, self.report_format)  # (never the input file)
        if same_file(target, self.mapping_path):
            raise ConfigError(
                f"--report {target} would overwrite the mapping; choose another report path "
                f"(the default is {default_report_path(self.file)})."
            )
        _check_writable(target)
        return target, fmt

    @property
    def progress(self) -> bool:
        return not (self.quiet or self.as_json) and sys.stderr.isatty()


def _check_writable(report: Path) -> None:
    """Refuse, before anything is read or sent, a report path that cannot be written: a folder there, a file where
    a folder on its way should be, or a folder this user may not write in (the leads would be sent, and only then
    the report fail)."""
    if report.is_dir():
        raise ConfigError(f"--report {report} is a folder; name a file in it (e.g. {report / 'report.xlsx'}).")
    folder = report.parent
    while not folder.exists() and folder != folder.parent:
        folder = folder.parent
    if not folder.is_dir():
        raise ConfigError(
            f"--report {report} cannot be written: {folder} is a file, not a folder; choose another report path."
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ConfigError(
            f"--report {report} cannot be written: no permission to write in {folder}; choose another report path."
        )


def source_options(func: F) -> F:
    """Options shared by every command that reads a lead file; the command gets them as ``source``."""

    @functools.wraps(func)
    def packed(**kwargs: Any) -> Any:
        names = SourceArgs.__dataclass_fields__
        source = SourceArgs(**{k: kwargs.pop(k) for k in list(kwargs) if k in names})
        return func(source=source, **kwargs)

    wrapped: Any = packed
    for option in reversed(
        [
            click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
            click.option(
                "--mapping",
                "-m",
                "mapping_path",
                required=True,
                type=click.Path(dir_okay=False, path_type=Path),
                help="Mapping YAML (see mappings/example.yaml).",
            ),
            click.option(
                "--report",
                "report_path",
                type=click.Path(dir_okay=False, path_type=Path),
                help="Where to write the per-row report [default: <file>.report.csv beside the input].",
            ),
            click.option(
                "--sheet",
                help="Sheet name (or 1-based number) to read [default: the first sheet whose header fits the mapping].",
            ),
            click.option(
                "--all-sheets",
                is_flag=True,
                help="Read every sheet whose header fits the mapping, as one run with one report "
                "(sheet_row says Jan!5).",
            ),
            click.option(
                "--header-row", type=click.IntRange(min=1), help="Row number of the header [default: detected]."
            ),
            click.option(
                "--encoding",
                help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252, Mac Roman, cp1251, cp932, GB18030, ...].",
            ),
            click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected]."),
            click.option("--project-id", help="Vox project id [default: the mapping's project_id]."),
            click.option("--process-id", help="Vox process id [default: the mapping's process_id]."),
            click.option(
                "--region",
                help="Country of phones written without a country code, where a row names none: IN, US, +44, "
                "Germany [default: the mapping's default_region].",
            ),
            click.option(
                "--report-format",
                type=click.Choice(["csv", "xlsx"]),
                help="Report format [default: from the --report suffix, else csv].",
            ),
            click.option(
                "--mask-pii",
                is_flag=True,
                help="Mask phones (all but the last 4 digits) and emails (first letter and domain) in everything shown or written; the CRM still gets them whole.",
            ),
            click.option(
                "--batch-size",
                type=click.IntRange(1, MAX_BATCH),
                default=MAX_BATCH,
                show_default=True,
                help="Leads per request.",
            ),
            click.option(
                "--rate",
                default="100/5s",
                show_default=True,
                help="Request budget shared by all requests: COUNT/SECONDSs.",
            ),
            click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout."),
            click.option(
                "--quiet",
                "-q",
                is_flag=True,
                help="Print nothing but errors, the note naming other sheets that fit the mapping (not read), and --json output.",
            ),
        ]
    ):
        wrapped = option(wrapped)
    return wrapped  # type: ignore[no-any-return]


class Finite(click.FloatRange):
    """A ``click.FloatRange`` that refuses nan and inf too: nan passes its comparisons (``--settle nan`` took a
    file without waiting for it to settle)."""

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        number = super().convert(value, param, ctx)
        if not math.isfinite(number):
            self.fail(f"{value!r} is not a finite number.", param, ctx)
        return number


def parse_rate(text: str) -> RateLimit:
    """``100/5s``, ``100/5`` or ``100`` (per 5 s) → a rate limit."""
    count, _, window = text.strip().lower().partition("/")
    try:
        requests, seconds = int(count), float(window.rstrip("s") or 5.0)
    except ValueError:
        raise ConfigError(f"--rate must look like 100/5s (requests per seconds), got {text!r}.") from None
    if requests < 1 or not 0 < seconds < math.inf:
        raise ConfigError(f"--rate must allow at least one request in a positive window, got {text!r}.")
    return RateLimit(requests, seconds)


def refuse_with_no_ledger(no_ledger: bool, **given: bool) -> None:
    """A usage error (exit 2) when --no-ledger comes with a ledger option (each keyword is an option's name,
    with _ for -, and whether it was given): which one was meant cannot be told, and taking either silently
    either sends without the ledger the user named or records what they asked not to."""
    named = [f"--{name.replace('_', '-')}" for name, on in given.items() if on]
    if no_ledger and named:
        raise click.UsageError(
            f"{' and '.join(named)} and --no-ledger contradict each other: give --no-ledger alone to check and "
            f"record nothing, or {' and '.join(named)} without it."
        )


def ledger_option(help: str = "Ledger file [default: as for run].") -> Callable[[F], F]:
    """The ``--ledger PATH`` option, given to the command as ``ledger_path``."""
    return click.option("--ledger", "ledger_path", type=click.Path(dir_okay=False, path_type=Path), help=help)
