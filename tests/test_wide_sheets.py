"""A sheet of thousands of columns (a survey or form export): each row's report line and the metadata the
CRM stores for each lead are what the columns hold, column by column, however many columns there are."""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from pathlib import Path

from importer.normalize.bounds import METADATA_LIMIT
from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import good_phones, run_env

COLUMNS = 3_000
ROWS = 40
WIDE_MAPPING = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
metadata_unmapped: true
fields:
  name: Name
  phone: Phone
  email: Email
"""


def _headers() -> list[str]:
    """Name, Phone, Email, then survey questions; five of them share the header Note (read as Note, Note (2) ...)."""
    questions = [f"Question {i}" for i in range(COLUMNS - 3)]
    questions[100:105] = ["Note"] * 5
    return ["Name", "Phone", "Email", *questions]


def _metadata_keys() -> list[str]:
    keys = _headers()[3:]
    keys[100:105] = ["Note", "Note (2)", "Note (3)", "Note (4)", "Note (5)"]
    return keys


def _wide_sheet(path: Path) -> tuple[list[list[str]], list[str]]:
    """The sheet's data rows as written, and their phones: answers with spaces around some, Excel's #N/A, an
    empty column, a very long comment far to the right, a row with an invalid phone, and one repeating two
    of the headers below the leads (a second export's partial header)."""
    rng = random.Random(21)
    phones = good_phones(ROWS, seed=21)
    answers = ["yes", "no", " maybe ", "", "", "#N/A", "4", "=SUM(A1)", "Pune, MH", 'say "hi"', '="0042"', "'007"]
    rows = []
    for r in range(ROWS):
        cells = [rng.choice(answers) for _ in range(COLUMNS - 3)]
        cells[7] = ""  # a column nobody answered
        rows.append([f"Person {r}", phones[r], f"person{r}@example.com", *cells])
    rows[5][COLUMNS - 2] = "long comment " + "x" * (METADATA_LIMIT + 500)
    rows[9][1] = "98220abcde"
    rows.append(["", "", "", "Question 0", "Question 1", *[""] * (COLUMNS - 5)])
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([_headers(), *rows])
    return rows, phones


def _as_read(cell: str) -> str:
    """A cell as spreadsheets show it: ="0042" is 0042 and '007 is 007."""
    if cell.startswith('="') and cell.endswith('"'):
        return cell[2:-1]
    return cell.removeprefix("'")


def _expected_metadata(row: list[str]) -> dict[str, str]:
    """What the CRM should store for a row: every non-empty answer, trimmed, keyed by its column's header;
    Excel's error values left out, and a value cut at the metadata limit."""
    out = {}
    for key, cell in zip(_metadata_keys(), row[3:], strict=True):
        value = _as_read(cell).strip()
        if value and value != "#N/A":
            out[key] = value[:METADATA_LIMIT]
    return out


def test_a_sheet_of_thousands_of_columns_sends_every_answer_as_the_leads_metadata(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """3,000 columns x 40 rows imported into the sandbox: each stored lead's metadata holds its row's answers
    under their headers (trimmed, unwrapped, #N/A left out, a 2,500-character comment cut with a warning); the report has
    one line per row with every sheet column as written; the invalid row and the repeated header are not sent."""
    sheet = tmp_path / "survey.csv"
    rows, phones = _wide_sheet(sheet)
    report = tmp_path / "survey.report.csv"
    mapping = str(mapping_file(WIDE_MAPPING))
    args = ["--mapping", mapping, "--report", str(report), "--rate", "2000/1s", "--no-ledger"]
    result = run_cli("run", str(sheet), *args, env=run_env(sandbox.base_url))
    assert result.exit_code == 1, result.stderr  # the row with an invalid phone

    lines = by_row(result.report)
    assert sorted(lines) == list(range(2, ROWS + 3))
    assert lines[11]["status"] == "invalid" and "invalid-phone" in lines[11]["reason"]
    assert lines[ROWS + 2]["status"] == "skipped" and lines[ROWS + 2]["reason"] == "repeated-header"
    accepted = [n for n, line in lines.items() if line["status"] == "accepted"]
    assert len(accepted) == ROWS - 1
    assert "metadata-truncated" in lines[7]["warnings"]
    assert all("metadata-truncated" not in lines[n]["warnings"] for n in accepted if n != 7)
    keys = _metadata_keys()
    for n in (2, 7, 30):  # every sheet column as written beside the report's own (a formula made text for Excel)
        written = ["'" + cell if cell.startswith("=") else cell for cell in map(_as_read, rows[n - 2])]
        assert [lines[n][k] for k in ("Name", "Phone", "Email", *keys)] == written

    stored = {lead["phone"]: lead for lead in sandbox.leads()}
    assert len(stored) == ROWS - 1
    for r, row in enumerate(rows[:ROWS]):
        if r == 9:
            assert not any(lead["name"] == row[0] for lead in stored.values())
            continue
        lead = stored["+91" + phones[r]]
        assert lead["name"] == row[0] and lead["email"] == row[2]
        assert lead["metadata"] == _expected_metadata(row), f"row {r + 2}"
        assert lines[r + 2]["lead_id"] == lead["_id"]


def test_a_sheet_wider_than_excel_gets_a_csv_report_and_a_clear_word_for_xlsx(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """17,000 columns fit in a CSV report; an .xlsx report is refused with what to do (it was an internal error)."""
    sheet = tmp_path / "wide.csv"
    headers = ["Name", "Phone", "Email", *(f"Q{i}" for i in range(16_997))]
    phones = good_phones(2, seed=22)
    body = [f"P{r},{phones[r]},p{r}@example.com," + ",".join(["a"] * 16_997) for r in range(2)]
    sheet.write_text("\n".join([",".join(headers), *body]) + "\n", encoding="utf-8")
    mapping = str(mapping_file(WIDE_MAPPING))
    done = run_cli("validate", str(sheet), "--mapping", mapping, "--report", str(tmp_path / "r.csv"))
    assert done.exit_code == 0, done.stderr
    assert [row["status"] for row in done.report] == ["valid", "valid"] and done.report[1]["Q16996"] == "a"
    refused = run_cli("validate", str(sheet), "--mapping", mapping, "--report", str(tmp_path / "r.xlsx"))
    assert refused.exit_code == 2 and "17,009 columns do not fit in an Excel sheet" in refused.stderr
    assert "use a .csv report" in refused.stderr and "internal error" not in refused.stderr
    assert not (tmp_path / "r.xlsx").exists()
