"""Writes the wild corpus: lead sheets in the shapes of exports the world corpus does not have.

Shop, form, event and ad-platform exports, prospecting tools, reports with title rows, semicolon CSVs
from European Excel, UTF-16 TSVs from Meta, numbers written the way each country's people write them
(``91 234 56 78`` in Madrid, ``011 15-2345-6789`` in Buenos Aires, ``0171/1234567`` in Germany), and
mixed-country sheets with and without a country column. Each sheet's sidecar ``<name>.expected.csv``
holds per data row the real country and the E.164 of the person's own numbers, each read with
``phonenumbers`` in the row's real country as the sheet is made.

Run from the repository root: ``python tests/data/wild/generate.py``. Deterministic (fixed seeds).
"""

from __future__ import annotations

import csv
import random
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import phonenumbers
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "world"))
from generate import PEOPLE  # type: ignore[attr-defined]  # noqa: E402  (the world corpus's generator)

PEOPLE = dict(PEOPLE)
PEOPLE.update({
    "AR": (["Mateo", "Valentina", "Bautista", "Catalina", "Thiago", "Martina", "Joaquín", "Emilia"], ["González", "Rodríguez", "Gómez", "Fernández", "López", "Díaz", "Martínez", "Pérez"]),
    "PH": (["Jose", "Maria", "Mark", "Angel", "John Paul", "Kristine", "Carlo", "Mary Grace"], ["Santos", "Reyes", "Cruz", "Bautista", "Ocampo", "Garcia", "Mendoza", "Torres"]),
    "KE": (["Brian", "Faith", "Kevin", "Mercy", "Dennis", "Wanjiru", "Otieno", "Akinyi"], ["Mwangi", "Otieno", "Kamau", "Wanjiku", "Ochieng", "Njoroge", "Kiprono", "Achieng"]),
    "HK": (["Ka Ho", "Wing Yan", "Chun Kit", "Hoi Ying", "Tsz Hin", "Mei Ling", "Kwok Wai", "Suet Yee"], ["Chan", "Wong", "Leung", "Cheung", "Lau", "Ho", "Yeung", "Chow"]),
})  # fmt: skip


def draw(rng: random.Random, region: str, start: str, length: int) -> str:
    """A valid national significant number of ``region`` starting with ``start``, ``length`` digits long."""
    for _ in range(2000):
        nsn = start + "".join(str(rng.randint(0, 9)) for _ in range(length - len(start)))
        n = phonenumbers.parse(nsn, region) if region != "AR" else phonenumbers.parse("+54" + nsn, None)
        if phonenumbers.is_valid_number(n) and phonenumbers.region_code_for_number(n) == region:
            return nsn
    raise AssertionError((region, start, length))


def pat(pattern: str, digits: str) -> str:
    """``pattern`` with its X's filled by ``digits`` in order (``0XXX XXX XXXX``)."""
    assert pattern.count("X") == len(digits), (pattern, digits)
    it = iter(digits)
    return "".join(next(it) if ch == "X" else ch for ch in pattern)


