"""Suggesting a mapping from headers and contents, and writing it as YAML that load_mapping reads."""

from __future__ import annotations

from pathlib import Path
from typing import Any

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
        "phone": ("Mobile Number", "WhatsApp No"),  # the WhatsApp number where the mobile is empty
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
    field_lines = [ln for ln in text.split("\nfields:\n")[1].split("\n\n")[0].splitlines() if ln.startswith("  ")]
    assert len([ln for ln in field_lines if ln.startswith("  # confidence ")]) == 5
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


# --- issue 22: any country, any language, any CRM export ---------------------------------------------------------


def _rows(tmp_path: Path, header: list[str], rows: list[list[str]], name: str = "leads.csv") -> Path:
    import csv

    path = tmp_path / name
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _suggest_then_validate(run_cli: Any, tmp_path: Path, path: Path, *extra: str) -> tuple[str, list[dict[str, str]]]:
    """``mapping suggest`` then ``validate`` with no hand edit: the YAML and the report rows."""
    out = tmp_path / f"{path.stem}.yaml"
    suggested = run_cli("mapping", "suggest", str(path), "--out", str(out), "--force", *extra, env=ENV)
    assert suggested.exit_code == 0, suggested.output
    report = tmp_path / f"{path.stem}.report.csv"
    checked = run_cli("validate", str(path), "--mapping", str(out), "--report", str(report), env=ENV)
    assert checked.exit_code in (0, 1), checked.output + checked.stderr
    return out.read_text(encoding="utf-8"), checked.report


NATIONAL_SHEETS = {
    "US": (["First Name", "Last Name", "Phone"], [["Ann", "Lee", "(415) 835-1656"], ["Bob", "Ray", "(212) 555-0199"],
           ["Cy", "Dunn", "(646) 555-0143"], ["Di", "Fox", "(312) 555-0177"]], "+1"),
    "GB": (["Forename", "Surname", "Mobile"], [["Amy", "Cole", "07400 123456"], ["Ben", "Hart", "07712 345678"],
           ["Cat", "Lowe", "020 7123 4567"], ["Dan", "Moss", "0161 234 5678"]], "+44"),
    "DE": (["Vorname", "Nachname", "Handynummer"], [["Hans", "Müller", "0172 6508462"], ["Anna", "Schmidt", "0151 23456789"],
           ["Jonas", "Weber", "0160 98765432"], ["Lea", "Wolf", "030 12345678"]], "+49"),
    "CN": (["姓名", "手机", "邮箱"], [["张伟", "13800138001", "zw@example.com"], ["王芳", "13912345678", "wf@example.com"],
           ["李娜", "18612345678", "ln@example.com"]], "+86"),
    "NG": (["Full Name", "Phone Number"], [["Chidi Okeke", "0803 123 4567"], ["Ngozi Eze", "0805 987 6543"],
           ["Tunde Bello", "0703 111 2222"]], "+234"),
    "MX": (["Nombre", "Apellido", "Teléfono"], [["María", "García", "55 1234 5678"], ["José", "López", "33 1234 5678"],
           ["Lucía", "Ruiz", "81 8123 4567"]], "+52"),
    "BR": (["Nome", "Telefone"], [["Ana Souza", "(11) 98765-4321"], ["João Lima", "(21) 99876-5432"],
           ["Rita Dias", "(31) 3333-4444"]], "+55"),
    "FR": (["Nom", "Prénom", "Téléphone"], [["Dubois", "Renée", "06 12 34 56 78"], ["Martin", "Luc", "07 98 76 54 32"],
           ["Petit", "Zoé", "01 45 44 33 22"]], "+33"),
    "JP": (["氏名", "携帯電話"], [["山田太郎", "090-1234-5678"], ["佐藤花子", "080-9876-5432"], ["鈴木一郎", "03-1234-5678"]], "+81"),
    "KR": (["이름", "휴대폰"], [["김민준", "010-1234-5678"], ["이서연", "010-9876-5432"], ["박지훈", "02-123-4567"]], "+82"),
    "RU": (["Имя", "Фамилия", "Телефон"], [["Иван", "Петров", "8 (916) 123-45-67"], ["Мария", "Иванова", "8 (903) 765-43-21"],
           ["Олег", "Сидоров", "8-925-111-22-33"]], "+7"),
    "ID": (["Nama Lengkap", "Nomor HP"], [["Budi Santoso", "0812-3456-7890"], ["Siti Aminah", "0813 9876 5432"],
           ["Agus Salim", "0857 1234 5678"]], "+62"),
    "IT": (["Nome", "Cognome", "Cellulare"], [["Marco", "Rossi", "347 123 4567"], ["Giulia", "Bianchi", "333 765 4321"],
           ["Luca", "Russo", "320 111 2233"]], "+39"),
    "IN": (["ग्राहक का नाम", "मोबाइल नंबर"], [["राहुल शर्मा", "98123 45678"], ["प्रिया सिंह", "7012345678"],
           ["अमित पटेल", "8123456789"], ["नेहा गुप्ता", "6354123456"]], "+91"),
    "ES": (["Nombre completo", "Móvil"], [["Lucía García", "612 34 56 78"], ["Pablo López", "699 88 77 66"],
           ["Sofía Ruiz", "912 34 56 78"]], "+34"),
    "ZA": (["Name", "Cell"], [["Thabo Nkosi", "082 123 4567"], ["Lerato Dlamini", "071 987 6543"],
           ["Sipho Mokoena", "083 555 1234"]], "+27"),
}  # fmt: skip


