"""The summary a command prints: counts, reasons, stops, where the report is; or the same as JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from importer.filenames import message_line, one_line
from importer.pipeline import Outcome
from importer.read.source import SourceTable, describe_delimiter


def render(
    outcome: Outcome, report: Path | None, *, as_json: bool, quiet: bool, report_problem: str | None = None
) -> None:
    """The summary: counts per status, most common reasons, where the report is (None: not written, for
    ``report_problem``, said on stderr in every mode)."""
    dry_run = outcome.plan is not None
    table = outcome.prepared.table
    summary = outcome.summary
    if as_json:
        payload = {
            "file": table.path,
            "sheet": table.sheet,
            "sheets_also_fitting": list(table.also_fit),
            "notes": list(table.notes),
            "header_row": table.header_row,
            "report": str(report.resolve()) if report is not None else None,
            "report_problem": report_problem,
            "exit_code": 3 if report_problem else outcome.exit_code,
            "stopped": outcome.stop_message,
            "stop_kind": outcome.stop_kind.value if outcome.stop_kind is not None else None,
            "blocked_until": outcome.blocked_until.isoformat(timespec="seconds") if outcome.blocked_until else None,
            "run_id": outcome.run_id,
            "ledger": str(outcome.ledger_path) if outcome.ledger_path is not None else None,
            **summary.as_dict(),
        }
        if outcome.plan is not None:
            payload["send_plan"] = outcome.plan.as_dict()
        click.echo(json.dumps(payload, indent=2))
        _echo_stop(outcome)
        if report_problem:
            click.echo(f"error: {report_problem}", err=True)
        return
    if quiet:  # leads on sheets not read would go unnoticed in a scheduled job: said even then
        if table.also_fit:
            click.echo(f"{one_line(table.path)}: {_other_sheets(table)}", err=True)
        _echo_stop(outcome)
        if report_problem:
            click.echo(f"error: {report_problem}", err=True)
        return
    where = f"sheet {table.sheet!r}, " if table.sheet else ""
    extra = f", {table.encoding}, {describe_delimiter(table.delimiter)}-separated" if table.encoding else ""
    click.echo(f"{one_line(table.path)} ({where}header on {table.header_text}{extra}): {summary.total} data rows")
    if table.also_fit:
        click.echo(_other_sheets(table))
    for note in table.notes:
        click.echo(f"Note: {note}.")
    for note in summary.notes:
        click.echo(f"Note: {note}.")
    for status, n in summary.counts.items():
        click.echo(f"  {status:<17}{n:>9}")
    if summary.top_reasons:
        click.echo("Most common problems:")
        for reason, n in summary.top_reasons:
            click.echo(f"  {reason:<24}{n:>9}")
    if summary.top_rejections:
        click.echo("Most common CRM rejections:")
        for message, n in summary.top_rejections:
            click.echo(f"  {n:>7}  {message_line(message)}")  # the CRM's words, which may quote a cell
    if summary.top_pending:
        click.echo("Why rows are pending:")
        for message, n in summary.top_pending:
            click.echo(f"  {n:>7}  {message_line(message)}")
    _echo_stop(outcome)
    if outcome.plan is not None and outcome.ledger_path is not None:
        click.echo(f"Checked against the ledger {outcome.ledger_path} (read only; --no-ledger: the file alone).")
    if outcome.plan is not None:
        click.echo(outcome.plan.describe())
    if dry_run and not outcome.prepared.project_id:
        click.echo("Note: no project/process id, so derived referenceIds are left blank in this dry run.")
    if report_problem:  # on stderr with the other reasons a run did not end well; not the CRM's doing
        click.echo(f"\nerror: {report_problem}", err=True)
        click.echo("Report: not written (the error is on stderr; the CRM has the leads the counts say).")
    else:
        click.echo(f"Report: {report.resolve()}" if report is not None else "Report: not written (see above).")


def _echo_stop(outcome: Outcome) -> None:
    """Why the run stopped, on stderr: said in every mode, --quiet and --json included; on one line, whatever the
    CRM's words quoted in it hold (--json's ``stopped`` has them as they came)."""
    if outcome.interrupted_at_the_end:
        click.echo("\nInterrupted at the end: every row already had its answer, none is pending.", err=True)
    elif outcome.stop_message and outcome.summary.counts.get("pending"):
        click.echo(f"\nStopped: {message_line(outcome.stop_message)}", err=True)
    elif outcome.stop_message:  # every row had its answer first: no row waits, but the key may be blocked
        click.echo(
            "\nEvery row has its answer (none is pending), but the CRM then stopped the run: "
            + message_line(outcome.stop_message),
            err=True,
        )


def _other_sheets(table: SourceTable) -> str:
    """The note naming the workbook's other sheets that fit the mapping (not read: one sheet per run)."""
    others = ", ".join(repr(name) + (" (hidden)" if name in table.hidden_sheets else "") for name in table.also_fit)
    many = len(table.also_fit) > 1
    return (
        f"Note: {'sheets' if many else 'sheet'} {others} {'fit' if many else 'fits'} the mapping too and "
        f"{'were' if many else 'was'} not read; run the same command with --sheet NAME for each."
    )
