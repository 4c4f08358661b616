"""Mappings: parsed once, environment variables expanded, and every mistake named before a row is read."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from importer.config import load_mapping, normalize_header
from importer.errors import ConfigError
from importer.sandbox.server import Sandbox
from tests.conftest import PROCESS, PROJECT, ROOT, CliRun
from tests.sandbox_util import run_env


def test_header_matching_ignores_case_spacing_punctuation() -> None:
    """Mobile No. = mobile no = MOBILE_NO."""
    assert normalize_header("Mobile No.") == normalize_header("mobile no") == normalize_header("MOBILE_NO")


def test_environment_variables_and_defaults(tmp_path: Path) -> None:
    """${VAR} takes the environment, ${VAR:-x} falls back; command-line ids win."""
    path = tmp_path / "m.yaml"
    path.write_text("project_id: ${P}\nprocess_id: ${Q:-fallback}\nfields: {name: Name, phone: Phone}\n")
    m = load_mapping(path, environ={"P": "proj"})
    assert (m.project_id, m.process_id) == ("proj", "fallback")
    assert load_mapping(path, project_id="cli", environ={}).project_id == "cli"
    assert load_mapping(path, environ={}).unresolved == ("P",)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("fields: {phone: Phone}\nfeilds: {}\n", "unknown key 'feilds'. Did you mean 'fields'?"),
        ("fields: {mobile: Phone}\n", "'fields.mobile' is not a lead field. Did you mean 'phone'?"),
        ("fields: {name: Name, lead_id: ID}\n", "'fields.lead_id' is not a lead field. Did you mean 'referenceId'?"),
        ("fields: {name: Name, e-mail: Mail}\n", "'fields.e-mail' is not a lead field. Did you mean 'email'?"),
        ("fields: {}\n", "'fields' must map at least one lead field"),
        (
            "fields: {phone: Phone}\ndefault_region: INDX\n",
            "'default_region' 'INDX' names no country (give an ISO code such as IN",
        ),
        ("fields: {phone: Phone}\ndedupe: [mobile]\n", "'dedupe' keys must be among phone, email, referenceId"),
        ("fields: {phone: {columns: Phone, optional: true}}\n", "'fields.phone' has unknown keys ['optional']"),
        ("fields: {phone: Phone}\ninit: maybe\n", "'init' must be true or false"),
        ("fields: {phone: Phone}\nheader_row: 0\n", "'header_row' must be a row number"),
        ("fields: {phone: Phone}\nconstants: {city: Pune}\n", "'constants.city' must be a lead field"),
        ("- just\n- a list\n", "a mapping must be a YAML dictionary"),
        ("fields: {phone: [Phone\n", "not valid YAML"),
        ("fields:\n  name: Name\n  phone: Phone\nfields:\n  email: Email\n", "'fields' is given twice (lines 1 and 4)"),
        ("fields:\n  phone: Phone\n  phone: Mobile\n", "'phone' is given twice (lines 2 and 3)"),
        ("fields: {phone: Phone, email: Email}\n", "every lead needs a name: map a column to fields.name"),
        ("fields: {name: Name, referenceId: ID}\n", "every lead needs a phone number or an email: map a column"),
        (
            "fields: {name: Name}\nconstants: {phone: '9812345678'}\n",
            "'constants.phone' would give every lead the same",
        ),
    ],
)
def test_bad_mappings_name_the_key(tmp_path: Path, text: str, message: str) -> None:
    """Each kind of mistake fails with a message naming the key."""
    path = tmp_path / "m.yaml"
    path.write_text(text)
    with pytest.raises(ConfigError) as err:
        load_mapping(path, environ={})
    assert message in str(err.value)
    assert str(path) in str(err.value)


@pytest.mark.parametrize(("written", "region"), [("+91", "IN"), ("91", "IN"), ("'+971'", "AE"), ("'0044'", "GB")])
def test_default_region_may_be_written_as_a_calling_code(tmp_path: Path, written: str, region: str) -> None:
    """default_region: +91 (which YAML reads as the number 91) means India."""
    path = tmp_path / "m.yaml"
    path.write_text(f"fields: {{name: Name, phone: Phone}}\ndefault_region: {written}\n")
    assert load_mapping(path, environ={}).default_region == region


def test_values_are_read_as_written(tmp_path: Path) -> None:
    """YAML would read 0123 as the octal number 83 and yes/NO as true/false: constants and ids keep the text
    written; true/false still mean true/false where a flag is wanted."""
    path = tmp_path / "m.yaml"
    path.write_text(
        "project_id: 0123456\nprocess_id: 10:30\nfields: {name: Name, phone: Phone}\ninit: no\n"
        "constants:\n  groupId: 0123\n  metadata.hot: yes\n  metadata.country: NO\n  metadata.score: 7.50\n"
    )
    m = load_mapping(path, environ={})
    assert (m.project_id, m.process_id, m.init) == ("0123456", "10:30", False)
    assert dict(m.constants) == {
        "groupId": "0123",
        "metadata.hot": "yes",
        "metadata.country": "NO",
        "metadata.score": "7.50",
    }


def test_bad_mapping_exits_2_before_reading(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """The CLI exits 2 with the message and no traceback; the (missing) input file is never opened."""
    path = tmp_path / "m.yaml"
    path.write_text("fields: {phone: Phone}\nregion: IN\n")
    result = run_cli("validate", str(tmp_path / "missing.csv"), "--mapping", str(path))
    assert result.exit_code == 2
    assert "unknown key 'region'" in result.stderr
    assert "Traceback" not in result.stderr + result.output


def test_missing_mapping_file_lists_mappings(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """A mapping path that does not exist says so and lists the mappings beside it."""
    result = run_cli("validate", "x.csv", "--mapping", str(ROOT / "mappings" / "nope.yaml"))
    assert result.exit_code == 2
    assert "Mapping file not found" in result.stderr
    assert "dealer_leads.yaml" in result.stderr


@pytest.mark.parametrize("name", sorted(p.name for p in (ROOT / "mappings").glob("*.yaml")))
def test_shipped_mappings_load(name: str) -> None:
    """Every mapping in mappings/ parses."""
    assert load_mapping(ROOT / "mappings" / name, environ={"VOX_PROJECT_ID": "p"}).fields


@pytest.mark.parametrize(
    ("encoding", "bom"),
    [
        ("cp1252", b""),  # Notepad's "ANSI" on a Western Windows
        ("utf-16-le", b"\xff\xfe"),  # Notepad's "Unicode"
        ("utf-8", b"\xef\xbb\xbf"),
        ("cp1251", b""),  # "ANSI" on a Russian Windows
    ],
)
def test_a_mapping_saved_in_a_windows_editors_encoding_loads(
    run_cli: Callable[..., CliRun], tmp_path: Path, encoding: str, bom: bytes
) -> None:
    """A mapping naming headers with accented or Cyrillic letters, saved by Notepad in its ANSI or Unicode
    encoding, validates the sheet (UTF-8) whose headers it names."""
    name, phone = ("Имя", "Телефон") if encoding == "cp1251" else ("Nom", "Téléphone")
    sheet = tmp_path / "leads.csv"
    sheet.write_text(f"{name},{phone}\nJean Dupont,06 12 34 56 78\nMarie Curie,06 98 76 54 32\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    text = f"project_id: p\r\nprocess_id: q\r\ndefault_region: FR\r\nfields:\r\n  name: {name}\r\n  phone: {phone}\r\n"
    mapping.write_bytes(bom + text.encode(encoding))
    result = run_cli(
        "validate", str(sheet), "--mapping", str(mapping), "--no-ledger", "--report", str(tmp_path / "r.csv")
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert [row["phone_e164"] for row in result.report] == ["+33612345678", "+33698765432"]


def test_a_workbook_given_as_the_mapping_is_named_so(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """The lead file passed as --mapping by mistake: exit 2, and the message says it is not a text file."""
    sheet = ROOT / "sample_data" / "dealer_leads.xlsx"
    result = run_cli("validate", str(sheet), "--mapping", str(sheet), "--no-ledger")
    assert result.exit_code == 2
    assert "not a text file" in result.stderr and "given as --mapping" in result.stderr


def test_metadata_keys_are_read_as_written(run_cli: Callable[..., CliRun], tmp_path: Path, sandbox: Sandbox) -> None:
    """``No: S No`` under metadata (a serial number), ``On:`` and ``0123:``: the CRM's metadata keys are the words
    written, not YAML's false, true and octal 83."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,S No,Status,Ref\nRavi,+91 98200 12345,7,hot,A1\n", encoding="utf-8")
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\nfields: {{name: Name, phone: Phone}}\n"
        "metadata:\n  No: S No\n  On: Status\n  0123: Ref\n",
        encoding="utf-8",
    )
    result = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"), "--no-ledger",
                     env=run_env(sandbox.base_url))  # fmt: skip
    assert result.exit_code == 0, result.output + result.stderr
    assert [lead["metadata"] for lead in sandbox.leads()] == [{"No": "7", "On": "hot", "0123": "A1"}]