# Per region: (start, length, patterns). A pattern is how people there write the number.
STYLES: dict[str, list[tuple[str, int, list[str]]]] = {
    "US": [(a, 10, ["(XXX) XXX-XXXX", "XXX-XXX-XXXX", "XXX.XXX.XXXX", "+1 XXX-XXX-XXXX", "+1 (XXX) XXX-XXXX"]) for a in ("212", "415", "312", "617", "305", "713", "206")],
    "CA": [(a, 10, ["(XXX) XXX-XXXX", "XXX-XXX-XXXX", "+1 XXX XXX XXXX"]) for a in ("416", "647", "604", "514")],
    "GB": [*((m, 10, ["0XXXX XXXXXX", "+44 XXXX XXXXXX", "+44 (0)XXXX XXXXXX", "0XXXXXXXXXX"]) for m in ("74", "75", "77", "78", "79")),
           ("20", 10, ["0XX XXXX XXXX", "+44 (0)XX XXXX XXXX", "+44 XX XXXX XXXX"])],
    "DE": [("17", 10, ["0XXX/XXXXXXX", "0XXX XXXXXXX", "+49 (0)XXX XXXXXXX", "+49 XXX XXXXXXX", "0XXX-XXXXXXX"]),
           ("30", 10, ["0XX XXXXXXXX", "0XX/XXXXXXXX", "+49 (0)XX XXXXXXXX"]),
           ("89", 10, ["0XX XXXXXXXX", "+49 XX XXXXXXXX"])],
    "FR": [("6", 9, ["0X XX XX XX XX", "+33 X XX XX XX XX", "+33 (0)X XX XX XX XX", "0XXXXXXXXX"]),
           ("1", 9, ["0X XX XX XX XX", "0X.XX.XX.XX.XX"])],
    "ES": [("6", 9, ["XXX XX XX XX", "XXX XXX XXX", "XXXXXXXXX", "+34 XXX XX XX XX"]),
           ("91", 9, ["XX XXX XX XX", "XXX XX XX XX", "XXXXXXXXX"]),
           ("93", 9, ["XX XXX XX XX", "XXX XXX XXX"])],
    "IT": [("33", 10, ["XXX XXXXXXX", "XXX XXX XXXX", "+39 XXX XXXXXXX", "XXX-XXXXXXX"]),
           ("06", 10, ["XX XXXX XXXX", "XX XXXXXXXX", "+39 XX XXXX XXXX"]),
           ("02", 10, ["XX XXXX XXXX", "XX-XXXXXXXX"])],
    "NL": [("6", 9, ["0X-XXXXXXXX", "0X XXXX XXXX", "+31 X XXXXXXXX", "+31 (0)X XXXX XXXX"]),
           ("20", 9, ["0XX-XXXXXXX", "0XX XXX XXXX"])],
    "BR": [("119", 11, ["(XX) XXXXX-XXXX", "+55 XX XXXXX-XXXX", "XX XXXXX-XXXX", "+55 (XX) XXXXX-XXXX"]),
           ("219", 11, ["(XX) XXXXX-XXXX", "(0XX) XXXXX-XXXX"]),
           ("113", 10, ["(XX) XXXX-XXXX"])],
    "MX": [("55", 10, ["XX XXXX XXXX", "+52 XX XXXX XXXX", "(XX) XXXX-XXXX", "XXXXXXXXXX"]),
           ("33", 10, ["XX XXXX XXXX", "+52 XX XXXX XXXX"]),
           ("81", 10, ["XX XXXX XXXX"])],
    "AR": [("911", 11, ["0XX 15-XXXX-XXXX", "+54 X XX XXXX-XXXX", "+54 X XX XXXXXXXX"]),
           ("9351", 11, ["0XXX 15-XXX-XXXX", "+54 X XXX XXX-XXXX"])],
    "AU": [("4", 9, ["0XXX XXX XXX", "+61 XXX XXX XXX", "0XXXXXXXXX"]),
           ("29", 9, ["(0X) XXXX XXXX", "0X XXXX XXXX", "+61 X XXXX XXXX"])],
    "ID": [("812", 11, ["0XXX-XXXX-XXXX", "+62 XXX-XXXX-XXXX", "0XXXXXXXXXXX", "+62XXXXXXXXXXX"]),
           ("857", 11, ["0XXX XXXX XXXX", "62XXXXXXXXXXX"])],
    "PH": [("917", 10, ["0XXX XXX XXXX", "+63 XXX XXX XXXX", "0XXX-XXX-XXXX", "63XXXXXXXXXX"]),
           ("2", 9, ["(0X) XXXX XXXX"])],
    "NG": [("803", 10, ["0XXX XXX XXXX", "+234 XXX XXX XXXX", "234XXXXXXXXXX", "0XXXXXXXXXX"]),
           ("806", 10, ["0XXX XXX XXXX", "+234 XXX XXX XXXX"])],
    "KE": [("712", 9, ["0XXX XXXXXX", "+254 XXX XXXXXX", "254XXXXXXXXX", "0XXXXXXXXX"]),
           ("722", 9, ["0XXX XXX XXX", "+254 XXX XXX XXX"])],
    "ZA": [("82", 9, ["0XX XXX XXXX", "+27 XX XXX XXXX", "0XXXXXXXXX"]),
           ("21", 9, ["0XX XXX XXXX", "(0XX) XXX XXXX"])],
    "AE": [("50", 9, ["0XX XXX XXXX", "+971 XX XXX XXXX", "00971XXXXXXXXX", "+971XXXXXXXXX"]),
           ("4", 8, ["0X XXX XXXX", "+971 X XXX XXXX"])],
    "SA": [("50", 9, ["0XX XXX XXXX", "+966 XX XXX XXXX", "00966XXXXXXXXX", "+966XXXXXXXXX"]),
           ("11", 9, ["0XX XXX XXXX", "+966 XX XXX XXXX"])],
    "SG": [("9", 8, ["XXXX XXXX", "+65 XXXX XXXX", "XXXXXXXX"]), ("6", 8, ["XXXX XXXX", "+65 XXXX XXXX"])],
    "HK": [("9", 8, ["XXXX XXXX", "+852 XXXX XXXX", "XXXXXXXX"]), ("2", 8, ["XXXX XXXX", "+852 XXXX XXXX"])],
    "CN": [("138", 11, ["XXX XXXX XXXX", "XXXXXXXXXXX", "+86 XXX XXXX XXXX", "XXX-XXXX-XXXX"]),
           ("10", 10, ["0XX-XXXXXXXX", "(0XX) XXXX XXXX"])],
    "JP": [("90", 10, ["0XX-XXXX-XXXX", "+81 XX-XXXX-XXXX", "0XXXXXXXXXX"]), ("3", 9, ["0X-XXXX-XXXX"])],
    "KR": [("10", 10, ["0XX-XXXX-XXXX", "+82 XX-XXXX-XXXX", "0XXXXXXXXXX"]), ("2", 9, ["0X-XXXX-XXXX"])],
    "IN": [("9", 10, ["XXXXX XXXXX", "+91 XXXXX XXXXX", "0XXXXXXXXXX", "+91-XXXXXXXXXX", "XXXXXXXXXX"]),
           ("8", 10, ["XXXXXXXXXX", "+91 XXXXX XXXXX"]), ("7", 10, ["XXXXX-XXXXX"])],
    "IE": [("8", 9, ["0XX XXX XXXX", "+353 XX XXX XXXX"])],
    "PT": [("91", 9, ["XXX XXX XXX", "+351 XXX XXX XXX"])],
    "AT": [("664", 10, ["0XXX XXXXXXX", "+43 XXX XXXXXXX", "0XXX/XXXXXXX"])],
    "CH": [("79", 9, ["0XX XXX XX XX", "+41 XX XXX XX XX"])],
}  # fmt: skip


