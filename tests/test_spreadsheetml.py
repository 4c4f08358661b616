"""Excel 2003 XML Spreadsheets (SpreadsheetML), as older CRMs and "Export to Excel" buttons save them as .xls or
.xml, are read like any workbook: sheets, rows and cells where Excel shows them, types as Excel holds them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import yaml

from importer.config import parse_mapping
from importer.errors import SourceError
from importer.read.source import ReadOptions, read_source
from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import good_phones, run_env

MAPPING_YAML = f"""
project_id: {PROJECT}
process_id: {PROCESS}
default_region: IN
fields:
  name: Name
  phone: Mobile No.
  email:
    columns: [Email]
    required: false
metadata:
  lead_id:
    columns: [Lead ID]
    required: false
  created:
    columns: [Created]
    required: false
"""
MAPPING = parse_mapping(yaml.safe_load(MAPPING_YAML), source="m.yaml", environ={})
PHONES = good_phones(6, seed=2003)

_HEAD = """<?xml version="1.0" encoding="{encoding}"?>
<?mso-application progid="Excel.Sheet"?>
<Workbook xmlns="urn:schemas-microsoft-com:office:spreadsheet" xmlns:o="urn:schemas-microsoft-com:office:office"
 xmlns:x="urn:schemas-microsoft-com:office:excel" xmlns:ss="urn:schemas-microsoft-com:office:spreadsheet"
 xmlns:html="http://www.w3.org/TR/REC-html40">
 <Styles>
  <Style ss:ID="Default" ss:Name="Normal"><Alignment ss:Vertical="Bottom"/></Style>
  <Style ss:ID="s21"><NumberFormat ss:Format="000000"/></Style>
  <Style ss:ID="s22" ss:Parent="s21"><Font ss:Bold="1"/></Style>
  <Style ss:ID="s23"><NumberFormat ss:Format="Short Date"/></Style>
 </Styles>
"""


def _lead(i: int, *, hidden: bool = False, index: int | None = None) -> str:
    row = f'<Row ss:Index="{index}"' if index else "<Row"
    row += ' ss:Hidden="1">' if hidden else ">"
    return (
        f'{row}<Cell><Data ss:Type="String">Lead {i}</Data></Cell>'
        f'<Cell><Data ss:Type="Number">{PHONES[i]}</Data></Cell>'
        # no Email cell: the next one names its column (a gap Excel writes for an empty cell)
        f'<Cell ss:Index="4" ss:StyleID="{"s22" if i % 2 else "s21"}"><Data ss:Type="Number">{120 + i}</Data></Cell>'
        f'<Cell ss:StyleID="s23"><Data ss:Type="DateTime">2024-01-{15 + i}T00:00:00.000</Data></Cell></Row>\n'
    )


def spreadsheet_xml(*, encoding: str = "UTF-8") -> str:
    """A workbook as Excel 2003 saves one: a hidden sheet of old leads first, then the leads (a title merged across
    the columns, a blank row left out by ss:Index, a header, leads with one hidden row and a rich-text name with a
    comment), then a visible sheet that fits too."""
    old = "".join(_lead(i) for i in range(2))
    return (
        _HEAD.format(encoding=encoding)
        + f"""<Worksheet ss:Name="Old"><Table>
  <Row><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell></Row>
  {old}</Table>
  <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><Visible>SheetHidden</Visible></WorksheetOptions>
 </Worksheet>
 <Worksheet ss:Name="Leads &amp; Co"><Table ss:ExpandedColumnCount="5" x:FullColumns="1" x:FullRows="1">
  <Column ss:Width="120"/>
  <Row><Cell ss:MergeAcross="4"><Data ss:Type="String">Leads export</Data></Cell></Row>
  <Row ss:Index="3"><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell>
   <Cell><Data ss:Type="String">Email</Data></Cell><Cell><Data ss:Type="String">Lead ID</Data></Cell>
   <Cell><Data ss:Type="String">Created</Data></Cell></Row>
  {_lead(0)}{_lead(1, hidden=True)}{_lead(2)}
  <Row><Cell><ss:Data ss:Type="String" xmlns="http://www.w3.org/TR/REC-html40"><B>Lead</B> 3</ss:Data>
   <Comment ss:Author="Sales"><ss:Data xmlns="http://www.w3.org/TR/REC-html40">call after 6</ss:Data></Comment></Cell>
   <Cell><Data ss:Type="Number">{PHONES[3]}</Data></Cell><Cell ss:Index="4"><Data ss:Type="Error">#N/A</Data></Cell></Row>
  {_lead(4, index=9)}
 </Table>
 <WorksheetOptions xmlns="urn:schemas-microsoft-com:office:excel"><FreezePanes/><FrozenNoSplit/>
  <SplitHorizontal>3</SplitHorizontal></WorksheetOptions>
  <AutoFilter x:Range="R3C1:R9C5" xmlns="urn:schemas-microsoft-com:office:excel"></AutoFilter>
 </Worksheet>
 <Worksheet ss:Name="More"><Table>
  <Row><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell></Row>
  {_lead(5)}</Table></Worksheet>