@pytest.mark.parametrize("region", sorted(NATIONAL_SHEETS))
def test_default_region_comes_from_how_the_numbers_are_written(run_cli: Any, tmp_path: Path, region: str) -> None:
    """Numbers without a country code, written as each country writes them, give that default_region, the
    evidence is in the YAML, and validate gives every row its own country's E.164."""
    header, rows, code = NATIONAL_SHEETS[region]
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, header, rows))
    assert f"\ndefault_region: {region}\n" in text
    assert "numbers without a country code are valid in" in text
    assert [r["status"] for r in report] == ["valid"] * len(rows)
    assert all(r["phone_e164"].startswith(code) for r in report), [r["phone_e164"] for r in report]


def test_mexican_numbers_written_before_2019_give_mexico(run_cli: Any, tmp_path: Path) -> None:
    """044/045/01 prefixes and the mobile 1 (phonenumbers no longer reads them; as written, Germany's numbering
    takes them): default_region MX, and every row its Mexican E.164, never a German one."""
    rows = [["Ana López", "044 55 1234 5678"], ["Luis Díaz", "045 33 2345 6789"], ["Mar Paz", "01 81 2345 6789"],
            ["José Gil", "5215598765432"]]  # fmt: skip
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, ["Nombre", "Celular"], rows))
    assert "\ndefault_region: MX\n" in text
    assert [r["phone_e164"] for r in report] == ["+525512345678", "+523323456789", "+528123456789", "+525598765432"]


def test_a_plus_code_in_a_sibling_column_decides_the_country(run_cli: Any, tmp_path: Path) -> None:
    """A Toronto scrape: national (647) numbers and a sibling column with +1: CA, never +91; the +CC column first."""
    path = _rows(
        tmp_path,
        ["name", "phone", "phone_intl", "latitude", "longitude"],
        [
            ["Pia Zhou", "(647) 722-8837", "+1 647-722-8837", "43.6532", "-79.3832"],
            ["Raj Patel", "(416) 555-0101", "", "43.6540", "-79.3800"],
            ["Sam Roy", "(905) 555-0123", "+1 905-555-0123", "43.7000", "-79.4000"],
        ],
    )
    text, report = _suggest_then_validate(run_cli, tmp_path, path)
    assert "\ndefault_region: CA\n" in text and "phones carry a country code" in text
    assert [r["phone_e164"] for r in report] == ["+16477228837", "+14165550101", "+19055550123"]
    fields = _fields(_load(tmp_path, text))
    assert fields["phone"] == ("phone_intl", "phone")
    assert "latitude" not in str(fields) and "longitude" not in str(fields)


def test_a_country_column_reads_each_row_in_its_own_country(run_cli: Any, tmp_path: Path) -> None:
    """A Country column (names and ISO codes) becomes phoneCountryCode: a UK, a German and a Canadian row each
    get their own country's number; the YAML counts the rows per country."""
    path = _rows(
        tmp_path,
        ["Full Name", "Mobile", "Country"],
        [
            ["Amy Cole", "07400 123456", "United Kingdom"],
            ["Hans Müller", "0172 6508462", "Germany"],
            ["Raj Patel", "(647) 722-8837", "CA"],
            ["Ben Hart", "07712 345678", "GB"],
        ],
    )
    text, report = _suggest_then_validate(run_cli, tmp_path, path)
    assert _fields(_load(tmp_path, text))["phoneCountryCode"] == ("Country",)
    assert "the country column: 2 rows name GB" in text
    assert [r["phone_e164"] for r in report] == ["+447400123456", "+491726508462", "+16477228837", "+447712345678"]


