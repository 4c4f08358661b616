"""Lead sheets of Latin America, Africa, the Middle East, Asia and Europe as local CRMs and ad platforms export
them (local headers, local country names), read with ``default_region`` set to the country, unset, or set to
another one: every number is sent in its row's own country or held with a reason, never sent as another
country's number."""

from __future__ import annotations

import csv
from collections.abc import Callable
from pathlib import Path

from importer.sandbox.server import Sandbox, SandboxSettings
from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import TOKEN, run_env


def _sheet(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        csv.writer(f).writerows([header, *rows])
    return path


def _mapping(path: Path, fields: dict[str, str], region: str | None) -> Path:
    lines = [f"project_id: {PROJECT}", f"process_id: {PROCESS}"]
    lines += [f"default_region: {region}"] if region else []
    lines += ["fields:", *(f'  {field}: "{column}"' for field, column in fields.items())]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_a_sheet_with_no_country_at_all_sends_its_numbers_written_with_a_code(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """No default_region and no country column (a Latin American team's first mapping): the numbers written with
    + and their code go out as written, the rest are no-region. It stopped with an internal error."""
    sheet = _sheet(
        tmp_path / "contactos.csv",
        ["Nombre", "Teléfono", "Correo electrónico"],
        [
            ["Ana López", "+52 55 1234 5678", "ana@gmail.com"],
            ["Bruno Díaz", "+54 9 11 2345-6789", "bruno@hotmail.com"],
            ["Carla Souza", "+55 11 91234-5678", "carla@uol.com.br"],
            ["Diego Ruiz", "55 1234 5678", ""],
        ],
    )
    mapping = _mapping(
        tmp_path / "m.yaml", {"name": "Nombre", "phone": "Teléfono", "email": "Correo electrónico"}, None
    )
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert result.exit_code == 1, result.output + result.stderr
    rows = by_row(result.report)
    assert [rows[n]["phone_e164"] for n in (2, 3, 4)] == ["+525512345678", "+5491123456789", "+5511912345678"]
    assert [rows[n]["status"] for n in (2, 3, 4)] == ["valid"] * 3
    assert rows[5]["status"] == "invalid" and rows[5]["reason"] == "no-region"
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        sent = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"),
                       "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 1, sent.output + sent.stderr
    assert stored == ["+525512345678", "+5491123456789", "+5511912345678"]


def test_suggest_names_morocco_for_a_moroccan_sheet_not_western_sahara(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Western Sahara shares Morocco's +212 and numbering: numbers that fit both are Morocco's, the code's main
    country (the mapping said EH, Western Sahara, and the summary named it)."""
    sheet = _sheet(
        tmp_path / "contacts_ma.csv",
        ["Nom", "Téléphone", "Email"],
        [
            ["Youssef Amrani", "06 12 34 56 78", "youssef@gmail.com"],
            ["Salma Bennani", "+212 6 61 23 45 67", "salma@gmail.com"],
            ["Karim Idrissi", "0612345679", "karim@hotmail.com"],
            ["Nadia Tazi", "212661234568", "nadia@gmail.com"],
            ["Omar Alaoui", "661234569", "omar@yahoo.fr"],
            ["Imane Chraibi", "07 12 34 56 78", "imane@gmail.com"],
        ],
    )
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping))
    assert suggested.exit_code == 0, suggested.output
    assert "default_region: MA\n" in mapping.read_text(encoding="utf-8"), mapping.read_text(encoding="utf-8")
    assert "EH" not in suggested.output
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [r["phone_e164"] for r in result.report] == [
        "+212612345678", "+212661234567", "+212612345679", "+212661234568", "+212661234569", "+212712345678"
    ]  # fmt: skip


LANDLINES = {
    # Business leads of Bogotá, Medellín, Cali: the area code in brackets, as phonenumbers writes it, and the
    # subscriber's 7 digits split as people write them (valid North American numbers too, digit for digit).
    "CO": (["(601) 234 5678", "(604) 444 5556", "(602) 345 6789", "(601) 765 4321", "(605) 312 4567"], "57"),
    # Lima's (01) and Arequipa's (054), the subscriber's number split by a hyphen.
    "PE": (["(01) 264-5178", "(01) 445-6789", "(054) 23-4567", "(01) 765-4321", "(01) 312-4567"], "51"),
    # Jakarta's (021) and Surabaya's (031), 8 digits split in two.
    "ID": (["(021) 5678 1234", "(021) 2345 6789", "(031) 8765 4321", "(021) 3456 7890", "(031) 5432 1098"], "62"),
}


def test_landlines_written_with_the_countrys_own_brackets_go_out_in_that_country(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """default_region is the country: a landline written as the country writes it, the subscriber's long number
    split in two, is that country's number; it was held as phone-other-country (US for Bogotá's, Ireland, Congo
    or Iraq for Lima's, China for Jakarta's) and the lead lost."""
    for region, (numbers, code) in LANDLINES.items():
        sheet = _sheet(
            tmp_path / f"fijos_{region}.csv",
            ["Contacto", "Teléfono", "Correo"],
            [[f"Contacto {i}", number, f"c{i}@empresa.com"] for i, number in enumerate(numbers)],
        )
        mapping = _mapping(tmp_path / f"{region}.yaml", {"name": "Contacto", "phone": "Teléfono"}, region)
        result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
        assert result.exit_code == 0, (region, result.output, result.report)
        expected = ["+" + code + "".join(ch for ch in n if ch.isdigit()).removeprefix("0") for n in numbers]
        assert [r["phone_e164"] for r in result.report] == expected, region


def test_bogota_landlines_are_stored_as_colombian(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    numbers = LANDLINES["CO"][0]
    sheet = _sheet(
        tmp_path / "clientes.csv",
        ["Nombre", "Teléfono fijo", "País"],
        [[f"Cliente {i}", number, "Colombia"] for i, number in enumerate(numbers)],
    )
    mapping = _mapping(tmp_path / "m.yaml", {"name": "Nombre", "phone": "Teléfono fijo"}, "CO")
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        sent = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"),
                       "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 0, sent.output + sent.stderr
    assert stored == sorted("+57" + "".join(ch for ch in n if ch.isdigit()) for n in numbers)


def test_mexican_mobiles_as_meta_and_whatsapp_write_them(run_cli: Callable[..., CliRun], tmp_path: Path) -> None:
    """Meta's lead exports write a phone p:+521... (the mobile 1 WhatsApp still writes), a click-to-chat link holds
    wa.me/521..., a telecaller types Cel: 044 ...: each is the Mexican mobile, with default_region MX or none (they
    were invalid-phone, though +52 1 55 1234 5678 alone was read)."""
    cells = ["p:+5215512345678", "https://wa.me/5213312345678", "p:+52 1 81 8123 4567", "Cel: 044 55 8765 4321"]
    expected = ["+525512345678", "+523312345678", "+528181234567", "+525587654321"]
    sheet = _sheet(
        tmp_path / "meta_leads_mx.csv",
        ["full_name", "phone_number", "email"],
        [[f"Lead {i}", cell, f"lead{i}@gmail.com"] for i, cell in enumerate(cells)],
    )
    fields = {"name": "full_name", "phone": "phone_number", "email": "email"}
    for region, sent in (("MX", expected), (None, [*expected[:3], ""])):
        mapping = _mapping(tmp_path / f"{region}.yaml", fields, region)
        result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
        assert [r["phone_e164"] for r in result.report] == sent, (region, result.report)
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        run = run_cli("run", str(sheet), "--mapping", str(tmp_path / "MX.yaml"), "--report", str(tmp_path / "run.csv"),
                      "--no-ledger", env=run_env(crm.base_url))  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert run.exit_code == 0, run.output
    assert stored == sorted(expected)


EUROPE = [
    ("06 12 34 56 78", "France", "+33612345678"),
    ("612 34 56 78", "España", "+34612345678"),
    ("333 123 4567", "Italia", "+393331234567"),
    ("06 12345678", "Nederland", "+31612345678"),
    ("512 345 678", "Polska", "+48512345678"),
    ("0532 123 45 67", "Türkiye", "+905321234567"),
    ("8 912 345-67-89", "Россия", "+79123456789"),
    ("0664 1234567", "Österreich", "+436641234567"),
    ("0470 12 34 56", "België", "+32470123456"),
    ("079 123 45 67", "Schweiz", "+41791234567"),
]


def test_a_sheet_of_many_countries_gets_no_default_region_that_would_misread_a_row_without_one(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """An event's attendees from ten countries, one row each, and two rows whose country was left empty (a German
    mobile, a British one). suggest took the first country in the alphabet (AT) as default_region, and the German
    mobile 0151 23456789 was sent as the Austrian +43 15123456789: now no default, those rows are no-region."""
    rows = [[f"Guest {i}", phone, f"guest{i}@gmail.com", country] for i, (phone, country, _) in enumerate(EUROPE)]
    rows += [["Guest X", "0151 23456789", "x@gmail.com", ""], ["Guest Y", "+44 7911 123456", "y@gmail.com", ""]]
    sheet = _sheet(tmp_path / "attendees.csv", ["Name", "Phone", "Email", "Country"], rows)
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping))
    written = mapping.read_text(encoding="utf-8")
    assert suggested.exit_code == 0 and "phoneCountryCode: Country" in written, written
    assert "\ndefault_region:" not in written, written
    assert "none on most of its 10 rows" in suggested.output and "no-region" in suggested.output
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    report = by_row(result.report)
    assert [report[n]["phone_e164"] for n in range(2, 12)] == [e164 for _, _, e164 in EUROPE]
    assert report[12]["status"] == "invalid" and report[12]["reason"] == "no-region"
    assert report[13]["phone_e164"] == "+447911123456"
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        env = {**run_env(crm.base_url), "VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
        run_cli(
            "run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"), "--no-ledger", env=env
        )
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert stored == sorted([e164 for _, _, e164 in EUROPE] + ["+447911123456"])


def test_russian_mobiles_without_their_8_are_not_sent_as_indian_numbers(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """A Russian partner's contacts (912 345 67 89: Russia's grouping, the trunk 8 left out) read with the team's
    mapping (default_region IN): each is a valid Indian mobile as digits, and was sent as +91 912 3456789, a
    stranger's number. Held as phone-other-country:RU; with RU for the run they are Russian mobiles."""
    cells = ["912 345 67 89", "926 123 45 67", "903 555 12 34"]
    sheet = _sheet(
        tmp_path / "контакты.csv",
        ["ФИО", "Телефон", "Email", "Город"],
        [[f"Контакт {i}", cell, f"c{i}@gmail.com", "Казань"] for i, cell in enumerate(cells)]
        + [["Indian lead", "98200 12345", "in@gmail.com", "Pune"]],
    )
    mapping = _mapping(tmp_path / "in.yaml", {"name": "ФИО", "phone": "Телефон", "email": "Email"}, "IN")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [(rows[n]["reason"], rows[n]["warnings"], rows[n]["phone_e164"]) for n in (2, 3, 4)] == [
        ("phone-other-country", "phone-other-country:RU", "")
    ] * 3
    assert rows[5]["status"] == "valid" and rows[5]["phone_e164"] == "+919820012345"
    again = run_cli("validate", str(sheet), "--mapping", str(mapping), "--region", "RU", "--report",
                    str(tmp_path / "ru.csv"))  # fmt: skip
    assert [r["phone_e164"] for r in again.report[:3]] == ["+79123456789", "+79261234567", "+79035551234"]


