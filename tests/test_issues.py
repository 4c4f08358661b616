"""The issue catalogue: every code a report can hold is in it, and what users read about codes comes from it."""

from __future__ import annotations

import ast
import codecs
import json
import re
from collections.abc import Callable
from pathlib import Path

from openpyxl import load_workbook

from importer import errors, issues
from importer.cli.catalogue import markdown_table
from importer.report.rows import STATUS_ORDER
from importer.send.pending import PendingKind
from tests.conftest import PROCESS, PROJECT, ROOT, CliRun

CODE_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$")
# In the source a code may be the start of an f-string that adds its detail: f"phone-from-column:{header}".
SOURCE_CODE = re.compile(r"^([a-z][a-z0-9]*(?:-[a-z0-9]+)+):?$")
# A code as a module would write it: alone, or with a colon and its detail (or the start of an f-string adding it).
WRITTEN_CODE = re.compile(r"^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)(?::\S*)?$")

# Kebab-case words in the source that are not row codes (statuses and encodings are recognised apart).
NOT_ISSUE_CODES = {
    "in-flight": "ledger state of a lead sent and not yet answered",
    "before-request": "crash point for tests (importer._testing.faults)",
    "after-answer": "crash point for tests",
    "after-record": "crash point for tests",
    "after-claim": "crash point for tests",
    "complete-with-problems": "a run's outcome in the ledger",
    "phone-like": "a column's kind in `leadimport inspect`",
    "email-like": "a column's kind in `leadimport inspect`",
    "date-like": "a column's kind in `leadimport inspect`",
    "name-like": "a column's kind in `leadimport inspect`",
    "e-posta": "a header word mapping suggest knows (Turkish)",
    "e-post": "a header word mapping suggest knows (Nordic)",
    "e-postadress": "a header word mapping suggest knows (Swedish)",
    "e-postadresse": "a header word mapping suggest knows (Norwegian, Danish)",
    "leadimport-seal": "a thread's name",
    "sandbox-crm": "a thread's name",
    "sandbox-token": "the sandbox's default token",
    "re-index": "a ledger transaction's name",
    "read-only": "a word in SQLite's error messages",
    "retry-after": "an HTTP header's name",
    "ratelimit-reset": "an HTTP header's name",
    "x-ratelimit-reset": "an HTTP header's name",
    "x-rate-limit-reset": "an HTTP header's name",
    "x-ratelimit-reset-after": "an HTTP header's name",
    "sandbox-token-renewed": "the sandbox's default renewed token",
    "cache-control": "an HTTP header's name",
    "content-length": "an HTTP header's name",
    "content-security-policy": "an HTTP header's name",
    "x-csrftoken": "an HTTP header's name",
    "x-frame-options": "an HTTP header's name",
    "no-store": "an HTTP header's value",
    "key-blocked": "an event of the drop-folder watcher (importer.watch)",
    "leadimport-file": "a thread's name",
    "leadimport-events": "a thread's name",
    "leadimport-notify": "a thread's name",
    "leadimport-watch-heartbeat": "a thread's name",
    "leadimport-helper": "a thread's name",
    "table-row": "an OpenDocument element's name (importer.read.ods_rows)",
    "table-cell": "an OpenDocument element's name",
    "covered-table-cell": "an OpenDocument element's name",
    "number-rows-repeated": "an OpenDocument attribute's name",
    "number-columns-repeated": "an OpenDocument attribute's name",
    "value-type": "an OpenDocument attribute's name",
    "leadimport-web": "a thread's name",
    "leadimport-session": "the upload page's cookie",
    "e-mail-adresse": "a header word mapping suggest knows (German)",
    "e-mailadres": "a header word mapping suggest knows (Dutch)",
    "iso3166-1": "pycountry's database name",
    "email-typo-fixer": "a PyPI package's name",
}