def test_argentine_mobiles_written_with_their_15_are_argentine(run_cli: Any, tmp_path: Path) -> None:
    """011 15-2345-6789 is how Buenos Aires writes a mobile (+54 9 11 2345-6789); as digits it is also a valid
    Serbian number, which it was taken for because the 15 makes it longer than Argentina's numbers."""
    path = _rows(
        tmp_path,
        ["Nombre", "Apellido", "Celular"],
        [
            ["Juan", "Perez", "011 15-2345-6789"],
            ["Ana", "Gomez", "011 15-3456-7890"],
            ["Sol", "Ruiz", "011 15-4567-8901"],
        ],
    )
    text, report = _suggest_then_validate(run_cli, tmp_path, path)
    assert "default_region: AR" in text
    assert [r["phone_e164"] for r in report] == ["+5491123456789", "+5491134567890", "+5491145678901"]


@pytest.mark.parametrize("header", ["Country", "Land"])
def test_a_country_column_with_a_value_it_cannot_read_still_reads_the_others(
    run_cli: Any, tmp_path: Path, header: str
) -> None:
    """A German export whose country column also holds an unreadable value (a bare ``D``): the column still reads
    each row's phone, so the Austrian and Swiss numbers keep their countries instead of being sent as German ones,
    and the unreadable row is refused as unknown-country."""
    path = _rows(
        tmp_path,
        ["Vorname", "Nachname", "Telefon", header],
        [
            ["Jürgen", "Müller", "0171 1234567", "Deutschland"],
            ["Anna", "Gruber", "0664 1234567", "Österreich"],
            ["Luc", "Favre", "079 123 45 67", "Schweiz"],
            ["Pia", "Klein", "030 12345678", "Xanadu"],
        ],
    )
    text, report = _suggest_then_validate(run_cli, tmp_path, path)
    assert _fields(_load(tmp_path, text))["phoneCountryCode"] == (header,)
    assert [(r["status"], r["phone_e164"]) for r in report] == [
        ("valid", "+491711234567"),
        ("valid", "+436641234567"),
        ("valid", "+41791234567"),
        ("invalid", ""),
    ]
    assert report[3]["reason"] == "unknown-country"


@pytest.mark.parametrize(
    ("column", "values", "region"),
    [
        ("Email", ["a@firma.ae", "b@shop.ae", "c@mail.ae"], "AE"),
        ("Time Zone", ["Asia/Riyadh", "Asia/Riyadh", "Asia/Riyadh"], "SA"),
        ("Locale", ["ar_AE", "ar-AE", "en_AE"], "AE"),
    ],
)
def test_email_domains_time_zones_and_locales_break_a_tie(
    tmp_path: Path, column: str, values: list[str], region: str
) -> None:
    """050 123 4567 is as valid in the Emirates as in Saudi Arabia: .ae emails, a Riyadh time zone or an ar_AE
    locale decide, and the YAML says which."""
    rows = [["Omar Ali", "050 123 4567"], ["Sara Khan", "055 987 6543"], ["Ali Reza", "056 123 7654"]]
    path = _rows(tmp_path, ["Name", "Mobile", column], [[*r, v] for r, v in zip(rows, values, strict=True)])
    suggestion = suggest_mapping(path)
    assert suggestion.region == region
    assert any(region in e or f".{region.lower()}" in e for e in suggestion.region_evidence)


def test_absent_evidence_is_said_in_the_yaml_and_on_the_command_line(run_cli: Any, tmp_path: Path) -> None:
    """A sheet with no phone, no country and generic domains: no region is made up; the YAML and stderr say so."""
    path = _rows(tmp_path, ["Name", "Email"], [["Ann Lee", "ann@example.com"], ["Bob Ray", "bob@example.org"]])
    result = run_cli("mapping", "suggest", str(path), env=ENV)
    assert result.exit_code == 0
    assert "\ndefault_region:" not in result.output and "# default_region: not inferred" in result.output
    assert "no evidence of the country" in result.stderr


def test_mixed_evidence_is_said_and_region_overrides(run_cli: Any, tmp_path: Path) -> None:
    """Half the phones +1 and half +44 with no country column: 'mixed' in the YAML and on stderr; --region GB wins
    over the data and the YAML says what the data pointed to."""
    rows = [["Ann Lee", "+1 415 835 1656"], ["Bob Ray", "+1 212 555 0199"], ["Amy Cole", "+44 7400 123456"],
            ["Ben Hart", "+44 7712 345678"], ["Cy Dunn", "(646) 555-0143"], ["Dan Moss", "07400 123457"]]  # fmt: skip
    path = _rows(tmp_path, ["Name", "Phone"], rows)
    result = run_cli("mapping", "suggest", str(path), env=ENV)
    assert "the evidence is mixed" in result.output and "the evidence is mixed" in result.stderr
    given = run_cli("mapping", "suggest", str(path), "--region", "gb", env=ENV)
    assert "\ndefault_region: GB\n" in given.output and "given with --region" in given.output