def phone(rng: random.Random, region: str, styles: tuple[str, ...] = ()) -> tuple[str, str]:
    """(the number as written, its E.164 read in ``region``); ``styles`` limits the patterns to those listed."""
    options = [(s, n, p) for s, n, pats in STYLES[region] for p in pats if not styles or p in styles]
    start, length, pattern = rng.choice(options)
    nsn = draw(rng, region, start, length)
    # Argentina's national significant number is 9 11 xxxx xxxx; written 011 15-xxxx-xxxx at home, the 9 left out
    text = pat(pattern, nsn[1:] if region == "AR" and pattern.startswith("0") else nsn)
    parsed = phonenumbers.parse(text, region)
    assert phonenumbers.is_valid_number(parsed), (text, region)
    assert phonenumbers.region_code_for_number(parsed) == region, (text, region)
    return text, phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


@dataclass
class Row:
    cells: Mapping[str, object]
    country: str
    phones: list[str] = field(default_factory=list)


def person(rng: random.Random, country: str) -> tuple[str, str]:
    firsts, lasts = PEOPLE[country]
    return rng.choice(firsts), rng.choice(lasts)


def email(rng: random.Random, first: str, last: str, domain: str) -> str:
    table = str.maketrans("áàâäãçéèêëíìîïñóòôöõúùûüÁÉ", "aaaaaceeeeiiiinooooouuuuAE")
    local = f"{first}.{last}".translate(table).lower().replace(" ", "").replace("'", "")
    if not local.isascii():
        local = f"user{rng.randint(100, 99999)}"
    return f"{local}{rng.randint(1, 99)}@{domain}"


def write(
    name: str,
    header: list[str],
    rows: list[Row],
    *,
    kind: str = "csv",
    above: Sequence[list[str]] = (),
    delimiter: str = ",",
    encoding: str = "utf-8",
    numeric: tuple[str, ...] = (),
) -> None:
    """The sheet (csv, tsv or xlsx) and its sidecar of expected numbers."""
    table = [list(r) for r in above] + [header] + [[r.cells.get(h, "") for h in header] for r in rows]
    path = HERE / f"{name}.{kind}"
    if kind == "xlsx":
        wb = Workbook()
        ws = wb.active
        ws.title = "Sheet1"
        for line in table:
            ws.append(line)
        for row in ws.iter_rows(min_row=len(above) + 2):
            for cell, head in zip(row, header, strict=False):
                if head not in numeric:
                    cell.number_format = "@"
        wb.save(path)
    else:
        with path.open("w", newline="", encoding=encoding) as f:
            csv.writer(f, delimiter="\t" if kind == "tsv" else delimiter).writerows(table)
    first = len(above) + 2
    with (HERE / f"{name}.expected.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["sheet_row", "country", "phone_e164", "acceptable"])
        for i, r in enumerate(rows):
            out.writerow([first + i, r.country, r.phones[0] if r.phones else "", " ".join(r.phones)])


Build = Callable[[random.Random, str, int], Row]


def sheet(name: str, countries: list[str], n: int, header: list[str], build: Build, **kw: object) -> None:
    rng = random.Random(name)
    rows = [build(rng, countries[i % len(countries)], i) for i in range(n)]
    write(name, header, rows, **kw)  # type: ignore[arg-type]


COUNTRY_EN = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "DE": "Germany", "FR": "France",
              "ES": "Spain", "IT": "Italy", "NL": "Netherlands", "BR": "Brazil", "MX": "Mexico", "AR": "Argentina",
              "AU": "Australia", "ID": "Indonesia", "PH": "Philippines", "NG": "Nigeria", "KE": "Kenya",
              "ZA": "South Africa", "AE": "United Arab Emirates", "SA": "Saudi Arabia", "SG": "Singapore",
              "HK": "Hong Kong", "CN": "China", "JP": "Japan", "KR": "South Korea", "IN": "India", "IE": "Ireland",
              "PT": "Portugal", "AT": "Austria", "CH": "Switzerland"}  # fmt: skip
COUNTRY_LOCAL = {"DE": "Deutschland", "FR": "France", "ES": "España", "IT": "Italia", "NL": "Nederland",
                 "BR": "Brasil", "MX": "México", "AR": "Argentina", "JP": "日本", "CN": "中国", "KR": "대한민국",
                 "AT": "Österreich", "CH": "Schweiz", "SA": "السعودية", "AE": "الإمارات", "IN": "भारत",
                 "ID": "Indonesia", "PT": "Portugal", "GB": "United Kingdom", "US": "USA"}  # fmt: skip


