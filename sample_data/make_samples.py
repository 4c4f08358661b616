"""Writes the sample sheets in this folder (run again only to change them).

dealer_leads.xlsx — a dealer network export as people really send it: a notes sheet
first, the leads on the second sheet below two title rows, phones as numbers, as text in
every format, damaged by Excel, fake ones, duplicates in other formats, bad emails, a blank
row and a total line.
event_leads.csv — an event sign-up list saved by Excel on Windows: cp1252, semicolons,
first/last names and a lead id column.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font

HERE = Path(__file__).parent

DEALER_HEADER = ["Sr No", "Customer Name", "Mobile No.", "Email ID", "City", "Dealer Name", "Lead Source", "Enquiry Date"]
# (name, phone cell, email, city, dealer, source)
DEALER_ROWS: list[tuple[object, ...]] = [
    ("Rahul Sharma", 9812345670, "rahul.sharma@gmail.com", "Pune", "Shree Motors", "Facebook"),
    ("Priya  Nair", "+91 97412 55301", "Priya.Nair@Yahoo.co.in", "Kochi", "Coastal Auto", "Google Ads"),
    ("Amit Verma", "098-1122-3344", "amit.verma@outlook.com", "Delhi", "Capital Cars", "Walk-in"),
    ("Sneha Patil", 919823456781, "sneha.patil@gmail.com", "Nashik", "Shree Motors", "Facebook"),
    ("Vikram Singh", "9.81235E+09", "vikram.s@gmail.com", "Jaipur", "Royal Wheels", "Expo"),
    ("Kavya Reddy", 9999999999, "kavya.reddy@gmail.com", "Hyderabad", "Deccan Motors", "Facebook"),
    ("Arjun Mehta", "9898989898", "arjun.mehta@gmail.com", "Ahmedabad", "Sabarmati Auto", "Google Ads"),
    ("Neha Gupta", "1234567890", "neha.gupta@gmail.com", "Lucknow", "Awadh Cars", "Website"),
    (None, None, None, None, None, None),
    ("Rohan Das", "98123abcde", "rohan.das@gmail.com", "Kolkata", "Eastern Motors", "Website"),
    ("Rahul Sharma", "+91-98123-45670", "rahul.sharma@gmail.com", "Pune", "Shree Motors", "Google Ads"),
    ("Meera Iyer", 8877665544, "MEERA.IYER@GMAIL.COM ", "Chennai", "Marina Motors", "Expo"),
    ("Meera I.", "7700112233", "meera.iyer@gmail.com", "Chennai", "Marina Motors", "Website"),
    ("Sanjay Kulkarni", "N/A", "sanjay.k@gmail", "Mumbai", "Western Wheels", "Walk-in"),
    ("Farhan Qureshi", 7012345678, "farhan@gmail", "Bhopal", "Lake City Auto", "Facebook"),
    ("", 9123400567, "noname@example.com", "Indore", "Lake City Auto", "Website"),
    ("Divya Joshi", "-", "", "Dehradun", "Doon Motors", "Expo"),
    ("Karan Malhotra", "98110 22334 / 98110 22335", "karan.m@gmail.com", "Chandigarh", "Tricity Cars", "Google Ads"),
    ("Pooja Bhatt", "022 4012 3456 ext 21", "pooja.bhatt@gmail.com", "Mumbai", "Western Wheels", "Website"),
    ("Ishaan Roy", 9.19812345678901e15, "ishaan.roy@gmail.com", "Siliguri", "Eastern Motors", "Expo"),
    ("Ananya Sen", "9.830012345E+09", "ananya.sen@gmail.com", "Kolkata", "Eastern Motors", "Facebook"),
    ("Suresh Yadav", "'9554433221", "suresh.yadav@rediffmail.com", "Patna", "Magadh Motors", "Walk-in"),
    ("Lakshmi Menon", "p:+919446012345", "lakshmi.menon@gmail.com", "Thrissur", "Coastal Auto", "Facebook"),
    ("Gaurav Saxena", "", "gaurav.saxena@gmail.com", "Agra", "Taj Auto", "Website"),
]


def write_dealer_xlsx(path: Path) -> None:
    wb = Workbook()
    notes = wb.active
    notes.title = "Read me"
    notes.append(["Dealer network lead export"])
    notes.append(["Leads are on the next sheet. Do not edit the Sr No column."])
    ws = wb.create_sheet("Leads")
    ws.append(["Dealer leads — March 2026"])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(["Exported from DealerHub on 2026-03-31"])
    ws.append([])
    ws.append(DEALER_HEADER)
    day = dt.date(2026, 3, 1)
    serial = 0
    for row in DEALER_ROWS:
        if all(v is None for v in row):
            ws.append([])
            continue
        serial += 1
        ws.append([serial, *row, day + dt.timedelta(days=serial % 28)])
    ws.append([])
    ws.append(["Total", f"{serial} leads"])
    wb.save(path)


EVENT_LINES = [
    "Auto Expo 2026 — visitor sign-ups;;;;;",
    "Lead ID;First Name;Last Name;Phone Number;E-mail;Company",
    "EXPO-001;José;Fernandes;+91 98220 11223;jose.fernandes@gmail.com;Goa Tours",
    "EXPO-002;Renée;D'Souza;9822033445;renee.dsouza@gmail.com;Café Mocha",
    "EXPO-003;Irfan;Khan;9.82204E+09;irfan.khan@gmail.com;Khan Traders",
    "EXPO-004;Deepa;;8888888888;deepa@gmail.com;",
    "EXPO-005;;Pillai;9822055667;pillai@gmail.com;Pillai & Sons",
    "EXPO-006;Manoj;Tiwari;9822066778;manoj.tiwari@@gmail.com;Tiwari Logistics",
    "EXPO-007;Sunita;Rao;+91 98220 11223;sunita.rao@gmail.com;Rao Textiles",
    ";;;;;",
    "EXPO-008;Harish;Kumar;(0)98220 77889;HARISH.KUMAR@GMAIL.COM;Kumar Steel",
    "EXPO-009;Nikhil;Bose;;nikhil.bose@gmail.com;Bose Media",
    "EXPO-010;Zoya;Ali;9822099001;;Ali Fashions",
]


def write_event_csv(path: Path) -> None:
    path.write_bytes(("\r\n".join(EVENT_LINES) + "\r\n").encode("cp1252"))


if __name__ == "__main__":
    write_dealer_xlsx(HERE / "dealer_leads.xlsx")
    write_event_csv(HERE / "event_leads.csv")
    print("wrote", HERE / "dealer_leads.xlsx", HERE / "event_leads.csv")
