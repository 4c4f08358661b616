"""Files and helpers shared by the upload page's tests (tests/test_web*.py)."""

from __future__ import annotations

import re
from pathlib import Path

from openpyxl import Workbook

from tests.sandbox_util import good_phones

TITLE = ("Dealer leads - March", "Exported 2024-03-31 by the dealer portal")
HEADER = ("Customer Name", "Mobile No.", "Email ID", "City")


def two_sheet_workbook(path: Path) -> tuple[Path, dict[str, list[str]]]:
    """A workbook: sheet "March" (two title rows, header on row 4, leads with problems) and sheet "April" (leads too).

    Returns the path and, per kind, the March phones: ``valid`` (sent), ``bad`` (row 8: a 7-digit phone,
    fixed in the tests), ``duplicate`` (row 9 repeats row 5), ``noname`` (row 10, no name).
    """
    phones = good_phones(8, seed=19)
    workbook = Workbook()
    march = workbook.active
    march.title = "March"
    march.append([TITLE[0]])
    march.append([TITLE[1]])
    march.append([])
    march.append(list(HEADER))
    march.append(["Asha Rao", phones[0], "asha@example.com", "Pune"])  # row 5
    march.append(["Vikram Singh", phones[1], "vikram@example.com", "Delhi"])  # row 6
    march.append(["Meera Nair", phones[2], "", "Kochi"])  # row 7
    march.append(["Ravi Kumar", "9812345", "ravi@example.com", "Pune"])  # row 8: too short
    march.append(["Asha R.", phones[0], "asha.r@example.com", "Pune"])  # row 9: duplicate of row 5
    march.append(["", phones[3], "noname@example.com", "Agra"])  # row 10: no name
    april = workbook.create_sheet("April")
    april.append(list(HEADER))
    april.append(["Kiran Das", phones[4], "kiran@example.com", "Goa"])
    april.append(["Neha Jain", phones[5], "neha@example.com", "Jaipur"])
    workbook.save(path)
    return path, {"valid": phones[:3], "bad": ["9812345"], "fixed": [phones[6]], "duplicate": [phones[0]]}


def csrf_of(html: str) -> str:
    """The CSRF token a page embeds for its forms."""
    found = re.search(r'name="csrftoken" content="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)