def test_a_tie_between_countries_writes_no_region(run_cli: Any, tmp_path: Path) -> None:
    """Eight-digit mobiles are as valid in Singapore as in Hong Kong: no default_region is guessed (a wrong guess
    would send every row to the wrong country); the YAML and stderr say which countries tie and what to set."""
    rows = [[f"Tan Wei {c}", f"9{i}12 34{i}6"] for i, c in enumerate("ABCDEFGH")]
    path = _rows(tmp_path, ["Name", "Mobile"], rows)
    result = run_cli("mapping", "suggest", str(path), env=ENV)
    assert "\ndefault_region:" not in result.output and "# default_region: not inferred" in result.output
    assert "read alike as numbers of" in result.stderr and "--region" in result.stderr
    given = run_cli("mapping", "suggest", str(path), "--region", "SG", env=ENV)
    assert "\ndefault_region: SG\n" in given.output


def test_no_silent_india_default(tmp_path: Path) -> None:
    """US numbers are never written down as IN: (415) 835-1656 is read as +1, not +91 (the issue's first finding)."""
    path = _rows(tmp_path, ["Name", "Phone"], [["Ann Lee", "(415) 835-1656"], ["Bob Ray", "(212) 555-0199"]])
    assert suggest_mapping(path).region == "US"


LANGUAGE_HEADERS = {
    # language: (header, expected fields, expected metadata keys)
    "en": (["Full Name", "Mobile Phone", "Email Address", "City", "Company"], ("name",), ("city", "company")),
    "hi": (["नाम", "मोबाइल नंबर", "ईमेल", "शहर", "कंपनी"], ("name",), ("city", "company")),
    "es": (["Nombre", "Apellidos", "Móvil", "Correo electrónico", "Ciudad", "Empresa"], ("firstName", "lastName"), ("city", "company")),
    "pt": (["Nome completo", "Celular", "E-mail", "Cidade", "Empresa"], ("name",), ("city", "company")),
    "fr": (["Nom", "Prénom", "Téléphone", "Courriel", "Ville", "Société"], ("firstName", "lastName"), ("city", "company")),
    "de": (["Vorname", "Nachname", "Telefonnummer", "E-Mail", "Stadt", "Firma"], ("firstName", "lastName"), ("city", "company")),
    "it": (["Nome", "Cognome", "Cellulare", "Email", "Città", "Azienda"], ("firstName", "lastName"), ("city", "company")),
    "nl": (["Voornaam", "Achternaam", "Telefoonnummer", "E-mailadres", "Woonplaats", "Bedrijf"], ("firstName", "lastName"), ("city", "company")),
    "id": (["Nama Depan", "Nama Belakang", "Nomor HP", "Email", "Kota", "Perusahaan"], ("firstName", "lastName"), ("city", "company")),
    "ar": (["الاسم الكامل", "رقم الجوال", "البريد الإلكتروني", "المدينة", "الشركة"], ("name",), ("city", "company")),
    "ru": (["Имя", "Фамилия", "Телефон", "Электронная почта", "Город", "Компания"], ("firstName", "lastName"), ("city", "company")),
    "zh": (["姓名", "手机号码", "邮箱", "城市", "公司"], ("name",), ("city", "company")),
    "ja": (["氏名", "携帯電話", "メールアドレス", "市区町村", "会社名"], ("name",), ("city", "company")),
    "ko": (["이름", "휴대폰", "이메일", "도시", "회사"], ("name",), ("city", "company")),
}  # fmt: skip
_PEOPLE = [("Ana", "Silva"), ("Luis", "Moreno"), ("Eva", "Klein")]


