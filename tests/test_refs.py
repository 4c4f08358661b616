"""Derived referenceIds: stable for the same person, different for different people or processes."""

from __future__ import annotations

import pandas as pd

from importer.normalize.refs import derive_reference_ids


def test_same_contact_same_id_whatever_else_is_in_the_file() -> None:
    """A contact gets the same id alone or beside much longer values (no dependence on the batch)."""
    alone = derive_reference_ids("p", "q", pd.Series(["+919822033445"]))
    mixed = derive_reference_ids("p", "q", pd.Series(["a-very-long-address@example-domain.com", "+919822033445", ""]))
    assert alone.iloc[0] == mixed.iloc[1]
    assert alone.iloc[0].startswith("li-") and len(alone.iloc[0]) == 19
    assert mixed.iloc[2] == ""


def test_ids_depend_on_contact_project_and_process() -> None:
    """Another phone, project or process gives another id."""
    base = derive_reference_ids("p", "q", pd.Series(["+919822033445", "+919822033446"]))
    assert base.iloc[0] != base.iloc[1]
    assert derive_reference_ids("p2", "q", pd.Series(["+919822033445"])).iloc[0] != base.iloc[0]
    assert derive_reference_ids("p", "q2", pd.Series(["+919822033445"])).iloc[0] != base.iloc[0]


def test_known_value_is_stable_across_versions() -> None:
    """The derivation is frozen: the ledger and the CRM rely on yesterday's ids matching today's."""
    ids = derive_reference_ids("64f0c0ffee0000000000aaaa", "64f0c0ffee0000000000beef", pd.Series(["+919822033445"]))
    assert ids.iloc[0] == "li-84d8ff15b1379d93"


def test_ids_from_arrow_buffers_match_the_row_by_row_hash() -> None:
    """Every value (any length, non-ASCII, empty) gets the FNV-1a id the documented formula gives."""
    values = ["", "a", "+919822033445", "é漢😀 x", "a-very-long-address@example-domain.com" * 3, "", "b"]
    ids = derive_reference_ids("p", "q", pd.Series(values)).tolist()
    for value, ref in zip(values, ids, strict=True):
        if not value:
            assert ref == ""
            continue
        data = f"p|q|{value}".encode()
        state = 0xCBF29CE484222325
        for byte in data:
            state = ((state ^ byte) * 0x100000001B3) % 2**64
        state = ((state ^ len(value.encode())) * 0x100000001B3) % 2**64
        assert ref == f"li-{state:016x}"
