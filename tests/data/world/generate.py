"""Writes the world corpus: lead exports in the shapes of real CRMs, ad platforms and address books.

Each sheet has a sidecar ``<name>.expected.csv``: per data row (``sheet_row`` as Excel counts it), the
row's real country and the E.164 of each of its own phone numbers, each read with ``phonenumbers`` in
that country when the sheet is made (``phone_e164`` is the row's main number, ``acceptable`` every number
of the person's own that a mapping may take: a shared office line is none of them).

Run from the repository root: ``python tests/data/world/generate.py``. Deterministic (fixed seeds).
"""

from __future__ import annotations

import csv
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from openpyxl import Workbook

HERE = Path(__file__).resolve().parent
FMT = phonenumbers.PhoneNumberFormat

PEOPLE = {
    "US": (["James", "Mary", "Robert", "Linda", "Michael", "Susan", "David", "Karen"], ["Smith", "Johnson", "Brown", "Garcia", "Miller", "Davis", "Wilson", "Moore"]),
    "CA": (["Liam", "Emma", "Noah", "Olivia", "Ethan", "Chloé", "Lucas", "Ava"], ["Tremblay", "Roy", "Gagnon", "Martin", "MacDonald", "Wong", "Singh", "Campbell"]),
    "GB": (["Oliver", "Amelia", "Harry", "Isla", "George", "Poppy", "Jack", "Freya"], ["Jones", "Taylor", "Evans", "Thomas", "Roberts", "Walker", "Wright", "Hughes"]),
    "AU": (["Jack", "Charlotte", "William", "Mia", "Thomas", "Matilda", "Cooper", "Ruby"], ["Nguyen", "Kelly", "White", "Harris", "Martin", "King", "Lee", "Clarke"]),
    "IN": (["Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Kavya"], ["Sharma", "Patel", "Iyer", "Reddy", "Nair", "Gupta", "Singh", "Das"]),
    "DE": (["Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Paul", "Sophie"], ["Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Becker", "Hoffmann", "Wagner"]),
    "AT": (["Florian", "Lena", "Tobias", "Julia", "Elias", "Hannah", "Jakob", "Laura"], ["Gruber", "Huber", "Bauer", "Wagner", "Pichler", "Steiner", "Moser", "Mayer"]),
    "CH": (["Noah", "Mia", "Luca", "Emma", "Leon", "Lina", "Nico", "Sara"], ["Meier", "Keller", "Brunner", "Baumann", "Frei", "Zimmermann", "Huber", "Gerber"]),
    "NL": (["Daan", "Emma", "Sem", "Julia", "Lucas", "Tess", "Finn", "Sophie"], ["de Jong", "Jansen", "de Vries", "van Dijk", "Bakker", "Visser", "Smit", "Meijer"]),
    "FR": (["Gabriel", "Jade", "Raphaël", "Louise", "Léo", "Emma", "Louis", "Chloé"], ["Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand"]),
    "ES": (["Hugo", "Lucía", "Martín", "Sofía", "Pablo", "Martina", "Álvaro", "Paula"], ["García", "Fernández", "González", "Rodríguez", "López", "Martínez", "Sánchez", "Pérez"]),
    "IT": (["Leonardo", "Sofia", "Francesco", "Giulia", "Alessandro", "Aurora", "Lorenzo", "Alice"], ["Rossi", "Russo", "Ferrari", "Esposito", "Bianchi", "Romano", "Colombo", "Ricci"]),
    "PT": (["João", "Maria", "Rodrigo", "Leonor", "Martim", "Matilde", "Tomás", "Beatriz"], ["Silva", "Santos", "Ferreira", "Pereira", "Oliveira", "Costa", "Rodrigues", "Martins"]),
    "BR": (["Miguel", "Helena", "Arthur", "Alice", "Heitor", "Laura", "Bernardo", "Valentina"], ["Souza", "Lima", "Carvalho", "Almeida", "Ribeiro", "Gomes", "Barbosa", "Rocha"]),
    "MX": (["Santiago", "Ximena", "Mateo", "Valeria", "Sebastián", "Camila", "Diego", "Regina"], ["Hernández", "López", "Ramírez", "Cruz", "Flores", "Morales", "Vázquez", "Jiménez"]),
    "AE": (["Mohammed", "Fatima", "Ahmed", "Mariam", "Omar", "Aisha", "Khalid", "Noura"], ["Al Mansoori", "Al Hashimi", "Al Nuaimi", "Al Suwaidi", "Al Falasi", "Khan", "Haddad", "Rahman"]),
    "SA": (["Abdullah", "Sara", "Faisal", "Reem", "Turki", "Lama", "Nasser", "Hind"], ["Al Otaibi", "Al Qahtani", "Al Ghamdi", "Al Harbi", "Al Zahrani", "Al Shehri", "Al Dosari", "Al Mutairi"]),
    "NG": (["Chinedu", "Ngozi", "Tunde", "Aisha", "Emeka", "Funmi", "Ibrahim", "Chioma"], ["Okeke", "Adeyemi", "Bello", "Eze", "Okafor", "Balogun", "Musa", "Nwosu"]),
    "ZA": (["Thabo", "Lerato", "Sipho", "Naledi", "Pieter", "Anele", "Johan", "Zanele"], ["Nkosi", "Dlamini", "Mokoena", "van der Merwe", "Botha", "Ndlovu", "Khumalo", "Naidoo"]),
    "SG": (["Wei Ming", "Hui Min", "Jun Jie", "Xin Yi", "Arjun", "Nur Aisyah", "Ryan", "Siew Ling"], ["Tan", "Lim", "Lee", "Ng", "Ong", "Wong", "Goh", "Chua"]),
    "ID": (["Budi", "Siti", "Agus", "Dewi", "Rizky", "Putri", "Eko", "Ayu"], ["Santoso", "Wijaya", "Saputra", "Lestari", "Hidayat", "Kusuma", "Pratama", "Nugroho"]),
    "RU": (["Иван", "Мария", "Алексей", "Анна", "Дмитрий", "Елена", "Сергей", "Ольга"], ["Иванов", "Петрова", "Смирнов", "Кузнецова", "Попов", "Соколова", "Лебедев", "Новикова"]),
    "CN": (["伟", "芳", "娜", "敏", "静", "强", "磊", "洋"], ["王", "李", "张", "刘", "陈", "杨", "黄", "赵"]),
    "JP": (["太郎", "花子", "一郎", "美咲", "健太", "陽菜", "大輔", "結衣"], ["山田", "佐藤", "鈴木", "高橋", "田中", "伊藤", "渡辺", "中村"]),
    "IE": (["Seán", "Aoife", "Conor", "Niamh", "Cian", "Saoirse", "Darragh", "Ciara"], ["Murphy", "Kelly", "O'Sullivan", "Walsh", "Byrne", "Ryan", "O'Brien", "Doyle"]),
    "KR": (["민준", "서연", "지훈", "하은", "도윤", "지우", "현우", "수아"], ["김", "이", "박", "최", "정", "강", "조", "윤"]),
}  # fmt: skip
DOMAINS = {"US": "com", "CA": "ca", "GB": "co.uk", "AU": "com.au", "IN": "in", "DE": "de", "AT": "at", "CH": "ch",
           "NL": "nl", "FR": "fr", "ES": "es", "IT": "it", "PT": "pt", "BR": "com.br", "MX": "mx", "AE": "ae",
           "SA": "sa", "NG": "ng", "ZA": "co.za", "SG": "sg", "ID": "co.id", "RU": "ru", "CN": "cn", "JP": "jp",
           "KR": "kr", "IE": "ie"}  # fmt: skip