@pytest.mark.parametrize("language", sorted(LANGUAGE_HEADERS))
def test_headers_in_the_languages_lead_sheets_come_in(tmp_path: Path, language: str) -> None:
    """Name (or first + last), phone, email, city and company headers in 14 languages: the person's columns are
    the name fields (never the company), the phone and email are placed, city and company keep readable keys."""
    header, names, keys = LANGUAGE_HEADERS[language]
    rows = []
    for i, (first, last) in enumerate(_PEOPLE):
        person = [first, last] if len(names) == 2 else [f"{first} {last}"]
        rows.append([*person, f"+44 7400 12345{i}", f"{first.lower()}@example.com", "Springfield", f"Firm {i} Ltd"])
    mapping = _load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows))))
    fields = _fields(mapping)
    person_fields = [f for f in ("name", "firstName", "lastName") if f in fields]
    assert tuple(person_fields) == names
    assert fields["phone"] == (header[len(names)],) and fields["email"] == (header[len(names) + 1],)
    assert tuple(s.key for s in mapping.metadata) == keys


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("Name* (s.nom)", "Name* (s.nom)"),  # Dolibarr
        ("Nome", "Nome"),  # Portuguese: the whole name
        ("Contact", "Contact"),  # a column of names under a word that says nothing about them
        ("Col1", "Col1"),
    ],
)
def test_a_column_of_names_is_proposed(tmp_path: Path, header: str, expected: str) -> None:
    """Dolibarr's Name* (s.nom), Portuguese Nome, and Contact or Col1 holding people's names are the name; a
    column found by its cells alone is marked low-confidence."""
    rows = [["Ana Souza", "+55 11 98765-4321"], ["João Lima", "+55 21 99876-5432"], ["Rita Dias", "+55 31 98888-4444"]]
    suggestion = suggest_mapping(_rows(tmp_path, [header, "Telefone"], rows))
    name = next(c for c in suggestion.fields if c.field == "name")
    assert name.header == expected
    if header in ("Contact", "Col1"):
        assert name.confidence <= 0.5 and "low confidence" in name.evidence


def test_fax_is_never_the_phone_and_the_company_never_the_name(tmp_path: Path) -> None:
    """A Tine 2.0 / vCard export: n_given + n_family are the name (not org_name), tel_cell the phone with
    tel_work after it; tel_fax and the office line shared by every row stay metadata."""
    header = ["org_name", "n_given", "n_family", "tel_fax", "tel_work", "tel_cell", "tel_home", "email"]
    rows = [
        ["Metaways GmbH", "Hans", "Müller", "+49 40 1234568", "+49 40 1234567", "+49 172 6508462", "", "h@m.de"],
        ["Metaways GmbH", "Eva", "Klein", "+49 40 1234568", "+49 40 1234567", "", "+49 30 1234567", "e@m.de"],
        ["Metaways GmbH", "Tom", "Groß", "+49 40 1234568", "+49 40 1234567", "+49 151 23456789", "", "t@m.de"],
        ["Metaways GmbH", "Ute", "Lang", "+49 40 1234568", "+49 40 1234567", "+49 160 98765432", "", "u@m.de"],
    ]
    mapping = _load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows))))
    fields = _fields(mapping)
    assert fields["firstName"] == ("n_given",) and fields["lastName"] == ("n_family",) and "name" not in fields
    assert fields["phone"][0] == "tel_cell" and "tel_fax" not in fields["phone"] and "tel_work" not in fields["phone"]
    assert {s.key for s in mapping.metadata} >= {"company", "tel_fax", "tel_work"}


def test_fax_geschaeftlich_is_no_phone(tmp_path: Path) -> None:
    """An Outlook (German) export: Fax geschäftlich is never the phone, even when it is the only filled number column."""
    header = ["Vorname", "Nachname", "Fax geschäftlich", "Mobiltelefon", "E-Mail-Adresse"]
    rows = [["Hans", "Müller", "030 1234567", "", "h@firma.de"], ["Anna", "Schmidt", "089 7654321", "", "a@firma.de"]]
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows)))))
    assert "Fax geschäftlich" not in fields.get("phone", ())


def test_bitrix_name_and_last_name_are_first_and_last(tmp_path: Path) -> None:
    """Bitrix24 NAME/LAST_NAME/SECOND_NAME: NAME is the first name, LAST_NAME the last; SECOND_NAME (patronymic) metadata."""
    header = ["ID", "NAME", "SECOND_NAME", "LAST_NAME", "PHONE_MOBILE", "COMPANY_TITLE"]
    rows = [["11", "Иван", "Сергеевич", "Петров", "+7 916 123-45-67", "Romashka LLC"],
            ["12", "Мария", "Петровна", "Иванова", "+7 903 765-43-21", "Lyutik LLC"]]  # fmt: skip
    mapping = _load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows))))
    fields = _fields(mapping)
    assert (fields["firstName"], fields["lastName"]) == (("NAME",), ("LAST_NAME",))
    assert {s.key for s in mapping.metadata} >= {"second_name", "company"}


