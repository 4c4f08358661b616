"""`leadimport validate` end to end: the sample sheets row by row, counts, exit codes, report."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox
from tests.conftest import BASIC_MAPPING, PROCESS, PROJECT, ROOT, CliRun, by_row
from tests.sandbox_util import MAPPING, good_phones, run_env, write_sheet

BASIC_MAPPING_WITH_REF = BASIC_MAPPING.replace("fields:\n", "fields:\n  referenceId: Lead ID\n")

SAMPLES = ROOT / "sample_data"
MAPPINGS = ROOT / "mappings"

# sheet_row → (status, reason, warnings, duplicate_of, phone_e164)
DEALER_EXPECTED = {
    5: ("valid", "", "", "", "+919812345670"),
    6: ("valid", "", "", "", "+919741255301"),
    7: ("valid", "", "", "", "+919811223344"),
    8: ("valid", "", "", "", "+919823456781"),
    9: ("invalid", "damaged-phone", "", "", ""),
    10: ("valid", "", "repeated-digits", "", ""),  # a made-up number beside a good email: sent without it
    11: ("valid", "", "repeated-digits", "", ""),
    12: ("valid", "", "fake-phone", "", ""),
    13: ("skipped", "blank-row", "", "", ""),
    14: ("invalid", "invalid-phone", "", "", ""),
    15: ("duplicate", "", "", "5", "+919812345670"),
    16: ("valid", "", "", "", "+918877665544"),
    17: ("duplicate", "", "", "16", "+917700112233"),
    18: ("invalid", "invalid-email", "", "", ""),
    19: ("valid", "", "invalid-email", "", "+917012345678"),
    20: ("invalid", "missing-name", "", "", "+919123400567"),
    21: ("invalid", "missing-contact", "placeholder-phone", "", ""),  # its phone cell: -
    22: ("valid", "", "multiple-phones", "", "+919811022334"),
    23: ("valid", "", "phone-extension-dropped", "", "+912240123456"),
    24: ("invalid", "damaged-phone", "", "", ""),
    25: ("valid", "", "", "", "+919830012345"),
    26: ("valid", "", "", "", "+919554433221"),
    27: ("valid", "", "", "", "+919446012345"),
    28: ("valid", "", "", "", ""),
    29: ("skipped", "blank-row", "", "", ""),
    30: ("skipped", "summary-row", "", "", ""),
}
EVENT_EXPECTED = {
    3: ("valid", "", "", "", "+919822011223"),
    4: ("valid", "", "", "", "+919822033445"),
    5: ("invalid", "damaged-phone", "", "", ""),
    6: ("valid", "", "repeated-digits", "", ""),
    7: ("valid", "", "name-from-last-name", "", "+919822055667"),  # only a last name: sent as the name
    8: ("valid", "", "invalid-email", "", "+919822066778"),
    9: ("duplicate", "", "", "3", "+919822011223"),
    10: ("skipped", "blank-row", "", "", ""),
    11: ("valid", "", "", "", "+919822077889"),
    12: ("valid", "", "", "", ""),
    13: ("valid", "", "", "", "+919822099001"),
}


@pytest.mark.parametrize(
    ("sample", "mapping", "expected"),
    [
        ("dealer_leads.xlsx", "dealer_leads.yaml", DEALER_EXPECTED),
        ("event_leads.csv", "event_leads.yaml", EVENT_EXPECTED),
    ],
)
def test_sample_reports_row_by_row(
    tmp_path: Path, run_cli: Callable[..., CliRun], sample: str, mapping: str, expected: dict[int, tuple[str, ...]]
) -> None:
    """Every row of each shipped sample gets the status, reason and warnings a person would expect."""
    report = tmp_path / "report.csv"
    result = run_cli("validate", str(SAMPLES / sample), "--mapping", str(MAPPINGS / mapping), "--report", str(report))
    assert result.exit_code == 1, result.stderr
    got = {
        r: (row["status"], row["reason"], row["warnings"], row["duplicate_of"], row["phone_e164"])
        for r, row in by_row(result.report).items()
    }
    assert got == expected


def test_counts_add_up_and_summary_is_printed(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """One report row per data row; the printed counts add up to the data rows; the report path is shown."""
    report = tmp_path / "report.csv"
    result = run_cli(
        "validate",
        str(SAMPLES / "dealer_leads.xlsx"),
        "--mapping",
        str(MAPPINGS / "dealer_leads.yaml"),
        "--report",
        str(report),
    )
    assert [int(r["sheet_row"]) for r in result.report] == list(range(5, 31))
    assert "26 data rows" in result.output
    counts = {
        line.split()[0]: int(line.split()[1])
        for line in result.output.splitlines()
        if line.startswith("  ") and line.split()[0] in {"valid", "invalid", "duplicate", "skipped"}
    }
    assert counts == {"valid": 15, "invalid": 6, "duplicate": 2, "skipped": 3}
    assert sum(counts.values()) == len(result.report)
    assert f"Report: {report}" in result.output


def test_report_keeps_original_columns_and_values(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """The report starts with the status columns, then every original column with the cell as read."""
    report = tmp_path / "report.csv"
    result = run_cli(
        "validate",
        str(SAMPLES / "event_leads.csv"),
        "--mapping",
        str(MAPPINGS / "event_leads.yaml"),
        "--report",
        str(report),
    )
    header = list(result.report[0].keys())
    assert header[:9] == [
        "sheet_row",
        "status",
        "reason",
        "warnings",
        "duplicate_of",
        "phone_e164",
        "email",
        "referenceId",
        "lead_id",
    ]
    assert header[9:] == ["Lead ID", "First Name", "Last Name", "Phone Number", "E-mail", "Company"]
    row4 = by_row(result.report)[4]
    assert (row4["First Name"], row4["Last Name"], row4["Company"], row4["referenceId"]) == (
        "Renée",
        "D'Souza",
        "Café Mocha",
        "EXPO-002",
    )


def test_default_report_path_beside_input(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Without --report the report is <name>.report.csv next to the input, and exit 0 when all rows are fine."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nAsha,9822033445\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()))
    assert result.exit_code == 0
    assert (tmp_path / "leads.report.csv").exists()


def test_a_report_named_as_another_format_is_refused_before_reading(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """--report out.xls would be CSV text Excel warns about: refused with the names that work (exit 2)."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nAsha,9822033445\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "out.xls"))
    assert result.exit_code == 2
    assert "a report is written as .xlsx (Excel) or .csv, not .xls; name it out.xlsx or out.csv" in result.stderr
    assert not (tmp_path / "out.xls").exists()


