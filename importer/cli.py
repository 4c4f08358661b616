"""Command line: parse arguments, call the library, render the result."""

from __future__ import annotations

import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from importer.config import load_mapping
from importer.errors import LeadImportError
from importer.pipeline import Outcome, validate
from importer.read import ReadOptions, describe_delimiter

F = TypeVar("F", bound=Callable[..., Any])


def _guarded(func: F) -> F:
    """Our errors become a message and their exit code, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except LeadImportError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted.", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def source_options(func: F) -> F:
    """Options shared by every command that reads a lead file."""
    for option in reversed(
        [
            click.argument("file", type=click.Path(dir_okay=False, path_type=Path)),
            click.option("--mapping", "-m", "mapping_path", required=True, type=click.Path(dir_okay=False, path_type=Path), help="Mapping YAML (see mappings/example.yaml)."),
            click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path), help="Where to write the per-row report [default: <file>.report.csv beside the input]."),
            click.option("--sheet", help="Sheet name (or 1-based number) to read [default: the first sheet whose header fits the mapping]."),
            click.option("--header-row", type=click.IntRange(min=1), help="Row number of the header [default: detected]."),
            click.option("--encoding", help="Text file encoding [default: detected: UTF-8, UTF-16, cp1252]."),
            click.option("--delimiter", help="Text file delimiter: , ; tab | [default: detected]."),
            click.option("--project-id", help="Vox project id [default: the mapping's project_id]."),
            click.option("--process-id", help="Vox process id [default: the mapping's process_id]."),
            click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON on stdout."),
            click.option("--quiet", "-q", is_flag=True, help="Print nothing but errors (and --json output)."),
        ]
    ):
        func = option(func)
    return func


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadimport")
def main() -> None:
    """leadimport: get lead spreadsheets into the Vox CRM, every good lead exactly once."""


@main.command("validate")
@source_options
@_guarded
def validate_command(
    file: Path,
    mapping_path: Path,
    report_path: Path | None,
    sheet: str | None,
    header_row: int | None,
    encoding: str | None,
    delimiter: str | None,
    project_id: str | None,
    process_id: str | None,
    as_json: bool,
    quiet: bool,
) -> None:
    """Dry run: read, map, normalize, validate and dedupe FILE; send nothing; write the report."""
    mapping = load_mapping(mapping_path, project_id=project_id, process_id=process_id)
    options = ReadOptions(sheet=sheet, header_row=header_row, encoding=encoding, delimiter=delimiter)
    outcome = validate(file, mapping, options=options, report_path=report_path)
    render(outcome, as_json=as_json, quiet=quiet, dry_run=True)
    sys.exit(outcome.exit_code)


def render(outcome: Outcome, *, as_json: bool, quiet: bool, dry_run: bool) -> None:
    """The summary: counts per status, most common reasons, where the report is."""
    table = outcome.prepared.table
    summary = outcome.summary
    if as_json:
        payload = {
            "file": table.path,
            "sheet": table.sheet,
            "header_row": table.header_row,
            "report": str(outcome.report_path),
            "exit_code": outcome.exit_code,
            "stopped": outcome.stop_message,
            **summary.as_dict(),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    if quiet:
        return
    where = f"sheet {table.sheet!r}, " if table.sheet else ""
    extra = f", {table.encoding}, {describe_delimiter(table.delimiter)}-separated" if table.encoding else ""
    click.echo(f"{table.path} ({where}header on row {table.header_row}{extra}): {summary.total} data rows")
    for status, n in summary.counts.items():
        click.echo(f"  {status:<17}{n:>9}")
    if summary.top_reasons:
        click.echo("Most common problems:")
        for reason, n in summary.top_reasons:
            click.echo(f"  {reason:<24}{n:>9}")
    if summary.top_rejections:
        click.echo("Most common CRM rejections:")
        for message, n in summary.top_rejections:
            click.echo(f"  {n:>7}  {message}")
    if outcome.stop_message:
        click.echo(f"\nStopped: {outcome.stop_message}")
    if dry_run and not outcome.prepared.project_id:
        click.echo("Note: no project/process id, so derived referenceIds are left blank in this dry run.")
    click.echo(f"Report: {outcome.report_path}")


if __name__ == "__main__":  # pragma: no cover
    main(prog_name=os.path.basename(sys.argv[0]))