</Workbook>
"""
    )


def _without_declarations(xml: str) -> str:
    """The workbook as a script writes it: no XML declaration, and a long properties block before its sheets."""
    properties = '<DocumentProperties xmlns="urn:schemas-microsoft-com:office:office"><Author>'
    properties += "Export service " * 400 + "</Author></DocumentProperties>\n <Styles>"
    return xml.split("\n", 2)[2].replace(" <Styles>", properties)


@pytest.mark.parametrize(
    ("name", "encoding", "shape"),
    [
        ("export.xls", "utf-8", str),
        ("export.xml", "utf-8", str),
        ("export.xls", "utf-16", lambda xml: xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')),
        ("export.xls", "utf-8-sig", str),
        ("export.xls", "utf-8", _without_declarations),
        ("export.xls", "utf-8-sig", lambda xml: "\r\n\n  " + xml),  # a script's blank lines before the declaration
        ("export.xls", "utf-16", lambda xml: "\n" + xml.replace('encoding="UTF-8"', 'encoding="UTF-16"')),
    ],
)
def test_an_excel_2003_xml_spreadsheet_reads_like_a_workbook(
    tmp_path: Path, name: str, encoding: str, shape: Callable[[str], str]
) -> None:
    """The first visible sheet that fits is read, rows numbered as Excel shows them (ss:Index gaps kept), cells
    placed by ss:Index, numbers as shown (no .0, zeros of a 000000 format kept through a parent style), dates as
    dates, #N/A as shown, rich text joined, a comment left out; the hidden row and the other fitting sheets named.
    Saved in UTF-16, with a byte-order mark, or without the XML declaration, it reads the same."""
    path = tmp_path / name
    path.write_text(shape(spreadsheet_xml()), encoding=encoding)
    table = read_source(path, MAPPING)
    assert table.sheet == "Leads & Co" and table.header_row == 3
    assert table.sheet_row.tolist() == [4, 5, 6, 7, 8, 9]
    cells = table.cells
    assert cells["Name"].tolist() == ["Lead 0", "Lead 1", "Lead 2", "Lead 3", "", "Lead 4"]
    assert cells["Mobile No."].tolist() == [PHONES[0], PHONES[1], PHONES[2], PHONES[3], "", PHONES[4]]
    assert cells["Email"].tolist() == [""] * 6
    assert cells["Lead ID"].tolist() == ["000120", "000121", "000122", "#N/A", "", "000124"]
    assert cells["Created"].tolist()[0] == "2024-01-15"
    assert any("1 row(s) are hidden in Excel (filtered out or hidden by hand: rows 5)" in n for n in table.notes)
    assert table.also_fit == ("More", "Old") and table.hidden_sheets == frozenset({"Old"})
    assert read_source(path, MAPPING, ReadOptions(sheet="Old")).cells["Name"].tolist() == ["Lead 0", "Lead 1"]


def test_an_xml_spreadsheet_is_imported_once_with_every_row_in_the_report(
    tmp_path: Path, sandbox: Sandbox, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """`run` sends the XML spreadsheet's leads to the CRM with their metadata, and the report accounts for every
    row: the blank row skipped."""
    path = tmp_path / "crm-export.xls"
    path.write_text(spreadsheet_xml(encoding="windows-1252"), encoding="cp1252")
    report = tmp_path / "r.csv"
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(MAPPING_YAML)), "--report", str(report), "--no-ledger",
        env=run_env(sandbox.base_url),
    )  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    rows = by_row(result.report)
    assert sorted(rows) == [4, 5, 6, 7, 8, 9]
    assert rows[8]["status"] == "skipped" and all(rows[n]["status"] == "accepted" for n in (4, 5, 6, 7, 9))
    stored = {lead["phone"]: lead for lead in sandbox.leads()}
    assert set(stored) == {"+91" + PHONES[i] for i in range(5)}
    assert "000120" in str(stored["+91" + PHONES[0]]) and "2024-01-15" in str(stored["+91" + PHONES[0]])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (
            spreadsheet_xml().replace("Leads export", "Leads & export"),
            "not well-formed XML at line 21, column",
        ),
        (
            spreadsheet_xml().replace(
                "<Workbook", '<!DOCTYPE lol [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>\n<Workbook', 1
            ),
            "declares a document type",
        ),
        (spreadsheet_xml()[:2000], "not well-formed XML"),
    ],
)
def test_a_broken_xml_spreadsheet_is_refused_saying_where(tmp_path: Path, content: str, message: str) -> None:
    """A bare & an export wrote, entity declarations (never expanded), a file cut short: a SourceError naming the
    file and the place, never a traceback."""
    path = tmp_path / "bad.xls"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SourceError, match=message) as err:
        read_source(path, MAPPING)
    assert "bad.xls" in str(err.value)


def test_an_xml_file_that_is_no_spreadsheet_is_refused(tmp_path: Path) -> None:
    """A .xml file of another kind (an RSS feed, a CRM's own XML) is named for what it is not."""
    path = tmp_path / "feed.xml"
    path.write_text('<?xml version="1.0"?><rss><channel/></rss>', encoding="utf-8")
    with pytest.raises(SourceError, match="not an Excel XML spreadsheet"):
        read_source(path, MAPPING)


def test_a_number_reads_as_its_format_shows_it(tmp_path: Path) -> None:
    """A phone typed as a number and formatted "+44 "0000 000000 (through a parent style) reads with the country
    code Excel shows, as in an XLSX."""
    xml = _HEAD.format(encoding="UTF-8").replace(
        " </Styles>",
        '  <Style ss:ID="uk"><NumberFormat ss:Format="&quot;+44 &quot;0000\\ 000000"/></Style>\n'
        '  <Style ss:ID="uk2" ss:Parent="uk"/>\n </Styles>',
    )
    xml += """<Worksheet ss:Name="Leads"><Table>
  <Row><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">Amy</Data></Cell><Cell ss:StyleID="uk2"><Data ss:Type="Number">7400123456</Data></Cell></Row>
 </Table></Worksheet></Workbook>"""
    path = tmp_path / "uk.xml"
    path.write_text(xml, encoding="utf-8")
    assert read_source(path, MAPPING).cells["Mobile No."].tolist() == ["+44 7400 123456"]


def test_rows_after_a_spanned_row_are_placed_below_its_span(tmp_path: Path) -> None:
    """A row written once for several (ss:Span="2": three hidden rows, as Excel writes blank or hidden runs) stands
    for all of them: the lead after it is on the row Excel shows it on (5), and only the spanned rows are hidden."""
    xml = (
        _HEAD.format(encoding="UTF-8")
        + """<Worksheet ss:Name="Leads"><Table>
  <Row><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell></Row>
  <Row ss:Span="2" ss:Hidden="1"/>
  <Row><Cell><Data ss:Type="String">Amy</Data></Cell><Cell><Data ss:Type="Number">9822033445</Data></Cell></Row>
 </Table></Worksheet></Workbook>"""
    )
    path = tmp_path / "span.xml"
    path.write_text(xml, encoding="utf-8")
    table = read_source(path, MAPPING)
    assert table.sheet_row.tolist() == [2, 3, 4, 5]
    assert table.cells["Name"].tolist() == ["", "", "", "Amy"]
    assert any("3 row(s) are hidden in Excel (filtered out or hidden by hand: rows 2, 3, 4)" in n for n in table.notes)


def test_two_worksheets_of_one_name_are_refused_not_one_of_them_dropped(tmp_path: Path) -> None:
    """A script's export that names two worksheets alike (Excel names each sheet once) is refused naming the name,
    rather than read as one sheet, the first one's leads silently left out."""
    sheet = """<Worksheet ss:Name="Leads"><Table>
  <Row><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell></Row>
  <Row><Cell><Data ss:Type="String">{0}</Data></Cell><Cell><Data ss:Type="Number">{1}</Data></Cell></Row>
 </Table></Worksheet>"""
    xml = _HEAD.format(encoding="UTF-8") + sheet.format("Amy", PHONES[0]) + sheet.format("Ben", PHONES[1])
    path = tmp_path / "twice.xml"
    path.write_text(xml + "</Workbook>", encoding="utf-8")
    with pytest.raises(SourceError, match="two worksheets named 'Leads'") as err:
        read_source(path, MAPPING)
    assert "twice.xml" in str(err.value)


def test_names_a_script_wrote_in_cp1252_under_a_utf8_declaration_are_kept(tmp_path: Path) -> None:
    """An export that declares UTF-8 but writes its names in cp1252 (Müller, José) reads them as written, as a text
    file in that state is read, rather than stopping at the first such byte."""
    path = tmp_path / "latin.xls"
    path.write_bytes(spreadsheet_xml().replace("Lead 0", "Jürgen Müller").replace("Lead 2", "José").encode("cp1252"))
    assert read_source(path, MAPPING).cells["Name"].tolist()[:3] == ["Jürgen Müller", "Lead 1", "José"]


def test_an_xml_spreadsheet_too_large_for_the_memory_left_is_refused_before_reading(tmp_path: Path) -> None:
    """A 200 MB XML spreadsheet under a 1 GiB address-space limit: exit 2 naming the file and the memory it would
    take, before it is parsed (its cells would take about five times the file)."""
    import os
    import resource
    import subprocess
    import sys

    path = tmp_path / "big.xls"
    row = '<Row><Cell><Data ss:Type="String">Lead {0}</Data></Cell><Cell><Data ss:Type="Number">98{0:08d}</Data></Cell></Row>\n'
    with path.open("w", encoding="utf-8") as out:
        out.write(_HEAD.format(encoding="UTF-8") + '<Worksheet ss:Name="Leads"><Table>\n')
        out.write(
            '<Row><Cell><Data ss:Type="String">Name</Data></Cell><Cell><Data ss:Type="String">Mobile No.</Data></Cell></Row>\n'
        )
        for start in range(0, 2_000_000, 100_000):
            out.write("".join(row.format(i) for i in range(start, start + 100_000)))
        out.write("</Table></Worksheet></Workbook>\n")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(MAPPING_YAML, encoding="utf-8")

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    done = subprocess.run(
        [sys.executable, "-m", "importer", "validate", str(path), "-m", str(mapping), "--no-ledger"],
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=300,
        cwd=Path(__file__).resolve().parent.parent,
        env={**os.environ, "PYTHONFAULTHANDLER": ""},
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"{path} (" in done.stderr and "reading this Excel XML spreadsheet" in done.stderr
    assert "Traceback" not in done.stderr
