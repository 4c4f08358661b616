"""Sheets of unique, valid leads only, for the parts that send to the sandbox CRM.

Every row is a distinct person with a mobile number the importer accepts (checked with
``importer.normalize.phones.normalize_phones``, so no repeated-digit or sequential "fake" numbers),
a lower-case email of their own and a unique ``Lead ID``: a whole sheet is accepted by
a fresh sandbox, one request per 1,000 rows. The columns are those of
``bench/mapping.yaml``; phones come in the shapes of ``generate.py``. Cached in
``bench/.data/`` like the other sheets.

    python bench/valid_leads.py --rows 300000
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from generate import (
    _PHONE_SHAPE_SHARES,
    CITIES,
    DATA_DIR,
    DEFAULT_SEED,
    DOMAINS,
    FIRST_NAMES,
    HEADER,
    LAST_NAMES,
    SOURCES,
    LeadColumns,
    _phone_text,
    _unique_mobiles,
    write_csv,
)

from importer.normalize.phones import normalize_phones

VALID_GENERATOR_VERSION = 2  # 2: the phone shapes of generate.py v2
# Spare numbers drawn so that dropping the ones the importer calls fake still leaves enough.
SPARE_SHARE = 0.01


def valid_sheet_name(rows: int, seed: int) -> str:
    return f"valid-leads-{rows}-s{seed}-v{VALID_GENERATOR_VERSION}.csv"


def ensure_valid_sheet(rows: int, seed: int = DEFAULT_SEED, data_dir: Path = DATA_DIR) -> Path:
    """The cached CSV of ``rows`` unique valid leads, generated first when it is not there yet."""
    path = data_dir / valid_sheet_name(rows, seed)
    if path.is_file():
        return path
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
    try:
        write_csv(valid_lead_columns(rows, seed), partial)
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return path


def valid_lead_columns(rows: int, seed: int) -> LeadColumns:
    """``rows`` distinct people, each with a number and an email the importer and the CRM accept."""
    rng = np.random.default_rng(seed)
    drawn = rows + int(rows * SPARE_SHARE) + 100
    national = _unique_mobiles(rng, drawn)
    shape = rng.choice(len(_PHONE_SHAPE_SHARES), size=drawn, p=_PHONE_SHAPE_SHARES)
    phone = _phone_text(national, shape)
    issue = normalize_phones(pd.Series(phone.to_pylist(), dtype=object), "IN").issue.to_numpy(dtype=object)
    keep = np.flatnonzero(issue == "")[:rows]
    if len(keep) < rows:
        raise RuntimeError(f"only {len(keep):,} of {drawn:,} drawn numbers are valid; raise SPARE_SHARE")
    phone = phone.take(pa.array(keep))

    index = np.arange(rows)
    first = np.asarray(FIRST_NAMES, dtype=object)[rng.integers(0, len(FIRST_NAMES), rows)]
    last = np.asarray(LAST_NAMES, dtype=object)[rng.integers(0, len(LAST_NAMES), rows)]
    first_text, last_text = pa.array(first, pa.string()), pa.array(last, pa.string())
    name = pc.binary_join_element_wise(first_text, last_text, " ")
    # The row number makes every address unique, so dedupe on email never merges two people.
    local = pc.utf8_lower(
        pc.binary_join_element_wise(first_text, ".", last_text, pa.array(index).cast(pa.string()), "")
    )
    domain = pa.array(np.asarray(DOMAINS, dtype=object)[rng.integers(0, len(DOMAINS), rows)], pa.string())
    email = pc.binary_join_element_wise(local, domain, "@")
    lead_id = pc.binary_join_element_wise("VL", pc.utf8_lpad(pa.array(index + 1).cast(pa.string()), 7, "0"), "")
    city = pa.array(np.asarray(CITIES, dtype=object)[rng.integers(0, len(CITIES), rows)], pa.string())
    source = pa.array(np.asarray(SOURCES, dtype=object)[rng.integers(0, len(SOURCES), rows)], pa.string())
    start = np.datetime64("2026-01-01T08:00:00", "s")
    created = start + np.sort(rng.integers(0, 90 * 86400, rows)).astype("timedelta64[s]")
    created_text = pc.replace_substring(pa.array(np.datetime_as_string(created, unit="s"), pa.string()), "T", " ")

    values = (lead_id, name, phone, email, city, source, created_text)
    return LeadColumns(
        text=dict(zip(HEADER, values, strict=True)),
        created=created,
        blank=np.zeros(rows, dtype=bool),
        numeric_phone=np.zeros(rows, dtype=bool),  # unused: only CSV is written
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rows", type=int, required=True, help="Number of data rows.")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--data-dir", type=Path, default=DATA_DIR)
    args = parser.parse_args(argv)
    print(ensure_valid_sheet(args.rows, args.seed, args.data_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main())
