"""Suggesting a mapping from headers and contents, and writing it as YAML that load_mapping reads."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from importer.config import LeadMapping, load_mapping
from importer.errors import ConfigError
from importer.pipeline import validate_file
from importer.tools.suggest import render_yaml, suggest_mapping
from tests.conftest import PROCESS, PROJECT, ROOT

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
COMPARED = ["sheet_row", "status", "reason", "phone_e164", "email", "referenceId"]


def _load(tmp_path: Path, text: str) -> LeadMapping:
    path = tmp_path / "suggested.yaml"
    path.write_text(text, encoding="utf-8")
    return load_mapping(path, environ=ENV)


def _csv(tmp_path: Path, lines: list[str], name: str = "leads.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _fields(mapping: LeadMapping) -> dict[str, tuple[str, ...]]:
    return {s.target: s.aliases for s in mapping.fields}


@pytest.mark.parametrize(
    ("sample", "hand_mapping"), [("dealer_leads.xlsx", "dealer_leads.yaml"), ("event_leads.csv", "event_leads.yaml")]
)
def test_suggestion_validates_samples_like_the_hand_mapping(tmp_path: Path, sample: str, hand_mapping: str) -> None:
    """On each shipped sample the unedited suggestion gives every row the status, reason, phone, email and referenceId the hand-written mapping gives."""
    path = ROOT / "sample_data" / sample
    suggested = _load(tmp_path, render_yaml(suggest_mapping(path)))
    hand = load_mapping(ROOT / "mappings" / hand_mapping, environ=ENV)
    ours = validate_file(path, suggested).rows[COMPARED]
    theirs = validate_file(path, hand).rows[COMPARED]
    pd.testing.assert_frame_equal(ours.reset_index(drop=True), theirs.reset_index(drop=True))


def test_dealer_sample_mapping_names_the_leads_sheet() -> None:
    """The dealer export keeps its leads on the second sheet under title rows: sheet is named, header_row is not needed."""
    suggestion = suggest_mapping(ROOT / "sample_data" / "dealer_leads.xlsx")
    assert (suggestion.sheet, suggestion.header_row, suggestion.table.header_row) == ("Leads", None, 4)
    assert {c.field: c.header for c in suggestion.fields} == {
        "name": "Customer Name",
        "phone": "Mobile No.",
        "email": "Email ID",
    }
    assert dict(suggestion.metadata) == {
        "sr_no": "Sr No",
        "city": "City",
        "dealer_name": "Dealer Name",
        "lead_source": "Lead Source",
        "enquiry_date": "Enquiry Date",
    }
    assert suggestion.unplaced == ()


def test_event_sample_uses_first_last_name_and_lead_id() -> None:
    """First Name + Last Name are used as firstName/lastName, and Lead ID becomes the referenceId."""
    suggestion = suggest_mapping(ROOT / "sample_data" / "event_leads.csv")
    assert {c.field: c.header for c in suggestion.fields} == {
        "firstName": "First Name",
        "lastName": "Last Name",
        "phone": "Phone Number",
        "email": "E-mail",
        "referenceId": "Lead ID",
    }
    phone = next(c for c in suggestion.fields if c.field == "phone")
    assert phone.evidence == "header 'Phone Number' matches phone; 100% of filled cells look like phones"
    assert phone.confidence >= 0.9


def test_columns_are_recognised_by_their_contents(tmp_path: Path) -> None:
    """A 'Contact' column holding phones is the phone column and an 'Info' column holding emails is the email column."""
    path = _csv(
        tmp_path,
        [
            "Customer Name,Contact,Info,Notes",
            "Asha Iyer,98220 55667,asha@example.com,called back",
            "Ravi Kumar,+91 98220 66778,ravi@example.com,",
            "Meena Das,9822077889,meena@example.com,wants a test drive",
        ],
    )
    suggestion = suggest_mapping(path)
    chosen = {c.field: c for c in suggestion.fields}
    assert {f: c.header for f, c in chosen.items()} == {"name": "Customer Name", "phone": "Contact", "email": "Info"}
    assert "100% of filled cells look like phones" in chosen["phone"].evidence
    assert chosen["email"].evidence == "header 'Info' says nothing; 100% of filled cells look like emails"
    assert dict(suggestion.metadata) == {"notes": "Notes"}


def test_row_numbers_are_no_reference_id_and_a_number_on_every_row_is_no_phone(tmp_path: Path) -> None:
    """'Lead No' holding 1, 2, 3 numbers the rows (next week's export starts at 1 again): metadata, not the
    referenceId. A call log's 'Virtual Number' is the company's, the same on every row: the caller's
    number is the phone."""
    path = _csv(
        tmp_path,
        [
            "Lead No,Virtual Number,Caller Number,Caller Name",
            "1,08047112233,9822055667,Asha Iyer",
            "2,08047112233,9822066778,Ravi Kumar",
            "3,08047112233,9822077889,Meena Das",
        ],
    )
    suggestion = suggest_mapping(path)
    chosen = {c.field: c.header for c in suggestion.fields}
    assert chosen == {"name": "Caller Name", "phone": "Caller Number"}
    assert dict(suggestion.metadata) == {"lead_no": "Lead No", "virtual_number": "Virtual Number"}
    ids = _csv(
        tmp_path, ["Lead ID,Name,Mobile", "50231,Asha,9822055667", "50232,Ravi,9822066778", "50233,Meena,9822077889"]
    )
    assert {c.field: c.header for c in suggest_mapping(ids).fields}["referenceId"] == "Lead ID"  # a CRM's lasting ids


def test_sheet_without_contact_column_lists_it_as_unplaced(tmp_path: Path) -> None:
    """With no phone or email column the suggestion says so, in the Suggestion and at the top of the YAML."""
    path = _csv(tmp_path, ["Name,City,Company", "Asha Iyer,Pune,Iyer Traders", "Ravi Kumar,Goa,Kumar Steel"])
    suggestion = suggest_mapping(path)
    assert [c.field for c in suggestion.fields] == ["name"]
    assert any("no phone or email column" in u for u in suggestion.unplaced)
    head = render_yaml(suggestion).split("project_id:")[0]
    assert "# Not placed:" in head and "no phone or email column found" in head


def test_yaml_loads_with_load_mapping(tmp_path: Path) -> None:
    """The YAML is a mapping load_mapping accepts as is: ids from the environment, fields, metadata, quoting."""
    path = _csv(
        tmp_path,
        [
            "Leads for April",
            "Enquiry No,First Name,Surname,Full Name,WhatsApp No,Mobile Number,E-mail ID,leadSource,Remarks: internal,Yes",
            "E-1,Asha,Iyer,Asha Iyer,9822055667,9822055667,asha@example.com,Facebook,vip,y",
            "E-2,Ravi,Kumar,Ravi Kumar,,9822066778,ravi@example.com,Expo,,n",
        ],
    )
    suggestion = suggest_mapping(path, region="in")
    text = render_yaml(suggestion)
    mapping = _load(tmp_path, text)
    assert (mapping.project_id, mapping.process_id, mapping.default_region) == (PROJECT, PROCESS, "IN")
    assert (mapping.sheet, mapping.header_row) == (None, None)
    assert _fields(mapping) == {
        "firstName": ("First Name",),
        "lastName": ("Surname",),
        "phone": ("Mobile Number",),
        "email": ("E-mail ID",),
        "referenceId": ("Enquiry No",),
    }
    assert {s.key: s.aliases for s in mapping.metadata} == {
        "full_name": ("Full Name",),
        "whatsapp_no": ("WhatsApp No",),
        "lead_source": ("leadSource",),
        "remarks_internal": ("Remarks: internal",),
        "yes": ("Yes",),
    }
    field_lines = text.split("\nfields:\n")[1].split("\n\n")[0].splitlines()
    assert len(field_lines) == 10
    assert all(ln.startswith("  # confidence ") for ln in field_lines[0::2])
    assert any("'Full Name' could be name but firstName and lastName are used" in n for n in suggestion.notes)
    outcome = validate_file(path, mapping)
    assert outcome.rows["status"].tolist() == ["valid", "valid"]


def test_name_column_wins_without_both_first_and_last(tmp_path: Path) -> None:
    """With a name column and only a first-name column, name is used and the first name goes to metadata."""
    path = _csv(tmp_path, ["Cust Name,First Name,Mobile No.", "Asha Iyer,Asha,9822055667"])
    suggestion = suggest_mapping(path)
    assert {c.field: c.header for c in suggestion.fields} == {"name": "Cust Name", "phone": "Mobile No."}
    assert dict(suggestion.metadata) == {"first_name": "First Name"}


def test_unknown_region_is_a_config_error(tmp_path: Path) -> None:
    """A region code phonenumbers does not know is refused before the file is read."""
    with pytest.raises(ConfigError, match="'XX' is not a known region"):
        suggest_mapping(tmp_path / "leads.csv", region="xx")


def test_metadata_keys_keep_hindi_and_tamil_vowel_signs() -> None:
    """A metadata key made from a Hindi or Tamil header keeps its vowel signs (नाम, not न_म)."""
    from importer.tools.suggest import snake_key

    assert [snake_key(h) for h in ("नाम", "क्रम सं.", "மொபைல் எண்", "Lead Source", "leadSource")] == [
        "नाम",
        "क्रम_सं",
        "மொபைல்_எண்",
        "lead_source",
        "lead_source",
    ]


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Sender Name,Sender Mobile,Sender Email", ("Sender Name", "Sender Mobile", "Sender Email")),  # IndiaMART
        ("Caller Name,Caller Number,Area", ("Caller Name", "Caller Number", None)),  # JustDial
        ("What's your name?,And your phone number?,What's your email?", None),  # Typeform questions
        ("नाम,मोबाइल नंबर,ईमेल", ("नाम", "मोबाइल नंबर", "ईमेल")),
        ("Counsellor,Student,Contact", ("Student", "Contact", None)),
    ],
)
def test_portal_and_form_headers_are_placed(tmp_path: Path, header: str, expected: tuple[str, ...] | None) -> None:
    """Headers of Indian lead portals, form builders and Hindi sheets name the lead's name, phone and email."""
    names = header.split(",")
    rows = {
        "Sender Name": "Rahul Sharma", "Caller Name": "Rahul Sharma", "What's your name?": "Rahul Sharma",
        "नाम": "राहुल शर्मा", "Student": "Rahul Sharma", "Counsellor": "Anita Desai", "Area": "Andheri",
    }  # fmt: skip
    cells = [rows.get(n, "9812345678" if "mail" not in n and "ईमेल" not in n else "r@x.com") for n in names]
    cells = ["r@x.com" if "email" in n.lower() else c for n, c in zip(names, cells, strict=True)]
    path = _csv(tmp_path, [header, ",".join(cells), ",".join(cells).replace("5678", "5679").replace("r@", "s@")])
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(path))))
    name, phone, email = expected if expected is not None else names
    assert fields["name"] == (name,) and fields["phone"] == (phone,)
    assert fields.get("email") == ((email,) if email else None)