COUNTRY_NAMES = {"US": "United States", "CA": "Canada", "GB": "United Kingdom", "AU": "Australia", "IN": "India",
                 "DE": "Germany", "AT": "Austria", "CH": "Switzerland", "NL": "Netherlands", "FR": "France",
                 "ES": "Spain", "IT": "Italy", "PT": "Portugal", "BR": "Brazil", "MX": "Mexico",
                 "AE": "United Arab Emirates", "SA": "Saudi Arabia", "NG": "Nigeria", "ZA": "South Africa",
                 "SG": "Singapore", "ID": "Indonesia", "RU": "Russia", "CN": "China", "JP": "Japan",
                 "KR": "South Korea"}  # fmt: skip
ASCII = str.maketrans("áàâäãåçéèêëíìîïñóòôöõúùûüýÿßÉÁ", "aaaaaaceeeeiiiinooooouuuuyysEA")


@dataclass
class Person:
    country: str
    first: str
    last: str
    rng: random.Random

    @property
    def full(self) -> str:
        if self.country in ("CN", "JP", "KR"):
            return self.last + self.first
        return f"{self.first} {self.last}"

    def email(self, local_domain: bool) -> str:
        latin = f"{self.first}.{self.last}".translate(ASCII).lower().replace(" ", "")
        if not latin.isascii():
            latin = f"user{self.rng.randint(1000, 99999)}"
        domain = f"example.{DOMAINS[self.country]}" if local_domain else self.rng.choice(["gmail.com", "outlook.com"])
        return f"{latin}{self.rng.randint(1, 99)}@{domain}"


def number(
    rng: random.Random, region: str, kind: int = phonenumbers.PhoneNumberType.MOBILE
) -> phonenumbers.PhoneNumber:
    """A valid number of ``region`` of ``kind``: the example number with its last digits drawn at random."""
    example = phonenumbers.example_number_for_type(region, kind)
    nsn = phonenumbers.national_significant_number(example)
    for _ in range(300):  # most often a number from anywhere in the plan: the example's first digit, the rest drawn
        drawn = nsn[0] + "".join(str(rng.randint(0, 9)) for _ in range(len(nsn) - 1))
        candidate = phonenumbers.parse(drawn, region)
        if phonenumbers.is_valid_number(candidate) and phonenumbers.number_type(candidate) in (kind, 2):
            return candidate
    for _ in range(500):
        tail = "".join(str(rng.randint(0, 9)) for _ in range(4))
        candidate = phonenumbers.parse(nsn[:-4] + tail, region)
        if phonenumbers.is_valid_number(candidate) and phonenumbers.number_type(candidate) in (kind, 2):
            return candidate
    raise AssertionError(region)