def test_brazilian_mobiles_from_before_the_ninth_digit_go_out_with_it(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """An old contact list and a WhatsApp chatbot's export (its ids keep the old number of accounts made before
    2016): (11) 8123-4567, 551181234567, +55 21 8765-4321 are today's (11) 98123-4567 ...; they were invalid-phone
    and the leads lost. A landline ((11) 3123-4567) and a number valid as written stay as they are."""
    cells = ["(11) 8123-4567", "551197654321", "+55 21 8765-4321", "Cel: (31) 9912-3456", "(11) 3123-4567"]
    expected = ["+5511981234567", "+5511997654321", "+5521987654321", "+5531999123456", "+551131234567"]
    sheet = _sheet(
        tmp_path / "contatos.csv",
        ["Nome", "Celular", "E-mail"],
        [[f"Contato {i}", cell, f"contato{i}@uol.com.br"] for i, cell in enumerate(cells)],
    )
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping))
    assert "default_region: BR\n" in mapping.read_text(encoding="utf-8"), suggested.output
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [r["phone_e164"] for r in result.report] == expected, result.report
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        env = {**run_env(crm.base_url), "VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
        sent = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"),
                       "--no-ledger", env=env)  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 0, sent.output
    assert stored == sorted(expected)


def test_singapore_numbers_whose_plus_excel_dropped_are_not_sent_as_indian(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """A Singapore sheet read with the team's default_region IN: 6591234568 is +65 9123 4568 with its + dropped by
    Excel, and as digits a valid Indian mobile; it was sent as +91 6591234568 though the sheet's numbers written with
    + were all Singapore's. Held as phone-sheet-country:SG; --region SG sends it as Singapore's."""
    cells = ["+65 9123 4567", "+65 8123 4567", "6591234568", "6581234569", "9123 4570", "6590001234"]
    sheet = _sheet(
        tmp_path / "sg_leads.csv",
        ["Name", "Mobile", "Email"],
        [[f"Lead {i}", cell, f"lead{i}@gmail.com"] for i, cell in enumerate(cells)],
    )
    mapping = _mapping(tmp_path / "in.yaml", {"name": "Name", "phone": "Mobile", "email": "Email"}, "IN")
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    rows = by_row(result.report)
    assert [rows[n]["phone_e164"] for n in (2, 3)] == ["+6591234567", "+6581234567"]
    assert [(rows[n]["reason"], rows[n]["phone_e164"]) for n in (4, 5, 7)] == [("phone-sheet-country", "")] * 3
    assert not any(r["phone_e164"].startswith("+91") for r in result.report)
    again = run_cli("validate", str(sheet), "--mapping", str(mapping), "--region", "SG", "--report",
                    str(tmp_path / "sg.csv"))  # fmt: skip
    assert [r["phone_e164"] for r in again.report] == [
        "+6591234567", "+6581234567", "+6591234568", "+6581234569", "+6591234570", "+6590001234"
    ]  # fmt: skip


def _full_width(text: str) -> str:
    """``text`` as a Japanese keyboard in full-width mode types it: each ASCII sign at its full-width code point."""
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch for ch in text)


