"""Deterministic Indian lead sheets for the benchmark, cached in ``bench/.data/``.

Every sheet has the columns of ``bench/mapping.yaml``. Most rows are unique, valid
mobile numbers written in the shapes people type (``9812345670``, ``+91 98123 45670``,
``09812345670``, ``(98123) 45670``, ``91-98123 45670``, ``+91 (0) 98123 45670``, ``0091…``, dots,
slashes, no-break spaces, Excel floats ``9812345670.0`` ...). About 3% of rows carry an invalid or fake number,
about 3% repeat an earlier lead with its number in another shape, some emails are
unusable or missing, and a few rows are blank. The same rows, seed and generator version
always give the same file, so a cached file is reused.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

GENERATOR_VERSION = 2  # 2: every phone shape real sheets have, not only the fast path's
DEFAULT_SEED = 20260401
DATA_DIR = Path(__file__).resolve().parent / ".data"
HEADER = ("Lead ID", "Full Name", "Mobile No.", "Email", "City", "Source", "Created")
SheetKind = Literal["csv", "xlsx"]

DUPLICATE_SHARE = 0.03
INVALID_SHARE = 0.03
BLANK_SHARE = 0.0005
NO_EMAIL_SHARE = 0.10
BAD_EMAIL_SHARE = 0.02
# Share of pure-digit phones an XLSX stores as numbers (the rest as text, as pasted).
NUMERIC_PHONE_SHARE = 0.5

FIRST_NAMES = (
    "Aarav", "Aditi", "Aditya", "Akash", "Amit", "Ananya", "Anil", "Anjali", "Arjun", "Asha",
    "Deepak", "Divya", "Gaurav", "Harish", "Ishaan", "Kavya", "Karan", "Lakshmi", "Manoj", "Meera",
    "Mohit", "Neha", "Nikhil", "Pooja", "Prakash", "Priya", "Rahul", "Rajesh", "Ravi", "Rohan",
    "Sanjay", "Sneha", "Sunita", "Suresh", "Swati", "Tanvi", "Varun", "Vikram", "Vinod", "Zoya",
)  # fmt: skip
LAST_NAMES = (
    "Agarwal", "Bhatt", "Chopra", "Das", "Desai", "Gupta", "Iyer", "Jain", "Joshi", "Kapoor",
    "Khan", "Kulkarni", "Kumar", "Malhotra", "Mehta", "Menon", "Mishra", "Nair", "Pandey", "Patel",
    "Patil", "Pillai", "Rao", "Reddy", "Saxena", "Sen", "Shah", "Sharma", "Singh", "Verma",
)  # fmt: skip
DOMAINS = ("gmail.com", "gmail.com", "gmail.com", "yahoo.co.in", "outlook.com", "rediffmail.com", "hotmail.com")
CITIES = (
    "Mumbai", "Delhi", "Bengaluru", "Hyderabad", "Chennai", "Kolkata", "Pune", "Ahmedabad", "Jaipur", "Lucknow",
    "Kochi", "Indore", "Nagpur", "Surat", "Chandigarh", "Bhopal", "Patna", "Nashik", "Coimbatore", "Vadodara",
)  # fmt: skip
SOURCES = ("Website", "Facebook", "Google Ads", "Walk-in", "JustDial", "IndiaMART", "Referral", "Expo")
FAKE_PHONES = ("9999999999", "8888888888", "9876543210", "1234567890", "0000000000", "9898989898", "7777777777")
PLACEHOLDER_PHONES = ("N/A", "-", "NA", "0", "not available")
JUNK_PHONES = ("call later", "no number", "whatsapp only", "same as above", "98123 4567x")


@dataclass(frozen=True, slots=True)
class SheetSpec:
    """What to generate: the file type, the number of data rows and the seed."""

    kind: SheetKind
    rows: int
    seed: int = DEFAULT_SEED

    @property
    def filename(self) -> str:
        return f"leads-{self.rows}-s{self.seed}-v{GENERATOR_VERSION}.{self.kind}"


@dataclass(frozen=True, slots=True)
class LeadColumns:
    """The generated sheet, column by column (text), plus what the XLSX writer needs."""

    text: dict[str, pa.Array]  # header → one string per row
    created: np.ndarray  # datetime64[s] per row
    blank: np.ndarray  # bool: the whole row is empty
    numeric_phone: np.ndarray  # bool: the phone cell is pure digits (an XLSX may store a number)


def ensure_sheet(spec: SheetSpec, data_dir: Path = DATA_DIR, *, force: bool = False) -> Path:
    """The cached sheet for ``spec``, generated first when it is not there yet."""
    path = data_dir / spec.filename
    if path.is_file() and not force:
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        columns = lead_columns(spec.rows, spec.seed)
        if spec.kind == "csv":
            write_csv(columns, partial)
        else:
            write_xlsx(columns, partial, seed=spec.seed)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def lead_columns(rows: int, seed: int) -> LeadColumns:
    """Every column of a sheet of ``rows`` leads, deterministic for ``seed``."""
    rng = np.random.default_rng(seed)
    draw = rng.random(rows)
    index = np.arange(rows)
    blank = draw < BLANK_SHARE
    invalid = (draw >= BLANK_SHARE) & (draw < BLANK_SHARE + INVALID_SHARE)
    duplicate = (draw >= BLANK_SHARE + INVALID_SHARE) & (draw < BLANK_SHARE + INVALID_SHARE + DUPLICATE_SHARE)
    duplicate &= index >= 100  # a copy needs an earlier lead to copy

    # Each duplicate copies a random earlier row that is not itself a copy.
    originals = np.flatnonzero(~duplicate)
    copies = np.flatnonzero(duplicate)
    earlier = np.searchsorted(originals, copies)
    source = originals[(rng.random(len(copies)) * earlier).astype(np.int64)]
    person = index.copy()
    person[copies] = source

    national = _unique_mobiles(rng, rows)[person]
    shape = rng.choice(len(_PHONE_SHAPE_SHARES), size=rows, p=_PHONE_SHAPE_SHARES)
    shape[copies] = (shape[source] + 1 + rng.integers(0, len(_PHONE_SHAPE_SHARES) - 1, len(copies))) % len(
        _PHONE_SHAPE_SHARES
    )
    phone = _phone_text(national, shape)
    numeric_phone = np.isin(shape, _DIGIT_SHAPES)
    phone, numeric_phone = _spoil_phones(rng, phone, numeric_phone, national, invalid)

    first = np.asarray(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), rows)][person]
    last = np.asarray(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), rows)][person]
    name = pc.binary_join_element_wise(pa.array(first, pa.string()), pa.array(last, pa.string()), " ")
    name = pc.if_else(pa.array(rng.random(rows) < 0.01), pc.replace_substring(name, " ", "  "), name)
    name = pc.if_else(pa.array(duplicate & (rng.random(rows) < 0.2)), pc.utf8_upper(name), name)

    email = _emails(rng, first, last, person, copies)
    lead_id = pc.binary_join_element_wise("LD", pc.utf8_lpad(pa.array(index + 1).cast(pa.string()), 7, "0"), "")
    city = pa.array(np.asarray(CITIES, dtype=object)[rng.integers(0, len(CITIES), rows)], pa.string())
    lead_source = pa.array(np.asarray(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), rows)], pa.string())
    start = np.datetime64("2026-01-01T08:00:00", "s")
    created = start + np.sort(rng.integers(0, 90 * 86400, rows)).astype("timedelta64[s]")
    created_text = pc.replace_substring(pa.array(np.datetime_as_string(created, unit="s"), pa.string()), "T", " ")

    values = (lead_id, name, phone, email, city, lead_source, created_text)
    empty = pa.array(blank)
    text = {h: pc.if_else(empty, pa.scalar(""), col) for h, col in zip(HEADER, values, strict=True)}
    return LeadColumns(text=text, created=created, blank=blank, numeric_phone=numeric_phone & ~blank)


# Phone shapes as people type them (index: example): 0: 9812345670, 1: +91 98123 45670, 2: 09812345670,
# 3: 919812345670, 4: +91-98123-45670, 5: 98123 45670, 6: +919812345670, 7: (98123) 45670,
# 8: 91-98123 45670, 9: +91 (0) 98123 45670, 10: 098123 45670, 11: 00919812345670, 12: 98123.45670,
# 13: 98123/45670, 14: +91<NBSP>98123<NBSP>45670, 15: 9812345670.0 (a number Excel wrote as a float).
_PHONE_SHAPE_SHARES = np.array(
    [0.25, 0.12, 0.08, 0.06, 0.05, 0.06, 0.04, 0.10, 0.05, 0.03, 0.03, 0.03, 0.03, 0.02, 0.03, 0.02]
)
_DIGIT_SHAPES = np.array([0, 2, 3, 15])  # 2 (leading 0) stays text in a workbook: see write_xlsx


def _unique_mobiles(rng: np.random.Generator, rows: int) -> np.ndarray:
    """``rows`` distinct 10-digit mobile numbers starting 6-9, in random order."""
    pool = np.unique(rng.integers(6_000_000_000, 10_000_000_000, rows + rows // 50 + 100, dtype=np.int64))
    while len(pool) < rows:  # practically never: collisions are rare in 4e9 numbers
        more = rng.integers(6_000_000_000, 10_000_000_000, rows, dtype=np.int64)
        pool = np.unique(np.concatenate([pool, more]))
    return rng.permutation(pool)[:rows]


def _phone_text(national: np.ndarray, shape: np.ndarray) -> pa.Array:
    digits = pa.array(national).cast(pa.string())
    head, tail = pc.utf8_slice_codeunits(digits, 0, 5), pc.utf8_slice_codeunits(digits, 5, 10)
    shapes = [
        digits,
        pc.binary_join_element_wise("+91 ", head, " ", tail, ""),
        pc.binary_join_element_wise("0", digits, ""),
        pc.binary_join_element_wise("91", digits, ""),
        pc.binary_join_element_wise("+91-", head, "-", tail, ""),
        pc.binary_join_element_wise(head, " ", tail, ""),
        pc.binary_join_element_wise("+91", digits, ""),
        pc.binary_join_element_wise("(", head, ") ", tail, ""),
        pc.binary_join_element_wise("91-", head, " ", tail, ""),
        pc.binary_join_element_wise("+91 (0) ", head, " ", tail, ""),
        pc.binary_join_element_wise("0", head, " ", tail, ""),
        pc.binary_join_element_wise("0091", digits, ""),
        pc.binary_join_element_wise(head, ".", tail, ""),
        pc.binary_join_element_wise(head, "/", tail, ""),
        pc.binary_join_element_wise("+91\u00a0", head, "\u00a0", tail, ""),
        pc.binary_join_element_wise(digits, ".0", ""),
    ]
    assert len(shapes) == len(_PHONE_SHAPE_SHARES)
    return pc.choose(pa.array(shape.astype(np.int8)), *shapes)


def _spoil_phones(
    rng: np.random.Generator, phone: pa.Array, numeric: np.ndarray, national: np.ndarray, invalid: np.ndarray
) -> tuple[pa.Array, np.ndarray]:
    """Invalid rows get a too-short, too-long, fake, placeholder or junk phone instead."""
    rows = len(national)
    kind = rng.choice(5, size=rows, p=[0.40, 0.25, 0.15, 0.10, 0.10])
    short = pa.array(national // 10).cast(pa.string())
    long = pa.array(national * 10 + rng.integers(0, 10, rows)).cast(pa.string())
    fake = pa.array(np.asarray(FAKE_PHONES, dtype=object)[rng.integers(0, len(FAKE_PHONES), rows)], pa.string())
    placeholder = pa.array(
        np.asarray(PLACEHOLDER_PHONES, dtype=object)[rng.integers(0, len(PLACEHOLDER_PHONES), rows)], pa.string()
    )
    junk = pa.array(np.asarray(JUNK_PHONES, dtype=object)[rng.integers(0, len(JUNK_PHONES), rows)], pa.string())
    bad = pc.choose(pa.array(kind.astype(np.int8)), short, long, fake, placeholder, junk)
    spoiled = pc.if_else(pa.array(invalid), bad, phone)
    bad_numeric = (kind <= 2) & ~pc.equal(fake, "0000000000").to_numpy(zero_copy_only=False)
    return spoiled, np.where(invalid, bad_numeric, numeric)


def _emails(
    rng: np.random.Generator, first: np.ndarray, last: np.ndarray, person: np.ndarray, copies: np.ndarray
) -> pa.Array:
    rows = len(person)
    local = pc.utf8_lower(
        pc.binary_join_element_wise(
            pa.array(first, pa.string()), ".", pa.array(last, pa.string()), pa.array(person).cast(pa.string()), ""
        )
    )
    domain = pa.array(np.asarray(DOMAINS, dtype=object)[rng.integers(0, len(DOMAINS), rows)][person], pa.string())
    good = pc.binary_join_element_wise(local, domain, "@")
    # Unusable addresses as people type them: no TLD, no @, a space, a doubled dot.
    spoiled = pc.choose(
        pa.array(rng.integers(0, 4, rows).astype(np.int8)),
        pc.binary_join_element_wise(local, "gmail", "@"),
        pc.binary_join_element_wise(local, domain, "."),
        pc.binary_join_element_wise(pc.replace_substring(local, ".", " ", max_replacements=1), domain, "@"),
        pc.binary_join_element_wise(pc.replace_substring(local, ".", "..", max_replacements=1), domain, "@"),
    )
    draw = rng.random(rows)
    own = draw < NO_EMAIL_SHARE
    bad = (draw >= NO_EMAIL_SHARE) & (draw < NO_EMAIL_SHARE + BAD_EMAIL_SHARE)
    own[copies] = False
    bad[copies] = False
    email = pc.if_else(pa.array(own), pa.scalar(""), pc.if_else(pa.array(bad), spoiled, good))
    # A repeated lead: the same address (often in other case), sometimes left out.
    copy_kind = np.full(rows, -1)
    copy_kind[copies] = rng.choice(3, size=len(copies), p=[0.60, 0.25, 0.15])
    email = pc.if_else(pa.array(copy_kind == 0), pc.utf8_capitalize(email), email)
    return pc.if_else(pa.array(copy_kind == 2), pa.scalar(""), email)


def write_csv(columns: LeadColumns, path: Path) -> None:
    """UTF-8 CSV with a header row and no quotes, as spreadsheet exports usually are."""
    table = pa.table(columns.text)
    # "none" raises rather than write a cell holding a comma, quote or newline unquoted.
    pacsv.write_csv(table, str(path), write_options=pacsv.WriteOptions(quoting_style="none"))


def write_xlsx(columns: LeadColumns, path: Path, *, seed: int) -> None:
    """One ``Leads`` sheet; dates as dates, some phones as numbers and the rest as text."""
    from openpyxl import Workbook

    rng = np.random.default_rng(seed + 1)
    as_number = columns.numeric_phone & (rng.random(len(columns.blank)) < NUMERIC_PHONE_SHARE)
    text = {h: col.to_pylist() for h, col in columns.text.items()}
    phones = text["Mobile No."]
    created = columns.created.astype("datetime64[s]").astype(dt.datetime).tolist()
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Leads")
    sheet.append(list(HEADER))
    for i in range(len(phones)):
        if columns.blank[i]:
            sheet.append([None] * len(HEADER))
            continue
        phone: object = phones[i]
        if as_number[i] and not str(phone).startswith("0"):
            phone = float(str(phone)) if "." in str(phone) else int(str(phone))
        row = [text["Lead ID"][i], text["Full Name"][i], phone, text["Email"][i] or None]
        sheet.append([*row, text["City"][i], text["Source"][i], created[i]])
    workbook.save(str(path))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("kind", choices=("csv", "xlsx"))
    parser.add_argument("--rows", type=int, required=True, help="Number of data rows.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    parser.add_argument("--force", action="store_true", help="Generate again even when cached.")
    args = parser.parse_args(argv)
    kind: SheetKind = "csv" if args.kind == "csv" else "xlsx"
    print(ensure_sheet(SheetSpec(kind=kind, rows=args.rows, seed=args.seed), args.data_dir, force=args.force))
    return 0


if __name__ == "__main__":
    sys.exit(main())
