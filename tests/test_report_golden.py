"""Reports stay byte-identical when the dry run is made faster.

Every sheet here (the samples, the benchmark generator's sheets with every phone shape people type, and
numbers of many countries written in many shapes) is validated and its CSV report hashed. The hashes in
``tests/golden/report_hashes.json`` were written by the version before the phone fast path and the Arrow
referenceIds; a change of any report byte fails. After a deliberate change of what reports say,
regenerate them with ``LEADIMPORT_WRITE_GOLDEN=1 pytest tests/test_report_golden.py``.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

import phonenumbers
import pytest

import importer

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "report_hashes.json"
BENCH = ROOT / "bench"
IDS = "project_id: 64f0c0ffee0000000000aaaa\nprocess_id: 64f0c0ffee0000000000beef\n"

REGIONS = ("IN", "GB", "DE", "FR", "US", "BR", "AU", "AE", "SG", "ZA", "NG", "MX", "IT", "ES", "NL", "IL", "CN", "JP")
TYPES = (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE)


def _shapes(number: phonenumbers.PhoneNumber) -> Iterator[str]:
    """One number as people type it: formatted, bare, with trunk and IDD prefixes, brackets, odd separators."""
    cc = str(number.country_code)
    nsn = phonenumbers.national_significant_number(number)
    national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
    international = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    head, tail = nsn[: len(nsn) // 2], nsn[len(nsn) // 2 :]
    yield from (national, international, nsn, f"0{nsn}", f"+{cc}{nsn}", f"{cc}{nsn}", f"00{cc}{nsn}")
    yield from (f"({head}) {tail}", f"{cc}-{head} {tail}", f"+{cc} (0) {head} {tail}", f"0{head} {tail}")
    yield from (f"{head}.{tail}", f"{head}/{tail}", f"+{cc}\u00a0{head}\u00a0{tail}", f"{nsn}.0", f"(+{cc}) {nsn}")
    yield from (f"(0{head}) {tail}", f"+{cc}-{head}-{tail}", f"{head} {tail}", f"0{cc}{nsn}", f"+{cc}0{nsn}")


def _world_sheet(region: str, path: Path) -> None:
    rows: list[list[str]] = []
    for kind in TYPES:
        example = phonenumbers.example_number_for_type(region, kind)
        if example is None:
            continue
        base = example.national_number or 0
        for step in (0, 1, 7, 13, 10**3 + 1, -(10**4)):
            number = phonenumbers.PhoneNumber(country_code=example.country_code, national_number=base + step)
            rows += [[f"Lead {len(rows)}", shape] for shape in _shapes(number)]
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Phone"])
        writer.writerows(rows)


def _sheets(tmp: Path) -> Iterator[tuple[str, Path, Path]]:
    """(name, sheet, mapping) of every sheet whose report is pinned."""
    yield "event_leads.csv", ROOT / "sample_data" / "event_leads.csv", ROOT / "mappings" / "event_leads.yaml"
    yield "dealer_leads.xlsx", ROOT / "sample_data" / "dealer_leads.xlsx", ROOT / "mappings" / "dealer_leads.yaml"
    sys.path.insert(0, str(BENCH))
    try:
        from generate import SheetSpec, ensure_sheet
    finally:
        sys.path.remove(str(BENCH))
    for spec in (SheetSpec("csv", 20_000, 11), SheetSpec("xlsx", 2_000, 12)):
        yield f"bench-{spec.filename}", ensure_sheet(spec, tmp), BENCH / "mapping.yaml"
    for region in REGIONS:
        sheet = tmp / f"world-{region}.csv"
        _world_sheet(region, sheet)
        mapping = tmp / f"world-{region}.yaml"
        mapping.write_text(f"{IDS}default_region: {region}\nfields:\n  name: Name\n  phone: Phone\n")
        yield f"world-{region}.csv", sheet, mapping


def _report_hashes(tmp: Path) -> dict[str, str]:
    hashes = {}
    for name, sheet, mapping in _sheets(tmp):
        report = importer.validate_file(sheet, importer.load_mapping(mapping)).write_report(tmp / f"{name}.report.csv")
        hashes[name] = hashlib.sha256(report.read_bytes()).hexdigest()
    return hashes


def test_every_report_is_byte_identical_to_the_pinned_one(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CSV report of every pinned sheet hashes exactly as it did before the dry run was made faster
    (written a few thousand rows at a time here, so that the bench sheets' reports take several slices)."""
    monkeypatch.setattr("importer.report.rows.REPORT_SLICE", 7_000)
    hashes = _report_hashes(tmp_path)
    if os.environ.get("LEADIMPORT_WRITE_GOLDEN"):
        GOLDEN.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
        pytest.skip("golden hashes written")
    golden = json.loads(GOLDEN.read_text())
    assert sorted(hashes) == sorted(golden)
    changed = [name for name in hashes if hashes[name] != golden[name]]
    assert changed == []
