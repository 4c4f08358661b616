"""``leadimport issues``: the issue catalogue, as a list, one code in full, JSON or the docs' Markdown table."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterable

import click

from importer import issues

_HEADINGS = {
    "error": "Errors (reason column; the row is invalid and not sent):",
    "warning": "Warnings (warnings column; the row is sent with the change said):",
    "note": "Skipped rows (reason column; the row is not a lead):",
}


@click.command("issues")
@click.argument("codes", nargs=-1)
@click.option("--json", "as_json", is_flag=True, help="Print the catalogue (or the CODES given) as JSON.")
@click.option("--markdown", is_flag=True, help="Print the catalogue as the Markdown table of docs/report.md.")
def issues_command(codes: tuple[str, ...], as_json: bool, markdown: bool) -> None:
    """List every code a report's reason and warnings columns can hold; with CODES, explain those in full.

    CODES may be copied from a report's cell as it is (invalid-phone,phone-other-country:US).

    Exit codes: 0, or 2 when a CODE given is not in the catalogue.
    """
    # As a report cell writes them: several codes with commas, each with a detail after a colon.
    written = [part.strip() for code in codes for part in code.split(",") if part.strip()]
    details = {issues.split_code(code)[0]: issues.split_code(code)[1] for code in written}
    unknown = [code for code in written if issues.split_code(code)[0] not in issues.CODES]
    unknown += [repr(code) for code in codes if not code.strip(", ")]
    if unknown:
        click.echo(f"error: no such issue code: {', '.join(unknown)} (leadimport issues lists them all).", err=True)
        raise SystemExit(2)
    chosen = [issue for issue in issues.CATALOGUE if not codes or issue.code in details]
    if as_json:
        click.echo(json.dumps([dataclasses.asdict(issue) for issue in chosen], indent=2, ensure_ascii=False))
    elif markdown:
        click.echo(markdown_table(chosen), nl=False)
    elif codes:
        for issue in chosen:
            cells = ", ".join(issue.fields) or "the whole row"
            detail = details.get(issue.code) or issue.detail_example
            click.echo(f"{issue.code} ({issue.severity}; cells: {cells})\n  {issue.title}")
            click.echo(f"  What it means: {issue.explanation.format(**issues.EXAMPLE_VALUES, detail=detail)}")
            click.echo(f"  What to do: {issue.fix.format(**issues.EXAMPLE_VALUES, detail=detail)}\n")
    else:
        for severity in issues.SEVERITIES:
            click.echo(_HEADINGS[severity])
            for issue in chosen:
                if issue.severity == severity:
                    click.echo(f"  {issue.code:<25}{issue.title}")
        click.echo("\nleadimport issues CODE explains a code in full.")


def markdown_table(chosen: Iterable[issues.Issue] = issues.CATALOGUE) -> str:
    """The issues as a Markdown table (code, severity, fields, meaning, fix), as ``docs/report.md`` shows them."""

    def cell(text: str) -> str:
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| code | severity | cells | what it means | what to do |", "|---|---|---|---|---|"]
    for issue in chosen:
        fields = ", ".join(issue.fields) or "(row)"
        values = {**issues.EXAMPLE_VALUES, "detail": issue.detail_example}
        explanation = issue.explanation.format(**values)
        fix = issue.fix.format(**values)
        code = f"{issue.code}:{issue.detail_example}" if issue.detail_example else issue.code
        lines.append(f"| `{code}` | {issue.severity} | {fields} | {cell(explanation)} | {cell(fix)} |")
    return "\n".join(lines) + "\n"