@pytest.mark.parametrize(("name", "fmt", "right"), [("out.csv", "xlsx", "out.xlsx"), ("out.xlsx", "csv", "out.csv")])
def test_a_report_format_the_report_name_contradicts_is_refused_before_anything_is_sent(
    tmp_path: Path,
    run_cli: Callable[..., CliRun],
    mapping_file: Callable[..., Path],
    sandbox: Sandbox,
    name: str,
    fmt: str,
    right: str,
) -> None:
    """--report out.csv --report-format xlsx wrote an Excel workbook named .csv (Excel refuses it, a script reads
    it as text), and the reverse: run --help says the format follows the name unless given, so a given one that the
    name contradicts is a usage error (exit 2) naming the name that fits, for validate and for run (nothing sent)."""
    sheet = tmp_path / "leads.csv"
    write_sheet(sheet, good_phones(2, seed=77))
    report = tmp_path / name
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report),
                      "--report-format", fmt)  # fmt: skip
    assert checked.exit_code == 2, checked.stderr
    assert f"--report-format {fmt}" in checked.stderr and f"name it {right}" in checked.stderr
    sent = run_cli("run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report),
                   "--report-format", fmt, env=run_env(sandbox.base_url))  # fmt: skip
    assert sent.exit_code == 2, sent.stderr
    assert f"name it {right}" in sent.stderr
    assert not report.exists() and sandbox.leads() == []