def test_a_zoho_export_with_only_last_name_is_named_by_it(run_cli: Any, tmp_path: Path) -> None:
    """Zoho Leads: First Name empty, Last Name filled: the lead's name is the last name and every row is valid."""
    header = ["Record Id", "First Name", "Last Name", "Company", "Phone", "Mobile", "Country"]
    rows = [["zcrm_1", "", "Smith", "Acme", "(415) 835-1656", "", "United States"],
            ["zcrm_2", "", "Jones", "Beta", "(212) 555-0199", "", "United States"],
            ["zcrm_3", "", "Brown", "Gamma", "", "(646) 555-0143", "United States"]]  # fmt: skip
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, header, rows))
    fields = _fields(_load(tmp_path, text))
    assert fields["name"] == ("Last Name",) and "firstName" not in fields and "Company" not in str(fields)
    assert [r["status"] for r in report] == ["valid"] * 3
    assert [r["phone_e164"] for r in report] == ["+14158351656", "+12125550199", "+16465550143"]


def test_a_full_phone_column_beats_a_sparse_mobile(tmp_path: Path) -> None:
    """A 17%-filled cp_mobile1 is a fallback after the full phone column, not the phone."""
    rows = [
        [f"Ana Silva {i}", f"+91 98220 5{i:04d}", "+91 98120 11111" if i == 0 else "", f"a{i}@x.in"] for i in range(6)
    ]
    fields = _fields(
        _load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, ["name", "phone", "cp_mobile1", "email"], rows))))
    )
    assert fields["phone"] == ("phone", "cp_mobile1")


def test_phone_columns_become_an_ordered_alias_list(run_cli: Any, tmp_path: Path) -> None:
    """Work Phone (+CC), Home Phone and Mobile: mobile first, then the lead's home line, then its work line (the
    +CC column came before the home line, but the lead's own line comes before its workplace's); a row whose mobile
    and home line are empty takes its work number; the company's main line (on most rows) stays metadata."""
    header = ["First Name", "Last Name", "Home Phone", "Work Phone", "Mobile", "Company Main Phone"]
    rows = [
        ["Ann", "Lee", "(415) 555-0101", "+1 415 835 1656", "(415) 555-0202", "(415) 555-0000"],
        ["Bob", "Ray", "", "+1 212 555 0199", "", "(415) 555-0000"],
        ["Cy", "Dunn", "(646) 555-0143", "", "", "(415) 555-0000"],
        ["Di", "Fox", "(312) 555-0177", "+1 312 555 0188", "(312) 555-0166", "(415) 555-0000"],
    ]
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, header, rows))
    mapping = _load(tmp_path, text)
    assert _fields(mapping)["phone"] == ("Mobile", "Home Phone", "Work Phone")
    assert "company_main_phone" in {s.key for s in mapping.metadata}
    assert [r["phone_e164"] for r in report] == ["+14155550202", "+12125550199", "+16465550143", "+13125550166"]


def test_phones_under_another_header_are_a_fallback(tmp_path: Path) -> None:
    """The header-matched Phone column is mostly empty and Col5 holds phones: Col5 comes first."""
    header = ["Name", "Phone", "Col5"]
    rows = [["Ana Silva", "", "+44 7400 123451"], ["Luis Moreno", "", "+44 7400 123452"],
            ["Eva Klein", "+44 7400 123453", "+44 7400 123454"], ["Tom Hart", "", "+44 7400 123455"]]  # fmt: skip
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows)))))
    assert fields["phone"] == ("Col5", "Phone")


def test_a_one_column_file_has_a_header(run_cli: Any, tmp_path: Path) -> None:
    """A Primary Email column over 4 addresses: inspect and suggest find its header, not 'no header row found'."""
    path = tmp_path / "emails.csv"
    path.write_text("Primary Email\na@x.com\nb@y.com\nc@z.com\nd@w.com\n", encoding="utf-8")
    inspected = run_cli("inspect", str(path))
    assert inspected.exit_code == 0 and "header on row 1; 4 data rows" in inspected.output
    suggestion = suggest_mapping(path)
    assert [(c.field, c.header) for c in suggestion.fields] == [("email", "Primary Email")]