def shopify(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    text, e = phone(rng, c)
    e164 = e if rng.random() < 0.6 else text  # Shopify keeps what the customer typed, mostly as E.164
    cells = {"First Name": first, "Last Name": last, "Email": email(rng, first, last, "gmail.com"),
             "Accepts Email Marketing": rng.choice(["yes", "no"]), "Company": "", "Address1": f"{100 + i} Main St",
             "Address2": "", "City": "Springfield", "Province": "", "Province Code": "ON" if c == "CA" else "CA",
             "Country": COUNTRY_EN[c], "Country Code": c, "Zip": f"{90000 + i}", "Phone": "'" + e164 if rng.random() < 0.3 else e164,
             "Accepts SMS Marketing": "no", "Total Spent": f"{rng.randint(0, 900)}.00", "Total Orders": str(rng.randint(0, 9)),
             "Tags": "", "Note": "", "Tax Exempt": "no"}  # fmt: skip
    return Row(cells, c, [e])


SHOPIFY = ["First Name", "Last Name", "Email", "Accepts Email Marketing", "Company", "Address1", "Address2", "City",
           "Province", "Province Code", "Country", "Country Code", "Zip", "Phone", "Accepts SMS Marketing",
           "Total Spent", "Total Orders", "Tags", "Note", "Tax Exempt"]  # fmt: skip


def woocommerce(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    text, e = phone(rng, c)
    cells = {"Order Number": str(4100 + i), "Order Status": rng.choice(["Completed", "Processing"]),
             "Order Date": f"2024-05-{1 + i % 28:02d} 14:{i % 60:02d}", "Billing First Name": first,
             "Billing Last Name": last, "Billing Company": "", "Billing Address 1": f"{i + 2} George St",
             "Billing City": "Sydney", "Billing State": "NSW", "Billing Postcode": "2000", "Billing Country": c,
             "Billing Email": email(rng, first, last, "bigpond.com"), "Billing Phone": text,
             "Shipping First Name": first, "Shipping Last Name": last, "Order Total Amount": f"{rng.randint(20, 400)}.00"}  # fmt: skip
    return Row(cells, c, [e])


WOO = ["Order Number", "Order Status", "Order Date", "Billing First Name", "Billing Last Name", "Billing Company",
       "Billing Address 1", "Billing City", "Billing State", "Billing Postcode", "Billing Country", "Billing Email",
       "Billing Phone", "Shipping First Name", "Shipping Last Name", "Order Total Amount"]  # fmt: skip


def typeform(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    text, e = phone(rng, c, ("+44 XXXX XXXXXX", "0XXXX XXXXXX", "0XX XXXX XXXX", "0XXXXXXXXXX"))
    cells = {"#": f"{rng.getrandbits(40):x}", "What's your full name?": f"{first} {last}",
             "What's your email address?": email(rng, first, last, "gmail.com"), "What's your phone number?": text,
             "Which course interests you?": rng.choice(["Data Analytics", "UX Design", "Coding Bootcamp"]),
             "Start Date (UTC)": f"2024-02-{1 + i % 28:02d} 10:00:00", "Submit Date (UTC)": f"2024-02-{1 + i % 28:02d} 10:03:11",
             "Network ID": f"{rng.getrandbits(32):x}"}  # fmt: skip
    return Row(cells, c, [e])


TYPEFORM = ["#", "What's your full name?", "What's your email address?", "What's your phone number?",
            "Which course interests you?", "Start Date (UTC)", "Submit Date (UTC)", "Network ID"]  # fmt: skip


def google_form_es(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    text, e = phone(rng, c)
    cells = {"Marca temporal": f"{1 + i % 28}/3/2024 12:{i % 60:02d}:00", "Nombre completo": f"{first} {last}",
             "Móvil": text, "Correo electrónico": email(rng, first, last, "gmail.com"),
             "¿En qué ciudad vives?": rng.choice(["Madrid", "Barcelona", "Valencia"])}  # fmt: skip
    return Row(cells, c, [e])


def eventbrite(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    cell, e1 = phone(rng, c)
    work, e2 = phone(rng, c) if rng.random() < 0.3 else ("", "")
    cells = {"Order #": str(812000000 + i), "Order Date": f"2024-04-{1 + i % 28:02d} 09:00:00", "First Name": first,
             "Last Name": last, "Email": email(rng, first, last, "outlook.com"), "Quantity": "1",
             "Ticket Type": "General Admission", "Attendee #": str(1500000 + i), "Cell Phone": cell, "Work Phone": work,
             "Home Country": COUNTRY_EN[c], "Attendee Status": "Attending"}  # fmt: skip
    return Row(cells, c, [p for p in (e1, e2) if p])


EVENTBRITE = ["Order #", "Order Date", "First Name", "Last Name", "Email", "Quantity", "Ticket Type", "Attendee #",
              "Cell Phone", "Work Phone", "Home Country", "Attendee Status"]  # fmt: skip


def meta(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    _, e = phone(rng, c)
    cells = {"id": f"l:{rng.getrandbits(50)}", "created_time": f"2024-06-{1 + i % 28:02d}T10:00:00-03:00",
             "ad_id": "ag:120208", "ad_name": "Leads BR", "adset_id": "as:1202", "adset_name": "SP 25-45",
             "campaign_id": "c:1201", "campaign_name": "Captação", "form_id": "f:9921", "form_name": "Formulário",
             "is_organic": "false", "platform": rng.choice(["fb", "ig"]), "nome_completo": f"{first} {last}",
             "phone_number": "p:" + e, "email": email(rng, first, last, "gmail.com"), "cidade": "São Paulo"}  # fmt: skip
    return Row(cells, c, [e])


META = ["id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name", "form_id",
        "form_name", "is_organic", "platform", "nome_completo", "phone_number", "email", "cidade"]  # fmt: skip


def apollo(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    mobile, e1 = phone(rng, c) if rng.random() < 0.5 else ("", "")
    direct, e2 = phone(rng, c) if rng.random() < 0.6 or not mobile else ("", "")
    corp, _ = phone(random.Random(c), c)  # the company switchboard: the same for everyone of a country
    first_phone = mobile or direct
    cells = {"First Name": first, "Last Name": last, "Title": "VP Sales", "Company": f"{last} Group",
             "Email": email(rng, first, last, "example.com"), "Email Status": "Verified", "Seniority": "VP",
             "First Phone": first_phone, "Work Direct Phone": direct, "Mobile Phone": mobile, "Corporate Phone": corp,
             "Person Linkedin Url": f"http://www.linkedin.com/in/{first.lower()}-{i}", "City": "Metro",
             "Country": COUNTRY_EN[c], "# Employees": str(rng.randint(10, 5000)), "Industry": "Software"}  # fmt: skip
    return Row(cells, c, [p for p in (e1, e2) if p])


APOLLO = ["First Name", "Last Name", "Title", "Company", "Email", "Email Status", "Seniority", "First Phone",
          "Work Direct Phone", "Mobile Phone", "Corporate Phone", "Person Linkedin Url", "City", "Country",
          "# Employees", "Industry"]  # fmt: skip


def zoominfo(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    direct, e1 = phone(rng, c)
    mobile, e2 = phone(rng, c) if rng.random() < 0.5 else ("", "")
    hq, _ = phone(random.Random("hq" + c), c)
    cells = {"ZoomInfo Contact ID": str(1000000 + i), "First Name": first, "Last Name": last, "Job Title": "Einkaufsleiter",
             "Direct Phone Number": direct, "Mobile phone": mobile, "Email Address": email(rng, first, last, "firma.de"),
             "Company Name": f"{last} GmbH", "Company HQ Phone": hq, "Country": COUNTRY_EN[c]}  # fmt: skip
    return Row(cells, c, [p for p in (e2, e1) if p])


def lusha(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    p1, e1 = phone(rng, c)
    p2, e2 = phone(rng, c) if rng.random() < 0.4 else ("", "")
    cells = {"First Name": first, "Last Name": last, "Company Name": f"{last} SARL", "Job Title": "Directeur",
             "Phone 1": p1, "Phone 2": p2, "Email 1": email(rng, first, last, "orange.fr"), "Location": "Paris, France"}  # fmt: skip
    return Row(cells, c, [p for p in (e1, e2) if p])


def salesforce_mx(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    ph, e1 = phone(rng, c)
    mob, e2 = phone(rng, c) if rng.random() < 0.5 else ("", "")
    cells = {"Lead Owner": "Laura Méndez", "First Name": first, "Last Name": last, "Title": "Gerente",
             "Company / Account": f"{last} SA de CV", "Phone": ph, "Mobile": mob,
             "Email": email(rng, first, last, "prodigy.net.mx"), "Lead Source": "Web", "Country": "Mexico"}  # fmt: skip
    return Row(cells, c, [p for p in (e1, e2) if p])


def local_sheet(
    headers: dict[str, str],
    domain: str,
    country_col: str = "",
    country_names: dict[str, str] | None = None,
    styles: tuple[str, ...] = (),
) -> Build:
    """A plain lead list: name (or first/last), phone, email, city; headers in the sheet's language."""

    def build(rng: random.Random, c: str, i: int) -> Row:
        first, last = person(rng, c)
        text, e = phone(rng, c, styles)
        cells: dict[str, object] = {}
        if "first" in headers:
            cells[headers["first"]] = first
            cells[headers["last"]] = last
        else:
            cells[headers["name"]] = f"{last}{first}" if c in ("CN", "JP", "KR") else f"{first} {last}"
        cells[headers["phone"]] = text
        cells[headers["email"]] = email(rng, first, last, domain)
        if "city" in headers:
            cells[headers["city"]] = "—"
        if country_col:
            cells[country_col] = (country_names or {}).get(c, c)
        return Row(cells, c, [e])

    return build


def cols(headers: dict[str, str], country_col: str = "") -> list[str]:
    order = [headers[k] for k in ("name", "first", "last", "phone", "email", "city") if k in headers]
    return order + ([country_col] if country_col else [])


def india_excel(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    nsn = draw(rng, "IN", rng.choice("9876"), 10)
    form = i % 4
    value: object = (
        int(nsn) if form == 0 else int("91" + nsn) if form == 1 else f"+91 {nsn[:5]} {nsn[5:]}" if form == 2 else nsn
    )
    cells = {"S.No.": i + 1, "Customer Name": f"{first} {last}", "Mobile No.": value,
             "Email ID": email(rng, first, last, "gmail.com"), "City": rng.choice(["Pune", "Delhi", "Chennai"]),
             "Enquiry Date": f"{1 + i % 28:02d}-04-2024"}  # fmt: skip
    return Row(cells, c, ["+91" + nsn])


def written_abroad(rng: random.Random, c: str, i: int) -> Row:
    """A US sales team's sheet of international leads: +CC, 011 (the US exit code) or national numbers."""
    first, last = person(rng, c)
    text, e = phone(rng, c)
    if c != "US" and not text.startswith("+"):
        n = phonenumbers.parse(e, None)
        text = (
            "011 " + phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)[1:]
            if i % 2
            else phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
        )
    cells = {"Contact": f"{first} {last}", "Phone": text, "Email": email(rng, first, last, "gmail.com"),
             "Country": COUNTRY_EN[c], "Rep": "Tom"}  # fmt: skip
    return Row(cells, c, [e])


def dialing_code(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    nsn_text, e = phone(
        rng, c, tuple(p for _, _, ps in STYLES[c] for p in ps if not p.startswith("+") and not p.startswith("00"))
    )
    cc = str(phonenumbers.country_code_for_region(c))
    cells = {"Name": f"{first} {last}", "Country Code": ("+" + cc) if i % 2 else cc, "Mobile Number": nsn_text,
             "Email": email(rng, first, last, "yahoo.com")}  # fmt: skip
    return Row(cells, c, [e])


def main() -> None:
    sheet("shopify_customers_na", ["US", "US", "CA"], 30, SHOPIFY, shopify)
    sheet("woocommerce_orders_au", ["AU"], 30, WOO, woocommerce)
    sheet("typeform_responses_gb", ["GB"], 30, TYPEFORM, typeform)
    sheet(
        "google_form_es",
        ["ES"],
        24,
        ["Marca temporal", "Nombre completo", "Móvil", "Correo electrónico", "¿En qué ciudad vives?"],
        google_form_es,
    )
    sheet(
        "google_form_es_small",
        ["ES"],
        10,
        ["Nombre completo", "Móvil"],
        local_sheet(
            {"name": "Nombre completo", "phone": "Móvil", "email": "Email"},
            "gmail.com",
            styles=("XX XXX XX XX", "XXX XX XX XX"),
        ),
    )
    sheet("eventbrite_attendees_world", ["US", "GB", "IE", "DE", "IN", "AU"], 36, EVENTBRITE, eventbrite)
    sheet("meta_leads_br", ["BR"], 30, META, meta, kind="tsv", encoding="utf-16")
    sheet("apollo_prospects_world", ["US", "US", "GB", "DE", "FR", "AU", "IN"], 42, APOLLO, apollo)
    sheet(
        "zoominfo_contacts_de",
        ["DE", "DE", "AT", "CH"],
        30,
        [
            "ZoomInfo Contact ID",
            "First Name",
            "Last Name",
            "Job Title",
            "Direct Phone Number",
            "Mobile phone",
            "Email Address",
            "Company Name",
            "Company HQ Phone",
            "Country",
        ],
        zoominfo,
        kind="xlsx",
    )
    sheet(
        "lusha_contacts_fr",
        ["FR"],
        25,
        ["First Name", "Last Name", "Company Name", "Job Title", "Phone 1", "Phone 2", "Email 1", "Location"],
        lusha,
    )
    sheet(
        "salesforce_report_mx",
        ["MX"],
        30,
        [
            "Lead Owner",
            "First Name",
            "Last Name",
            "Title",
            "Company / Account",
            "Phone",
            "Mobile",
            "Email",
            "Lead Source",
            "Country",
        ],
        salesforce_mx,
        kind="xlsx",
        above=[["Prospectos - Reporte semanal"], ["Generado: 03/06/2024 09:14 por Laura Méndez"], []],
    )
    es = {"first": "Nombre", "last": "Apellido", "phone": "Celular", "email": "Email", "city": "Localidad"}
    sheet("contactos_ar", ["AR"], 25, cols(es), local_sheet(es, "hotmail.com.ar"))
    de = {"first": "Vorname", "last": "Nachname", "phone": "Telefon", "email": "E-Mail", "city": "Ort"}
    sheet("kontakte_de_semikolon", ["DE"], 30, cols(de), local_sheet(de, "web.de"), delimiter=";", encoding="cp1252")
    fr = {"first": "Prénom", "last": "Nom", "phone": "Téléphone", "email": "Email", "city": "Ville"}
    sheet("prospects_fr_semicolon", ["FR"], 25, cols(fr), local_sheet(fr, "free.fr"), delimiter=";")
    it = {"first": "Nome", "last": "Cognome", "phone": "Cellulare", "email": "Email", "city": "Città"}
    sheet("contatti_it", ["IT"], 30, cols(it), local_sheet(it, "libero.it"), kind="xlsx")
    nl = {
        "first": "Voornaam",
        "last": "Achternaam",
        "phone": "Telefoonnummer",
        "email": "E-mailadres",
        "city": "Plaats",
    }
    sheet("leads_nl", ["NL"], 25, cols(nl), local_sheet(nl, "ziggo.nl"), kind="tsv")
    idn = {"name": "Nama Lengkap", "phone": "No. HP / WhatsApp", "email": "Email", "city": "Kota"}
    sheet("leads_id_wa", ["ID"], 25, cols(idn), local_sheet(idn, "yahoo.co.id"))
    ph = {"name": "Full Name", "phone": "Contact Number", "email": "Email Address", "city": "City/Municipality"}
    sheet("leads_ph", ["PH"], 25, cols(ph), local_sheet(ph, "yahoo.com"))
    en = {"name": "Full Name", "phone": "Phone", "email": "Email"}
    sheet(
        "leads_africa_country",
        ["NG", "KE", "ZA"],
        30,
        cols(en, "Country"),
        local_sheet(en, "gmail.com", "Country", COUNTRY_EN),
    )
    sheet(
        "leads_gulf_country",
        ["AE", "SA"],
        24,
        cols(en, "Country"),
        local_sheet(en, "gmail.com", "Country", {"AE": "UAE", "SA": "Saudi Arabia"}),
    )
    sheet("leads_sg_hk_iso", ["SG", "HK"], 24, cols(en, "Country Code"), local_sheet(en, "gmail.com", "Country Code"))
    asia = {"name": "氏名", "phone": "電話番号", "email": "メールアドレス"}
    sheet("leads_jp", ["JP"], 20, cols(asia), local_sheet(asia, "docomo.ne.jp"), kind="xlsx")
    mixed = {"name": "Name", "phone": "Mobile", "email": "Email"}
    sheet(
        "leads_asia_local_names",
        ["CN", "JP", "KR", "IN"],
        24,
        cols(mixed, "Land"),
        local_sheet(mixed, "gmail.com", "Land", COUNTRY_LOCAL),
    )
    sheet(
        "leads_europe_local_names",
        ["DE", "FR", "ES", "IT", "NL", "AT", "CH", "PT"],
        32,
        cols(mixed, "Land"),
        local_sheet(mixed, "gmail.com", "Land", COUNTRY_LOCAL),
    )
    intl = {"name": "Name", "phone": "Phone", "email": "Email"}
    sheet(
        "mixed_no_country_intl",
        ["US", "GB", "DE", "BR", "IN", "NG", "AU"],
        28,
        cols(intl),
        local_sheet(
            intl,
            "gmail.com",
            styles=tuple(p for r in STYLES.values() for _, _, ps in r for p in ps if p.startswith("+")),
        ),
    )
    sheet(
        "india_excel_numbers",
        ["IN"],
        28,
        ["S.No.", "Customer Name", "Mobile No.", "Email ID", "City", "Enquiry Date"],
        india_excel,
        kind="xlsx",
        numeric=("S.No.", "Mobile No."),
    )
    sheet(
        "us_team_international_leads",
        ["US", "GB", "MX", "DE", "JP", "US"],
        30,
        ["Contact", "Phone", "Email", "Country", "Rep"],
        written_abroad,
    )
    sheet(
        "dialing_code_column",
        ["IN", "AE", "GB", "NG", "US", "KE"],
        30,
        ["Name", "Country Code", "Mobile Number", "Email"],
        dialing_code,
    )
    us = {"first": "First Name", "last": "Last Name", "phone": "Phone", "email": "Email"}
    sheet("leads_us_plain", ["US"], 25, cols(us), local_sheet(us, "yahoo.com"))
    sheet(
        "leads_ca_quebec",
        ["CA"],
        20,
        cols({"first": "Prénom", "last": "Nom", "phone": "Téléphone", "email": "Courriel"}),
        local_sheet({"first": "Prénom", "last": "Nom", "phone": "Téléphone", "email": "Courriel"}, "videotron.ca"),
    )
    br = {"name": "Nome", "phone": "Telefone", "email": "E-mail", "city": "Cidade"}
    sheet("planilha_br", ["BR"], 25, cols(br), local_sheet(br, "uol.com.br"), kind="xlsx")
    mx = {"name": "Nombre", "phone": "Teléfono", "email": "Correo", "city": "Ciudad"}
    sheet("prospectos_mx", ["MX"], 25, cols(mx), local_sheet(mx, "hotmail.com"))
    it2 = {"name": "Nominativo", "phone": "Telefono", "email": "E-mail"}
    sheet(
        "contatti_it_fissi",
        ["IT"],
        15,
        cols(it2),
        local_sheet(it2, "alice.it", styles=("XX XXXX XXXX", "XX XXXXXXXX", "XXX XXXXXXX")),
    )


def _e164(text: str, region: str) -> str:
    parsed = phonenumbers.parse(text, region)
    assert phonenumbers.is_valid_number(parsed) and phonenumbers.region_code_for_number(parsed) == region, (
        text,
        region,
    )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def excel_mangled(rng: random.Random, c: str, i: int) -> Row:
    """Numbers as Excel leaves them: the leading 0 gone, a float's .0, the calling code without its +, or the
    number cut to scientific notation (then nothing is the person's number: no phone must be sent)."""
    first, last = person(rng, c)
    _, e = phone(rng, c)
    nsn = e.removeprefix("+" + str(phonenumbers.country_code_for_region(c)))
    form = i % 5
    if form == 0:
        text = nsn  # 7911123456: the trunk 0 dropped
    elif form == 1:
        text = nsn + ".0"
    elif form == 2:
        text = e.removeprefix("+")  # 447911123456
    elif form == 3:
        text = f"{float(e.removeprefix('+')):.5E}".replace("E+", "E+")  # 4.47911E+11: digits lost
        return Row(
            {"Name": f"{first} {last}", "Phone": text, "Country": c, "Email": email(rng, first, last, "gmail.com")},
            c,
            [],
        )
    else:
        text = "'" + e
    return Row(
        {"Name": f"{first} {last}", "Phone": text, "Country": c, "Email": email(rng, first, last, "gmail.com")}, c, [e]
    )


def europe_event(rng: random.Random, c: str, i: int) -> Row:
    """An event's attendee list: people from several countries typed their mobile as at home, no country column."""
    first, last = person(rng, c)
    text, e = phone(rng, c, tuple(p for p in STYLES[c][0][2] if not p.startswith(("+", "00"))))
    return Row({"Attendee": f"{first} {last}", "Mobile": text, "Email": email(rng, first, last, "gmail.com"),
                "Session": rng.choice(["Keynote", "Workshop A", "Workshop B"])}, c, [e])  # fmt: skip


def no_country(domain: str, district: list[str]) -> Build:
    def build(rng: random.Random, c: str, i: int) -> Row:
        first, last = person(rng, c)
        text, e = phone(rng, c, tuple(p for _, _, ps in STYLES[c] for p in ps if not p.startswith(("+", "00"))))
        return Row({"Name": f"{first} {last}", "Mobile": text, "Email": email(rng, first, last, domain),
                    "District": rng.choice(district)}, c, [e])  # fmt: skip

    return build


def india_team_gulf(rng: random.Random, c: str, i: int) -> Row:
    """An Indian sales team's sheet: Indian leads as Indians write them, Gulf leads with 00971, 971 or +966."""
    first, last = person(rng, c)
    _, e = phone(
        rng, c, () if c == "IN" else tuple(p for _, _, ps in STYLES[c] for p in ps if p.startswith(("+", "00")))
    )
    n = phonenumbers.parse(e, None)
    intl = phonenumbers.format_number(n, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    text = {0: intl, 1: "00" + intl[1:], 2: intl[1:]}[i % 3] if c != "IN" else phone(random.Random(e), c)[0]
    if c == "IN":
        e = _e164(text, "IN")
    return Row({"Lead Name": f"{first} {last}", "Contact No": text, "Email": email(rng, first, last, "gmail.com"),
                "Source": rng.choice(["Justdial", "IndiaMART", "Walk-in"])}, c, [e])  # fmt: skip


FULLWIDTH = str.maketrans({ch: chr(ord(ch) + 0xFEE0) for ch in "0123456789-()+"} | {" ": "\u3000"})


def jp_fullwidth(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    text, e = phone(rng, c, ("0XX-XXXX-XXXX", "0X-XXXX-XXXX"))
    if i % 2 == 0:
        text = text.translate(FULLWIDTH)
    return Row({"氏名": last + first, "フリガナ": "ヤマダ", "携帯番号": text, "メール": f"user{rng.randint(100, 9999)}@docomo.ne.jp",
                "都道府県": "東京都"}, c, [e])  # fmt: skip


def de_variants(rng: random.Random, c: str, i: int) -> Row:
    first, last = person(rng, c)
    _, e = phone(rng, c, ("0XXX XXXXXXX", "0XX XXXXXXXX"))
    n = phonenumbers.parse(e, None)
    nsn = phonenumbers.national_significant_number(n)
    area = 3 if nsn.startswith("1") else 2
    a, rest = nsn[:area], nsn[area:]
    text = [f"+49 (0) {a} {rest}", f"0049 {a} {rest}", f"(0{a}) {rest}", f"0{a} / {rest[:3]} {rest[3:5]} {rest[5:]}",
            f"+49-{a}-{rest}", f"0{a}-{rest[:3]} {rest[3:]}"][i % 6]  # fmt: skip
    assert _e164(text, "DE") == e, text
    return Row({"Anrede": rng.choice(["Herr", "Frau"]), "Vorname": first, "Nachname": last, "Telefon geschäftlich": text,
                "E-Mail-Adresse": email(rng, first, last, "t-online.de"), "Firma": f"{last} GmbH"}, c, [e])  # fmt: skip


COUNTRY_INFORMAL = {"GB": ["Great Britain", "Britain", "U.K."], "KR": ["Korea", "Rep. of Korea", "Korea, Rep."],
                    "AE": ["Dubai", "Abu Dhabi", "U.A.E", "Emirates"], "SA": ["KSA"], "NL": ["Holland"],
                    "US": ["U.S.", "United States of America"], "IE": ["Republic of Ireland"]}  # fmt: skip


def informal_countries(rng: random.Random, c: str, i: int) -> Row:
    """A CRM export whose country column is typed by hand: Great Britain, Korea, Dubai, KSA, Holland."""
    first, last = person(rng, c)
    text, e = phone(rng, c, tuple(p for _, _, ps in STYLES[c] for p in ps if not p.startswith(("+", "00"))))
    names = COUNTRY_INFORMAL[c]
    return Row({"Full Name": f"{first} {last}", "Country": names[i % len(names)], "Phone": text,
                "Email": email(rng, first, last, "outlook.com")}, c, [e])  # fmt: skip


def es_plain_headers(rng: random.Random, c: str, i: int) -> Row:
    """A Spanish office's contact list with headers typed without accents and Madrid-style landlines."""
    first, last = person(rng, c)
    nsn = draw(rng, c, rng.choice(["91", "93", "96"]), 9)
    text = pat("XX XXX XX XX", nsn)
    return Row({"Nombre": first, "Apellidos": last, "Telefono": text, "Correo": email(rng, first, last, "telefonica.net"),
                "Ciudad": rng.choice(["Madrid", "Barcelona", "Valencia"])}, c, [_e164(text, c)])  # fmt: skip


def more() -> None:
    sheet(
        "contactos_es_sin_acentos",
        ["ES"],
        20,
        ["Nombre", "Apellidos", "Telefono", "Correo", "Ciudad"],
        es_plain_headers,
    )
    sheet(
        "crm_contacts_informal_countries",
        ["GB", "KR", "AE", "SA", "NL", "US", "IE", "AE", "GB", "KR"],
        30,
        ["Full Name", "Country", "Phone", "Email"],
        informal_countries,
    )
    sheet(
        "excel_mangled_world",
        ["GB", "FR", "AU", "DE", "IN", "NL", "US", "ES"],
        40,
        ["Name", "Phone", "Country", "Email"],
        excel_mangled,
    )
    sheet(
        "europe_event_no_country",
        ["DE", "FR", "GB", "ES", "NL", "IT", "DE", "FR"],
        32,
        ["Attendee", "Mobile", "Email", "Session"],
        europe_event,
    )
    sheet(
        "hk_leads_no_country",
        ["HK"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("gmail.com", ["Kowloon", "Sha Tin", "Wan Chai"]),
    )
    sheet(
        "gulf_leads_no_country",
        ["AE", "SA"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("gmail.com", ["Dubai", "Riyadh"]),
    )
    sheet(
        "india_team_gulf_leads",
        ["IN", "IN", "AE", "SA"],
        32,
        ["Lead Name", "Contact No", "Email", "Source"],
        india_team_gulf,
        kind="xlsx",
    )
    sheet(
        "jp_fullwidth",
        ["JP"],
        20,
        ["氏名", "フリガナ", "携帯番号", "メール", "都道府県"],
        jp_fullwidth,
        kind="csv",
        encoding="utf-8-sig",
    )
    sheet(
        "outlook_kontakte_de_varianten",
        ["DE"],
        30,
        ["Anrede", "Vorname", "Nachname", "Telefon geschäftlich", "E-Mail-Adresse", "Firma"],
        de_variants,
        delimiter=";",
    )
    sheet(
        "leads_ke_no_country",
        ["KE"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("gmail.com", ["Nairobi", "Kisumu", "Mombasa"]),
    )
    sheet(
        "leads_ng_no_country",
        ["NG"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("yahoo.com", ["Lagos", "Abuja", "Ibadan"]),
    )
    sheet(
        "leads_za_no_country",
        ["ZA"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("gmail.com", ["Gauteng", "Western Cape"]),
    )
    sheet(
        "leads_ph_no_country",
        ["PH"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("gmail.com", ["Quezon City", "Cebu"]),
    )
    sheet(
        "leads_sg_no_country",
        ["SG"],
        20,
        ["Name", "Mobile", "Email", "District"],
        no_country("gmail.com", ["Tampines", "Jurong"]),
    )


if __name__ == "__main__":
    main()
    more()