def test_json_summary(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """--json prints a machine-readable summary with counts and the report path."""
    report = tmp_path / "report.csv"
    result = run_cli(
        "validate",
        str(SAMPLES / "event_leads.csv"),
        "--mapping",
        str(MAPPINGS / "event_leads.yaml"),
        "--report",
        str(report),
        "--json",
    )
    data = json.loads(result.output)
    assert data["counts"] == {"valid": 8, "duplicate": 1, "invalid": 1, "skipped": 1}
    assert data["total"] == 11 and data["report"] == str(report) and data["exit_code"] == 1


def test_unreadable_input_exits_2(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A file that is not there exits 2 with its name and no traceback."""
    result = run_cli("validate", str(tmp_path / "nope.csv"), "--mapping", str(mapping_file()))
    assert result.exit_code == 2
    assert "nope.csv: file not found" in result.stderr


def test_many_rows_counts_invariant(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """On a few thousand mixed rows, every data row appears exactly once in the report."""
    lines = ["Name,Phone,Email"]
    for i in range(3000):
        kind = i % 7
        phone = [f"98220{i:05d}", f"+91 97{i:08d}", "bad", "", "9999999999", f"98220{i - 1:05d}", "N/A"][kind]
        lines.append(f"{'' if i % 11 == 0 else 'P' + str(i)},{phone},{'x' + str(i) + '@y.com' if i % 3 else ''}")
        if i % 500 == 0:
            lines.append(",,")
    sheet = tmp_path / "many.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = [int(r["sheet_row"]) for r in result.report]
    assert rows == list(range(2, len(lines) + 1))
    assert all(r["status"] in {"valid", "invalid", "duplicate", "skipped"} for r in result.report)


def test_fixed_xlsx_report_can_be_validated_again(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A person fixes a bad phone in the Excel report and validates that file: our columns are ignored, the fix counts."""
    from openpyxl import load_workbook

    report = tmp_path / "report.xlsx"
    first = run_cli(
        "validate",
        str(SAMPLES / "event_leads.csv"),
        "--mapping",
        str(MAPPINGS / "event_leads.yaml"),
        "--report",
        str(report),
    )
    assert first.exit_code == 1
    book = load_workbook(report)
    rows = book["Rows"]
    header = [c.value for c in rows[1]]
    damaged = next(r for r in rows.iter_rows(min_row=2) if r[header.index("reason")].value == "damaged-phone")
    damaged[header.index("Phone Number")].value = "98220 44321"
    book.save(report)
    again = tmp_path / "again.csv"
    second = run_cli("validate", str(report), "--mapping", str(MAPPINGS / "event_leads.yaml"), "--report", str(again))
    fixed = next(r for r in second.report if r["Lead ID"] == "EXPO-003")
    assert (fixed["status"], fixed["phone_e164"], fixed["email"]) == ("valid", "+919822044321", "irfan.khan@gmail.com")


def test_two_exports_pasted_one_below_the_other(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """The second export's title line and header are skipped; its leads are read; exit 0."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\nAsha,9822033445,a@x.com\n\nLeads export - April 2026,,\nName,Phone,Email\n"
        "Ravi,9822044556,r@x.com\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["reason"]) for n in range(2, 7)] == [
        ("valid", ""),
        ("skipped", "blank-row"),
        ("skipped", "title-row"),
        ("skipped", "repeated-header"),
        ("valid", ""),
    ]
    assert result.exit_code == 0


def test_repeated_header_and_summary_lines_are_skipped(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A second export pasted below the first (its header again) and total lines are skipped, not invalid."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\nAsha,9822033445,a@x.com\nName,Phone,Email\nRavi,9822044556,r@x.com\n"
        "Grand Total: 2,,\nTOTAL,2,\nSum,,\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report)).report)
    assert [(rows[n]["status"], rows[n]["reason"]) for n in range(2, 8)] == [
        ("valid", ""),
        ("skipped", "repeated-header"),
        ("valid", ""),
        ("skipped", "summary-row"),
        ("skipped", "summary-row"),
        ("skipped", "summary-row"),
    ]


def test_invisible_marks_and_wrapped_emails_do_not_lose_a_lead(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Direction marks and zero-width spaces (copy-paste from WhatsApp, Windows) and "Name <address>" emails
    leave valid leads valid; a name that is only an invisible mark is no name."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n"
        "\u202aAsha Rao\u202c,\u202a+91 98220 33445\u202c,\u202aasha@example.com\u202c\n"
        "Ravi\u200b Kumar,9822044556,Ravi Kumar <ravi@example.com>\n"
        "Zoe,9822055667,zoe@example.com;\n"
        "\u200b,9822066778,x@example.com\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report)).report)
    assert [(r["status"], r["reason"], r["phone_e164"], r["email"]) for r in rows.values()] == [
        ("valid", "", "+919822033445", "asha@example.com"),
        ("valid", "", "+919822044556", "ravi@example.com"),
        ("valid", "", "+919822055667", "zoe@example.com"),
        ("invalid", "missing-name", "+919822066778", "x@example.com"),
    ]


def test_total_lines_in_their_many_spellings_are_skipped(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Total, count and summary lines are skipped however they are worded; a lead named like one is kept."""
    labels = ["Total No. of Leads : 25", "Total (25)", "Count: 25", "Total leads received: 25", "25 records", "Summary"]
    lines = ["Name,Phone,Email", "Total Fitness,9822033445,t@example.com", *[f"{label},," for label in labels]]
    sheet = tmp_path / "leads.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert rows[2]["status"] == "valid"
    assert {(rows[n]["status"], rows[n]["reason"]) for n in range(3, 3 + len(labels))} == {("skipped", "summary-row")}
    assert result.exit_code == 0


def test_total_lines_in_the_header_languages_are_skipped(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A German, French, Italian, Dutch, Russian, Chinese, Japanese, Korean or Arabic total line is skipped, not
    reported as a lead without contact; a person named Suma or Som (words for "sum") is not taken for one."""
    labels = ["Summe", "Gesamtsumme: 12", "Insgesamt", "Somme", "Totale", "Totaal", "Итого", "合计", "合計", "합계"]
    labels += ["المجموع"]
    lines = ["Name,Phone,Email", *[f"{label},," for label in labels], "Suma,,", "Som,,"]
    sheet = tmp_path / "leads.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert {(rows[n]["status"], rows[n]["reason"]) for n in range(2, 2 + len(labels))} == {("skipped", "summary-row")}
    names = range(2 + len(labels), 4 + len(labels))
    assert [(rows[n]["status"], rows[n]["reason"]) for n in names] == [("invalid", "missing-contact")] * 2


def test_lines_of_text_below_the_leads_are_skipped_but_a_lone_name_is_not(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Generated by ..., Page 1 of 1, Notes: under the last lead are note-row; a name alone there is a lead
    missing its contact, and the same lines among the leads are not notes."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n"
        "Page 2 of 9,,\n"  # 2: above a lead: not below the leads
        "Asha,9822033445,a@example.com\n"  # 3
        "\n"  # 4
        "Generated by IndiaMART Lead Manager on 12-03-2024 10:22,,\n"  # 5
        "Notes:,,\n"  # 6
        ",1. Numbers verified by call centre,\n"  # 7: one cell, in the phone column
        "Ravi Kumar,,\n"  # 8: a lone name
        "Page 1 of 1,,\n"  # 9
        "\u0930\u093e\u0939\u0941\u0932 \u0936\u0930\u094d\u092e\u093e,,\n"  # 10: a lone name in Hindi
        ",98123,\n"  # 11: a phone number cut short
        "Generated by Zoho CRM,,\n",  # 12
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    got = {n: (rows[n]["status"], rows[n]["reason"]) for n in rows}
    assert got == {
        2: ("invalid", "missing-contact"),
        3: ("valid", ""),
        4: ("skipped", "blank-row"),
        5: ("skipped", "note-row"),
        6: ("skipped", "note-row"),
        7: ("skipped", "note-row"),
        8: ("invalid", "missing-contact"),
        9: ("skipped", "note-row"),
        10: ("invalid", "missing-contact"),
        11: ("invalid", "invalid-phone, missing-name"),
        12: ("skipped", "note-row"),
    }


def test_a_lead_of_one_cell_below_the_others_is_a_lead(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """With the name a constant, a row of only a phone (in the second phone column) or only an email is a lead."""
    mapping = mapping_file(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  phone: [Mobile, Contact No]\n"
        "  email: {columns: [Email], required: false}\nconstants:\n  name: Web enquiry\n"
    )
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Mobile,Contact No,Email\n9812345670,,\n,9812345672,\n,,amit\uff20gmail.com\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert {r["status"] for r in result.report} == {"valid"} and result.exit_code == 0


def test_a_comma_typed_inside_a_cell_is_mended_when_only_one_join_fits(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Navi Mumbai, MH unquoted: the row has a cell too many and its phone lands under Email. The pieces are
    joined again when exactly one join puts a phone under Phone and an email under Email; else the row is named."""
    mapping = mapping_file(BASIC_MAPPING + "metadata_unmapped: true\n")
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,City,Phone,Email\n"
        "Rahul,Pune,9812345678,r@x.com\n"  # 2
        "Priya,Navi Mumbai, MH,9812345679,p@x.com\n"  # 3: mended
        "Sunil Kumar, Jr.,Pune,9812345682,s@x.com\n"  # 4: mended
        "Ravi,Pune,9812345683,r2@x.com,extra\n"  # 5: a cell beyond the last column, nothing moved
        "Om,Goa,Panaji,North,9812345684,o@x.com\n",  # 6: two joins fit (Goa,Panaji,North): left alone, named
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["phone_e164"], rows[n]["email"]) for n in range(2, 6)] == [
        ("valid", "+919812345678", "r@x.com"),
        ("valid", "+919812345679", "p@x.com"),
        ("valid", "+919812345682", "s@x.com"),
        ("valid", "+919812345683", "r2@x.com"),
    ]
    assert (rows[3]["City"], rows[4]["Name"]) == ("Navi Mumbai, MH", "Sunil Kumar, Jr.")
    assert rows[6]["status"] == "invalid"
    assert "Note: row(s) 3, 4 had more cells than the header" in result.output
    assert "Note: row(s) 6 have more cells than the header" in result.output


def test_a_split_remark_is_joined_and_never_the_name_with_the_phone(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """ "called twice, no answer" split in two: that run is joined (its second piece starts with a space), not
    Name with Mobile, which would send Alt Mobile's number under a name made of two cells."""
    mapping = mapping_file(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Mobile\n"
        "metadata:\n  alt: Alt Mobile\n  remarks: Remarks\n"
    )
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Mobile,Alt Mobile,Remarks\nRahul,Not reachable,9812345670,called twice, no answer\n"
        "Priya,9812345671,,ok\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert (rows[2]["status"], rows[2]["reason"], rows[2]["Name"], rows[2]["Remarks"]) == (
        "invalid",
        "missing-contact",  # 'Not reachable' is words, no number; Alt Mobile is metadata here
        "Rahul",
        "called twice, no answer",
    )


def test_group_labels_inside_the_table_are_skipped(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A one-cell label heading the leads below it (Branch: Pune in the name column, a date in a column of its
    own) is skipped as group-row; a lone name, a lone unreadable phone or a lone address stays a lead the
    owner must fix, and so does a label with no lead under it."""
    mapping = mapping_file(BASIC_MAPPING.replace("metadata:\n", "metadata:\n  visit: Date\n"))
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Date,Name,Phone,Email\n"
        ",Branch: Pune,,\n"  # 2
        ",Asha Rao,9822033445,\n"  # 3
        "12-Oct-2026,,,\n"  # 4
        ",Ravi Kumar,9822044556,\n"  # 5
        ",Meera Iyer,,\n"  # 6: a lead without a contact
        ",Kiran Das,9822055667,\n"  # 7
        ",,98220,\n"  # 8: a phone too short to read
        ",Sunil Rao,9822066778,\n"  # 9
        ",,,nitin at gmail\n"  # 10: an address without its @
        ",Nitin Shah,9822077889,\n"  # 11
        ",Walk-in campaign,,\n",  # 12: nothing under it
        encoding="utf-8",
    )
    rows = by_row(
        run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv")).report
    )
    assert [(rows[n]["status"], rows[n]["reason"]) for n in (2, 4)] == [("skipped", "group-row")] * 2
    assert [rows[n]["status"] for n in (3, 5, 7, 9, 11)] == ["valid"] * 5
    assert [rows[n]["status"] for n in (6, 8, 10)] == ["invalid"] * 3
    assert "missing-contact" in rows[6]["reason"]
    assert rows[12]["status"] != "valid" and rows[12]["reason"] != "group-row"


def test_a_number_in_the_name_column_is_no_name(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A name cell holding only a phone number or an id (digits, no letter in any script) is no name:
    ``name-is-a-number``, and ``missing-name`` when there is no other. Names with digits and letters,
    in any script, are names."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone\n9822033445,9822033445\n+91 98220 44556,9822044556\n#1042,9822055667\nRavi 2,9822066778\n"
        "राम 2,9822077889\n007 James,9822088990\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    rows = by_row(
        run_cli("validate", str(sheet), "--mapping", str(mapping_file(BASIC_MAPPING)), "--report", str(report)).report
    )
    for row in (2, 3, 4):
        assert (rows[row]["status"], rows[row]["reason"], rows[row]["warnings"]) == (
            "invalid",
            "missing-name",
            "name-is-a-number",
        )
    assert [(rows[n]["status"], rows[n]["warnings"]) for n in (5, 6, 7)] == [("valid", "")] * 3


def test_a_number_as_first_name_leaves_the_full_name(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """With a full name beside it, a first name that is a number is dropped with a warning; the row stays valid."""
    mapping = mapping_file(
        BASIC_MAPPING.replace("  name: [Full Name, Name]\n", "  name: [Full Name]\n  firstName: First\n")
    )
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Full Name,First,Phone\nAsha Rao,12,9822033445\n", encoding="utf-8")
    rows = by_row(
        run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv")).report
    )
    assert (rows[2]["status"], rows[2]["reason"], rows[2]["warnings"]) == ("valid", "", "name-is-a-number")


def test_names_lost_to_question_marks_and_ids_cut_by_excel(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A name Excel's "CSV (Comma delimited)" turned into ????? is no name (garbled-name, missing-name); ids
    Excel cut to 1.23457E+15 are replaced by referenceIds made from the phone, so the leads stay distinct."""
    mapping = mapping_file(BASIC_MAPPING_WITH_REF)
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Lead ID,Name,Phone\n1.23457E+15,????? ?????,9822033445\n1.23457E+15,Asha Rao,9822044556\n"
        "1.23457E+15,Ravi,9822055667\n",
        encoding="cp1252",
    )
    report = tmp_path / "r.csv"
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report)).report)
    assert (rows[2]["status"], rows[2]["reason"], rows[2]["warnings"]) == (
        "invalid",
        "missing-name",
        "garbled-name, damaged-reference",
    )
    assert [rows[n]["status"] for n in (3, 4)] == ["valid", "valid"]  # not duplicates of each other
    assert len({rows[n]["referenceId"] for n in (2, 3, 4)}) == 3
    assert all(rows[n]["referenceId"].startswith("li-") for n in (2, 3, 4))