EXPORT_SHAPES = {
    "thunderbird": (
        ["First Name", "Last Name", "Display Name", "Screen Name", "Primary Email", "Secondary Email", "Work Phone",
         "Pager Number", "Mobile Number"],
        [["Ann", "Lee", "Ann Lee", "annlee", "ann@x.com", "", "+1 415 555 0101", "+1 415 555 0901", "+1 415 555 0201"],
         ["Bob", "Ray", "Bob Ray", "bobray", "", "bob@y.com", "+1 212 555 0102", "+1 212 555 0902", ""],
         ["Cy", "Dunn", "Cy Dunn", "cyd", "cy@x.com", "cy@y.com", "+1 212 555 0103", "+1 212 555 0903", "+1 212 555 0203"]],
        {"firstName": ("First Name",), "lastName": ("Last Name",), "phone": ("Mobile Number", "Work Phone"),
         "email": ("Primary Email", "Secondary Email")},
    ),
    "salesforce": (
        ["First Name", "Last Name", "Phone", "Asst. Phone", "Mobile", "Fax", "Email"],
        [["Ann", "Lee", "(415) 555-0101", "(415) 555-0999", "(415) 555-0201", "(415) 555-0301", "ann@x.com"],
         ["Bob", "Ray", "(212) 555-0102", "(212) 555-0998", "", "(212) 555-0302", "bob@x.com"]],
        {"firstName": ("First Name",), "lastName": ("Last Name",), "phone": ("Mobile", "Phone"), "email": ("Email",)},
    ),
    "chinese": (
        ["姓名", "电话", "QQ", "微信", "邮箱"],
        [["张伟", "13800138001", "123456789", "zhangwei88", "zw@qq.com"],
         ["王芳", "13912345678", "987654321", "wangfang66", "wf@qq.com"]],
        {"name": ("姓名",), "phone": ("电话",), "email": ("邮箱",)},
    ),
    "chinese edtech": (
        ["学员姓名", "家长姓名", "家长手机", "联系电话", "课程", "顾问"],
        [["王小明", "王大伟", "13912345678", "13800138001", "英语", "李老师"],
         ["张小红", "张建国", "13912345679", "13800138002", "数学", "刘老师"],
         ["李小华", "李强", "13912345670", "13800138003", "英语", "李老师"]],
        {"name": ("学员姓名",), "phone": ("联系电话", "家长手机")},
    ),
    "mautic": (
        ["id", "firstname", "lastname", "company", "email", "mobile", "phone", "fax", "country", "preferred_locale",
         "timezone"],
        [["1", "Ann", "Lee", "Acme", "ann@x.com", "(415) 555-0201", "(415) 555-0101", "", "United States", "en_US",
          "America/Los_Angeles"],
         ["2", "Bob", "Ray", "Beta", "bob@x.com", "", "(212) 555-0102", "", "United States", "en_US",
          "America/New_York"]],
        {"firstName": ("firstname",), "lastName": ("lastname",), "phone": ("mobile", "phone"), "email": ("email",),
         "referenceId": ("id",), "phoneCountryCode": ("country",)},
    ),
    "whatsapp inbox": (
        ["Name", "wa_id", "WhatsApp ID", "Last Message", "Created At"],
        [["Rahul Sharma", "919812345678", "919812345678", "Price?", "2024-05-01T10:00:00Z"],
         ["Priya Singh", "917012345678", "917012345678", "Hi", "2024-05-02T11:00:00Z"],
         ["Amit Patel", "918123456789", "918123456789", "Call me", "2024-05-03T12:00:00Z"]],
        {"name": ("Name",), "phone": ("wa_id", "WhatsApp ID")},
    ),
    "apify maps": (
        ["title", "categoryName", "phone", "phoneUnformatted", "website", "location/lat", "location/lng"],
        [["Pizza Place", "Pizza", "(647) 722-8837", "+16477228837", "pizza.ca", "43.6532", "-79.3832"],
         ["Cafe Bar", "Cafe", "(416) 555-0101", "+14165550101", "cafe.ca", "43.6540", "-79.3800"],
         ["Sushi Go", "Sushi", "(905) 555-0123", "+19055550123", "sushi.ca", "43.7000", "-79.4000"]],
        {"name": ("title",), "phone": ("phoneUnformatted", "phone")},
    ),
    "maps scrape": (
        ["Business Name", "Address", "Phone", "Website"],
        [["Pizza Place", "1 King St W, Toronto", "(647) 722-8837", "pizza.ca"],
         ["Cafe Bar", "2 Queen St, Toronto", "(416) 555-0101", "cafe.ca"]],
        {"name": ("Business Name",), "phone": ("Phone",)},
    ),
}  # fmt: skip


@pytest.mark.parametrize("shape", sorted(EXPORT_SHAPES))
def test_real_export_shapes_are_placed(tmp_path: Path, shape: str) -> None:
    """Thunderbird (pager, screen name), Salesforce (assistant's phone, fax), a Chinese sheet (QQ and WeChat ids are
    no phone), Mautic (mobile before phone, its country column), a WhatsApp inbox export (its ids are the numbers)
    and a maps scrape (no person: the business names the lead) each get the fields a person would choose."""
    header, rows, expected = EXPORT_SHAPES[shape]
    assert _fields(_load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows))))) == expected


