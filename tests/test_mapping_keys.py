"""Mapping keys doing what they say: metadata named like a field, metadata defaults, header_row from the file."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from openpyxl import Workbook

from importer.config import load_mapping
from importer.pipeline import prepare
from tests.conftest import PROCESS, PROJECT, CliRun, by_row

HEAD = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\n"


def _mapping(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "mapping.yaml"
    path.write_text(HEAD + body, encoding="utf-8")
    return path


def test_a_metadata_key_named_like_a_field_stays_metadata(tmp_path: Path) -> None:
    """metadata: {phone: Alternate Mobile} keeps the alternate number as metadata; the lead's phone is Mobile."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Customer Name,Mobile,Alternate Mobile,Email\nRavi Kumar,9812345601,9812345699,ravi@x.com\n"
        "Seema Rao,9812345602,,seema@x.com\n",
        encoding="utf-8",
    )
    mapping = _mapping(
        tmp_path,
        "fields:\n  name: Customer Name\n  phone: Mobile\n  email: Email\n"
        "metadata:\n  phone: Alternate Mobile\n  email: Email\n",
    )
    prepared = prepare(sheet, load_mapping(mapping))
    assert prepared.rows["phone_e164"].tolist() == ["+919812345601", "+919812345602"]
    assert prepared.rows["status"].tolist() == ["valid", "valid"]
    assert prepared.leads.metadata["phone"].tolist() == ["9812345699", ""]
    assert prepared.leads.metadata["email"].tolist() == ["ravi@x.com", "seema@x.com"]


def test_a_missing_metadata_column_is_named_as_metadata(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone\nRavi,9812345601\n", encoding="utf-8")
    mapping = _mapping(tmp_path, "fields:\n  name: Name\n  phone: Phone\nmetadata:\n  phone: Alternate Mobile\n")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 2
    assert "metadata.phone: no column named 'Alternate Mobile'" in result.stderr


def test_a_metadata_constant_is_a_default_where_the_column_is_empty(tmp_path: Path) -> None:
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,City\nA,9812345601,Pune\nB,9812345602,\n", encoding="utf-8")
    mapping = _mapping(
        tmp_path,
        "fields:\n  name: Name\n  phone: Phone\nmetadata:\n  city: City\n"
        "constants:\n  metadata.city: Default City\n  metadata.source: expo\n",
    )
    meta = prepare(sheet, load_mapping(mapping)).leads.metadata
    assert meta["city"].tolist() == ["Pune", "Default City"]
    assert meta["source"].tolist() == ["expo", "expo"]


def test_header_row_in_the_mapping_is_used(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A "prepared by" block that looks like a header sits above the real one: the mapping's header_row
    picks the real one, as --header-row does, and the block's person is not a lead."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\nSales Exec Priya,9812340000,priya@dealer.com\n,,\n"
        "Name,Phone,Email,City\nA One,9812345601,a@x.com,Pune\nB Two,9812345602,b@x.com,Agra\n",
        encoding="utf-8",
    )
    mapping = _mapping(tmp_path, "header_row: 4\nfields:\n  name: Name\n  phone: Phone\n  email: Email\n")
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report))
    assert "header on row 4" in result.output
    rows = by_row(result.report)
    assert sorted(rows) == [5, 6]
    assert rows[5]["City"] == "Pune"
    again = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), "--header-row", "1")
    assert "header on row 1" in again.output  # the command line wins over the mapping


def test_header_row_passes_over_a_sheet_too_short_to_have_it(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    book = Workbook()
    book.active.title = "Instructions"
    book.active.append(["Fill in the Leads sheet"])
    leads = book.create_sheet("Leads")
    for row in (["Dealer leads"], [], ["Name", "Phone"], ["A One", "9812345601"]):
        leads.append(row)
    path = tmp_path / "book.xlsx"
    book.save(path)
    result = run_cli(
        "validate",
        str(path),
        "--mapping",
        str(mapping_file()),
        "--report",
        str(tmp_path / "r.csv"),
        "--header-row",
        "3",
    )
    assert result.exit_code == 0, result.output
    assert "(sheet 'Leads'" in result.output
    assert [row["Name"] for row in result.report] == ["A One"]


def test_a_column_header_found_twice_fills_from_the_second(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """Phone, Phone: the first is used, its empty cells are read from the second, and the summary says so;
    an optional column the sheet lacks is named too."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Full Name,Phone,Phone\nA One,,9812345601\nB Two,9812345602,9812345699\nC Three,,\n", encoding="utf-8"
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["phone_e164"]) for n in (2, 3, 4)] == [
        ("valid", "+919812345601"),
        ("valid", "+919812345602"),
        ("invalid", ""),
    ]
    assert [rows[n]["Phone (2)"] for n in (2, 3)] == ["9812345601", "9812345699"]  # both columns kept as they were
    assert "Note: fields.phone: the header 'Phone' appears 2 times" in result.output
    assert "Note: fields.email: no column named 'E-mail' / 'Email' (optional, so it is left empty)." in result.output


def test_two_columns_under_names_of_one_field_fill_each_other(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """phone: [Mobile No., Phone] and a sheet with both (merged from two sources): a row with its number
    only under Phone is a lead, not missing-contact, and the summary says where numbers were read from."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Full Name,Phone,Mobile No.\nA One,9812345601,\nB Two,9812345699,9812345602\nC Three,,\n"
        "D Four,02224567890,NA\nE Five,02224567890,\nF Six,9812345606,-\n",
        encoding="utf-8",
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping_file()), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["phone_e164"]) for n in range(2, 8)] == [
        ("valid", "+919812345601"),
        ("valid", "+919812345602"),  # the first alias the mapping names wins where both have a number
        ("invalid", ""),
        ("invalid", ""),  # NA is no number, and the office line two rows share is no lead's own
        ("invalid", ""),
        ("valid", "+919812345606"),  # a placeholder in the first column is filled from the other
    ]
    assert rows[4]["reason"] == "missing-contact"
    assert "Note: fields.phone: empty cells and invalid numbers of 'Mobile No.' are read from 'Phone'" in result.output