def test_dedupe_on_email_keeps_two_people_sharing_a_family_phone(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """dedupe: [email] — a husband and wife with one phone and their own emails are two leads."""
    mapping = mapping_file(BASIC_MAPPING + "dedupe: [email]\n")
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\nRahul,9822033445,rahul@x.com\nSunita,9822033445,sunita@x.com\n"
        "Rahul again,+91 98220 33445,RAHUL@x.com\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    rows = by_row(run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report)).report)
    assert [(rows[n]["status"], rows[n]["duplicate_of"]) for n in (2, 3, 4)] == [
        ("valid", ""),
        ("valid", ""),
        ("duplicate", "2"),
    ]


def test_other_sheets_that_fit_are_named(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """One sheet per city: the first that fits is read, and the summary names the others to run with --sheet."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.title = "Summary"
    book.active.append(["City", "Leads"])
    for city, phone in (("Pune", "9822033445"), ("Mumbai", "9822044556"), ("Delhi", "9822055667")):
        sheet = book.create_sheet(city)
        sheet.append(["Name", "Phone"])
        sheet.append([f"Lead in {city}", phone])
    path = tmp_path / "cities.xlsx"
    book.save(path)
    result = run_cli("validate", str(path), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    assert "(sheet 'Pune'" in result.output
    assert "sheets 'Mumbai', 'Delhi' fit the mapping too" in result.output
    assert [row["Name"] for row in result.report] == ["Lead in Pune"]
    quiet = run_cli("validate", str(path), "--mapping", str(mapping_file()), "--report", str(tmp_path / "q.csv"), "-q")
    assert quiet.output == ""  # --quiet in a scheduled job: the sheets not read are still named, on stderr
    assert "sheets 'Mumbai', 'Delhi' fit the mapping too and were not read" in quiet.stderr


def test_workbook_phones_excel_cut_to_six_digits_are_damaged(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A numeric phone cell holding only what 9.19822E+11 showed (a CSV round trip through Excel) is
    damaged-phone, never sent as the different number it now is; full numbers stay valid."""
    from openpyxl import Workbook

    book = Workbook()
    book.active.append(["Name", "Phone", "Budget"])
    book.active.append(["Cut with code", 9.19822e11, 2e9])
    book.active.append(["Cut with code, shorter", 9.1982e11, 2e9])
    book.active.append(["Whole", 9822033445, 2e9])
    book.active.append(["Whole with code", 919822044556.0, 2e9])
    book.active.append(["Round landline", 2240000000, 2e9])  # 022-4000 0000: a real board line
    path = tmp_path / "leads.xlsx"
    book.save(path)
    report = tmp_path / "r.csv"
    rows = by_row(run_cli("validate", str(path), "--mapping", str(mapping_file()), "--report", str(report)).report)
    assert [(rows[n]["status"], rows[n]["reason"], rows[n]["phone_e164"]) for n in (2, 3, 4, 5, 6)] == [
        ("invalid", "damaged-phone", ""),
        ("invalid", "damaged-phone", ""),
        ("valid", "", "+919822033445"),
        ("valid", "", "+919822044556"),
        ("valid", "", "+912240000000"),
    ]
    assert [rows[n]["Phone"] for n in (2, 3, 4, 6)] == ["9.19822E+11", "9.1982E+11", "9822033445", "2240000000"]
    assert rows[2]["Budget"] == "2000000000"  # only the phone column reads as Excel showed it


def test_joined_exports_and_control_character_tails_are_skipped_not_invalid(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Two UTF-8-with-BOM exports joined (copy /b a+b): the second header, BOM and all, is a repeated header.
    A DOS Ctrl-Z and NUL padding after the last row are a blank row, and no NUL reaches the report."""
    bom = "\ufeff"
    part = "Name,Phone\nAsha,9822033445\n"
    data = (bom + part + bom + "Name,Phone\nRavi,9822044556\n").encode("utf-8") + b"\x00" * 300 + b"\x1a"
    sheet = tmp_path / "joined.csv"
    sheet.write_bytes(data)
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert [(n, rows[n]["status"], rows[n]["reason"]) for n in sorted(rows)] == [
        (2, "valid", ""),
        (3, "skipped", "repeated-header"),
        (4, "valid", ""),
        (5, "skipped", "blank-row"),
    ]
    assert result.exit_code == 0
    assert b"\x00" not in report.read_bytes()


def test_placeholder_and_excel_error_ids_are_no_ids(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """NA, -, 0 or a failed VLOOKUP's #N/A in the id column: each lead gets its own derived id, none is a duplicate."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Lead ID,Name,Phone\nNA,Rahul,9812345601\nNA,Priya,9812345602\n#N/A,Ravi,9812345605\n#N/A,Sita,9812345606\n"
        "0,Gita,9812345607\n0,Mohan,9812345608\nL-7,#VALUE!,9812345609\n",
        encoding="utf-8",
    )
    mapping = mapping_file(BASIC_MAPPING.replace("fields:\n", "fields:\n  referenceId: Lead ID\n"))
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [rows[r]["status"] for r in range(2, 8)] == ["valid"] * 6
    refs = [rows[r]["referenceId"] for r in range(2, 8)]
    assert len(set(refs)) == 6 and all(ref.startswith("li-") for ref in refs)  # derived from each phone
    assert (rows[8]["status"], rows[8]["reason"]) == ("invalid", "missing-name")  # #VALUE! is no name


def test_big_sheets_read_in_parallel_chunks_classify_rows_as_one_piece(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A sheet cut into chunks for the cores: a one-cell row at the end of a chunk (mid-sheet) is a lead missing
    its contact, not a line below the leads; only the sheet's own last lines are."""
    import importer.normalize.leads

    monkeypatch.setattr(importer.normalize.leads, "PARALLEL_ROWS", 10)
    monkeypatch.setattr(os, "cpu_count", lambda: 2)  # the os module normalize.leads asks
    lines = ["Name,Phone,Email"] + [f"Lead {i},98220{i:05d}," for i in range(1, 10)]
    lines += ["Walk-in enquiry at the Pune showroom,,"]  # row 11: the first chunk's last row
    lines += [f"Lead {i},98220{i:05d}," for i in range(11, 21)] + ["Generated by LeadsApp on 12-03-2024,,"]  # row 22
    sheet = tmp_path / "leads.csv"
    sheet.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert (rows[11]["status"], rows[11]["reason"]) == ("invalid", "missing-contact")
    assert (rows[22]["status"], rows[22]["reason"]) == ("skipped", "note-row")
    assert sum(r["status"] == "valid" for r in rows.values()) == 19


def test_names_that_look_like_placeholders_only_when_written_as_one(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Nan, Na and Nil written as a name is written are names (the lead gets in); NAN, nan, NA and N/A are not."""
    sheet = tmp_path / "leads.csv"
    cells = ["Nan", "NAN", "nan", "Na", "NA", "Nil", "N/A", "Na Young"]
    sheet.write_text(
        "Name,Phone\n" + "".join(f"{name},98123456{i:02d}\n" for i, name in enumerate(cells, start=1)), encoding="utf-8"
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    got = {rows[r]["Name"]: (rows[r]["status"], rows[r]["reason"]) for r in range(2, 10)}
    names = {"Nan", "Na", "Nil", "Na Young"}
    assert got == {c: ("valid", "") if c in names else ("invalid", "missing-name") for c in cells}
    assert result.exit_code == 1


def test_placeholder_and_shared_emails_do_not_merge_different_people(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """noemail@gmail.com, na@na.com: nobody's address, not sent. A dealer's sales@ address on several walk-ins
    with their own phones: not sent with them, and they stay separate leads. A row whose only contact is
    that address keeps it; the same person twice (same name) is still one lead."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\n"
        "Asha Rao,9812345601,noemail@gmail.com\n"
        "Bina Shah,9812345602,noemail@gmail.com\n"
        "Chetan Das,9812345603,na@na.com\n"
        "Esha Jain,9812345605,sales@shreemotors.in\n"
        "Farhan Ali,9812345606,sales@shreemotors.in\n"
        "Deepa Iyer,,sales@shreemotors.in\n"
        "Mr. Ravi Kumar,9812345609,ravi.k@gmail.com\n"
        "Ravi,9812345610,ravi.k@gmail.com\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    got = {r: (rows[r]["status"], rows[r]["warnings"], rows[r]["email"], rows[r]["duplicate_of"]) for r in range(2, 10)}
    assert got == {
        2: ("valid", "placeholder-email", "", ""),
        3: ("valid", "placeholder-email", "", ""),
        4: ("valid", "placeholder-email", "", ""),
        5: ("valid", "shared-email", "", ""),
        6: ("valid", "shared-email", "", ""),
        7: ("valid", "", "sales@shreemotors.in", ""),
        8: ("valid", "", "ravi.k@gmail.com", ""),
        9: ("duplicate", "", "ravi.k@gmail.com", "8"),
    }
    assert result.exit_code == 0


def test_a_reference_id_column_of_row_numbers_is_named_in_a_note(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A 'Lead ID' column holding 1, 2, 3 (row numbers every export starts again): the summary says so."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Lead ID,Name,Phone\n1,Asha,9812345601\n2,Bina,9812345602\n3,Chetan,9812345603\n", encoding="utf-8"
    )
    result = run_cli(
        "validate",
        str(sheet),
        "--mapping",
        str(mapping_file(BASIC_MAPPING_WITH_REF)),
        "--report",
        str(tmp_path / "r.csv"),
    )
    assert "Note: fields.referenceId: 'Lead ID' numbers the rows 1 to 3; another file numbered from 1" in result.output
    sheet.write_text(
        "Lead ID,Name,Phone\n7,Asha,9812345601\n12,Bina,9812345602\n3,Chetan,9812345603\n", encoding="utf-8"
    )
    again = run_cli(
        "validate",
        str(sheet),
        "--mapping",
        str(mapping_file(BASIC_MAPPING_WITH_REF)),
        "--report",
        str(tmp_path / "r.csv"),
    )
    assert "numbers the rows" not in again.output


def test_a_file_name_with_a_line_break_is_one_line_in_the_summary_and_the_history(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path], sandbox: Sandbox
) -> None:
    """A file named with a line break (and ESC) printed it raw in the summary line and in `history`, so the name
    could write a line of its own ("Report: ..."); it is shown escaped, each on its one line."""
    sheet = tmp_path / "leads\nReport: forged\x1b[2K.csv"
    write_sheet(sheet, good_phones(2, seed=78))
    env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    report = tmp_path / "r.csv"
    sent = run_cli("run", str(sheet), "--mapping", str(mapping_file(MAPPING)), "--report", str(report), env=env)
    assert sent.exit_code == 0, sent.stderr
    shown = "leads\\nReport: forged\\x1b[2K.csv"
    assert f"{shown} (header on row 1" in sent.output
    assert not any(line.startswith("Report: forged") for line in sent.output.splitlines())
    history = run_cli("history", env=env)
    assert shown in history.output and "\x1b" not in history.output