def test_a_country_the_phones_do_not_fit_is_no_phone_country(run_cli: Any, tmp_path: Path) -> None:
    """A study-abroad sheet: 'Country' names where the student wants to go (Canada, UK, Australia), the numbers are
    Indian. The column stays metadata, the counsellor's number is no phone, and every row gets +91, never +1/+44/+61."""
    header = ["Student Name", "Mobile", "Counsellor Mobile", "Country", "Course"]
    countries = ["Canada", "UK", "Australia"]
    rows = [
        [f"Student {n} Sharma", f"{m}8123456{i:02d}", "9000000001" if i % 2 else "9000000002", countries[i % 3], "MBA"]
        for i, (n, m) in enumerate(zip("ABCDEFGHIJ", "9876987698", strict=True))
    ]
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, header, rows))
    fields = _fields(_load(tmp_path, text))
    assert "phoneCountryCode" not in fields and fields["phone"] == ("Mobile",)
    assert "stays metadata" in text and "\ndefault_region: IN\n" in text
    assert all(r["phone_e164"].startswith("+91") for r in report), [r["phone_e164"] for r in report]


def test_other_evidence_picks_between_readings_of_the_numbers(run_cli: Any, tmp_path: Path) -> None:
    """UK mobiles whose leading 0 Excel dropped (7400 123456) read best as Indian numbers; the .co.uk emails point
    to Britain, where they are valid too: GB is taken, the doubt is said, and no row is sent as +91."""
    rows = [[f"Person {c} Jones", f"74001234{i:02d}", f"p{i}@firm.co.uk" if i % 2 else f"p{i}@gmail.com"]
            for i, c in enumerate("ABCDEFGHIJ")]  # fmt: skip
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, ["Name", "Phone", "Email"], rows))
    assert "\ndefault_region: GB\n" in text and "points to GB" in text
    assert all(r["phone_e164"].startswith("+447400") for r in report), [r["phone_e164"] for r in report]


def test_a_country_filled_only_on_foreign_rows_leaves_the_rest_to_the_evidence(run_cli: Any, tmp_path: Path) -> None:
    """Country is filled only for the two British leads: they are read in GB, and the Indian majority keeps IN as
    the default (the column's own majority would have made every blank row British)."""
    rows = [
        [f"Lead {c} Sharma", f"{m}81234{i:04d}", ""]
        for i, (c, m) in enumerate(zip("ABCDEFGH", "98769876", strict=True))
    ]
    rows += [["Amy Cole", "07400 123456", "UK"], ["Ben Hart", "07712 345678", "United Kingdom"]]
    text, report = _suggest_then_validate(run_cli, tmp_path, _rows(tmp_path, ["Name", "Mobile", "Country"], rows))
    assert "\ndefault_region: IN\n" in text and _fields(_load(tmp_path, text))["phoneCountryCode"] == ("Country",)
    phones = [r["phone_e164"] for r in report]
    assert all(p.startswith("+91") for p in phones[:8]) and phones[8:] == ["+447400123456", "+447712345678"]


def test_the_leads_own_first_number_comes_before_a_relatives_and_an_alternate(tmp_path: Path) -> None:
    """An edtech sheet: the student's Phone, then the Alternate Mobile, then the Father's Mobile, although mobiles
    usually come first."""
    header = ["Student Name", "Father's Mobile", "Alternate Mobile", "Phone"]
    rows = [[f"Student {c} Rao", f"98{i}0012345", f"97{i}0012345", f"96{i}0012345"] for i, c in enumerate("ABCDE")]
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows)))))
    assert fields["phone"] == ("Phone", "Alternate Mobile", "Father's Mobile")


def test_an_empty_first_and_last_name_leave_the_full_name(tmp_path: Path) -> None:
    """A Facebook form with optional first_name/last_name fields nobody filled: full_name is the name."""
    header = ["full_name", "first_name", "last_name", "phone_number"]
    rows = [["Ann Lee", "", "", "+1 415 835 1656"], ["Bob Ray", "", "", "+1 212 555 0199"],
            ["Cy Dunn", "Cy", "", "+1 646 555 0143"], ["Di Fox", "", "", "+1 312 555 0177"]]  # fmt: skip
    fields = _fields(_load(tmp_path, render_yaml(suggest_mapping(_rows(tmp_path, header, rows)))))
    assert fields["name"] == ("full_name",) and "firstName" not in fields and "lastName" not in fields
