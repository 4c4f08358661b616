"""The naive dry run the benchmark measures ``leadimport validate`` against.

What a first version would do: read the sheet with pandas' default engine, run every
phone through ``phonenumbers`` in a Python loop, lowercase the emails, drop later
duplicates by phone and then by email, and write a per-row report with ``to_csv``.

    python bench/reference.py FILE --report OUT.csv [--mapping bench/mapping.yaml]
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

import pandas as pd
import phonenumbers
import yaml

MAPPING = Path(__file__).resolve().parent / "mapping.yaml"


def columns_from_mapping(path: Path) -> tuple[str, str, str]:
    """(phone column, email column, region) as the benchmark mapping names them."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    fields = raw["fields"]

    def first(entry: object) -> str:
        return str(entry[0] if isinstance(entry, list) else entry)

    return first(fields["phone"]), first(fields["email"]), str(raw.get("default_region", "IN"))


def read_sheet(path: Path) -> pd.DataFrame:
    """Every cell as text (missing cells as NaN), with pandas' default reader for the file type."""
    if path.suffix.lower() in (".xlsx", ".xlsm", ".xls", ".ods"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # pandas' note that its default Excel engine will change
            return pd.read_excel(path, dtype=str)
    return pd.read_csv(path, dtype=str)


def e164_or_blank(cell: object, region: str) -> str:
    """The number in E.164 form, or "" when phonenumbers cannot parse it or calls it invalid."""
    if not isinstance(cell, str) or not cell.strip():
        return ""
    try:
        number = phonenumbers.parse(cell, region)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


def validate(frame: pd.DataFrame, *, phone: str, email: str, region: str) -> pd.DataFrame:
    """The sheet with phone_e164, email_normalized and status (valid, duplicate, invalid) added."""
    frame["phone_e164"] = [e164_or_blank(cell, region) for cell in frame[phone]]
    frame["email_normalized"] = frame[email].fillna("").str.strip().str.lower()
    valid = frame[frame["phone_e164"] != ""]
    unique_phone = valid.drop_duplicates(subset=["phone_e164"])
    has_email = unique_phone["email_normalized"] != ""
    unique = pd.concat([unique_phone[has_email].drop_duplicates(subset=["email_normalized"]), unique_phone[~has_email]])
    frame["status"] = "invalid"
    frame.loc[valid.index, "status"] = "duplicate"
    frame.loc[unique.index, "status"] = "valid"
    return frame


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Naive per-row lead validation (the benchmark's reference).")
    parser.add_argument("file", type=Path)
    parser.add_argument("--report", type=Path, required=True)
    parser.add_argument("--mapping", type=Path, default=MAPPING)
    args = parser.parse_args(argv)
    phone, email, region = columns_from_mapping(args.mapping)
    frame = validate(read_sheet(args.file), phone=phone, email=email, region=region)
    frame.to_csv(args.report, index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