def written(n: phonenumbers.PhoneNumber, shape: str) -> str:
    """The number as an export writes it."""
    if shape == "national":
        return phonenumbers.format_number(n, FMT.NATIONAL)
    if shape == "international":
        return phonenumbers.format_number(n, FMT.INTERNATIONAL)
    if shape == "e164":
        return phonenumbers.format_number(n, FMT.E164)
    if shape == "digits":  # national digits as typed: trunk prefix kept where locals dial it
        return "".join(ch for ch in phonenumbers.format_number(n, FMT.NATIONAL) if ch.isdigit())
    if shape == "fb":
        return "p:" + phonenumbers.format_number(n, FMT.E164)
    if shape == "idd":  # 0033 6 12 34 56 78: dialled from abroad with the 00 prefix
        return "00" + phonenumbers.format_number(n, FMT.INTERNATIONAL).removeprefix("+")
    if shape == "cc_digits":  # 919812345678: the country code typed without its +
        return phonenumbers.format_number(n, FMT.E164).removeprefix("+")
    if shape == "plus_dash":  # +91-98123 45678
        cc = str(n.country_code)
        return f"+{cc}-" + phonenumbers.format_number(n, FMT.NATIONAL).lstrip("0")
    if shape == "bracket_zero":  # +44 (0)7400 123456
        national = phonenumbers.format_number(n, FMT.NATIONAL)
        return f"+{n.country_code} (0)" + national.removeprefix("0")
    if shape == "labelled":  # 07400 123456 (mobile)
        return phonenumbers.format_number(n, FMT.NATIONAL) + " (mobile)"
    if shape == "excel_number":  # a numeric cell: the trunk prefix's leading zero is gone
        return phonenumbers.national_significant_number(n)
    if shape == "slash":  # 0172/6508462: area code, slash, number (Germany, Austria)
        return phonenumbers.format_number(n, FMT.NATIONAL).replace(" ", "/", 1).replace(" ", "")
    if shape == "dots":  # 415.835.1656
        return re.sub(r"[()]", "", phonenumbers.format_number(n, FMT.NATIONAL)).replace(" ", ".").replace("-", ".")
    if shape == "dashes":  # +1-415-835-1656
        return phonenumbers.format_number(n, FMT.INTERNATIONAL).replace(" ", "-")
    if shape == "trunk_one":  # 1-415-835-1656: the NANP trunk 1 written
        return "1-" + re.sub(r"[()]", "", phonenumbers.format_number(n, FMT.NATIONAL)).replace(" ", "-")
    raise ValueError(shape)


def e164_as_read(text: str, region: str) -> str:
    """The expected E.164: the written text read by phonenumbers in the row's real country."""
    text = text.removeprefix("p:").removesuffix(" (mobile)")
    parsed = phonenumbers.parse(text, region)
    assert phonenumbers.is_valid_number(parsed), (text, region)
    return phonenumbers.format_number(parsed, FMT.E164)


@dataclass
class Row:
    cells: dict[str, str]
    country: str
    phones: list[str]  # E.164s of the person's own numbers, main first


Build = Callable[[Person, random.Random, int], Row]


def people(rng: random.Random, countries: list[str], n: int) -> list[Person]:
    out = []
    for i in range(n):
        country = countries[i % len(countries)] if len(countries) > 1 else countries[0]
        firsts, lasts = PEOPLE[country]
        out.append(Person(country, rng.choice(firsts), rng.choice(lasts), rng))
    return out


def phone_cell(rng: random.Random, p: Person, shape: str, kind: int = 1) -> tuple[str, str]:
    n = number(rng, p.country, kind)
    text = written(n, shape)
    return text, e164_as_read(text, p.country)