def test_error_cells_show_and_formulas_never_computed_are_named(
    tmp_path: Path, run_cli: Callable[..., CliRun], mapping_file: Callable[..., Path]
) -> None:
    """A workbook written by a script: an error cell (#VALUE!) reads as the sheet shows it, so the phone is
    invalid-phone, not silently empty; formulas without a stored result are named in the summary;
    a #REF! in a metadata column is not sent."""
    import zipfile

    book = Workbook()
    sheet = book.active
    sheet.title = "Leads"
    sheet.append(["Name", "Phone", "Email", "City"])
    sheet.append(["A One", "9812345601", "a@x.com", "Pune"])
    sheet.append(["B Two", '=CONCATENATE("98123",TEXT(45602,"0"))', "b@x.com", "Agra"])  # not of literals alone
    sheet.append(["C Three", "ERR", "c@x.com", "ERR2"])
    path = tmp_path / "book.xlsx"
    book.save(path)
    # openpyxl cannot write error cells: put two in its XML as Excel writes them
    with zipfile.ZipFile(path) as src:
        parts = {n: src.read(n) for n in src.namelist()}
    xml = parts["xl/worksheets/sheet1.xml"].decode()
    for ref, error in (("B4", "#VALUE!"), ("D4", "#REF!")):
        start = xml.index(f'<c r="{ref}"')
        end = xml.index("</c>", start) + len("</c>")
        xml = xml[:start] + f'<c r="{ref}" t="e"><f>1/0</f><v>{error}</v></c>' + xml[end:]
    # D2: a lookup Excel computed to "" (IFERROR(...,"")): computed, so not named in the note
    start = xml.index('<c r="D2"')
    end = xml.index("</c>", start) + len("</c>")
    xml = xml[:start] + '<c r="D2" t="str"><f>IFERROR(VLOOKUP(A2,X!A:B,2,0),"")</f><v/></c>' + xml[end:]
    parts["xl/worksheets/sheet1.xml"] = xml.encode()
    with zipfile.ZipFile(path, "w") as out:
        for name, data in parts.items():
            out.writestr(name, data)
    report = tmp_path / "r.csv"
    result = run_cli("validate", str(path), "--mapping", str(mapping_file()), "--report", str(report))
    rows = by_row(result.report)
    assert [(rows[n]["status"], rows[n]["reason"]) for n in (2, 3, 4)] == [
        ("valid", ""),
        ("valid", ""),  # the email is enough; the summary names the uncomputed phone
        ("invalid", "invalid-phone"),
    ]
    assert (rows[4]["Phone"], rows[4]["City"]) == ("#VALUE!", "#REF!")
    assert "Note: 1 cell(s) hold a formula Excel never computed (B3)" in result.output
    meta = prepare(path, load_mapping(mapping_file())).leads.metadata
    assert meta["city"].tolist() == ["", "Agra", ""]


def test_numbers_shown_with_leading_zeros_read_as_shown(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A Lead ID column formatted 000000 shows 000123 for 123: that is the referenceId sent, and a zip code
    formatted 00000 keeps its zero in the metadata. Other numbers (and the phone) read as before."""
    book = Workbook()
    sheet = book.active
    sheet.append(["Lead ID", "Name", "Phone", "Zip", "Visits"])
    for ref, name, phone, zip_code in ((123, "A One", 9812345601, 2134), (1234567, "B Two", 9812345602, 90210)):
        sheet.append([ref, name, phone, zip_code, 7])
    for row in sheet.iter_rows(min_row=2):
        row[0].number_format, row[2].number_format, row[3].number_format = "000000", "00000000000", "00000"
    path = tmp_path / "book.xlsx"
    book.save(path)
    mapping = _mapping(
        tmp_path,
        "fields:\n  referenceId: Lead ID\n  name: Name\n  phone: Phone\nmetadata:\n  zip: Zip\n  visits: Visits\n",
    )
    result = run_cli("validate", str(path), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["referenceId"], rows[n]["Zip"], rows[n]["Visits"]) for n in (2, 3)] == [
        ("000123", "02134", "7"),
        ("1234567", "90210", "7"),  # as many digits as the format or more: unchanged
    ]
    assert [rows[n]["phone_e164"] for n in (2, 3)] == ["+919812345601", "+919812345602"]
    assert prepare(path, load_mapping(mapping)).leads.metadata["zip"].tolist() == ["02134", "90210"]