ERROR_CODES = {
    cls.code for cls in vars(errors).values() if isinstance(cls, type) and issubclass(cls, errors.LeadImportError)
}
"""What `--json` names a failed operation (an exception's kind, not a row's issue)."""

STOP_KINDS = {kind.value for kind in errors.StopKind}
"""Why an import stopped (``Outcome.stop_kind``): a run's, not a row's."""

PENDING_KINDS = {kind.value for kind in PendingKind}
"""Why an import left rows pending (``Outcome.pending``): said in words by the row's reason, not by a code."""


def _not_a_code(word: str) -> bool:
    if (
        word in NOT_ISSUE_CODES
        or word in STATUS_ORDER
        or word in ERROR_CODES
        or word in STOP_KINDS
        or word in PENDING_KINDS
    ):
        return True
    try:
        codecs.lookup(word)
    except LookupError:
        return False
    return True


def _code_like_literals(path: Path) -> set[str]:
    return _code_like_literals_of(path.read_text(encoding="utf-8"))


def test_every_code_like_string_in_the_source_is_in_the_catalogue() -> None:
    """A new issue, warning or skip code written anywhere in importer/ fails here until the catalogue has it."""
    strays = {
        f"{word} ({path.relative_to(ROOT)})"
        for path in sorted((ROOT / "importer").rglob("*.py"))
        for word in _code_like_literals(path)
        if word not in issues.CODES and not _not_a_code(word)
    }
    assert not strays, f"codes missing from importer/issues.py: {sorted(strays)}"


def test_every_code_the_docs_name_is_in_the_catalogue() -> None:
    """The README and docs/ name only codes that exist (a renamed code leaves no stale word behind)."""
    texts = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
    named = {
        (word, path.name)
        for path in texts
        for word in re.findall(r"`([a-z][a-z0-9]*(?:-[a-z0-9]+)+)`", path.read_text(encoding="utf-8"))
    }
    strays = sorted(f"{word} ({name})" for word, name in named if word not in issues.CODES and not _not_a_code(word))
    assert not strays


def test_the_static_scan_finds_a_new_code() -> None:
    """The scan above is no blank check: a code written in a module is found."""
    assert {"brand-new-code"} <= _code_like_literals_of('warnings.append("brand-new-code")')
    assert {"new-code"} <= _code_like_literals_of('code = f"new-code:{detail}"')


def test_no_module_writes_a_catalogued_code_as_a_literal() -> None:
    """Outside the catalogue a code is written through its entry (``issues.INVALID_PHONE.code``), never as a
    string: a code renamed or retired in importer/issues.py changes, or breaks, every place that writes it."""
    catalogue = {ROOT / "importer" / "issues.py", ROOT / "importer" / "issue_skips.py"}
    literals = {
        f"{word} ({path.relative_to(ROOT)})"
        for path in sorted((ROOT / "importer").rglob("*.py"))
        if path not in catalogue
        for word in _catalogued_literals_of(path.read_text(encoding="utf-8"))
    }
    assert not literals, f"write these codes as importer.issues constants: {sorted(literals)}"


def test_the_literal_scan_finds_a_catalogued_code() -> None:
    """The scan above is no blank check: a bare code, a code that starts an f-string with its detail, and a
    one-word code are found; a sentence or docstring naming a code is not a literal code."""
    assert _catalogued_literals_of('issue = "invalid-phone"') == {"invalid-phone"}
    assert _catalogued_literals_of('code = f"phone-other-country:{label}"') == {"phone-other-country"}
    assert _catalogued_literals_of('codes[reasons.get("short-row")] = "excluded"') == {"short-row", "excluded"}
    assert _catalogued_literals_of('def f():\n    """Gives ``invalid-phone`` or ``no-region``."""') == set()
    phones = (ROOT / "importer" / "normalize" / "phones.py").read_text(encoding="utf-8")
    assert "repeated-digits" not in _catalogued_literals_of(phones)
    assert "repeated-digits" in _catalogued_literals_of(
        phones.replace("issues.REPEATED_DIGITS.code", '"repeated-digits"')
    )