def test_a_japanese_sheet_typed_with_full_width_signs_keeps_its_phones(
    run_cli: Callable[..., CliRun], tmp_path: Path
) -> None:
    """Numbers typed on a Japanese keyboard: full-width digits, hyphens, brackets and +, and in kana mode the
    long-vowel mark (U+30FC, or its half-width U+FF70) for a hyphen. mapping suggest left the phone column in
    metadata (its cells did not look like phones), so every lead went without its number; and the full-width
    brackets and +, and the long-vowel mark, were invalid-phone."""
    cells = [
        _full_width("090-1234-5678"),
        "080\u30fc2345\u30fc6789",
        _full_width("(03)3456-7890"),
        _full_width("+81 70-3456-7890"),
        "090\uff708765\uff704321",
    ]
    expected = ["+819012345678", "+818023456789", "+81334567890", "+817034567890", "+819087654321"]
    sheet = _sheet(
        tmp_path / "顧客リスト.csv",
        ["氏名", "電話番号", "メールアドレス"],
        [[f"顧客 {i}", cell, f"kokyaku{i}@example.co.jp"] for i, cell in enumerate(cells)],
    )
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping))
    written = mapping.read_text(encoding="utf-8")
    assert "  phone: 電話番号" in written and "default_region: JP" in written, suggested.output
    result = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "r.csv"))
    assert [r["phone_e164"] for r in result.report] == expected, result.report
    settings = SandboxSettings(token=TOKEN, project_id=PROJECT, process_ids=(PROCESS,), rate_limit=2000, rate_window=1)
    with Sandbox(settings) as crm:
        env = {**run_env(crm.base_url), "VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
        sent = run_cli("run", str(sheet), "--mapping", str(mapping), "--report", str(tmp_path / "run.csv"),
                       "--no-ledger", env=env)  # fmt: skip
        stored = sorted(str(lead["phone"]) for lead in crm.leads())
    assert sent.exit_code == 0, sent.output
    assert stored == sorted(expected)