def write(name: str, header: list[str], rows: list[Row], *, xlsx: bool = False, above: list[list[str]] = ()) -> None:
    """The sheet and its sidecar of expected numbers."""
    table = [list(r) for r in above] + [header] + [[r.cells.get(h, "") for h in header] for r in rows]
    path = HERE / (name + (".xlsx" if xlsx else ".csv"))
    if xlsx:
        wb = Workbook()
        ws = wb.active
        ws.title = "Leads"
        for line in table:
            ws.append(line)
        for row in ws.iter_rows():
            for cell in row:
                cell.number_format = "@"
        wb.save(path)
    else:
        with path.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f).writerows(table)
    first_row = len(above) + 2
    with (HERE / f"{name}.expected.csv").open("w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["sheet_row", "country", "phone_e164", "acceptable"])
        for i, r in enumerate(rows):
            out.writerow([first_row + i, r.country, r.phones[0] if r.phones else "", " ".join(r.phones)])


def sheet(name: str, countries: list[str], n: int, header: list[str], build: Build, **kw: object) -> None:
    rng = random.Random(name)
    rows = [build(p, rng, i) for i, p in enumerate(people(rng, countries, n))]
    write(name, header, rows, **kw)  # type: ignore[arg-type]


def _pick(rng: random.Random, share: float) -> bool:
    return rng.random() < share


def hubspot(country: str, shapes: tuple[str, ...]) -> Build:
    def build(p: Person, rng: random.Random, i: int) -> Row:
        phone, e1 = phone_cell(rng, p, rng.choice(shapes), 0)
        mobile, e2 = phone_cell(rng, p, rng.choice(shapes)) if _pick(rng, 0.3) else ("", "")
        if _pick(rng, 0.1):
            phone, e1 = "", ""
        cells = {"Record ID": str(51200000 + i * 7), "First Name": p.first, "Last Name": p.last,
                 "Email": p.email(_pick(rng, 0.4)), "Phone Number": phone, "Mobile Phone Number": mobile,
                 "Company Name": f"{p.last} Holdings", "City": "Springfield", "Country/Region": COUNTRY_NAMES[country],
                 "Create Date": f"2024-0{1 + i % 9}-1{i % 10} 09:3{i % 10}", "Lifecycle Stage": "Lead",
                 "Contact owner": "Dana Whitfield"}  # fmt: skip
        return Row(cells, p.country, [e for e in (e2, e1) if e] if e2 else [e for e in (e1,) if e])

    return build


HUBSPOT = ["Record ID", "First Name", "Last Name", "Email", "Phone Number", "Mobile Phone Number", "Company Name",
           "City", "Country/Region", "Create Date", "Lifecycle Stage", "Contact owner"]  # fmt: skip


def salesforce(p: Person, rng: random.Random, i: int) -> Row:
    phone, e1 = phone_cell(rng, p, "national", 0)
    mobile, e2 = phone_cell(rng, p, "international") if _pick(rng, 0.6) else ("", "")
    cells = {"Lead ID": f"00Q5g00000{i:05d}AbC", "First Name": p.first, "Last Name": p.last, "Title": "Manager",
             "Company": f"{p.last} Inc.", "Email": p.email(_pick(rng, 0.5)), "Phone": phone, "Mobile": mobile,
             "Street": "1 Main St", "City": "Metro", "Zip/Postal Code": f"{10000 + i}", "Country": COUNTRY_NAMES[p.country],
             "Lead Source": rng.choice(["Web", "Partner Referral", "Trade Show"]), "Lead Status": "Open - Not Contacted",
             "Created Date": f"{1 + i % 28}/0{1 + i % 9}/2024"}  # fmt: skip
    return Row(cells, p.country, [e for e in (e2, e1) if e])


SALESFORCE = ["Lead ID", "First Name", "Last Name", "Title", "Company", "Email", "Phone", "Mobile", "Street", "City",
              "Zip/Postal Code", "Country", "Lead Source", "Lead Status", "Created Date"]  # fmt: skip


def zoho(last_only: bool) -> Build:
    def build(p: Person, rng: random.Random, i: int) -> Row:
        mobile, e1 = phone_cell(rng, p, "digits" if p.country == "IN" else "national")
        phone, e2 = phone_cell(rng, p, "international", 0) if _pick(rng, 0.3) else ("", "")
        first = "" if last_only or _pick(rng, 0.2) else p.first
        cells = {"Record Id": f"zcrm_{5725767000000 + i * 13}", "Lead Owner": "Ravi Menon", "Salutation": "",
                 "First Name": first, "Last Name": p.last, "Company": f"{p.last} Traders", "Email": p.email(_pick(rng, 0.3)),
                 "Phone": phone, "Mobile": mobile, "Fax": "", "Lead Source": "Online Store", "Lead Status": "Not Contacted",
                 "City": "Metro", "Country": COUNTRY_NAMES[p.country], "Created Time": f"2024-03-{1 + i % 28:02d} 10:00:00"}  # fmt: skip
        return Row(cells, p.country, [e for e in (e1, e2) if e])

    return build


ZOHO = ["Record Id", "Lead Owner", "Salutation", "First Name", "Last Name", "Company", "Email", "Phone", "Mobile", "Fax",
        "Lead Source", "Lead Status", "City", "Country", "Created Time"]  # fmt: skip


def pipedrive(p: Person, rng: random.Random, i: int) -> Row:
    shape = "slash" if p.country in ("DE", "AT") and _pick(rng, 0.4) else "national"
    work, e1 = phone_cell(rng, p, shape, 0) if _pick(rng, 0.7) else ("", "")
    mobile, e2 = (
        phone_cell(rng, p, rng.choice(["national", "international"])) if _pick(rng, 0.7) or not work else ("", "")
    )
    cells = {"Person - ID": str(300 + i), "Person - Name": p.full, "Person - Organization": f"{p.last} BV",
             "Person - Email - Work": p.email(_pick(rng, 0.6)), "Person - Phone - Work": work,
             "Person - Phone - Mobile": mobile, "Person - Label": rng.choice(["Hot lead", "Cold lead", ""]),
             "Person - Owner": "Sam Berg"}  # fmt: skip
    return Row(cells, p.country, [e for e in (e2, e1) if e])


PIPEDRIVE = ["Person - ID", "Person - Name", "Person - Organization", "Person - Email - Work", "Person - Phone - Work",
             "Person - Phone - Mobile", "Person - Label", "Person - Owner"]  # fmt: skip


def mailchimp(p: Person, rng: random.Random, i: int) -> Row:
    phone, e1 = phone_cell(rng, p, rng.choice(["national", "international"])) if _pick(rng, 0.85) else ("", "")
    cells = {"Email Address": p.email(_pick(rng, 0.5)), "First Name": p.first, "Last Name": p.last, "Address": "",
             "Phone Number": phone, "MEMBER_RATING": str(rng.randint(1, 5)),
             "OPTIN_TIME": f"2024-02-{1 + i % 28:02d} 08:15:00", "OPTIN_IP": f"{rng.randint(11, 220)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
             "LATITUDE": f"{rng.uniform(-40, 60):.7f}", "LONGITUDE": f"{rng.uniform(-120, 140):.7f}",
             "GMTOFF": str(rng.randint(-8, 9)), "TIMEZONE": "", "CC": p.country, "REGION": "",
             "LAST_CHANGED": f"2024-05-{1 + i % 28:02d} 12:00:00", "LEID": str(100000000 + i * 31), "EUID": f"a{i:08x}",
             "TAGS": ""}  # fmt: skip
    return Row(cells, p.country, [e1] if e1 else [])


MAILCHIMP = ["Email Address", "First Name", "Last Name", "Address", "Phone Number", "MEMBER_RATING", "OPTIN_TIME",
             "OPTIN_IP", "LATITUDE", "LONGITUDE", "GMTOFF", "TIMEZONE", "CC", "REGION", "LAST_CHANGED", "LEID", "EUID",
             "TAGS"]  # fmt: skip


def google(p: Person, rng: random.Random, i: int) -> Row:
    one, e1 = phone_cell(rng, p, rng.choice(["national", "e164", "international"]))
    two, e2 = phone_cell(rng, p, "national", 0) if _pick(rng, 0.4) else ("", "")
    if _pick(rng, 0.1):  # Google joins a label's several numbers with " ::: "
        extra, e3 = phone_cell(rng, p, "international")
        one, e1, e2 = f"{one} ::: {extra}", e1, e2 or e3
    cells = {"First Name": p.first, "Middle Name": "", "Last Name": p.last, "Nickname": "", "File As": "",
             "Name Prefix": "", "Birthday": "", "Notes": "", "Labels": "* myContacts",
             "E-mail 1 - Label": "* Home", "E-mail 1 - Value": p.email(_pick(rng, 0.3)),
             "Phone 1 - Label": "Mobile", "Phone 1 - Value": one, "Phone 2 - Label": "Work" if two else "",
             "Phone 2 - Value": two, "Address 1 - City": "", "Address 1 - Country": COUNTRY_NAMES[p.country],
             "Organization Name": f"{p.last} Ltda", "Organization Title": ""}  # fmt: skip
    return Row(cells, p.country, [e for e in (e1, e2) if e])


GOOGLE = ["First Name", "Middle Name", "Last Name", "Nickname", "File As", "Name Prefix", "Birthday", "Notes", "Labels",
          "E-mail 1 - Label", "E-mail 1 - Value", "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label",
          "Phone 2 - Value", "Address 1 - City", "Address 1 - Country", "Organization Name", "Organization Title"]  # fmt: skip


def outlook(german: bool) -> tuple[list[str], Build]:
    names = (["Vorname", "Weitere Vornamen", "Nachname", "Firma", "Position", "Ort geschäftlich",
              "Telefon geschäftlich", "Fax geschäftlich", "Telefon privat", "Mobiltelefon", "E-Mail-Adresse"]
             if german else
             ["First Name", "Middle Name", "Last Name", "Company", "Job Title", "Business City", "Business Phone",
              "Business Fax", "Home Phone", "Mobile Phone", "E-mail Address"])  # fmt: skip
    full = OUTLOOK_EN if not german else names

    def build(p: Person, rng: random.Random, i: int) -> Row:
        office = "(555) 010-0000"  # replaced below by the company's line, shared by every row
        biz, e1 = phone_cell(rng, p, "national", 0) if _pick(rng, 0.5) else ("", "")
        mob, e2 = phone_cell(rng, p, "national") if _pick(rng, 0.8) else ("", "")
        home, e3 = phone_cell(rng, p, "national", 0) if _pick(rng, 0.2) or not (biz or mob) else ("", "")
        fax = written(number(random.Random(p.country), p.country, 0), "national")
        del office
        values = [p.first, "", p.last, "Kontor AG" if german else "Contoso Ltd", "Sales", "Metro", biz, fax, home, mob,
                  p.email(_pick(rng, 0.6))]  # fmt: skip
        cells = dict(zip(names, values, strict=True))
        if not german:  # Outlook's own export: a title, the country, and a company line shared by every row
            cells |= {"Title": rng.choice(["Mr.", "Ms.", "Dr.", ""]), "Business Country/Region": "United States",
                      "Company Main Phone": "(425) 555-0100", "Priority": "Normal", "Sensitivity": "Normal",
                      "Private": "False"}  # fmt: skip
        return Row(cells, p.country, [e for e in (e2, e1, e3) if e])

    return full, build


OUTLOOK_EN = [
    "Title", "First Name", "Middle Name", "Last Name", "Suffix", "Company", "Department", "Job Title",
    "Business Street", "Business City", "Business State", "Business Postal Code", "Business Country/Region",
    "Home Street", "Home City", "Home State", "Home Postal Code", "Home Country/Region", "Assistant's Phone",
    "Business Fax", "Business Phone", "Business Phone 2", "Callback", "Car Phone", "Company Main Phone", "Home Fax",
    "Home Phone", "Home Phone 2", "ISDN", "Mobile Phone", "Other Fax", "Other Phone", "Pager", "Primary Phone",
    "Radio Phone", "TTY/TDD Phone", "Telex", "Anniversary", "Birthday", "E-mail Address", "E-mail Type",
    "E-mail Display Name", "E-mail 2 Address", "Notes", "Priority", "Private", "Sensitivity", "Spouse", "Web Page",
]  # fmt: skip


def facebook(p: Person, rng: random.Random, i: int) -> Row:
    shape = rng.choice(["fb", "fb", "fb", "international"])
    phone, e1 = phone_cell(rng, p, shape)
    cells = {"id": f"l:{1200000000000000 + i * 977}", "created_time": f"2024-04-{1 + i % 28:02d}T10:{i % 60:02d}:00+0000",
             "ad_id": f"ag:{23850000000000000 + i}", "ad_name": "Spring offer", "adset_id": f"as:{23850000000000100}",
             "adset_name": "Lookalike 1%", "campaign_id": f"c:{23850000000000200}", "campaign_name": "Leads Q2",
             "form_id": f"f:{4000000000000 + 5}", "form_name": "Get a quote", "is_organic": "false", "platform": "fb",
             "full_name": p.full, "phone_number": phone, "email": p.email(_pick(rng, 0.2)), "city": "Metro"}  # fmt: skip
    return Row(cells, p.country, [e1])


FACEBOOK = ["id", "created_time", "ad_id", "ad_name", "adset_id", "adset_name", "campaign_id", "campaign_name",
            "form_id", "form_name", "is_organic", "platform", "full_name", "phone_number", "email", "city"]  # fmt: skip


def linkedin(p: Person, rng: random.Random, i: int) -> Row:
    phone, e1 = phone_cell(rng, p, rng.choice(["international", "national", "e164"])) if _pick(rng, 0.9) else ("", "")
    cells = {"Lead ID": f"urn:li:leadGenFormResponse:{700000 + i}", "First Name": p.first, "Last Name": p.last,
             "Email Address": p.email(_pick(rng, 0.5)), "Phone Number": phone, "Company Name": f"{p.last} Pte Ltd",
             "Job Title": "Director", "Country": COUNTRY_NAMES[p.country], "Campaign Name": "ABM EMEA",
             "Form Name": "Whitepaper", "Submitted At": f"2024-06-{1 + i % 28:02d} 14:00:00"}  # fmt: skip
    return Row(cells, p.country, [e1] if e1 else [])


LINKEDIN = ["Lead ID", "First Name", "Last Name", "Email Address", "Phone Number", "Company Name", "Job Title",
            "Country", "Campaign Name", "Form Name", "Submitted At"]  # fmt: skip


def local(
    header: list[str], shapes: tuple[str, ...], full_name: bool, extra: Callable[[Person, int], list[str]]
) -> Build:
    """A hand-made sheet in the country's language: name (or first, last), phone, email, then ``extra``."""

    def build(p: Person, rng: random.Random, i: int) -> Row:
        phone, e1 = phone_cell(rng, p, rng.choice(shapes))
        person = [p.full] if full_name else [p.first, p.last]
        values = [*person, phone, p.email(_pick(rng, 0.5)), *extra(p, i)]
        return Row(dict(zip(header, values, strict=True)), p.country, [e1])

    return build


def bitrix(p: Person, rng: random.Random, i: int) -> Row:
    mobile, e1 = phone_cell(rng, p, rng.choice(["national", "international"]))
    work, e2 = phone_cell(rng, p, "national", 0) if _pick(rng, 0.3) else ("", "")
    cells = {"ID": str(1000 + i), "NAME": p.first, "SECOND_NAME": "", "LAST_NAME": p.last, "PHONE_MOBILE": mobile,
             "PHONE_WORK": work, "EMAIL_WORK": p.email(_pick(rng, 0.7)), "COMPANY_TITLE": "Romashka LLC",
             "SOURCE_ID": "WEB", "DATE_CREATE": f"{1 + i % 28:02d}.03.2024 10:00:00"}  # fmt: skip
    return Row(cells, p.country, [e for e in (e1, e2) if e])


BITRIX = ["ID", "NAME", "SECOND_NAME", "LAST_NAME", "PHONE_MOBILE", "PHONE_WORK", "EMAIL_WORK", "COMPANY_TITLE",
          "SOURCE_ID", "DATE_CREATE"]  # fmt: skip


def tine(p: Person, rng: random.Random, i: int) -> Row:
    cell, e1 = phone_cell(rng, p, rng.choice(["international", "national"])) if _pick(rng, 0.8) else ("", "")
    work, e2 = phone_cell(rng, p, "national", 0) if _pick(rng, 0.6) or not cell else ("", "")
    fax = written(number(random.Random(p.country + "fax"), p.country, 0), "national")
    cells = {"n_given": p.first, "n_family": p.last, "n_fn": p.full, "org_name": "Metaways Infosystems GmbH",
             "tel_work": work, "tel_cell": cell, "tel_fax": fax, "email": p.email(_pick(rng, 0.7)),
             "adr_one_countryname": p.country}  # fmt: skip
    return Row(cells, p.country, [e for e in (e1, e2) if e])


TINE = ["n_given", "n_family", "n_fn", "org_name", "tel_work", "tel_cell", "tel_fax", "email", "adr_one_countryname"]


LOCAL_COUNTRY_NAMES = {"DE": "Deutschland", "AT": "Österreich", "CH": "Schweiz", "ES": "España", "MX": "México",
                       "BR": "Brasil", "FR": "France", "IT": "Italia", "JP": "日本", "IN": "भारत", "NL": "Nederland"}  # fmt: skip


def titled_report(p: Person, rng: random.Random, i: int) -> Row:
    """A CRM report saved to Excel: Indian numbers in every shape people type them."""
    shape = rng.choice(["plus_dash", "digits", "cc_digits", "international", "e164", "excel_number"])
    mobile, e1 = phone_cell(rng, p, shape)
    if _pick(rng, 0.1):  # two numbers in the cell: the first is the lead's
        other, _ = phone_cell(rng, p, "excel_number")
        mobile = f"{mobile} / {other}"
    cells = {"Sr No": str(i + 1), "Customer Name": p.full, "Mobile No.": mobile, "Email ID": p.email(_pick(rng, 0.2)),
             "City": rng.choice(["Pune", "Mumbai", "Chennai", "Delhi"]), "Dealer": "Sai Motors", "Enquiry Date": f"{1 + i % 28:02d}-04-2024"}  # fmt: skip
    return Row(cells, p.country, [e1])


TITLED = ["Sr No", "Customer Name", "Mobile No.", "Email ID", "City", "Dealer", "Enquiry Date"]


def local_names(p: Person, rng: random.Random, i: int) -> Row:
    """HubSpot in a German-speaking office: countries in their own names, numbers dialled in many ways."""
    phone, e1 = phone_cell(rng, p, rng.choice(["national", "idd", "bracket_zero", "labelled"]))
    cells = {"Vorname": p.first, "Nachname": p.last, "Telefonnummer": phone, "E-Mail": p.email(_pick(rng, 0.5)),
             "Land/Region": LOCAL_COUNTRY_NAMES[p.country], "Firma": f"{p.last} GmbH", "Fax": "+49 30 1234567"}  # fmt: skip
    return Row(cells, p.country, [e1])


LOCAL = ["Vorname", "Nachname", "Telefonnummer", "E-Mail", "Land/Region", "Firma", "Fax"]


def webinar(p: Person, rng: random.Random, i: int) -> Row:
    """Registrations from everywhere, every number with its +CC, no country column; the host's line on most rows."""
    phone, e1 = phone_cell(rng, p, rng.choice(["international", "e164"]))
    cells = {"Registrant": p.full, "Email": p.email(_pick(rng, 0.5)), "Phone": phone, "Host Phone": "+1 415 555 0000",
             "Registered": f"2024-06-{1 + i % 28:02d}T09:00:00Z", "IP": f"81.{i % 250}.{rng.randint(0, 255)}.7"}  # fmt: skip
    return Row(cells, p.country, [e1])


WEBINAR = ["Registrant", "Email", "Phone", "Host Phone", "Registered", "IP"]


def numeric_cells(p: Person, rng: random.Random, i: int) -> Row:
    """An Excel sheet whose phone cells are numbers (the leading 0 gone), with a country column in ISO-3 codes."""
    phone, e1 = phone_cell(rng, p, "excel_number")
    iso3 = {"GB": "GBR", "IE": "IRL", "AU": "AUS"}[p.country]
    cells = {"Name": p.full, "Phone": phone, "Email": p.email(_pick(rng, 0.7)), "Country": iso3}
    return Row(cells, p.country, [e1])


def main() -> None:
    """Write every sheet of the corpus."""
    sheet(
        "hubspot_contacts_us",
        ["US"],
        120,
        HUBSPOT,
        hubspot("US", ("national", "digits", "dots", "dashes", "trunk_one")),
    )
    sheet("hubspot_contacts_gb", ["GB"], 80, HUBSPOT, hubspot("GB", ("national", "digits", "international")), xlsx=True)
    sheet("salesforce_leads_ca", ["CA"], 90, SALESFORCE, salesforce)
    sheet("salesforce_leads_au", ["AU"], 70, SALESFORCE, salesforce, xlsx=True)
    sheet("salesforce_leads_world", ["US", "GB", "DE", "FR", "JP", "BR", "ZA"], 140, SALESFORCE, salesforce)
    sheet("zoho_leads_in", ["IN"], 150, ZOHO, zoho(False))
    sheet("zoho_leads_last_name_only_us", ["US"], 60, ZOHO, zoho(True))
    sheet("pipedrive_persons_nl", ["NL"], 60, PIPEDRIVE, pipedrive)
    sheet("pipedrive_persons_de", ["DE"], 75, PIPEDRIVE, pipedrive, xlsx=True)
    sheet("mailchimp_members_fr", ["FR"], 100, MAILCHIMP, mailchimp)
    sheet("mailchimp_members_eu", ["FR", "DE", "ES", "IT", "NL", "PT"], 120, MAILCHIMP, mailchimp)
    sheet("google_contacts_br", ["BR"], 80, GOOGLE, google)
    sheet("google_contacts_mx", ["MX"], 60, GOOGLE, google, xlsx=True)
    header, build = outlook(True)
    sheet("outlook_contacts_de", ["DE"], 60, header, build)
    header, build = outlook(False)
    sheet("outlook_contacts_us", ["US"], 60, header, build)
    sheet("facebook_leads_in", ["IN"], 200, FACEBOOK, facebook)
    sheet("facebook_leads_ae", ["AE"], 80, FACEBOOK, facebook)
    sheet("facebook_leads_ng", ["NG"], 60, FACEBOOK, facebook, xlsx=True)
    sheet("linkedin_leadgen_gb", ["GB"], 70, LINKEDIN, linkedin)
    sheet("linkedin_leadgen_sg", ["SG"], 50, LINKEDIN, linkedin, xlsx=True)
    es = ["Nombre", "Apellidos", "Teléfono móvil", "Correo electrónico", "Ciudad", "Empresa"]
    sheet(
        "hoja_leads_es",
        ["ES"],
        60,
        es,
        local(es, ("national", "digits"), False, lambda p, i: ["Madrid", f"{p.last} SL"]),
    )
    pt = ["Nome", "Telemóvel", "Email", "Cidade"]
    sheet("folha_leads_pt", ["PT"], 40, pt, local(pt, ("national", "digits"), True, lambda p, i: ["Lisboa"]), xlsx=True)
    ja = ["氏名", "携帯電話", "メールアドレス", "会社名"]
    sheet("leads_jp", ["JP"], 40, ja, local(ja, ("national",), True, lambda p, i: ["株式会社サンプル"]))
    ko = ["이름", "휴대폰", "이메일", "회사"]
    sheet("leads_kr", ["KR"], 40, ko, local(ko, ("national",), True, lambda p, i: ["샘플 주식회사"]), xlsx=True)
    zh = ["姓名", "手机", "邮箱", "城市"]
    sheet("leads_cn", ["CN"], 50, zh, local(zh, ("digits",), True, lambda p, i: ["上海"]))
    sheet("bitrix_leads_ru", ["RU"], 60, BITRIX, bitrix)
    idn = ["Nama Lengkap", "Nomor HP", "Email", "Kota"]
    sheet("leads_id", ["ID"], 50, idn, local(idn, ("national", "digits"), True, lambda p, i: ["Jakarta"]))
    ar = ["الاسم الكامل", "رقم الجوال", "البريد الإلكتروني", "المدينة"]
    sheet("leads_sa", ["SA"], 50, ar, local(ar, ("national", "international"), True, lambda p, i: ["الرياض"]))
    hi = ["नाम", "मोबाइल नंबर", "ईमेल", "शहर"]
    sheet("leads_in_hindi", ["IN"], 50, hi, local(hi, ("digits",), True, lambda p, i: ["पुणे"]), xlsx=True)
    sheet("tine_contacts_dach", ["DE", "AT", "CH"], 60, TINE, tine)
    sheet("crm_report_titled_in", ["IN"], 120, TITLED, titled_report, xlsx=True,
          above=[["Enquiry Report - April 2024"], ["Generated by DMS on 01-05-2024"], []])  # fmt: skip
    sheet("hubspot_kontakte_dach", ["DE", "AT", "CH"], 90, LOCAL, local_names)
    sheet(
        "webinar_registrants_world", ["US", "GB", "IN", "DE", "BR", "NG", "JP", "AU", "SG", "AE"], 150, WEBINAR, webinar
    )
    sheet("excel_numbers_gb", ["GB", "AU"], 60, ["Name", "Phone", "Email", "Country"], numeric_cells, xlsx=True)


if __name__ == "__main__":
    main()