def test_an_id_column_of_ten_digits_is_no_phone(tmp_path: Path) -> None:
    """Query ID holds 10-digit numbers: it is the referenceId, and Contact Details (+91-98123 45678) the phone."""
    path = _csv(
        tmp_path,
        [
            "Query ID,Customer Name,Contact Details,Email",
            "9104567891,Rahul,+91-98123 45678,r@x.com",
            "9104567892,Priya,+91-98123 45679,p@x.com",
        ],
    )
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(path))))
    assert fields["phone"] == ("Contact Details",) and fields["referenceId"] == ("Query ID",)


def test_no_code_or_model_column_is_taken_for_the_lead(tmp_path: Path) -> None:
    """A column headed Code (dealer codes 7, 44) is no country code; Model Name is no person; Primary No is a phone."""
    path = _csv(
        tmp_path,
        [
            "Sr,First Name,Primary No,Email,Code,Model Name",
            "1,Rahul,9812345670,rahul@x.com,7,Creta",
            "2,Priya,9812345671,priya@x.com,44,Venue",
        ],
    )
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(path))))
    assert fields == {"firstName": ("First Name",), "phone": ("Primary No",), "email": ("Email",)}


def test_a_country_code_column_needs_codes_in_it(tmp_path: Path) -> None:
    """Country Code with +971, 44, AE is proposed; a Country Code column of city names is not."""
    good = _csv(tmp_path, ["Name,Country Code,Mobile", "Asha,+971,501234567", "Ravi,44,7911123456"], "good.csv")
    assert _fields(_load(tmp_path, render_yaml(suggest_mapping(good))))["phoneCountryCode"] == ("Country Code",)
    bad = _csv(tmp_path, ["Name,Country Code,Mobile", "Asha,Dubai,501234567", "Ravi,London,7911123456"], "bad.csv")
    assert "phoneCountryCode" not in _fields(_load(tmp_path, render_yaml(suggest_mapping(bad))))