def _code_like_literals_of(source: str) -> set[str]:
    return _literals_of(source, SOURCE_CODE)


def _catalogued_literals_of(source: str) -> set[str]:
    """The catalogued codes ``source`` writes as string constants, bare or before a colon and detail."""
    return _literals_of(source, WRITTEN_CODE) & issues.CODES


def _literals_of(source: str, pattern: re.Pattern[str]) -> set[str]:
    """The first group of ``pattern`` in each string constant of ``source`` it matches."""
    return {
        found.group(1)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and (found := pattern.match(node.value)) is not None
    }


def test_catalogue_entries_are_complete_and_unique() -> None:
    """Each entry has every part filled in, its placeholders fill, and (code, severity) is never repeated."""
    keys = [(issue.code, issue.severity) for issue in issues.CATALOGUE]
    assert len(keys) == len(set(keys))
    for issue in issues.CATALOGUE:
        assert re.fullmatch(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*", issue.code)
        assert issue.severity in issues.SEVERITIES
        assert issue.title and issue.explanation.endswith(".") and issue.fix.endswith(".")
        assert "{" not in issue.note()
        assert not (issue.severity == "note" and issue.fields)  # a skipped row is no lead: no cell to mark
        assert issue.fields or issue.severity != "error"  # a row is invalid for a cell the person can fix
    assert issues.INVALID_PHONE is issues.lookup("invalid-phone")
    assert issues.lookup("invalid-email") is issues.INVALID_EMAIL
    assert issues.lookup("invalid-email", "warning") is issues.INVALID_EMAIL_WARNING
    assert issues.lookup("no-such-code") is None


MESSY_MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: [Name]
  lastName:
    columns: [Last Name]
    required: false
  phone: [Mobile]
  phoneCountryCode:
    columns: [Code]
    required: false
  email:
    columns: [Email]
    required: false
  referenceId:
    columns: [Lead ID]
    required: false
"""

MESSY_ROWS = [
    "Leads export",
    "",
    "Name,Last Name,Code,Mobile,Email,Lead ID",
    "Branch: Pune,,,,,",
    "Asha,,,98123 45601,asha@example.com,L1",
    "Ravi,,,12345,,L2",
    "Meena,,,9999999999,,L3",
    "Kiran,,,1234567890,,L4",
    "Sunil,,,9.87654E+09,,L5",
    "Neha,,,,not-an-email,L6",
    ",,,98123 45602,,L7",
    "Arjun,,,,,L8",
    "Pooja,,,98123 45603,bad@@mail,L9",
    "Raj,,,98123 45604 / 98123 45605,,L10",
    "Office,,,022 4012 3456 ext 12,,L11",
    "Vikram,,,+91 91 98123 45606,,L12",
    "Divya,,,98123 45607,divya@example.com; d2@example.com,L13",
    "Manoj,,,98123 45608,noemail@gmail.com,L14",
    "Sita,,,98123 45609,sales@dealer.example,L15",
    "Gita,,,98123 45610,sales@dealer.example,L16",
    "?????,,,98123 45611,,L17",
    "9812345612,,,98123 45613,,L18",
    ",Sharma,,98123 45614,,L19",
    "Anil,,,98123 45615,,1.23457E+15",
    "Bala,,99,98123 45616,,L21",
    "Chetan,,,,chetan@example.com,L22",
    "Chetan,,,98123 45617,chetan@example.com,L23",
    "Dev,,,98123 45619,,L25",
    "Dev,,,98123 45619,dev@example.com,L26",
    "Narnia Lead,,Narnia,+44 7400 123456,,L30",
    "Sam,,,(415) 835-1656,,L31",
    "Ira,,,98123 45624,ira@gmail.con,L32",
    "Tara,,,98123 45621",
    "Uma,,,uma@example.com",
    ",,,,,",
    "Leads export (page 2)",
    "Name,Last Name,Code,Mobile,Email,Lead ID",
    "Hari,,,98123 45618,,L24",
    "Total,,,,,24",
    "Generated by the CRM export tool",
]


def _codes_in(report: list[dict[str, str]]) -> set[tuple[str, str]]:
    """(code, severity) of every code in a report: reason of invalid rows (error) and skipped rows (note),
    and warnings."""
    found: set[tuple[str, str]] = set()
    for row in report:
        severity = {"invalid": "error", "skipped": "note"}.get(row["status"])
        if severity:
            found |= {(code, severity) for code in row["reason"].split(", ") if code}
        found |= {(code, "warning") for code in row["warnings"].split(", ") if code}
    return {(issues.split_code(code)[0], severity) for code, severity in found}


def _sheets(tmp_path: Path) -> list[tuple[Path, Path]]:
    messy = tmp_path / "messy.csv"
    messy.write_text("\n".join(MESSY_ROWS) + "\n", encoding="utf-8")
    mapping = tmp_path / "messy.yaml"
    mapping.write_text(MESSY_MAPPING, encoding="utf-8")
    return [
        (ROOT / "sample_data" / "dealer_leads.xlsx", ROOT / "mappings" / "dealer_leads.yaml"),
        (ROOT / "sample_data" / "event_leads.csv", ROOT / "mappings" / "event_leads.yaml"),
        (messy, mapping),
    ]


def test_every_code_in_the_sample_and_messy_reports_is_in_the_catalogue(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    """The codes the reports of the sample sheets and a messy export hold are all catalogued, with the severity
    of the column they are in."""
    seen: set[tuple[str, str]] = set()
    for sheet, mapping in _sheets(tmp_path):
        report = tmp_path / f"{sheet.stem}.report.csv"
        result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report))
        assert result.exit_code in (0, 1), result.output + result.stderr
        seen |= _codes_in(result.report)
    catalogued = {(issue.code, issue.severity) for issue in issues.CATALOGUE}
    assert seen - catalogued == set()
    # The messy sheet reaches every code but these (the check above is no empty one, and no entry is dead):
    elsewhere = {
        ("edited-on-page", "warning"),  # the upload page's own: tests/test_web.py
        ("excluded", "note"),  # the upload page's own: tests/test_web.py
        ("no-region", "error"),  # a mapping without default_region: tests/test_countries.py
        ("contact-in-name", "warning"),  # a phone or address in the name cell: tests/test_india_sheets.py
        ("template-row", "note"),  # an import template's rows: tests/test_row_shapes.py
        ("phone-from-column", "warning"),  # several phone columns: tests/test_row_shapes.py
        ("value-too-long", "error"),  # absurd cell sizes: tests/test_hostile_input.py
        ("metadata-truncated", "warning"),  # absurd cell sizes: tests/test_hostile_input.py
        ("control-characters", "warning"),  # NUL bytes in cells: tests/test_hostile_input.py
        ("phone-ambiguous-country", "error"),  # a sheet of several countries: tests/test_home_writings.py
        ("phone-ambiguous-country", "warning"),
        ("cut-off-row", "error"),  # a file that ends inside a quoted cell: tests/test_trust_gaps.py
        ("masked-email", "warning"),  # a portal's hidden addresses: tests/test_masked_contacts.py
        ("masked-phone", "warning"),  # a portal's hidden numbers: tests/test_masked_contacts.py
        ("test-lead", "note"),  # a lead form's testing tool: tests/test_test_leads.py
        ("phone-sheet-country", "error"),  # another country's sheet: tests/test_sheet_country.py
        ("phone-sheet-country", "warning"),
        ("phone-country-differs", "warning"),  # a country cell against a + code: tests/test_sheet_country.py
    }
    assert catalogued - seen == elsewhere


def test_xlsx_report_explains_every_marked_cell_from_the_catalogue(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    """In the Excel report of the messy sheet, each red or yellow cell's note is its issue's catalogue text, and
    the Summary sheet lists each problem and warning with its title and what to do."""
    (sheet, mapping) = _sheets(tmp_path)[-1]
    report = tmp_path / "messy.report.xlsx"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report))
    assert result.exit_code == 1
    book = load_workbook(report)
    rows = book["Rows"]
    header = [c.value for c in rows[1]]
    notes = {
        (row[0].value, header[i]): cell.comment.text
        for row in rows.iter_rows(min_row=2)
        for i, cell in enumerate(row)
        if cell.comment is not None
    }
    by_row = {int(r[0].value): r for r in rows.iter_rows(min_row=2)}
    assert notes[(7, "Mobile")].startswith(issues.REPEATED_DIGITS.explanation)
    assert notes[(18, "Email")] == issues.PLACEHOLDER_EMAIL.note()
    assert notes[(16, "Mobile")] == issues.COUNTRY_CODE_REPEATED.note()
    assert notes[(25, "Code")] == issues.UNKNOWN_COUNTRY.note()
    assert notes[(20, "Email")] == issues.SHARED_EMAIL.note()
    assert (19, "Email") not in notes  # the address stays with the first of them
    assert by_row[7][header.index("status")].value == "invalid"
    summary = [[c.value for c in line] for line in book["Summary"].iter_rows()]
    explained = {line[0]: line[2:4] for line in summary if line[0] in issues.CODES}
    assert explained["repeated-digits"] == [
        issues.REPEATED_DIGITS.title,
        "Type the lead's real number, e.g. 8123456789 or +91 81234 56789.",
    ]
    assert explained["placeholder-email"] == [issues.PLACEHOLDER_EMAIL.title, issues.PLACEHOLDER_EMAIL.fix]
    assert explained["missing-name"] == [issues.MISSING_NAME.title, issues.MISSING_NAME.fix]


def test_docs_issue_table_is_generated_from_the_catalogue() -> None:
    """docs/report.md holds the catalogue's current table (regenerate it with `python scripts/update_docs.py`)."""
    text = (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
    start, end = "<!-- issues:start -->\n", "<!-- issues:end -->"
    table = text[text.index(start) + len(start) : text.index(end)]
    assert table == markdown_table()


def test_issues_command_lists_and_explains_codes(run_cli: Callable[..., CliRun]) -> None:
    """`leadimport issues` lists every code; with a code it explains it; an unknown code exits 2."""
    listing = run_cli("issues")
    assert listing.exit_code == 0
    for issue in issues.CATALOGUE:
        assert f"  {issue.code}" in listing.output and issue.title in listing.output
    one = run_cli("issues", "damaged-phone")
    assert one.exit_code == 0
    assert "Type the full number as text, e.g. 8123456789 or +91 81234 56789." in one.output
    as_json = json.loads(run_cli("issues", "--json").output)
    assert [(i["code"], i["severity"]) for i in as_json] == [(i.code, i.severity) for i in issues.CATALOGUE]
    unknown = run_cli("issues", "no-such-code")
    assert unknown.exit_code == 2 and "no-such-code" in unknown.stderr


def test_issues_command_explains_codes_as_a_report_writes_them(run_cli: Callable[..., CliRun]) -> None:
    """A reason or warnings cell copied from the report (`phone-other-country:US/MX`, or several codes with
    their commas) is explained, not refused as an unknown code; the detail given is the one shown."""
    one = run_cli("issues", "phone-other-country:US/MX")
    assert one.exit_code == 0, one.stderr
    assert one.output.startswith("phone-other-country (")
    cell = run_cli("issues", "invalid-phone,phone-from-column:Alt Mobile")
    assert cell.exit_code == 0, cell.stderr
    assert "invalid-phone (" in cell.output and "phone-from-column (" in cell.output
    assert "the number of Alt Mobile is used" in cell.output
    unknown = run_cli("issues", "no-such-code:US")
    assert unknown.exit_code == 2 and "no-such-code:US" in unknown.stderr
