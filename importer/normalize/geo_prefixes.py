"""Which calling code + leading digits phonenumbers' geocoder names a place for (``3491``: Madrid).

Importing ``phonenumbers.geodata`` holds every place's name in every language (about 100 MB, half a second to
load) for as long as the process runs; only whether a prefix is there is wanted. Its parts hold the prefixes in
sorted order, a range each, so a prefix is looked up in the one part whose range can hold it, read on first use
and let go of but for its prefixes. Parts laid out otherwise (a range out of order) are all read, as one set.
"""

from __future__ import annotations

import bisect
import importlib.util
import re
import sys
from functools import cache, lru_cache
from pathlib import Path

import phonenumbers

_FIRST_KEY = re.compile(r"^ '(\d+)':", re.MULTILINE)
_HEAD_BYTES = 1 << 14
"""Bytes of a part's source read to find its first prefix (its licence header and the dict's opening line)."""


def is_geocoded(prefix: int) -> bool:
    """Whether the geocoder names a place for the calling code + leading digits ``prefix``."""
    if sys.modules.get("phonenumbers.geodata") is not None:
        return prefix in every_prefix()
    parts = _parts()
    if parts is None:
        return prefix in every_prefix()
    key = str(prefix)
    at = bisect.bisect_right(parts[0], key) - 1
    if at < 0:
        return False
    keys = _part_in_range(at)
    if keys is None:
        return prefix in every_prefix()  # not the sorted ranges they were: every part, as one set
    return key in keys


@lru_cache(maxsize=1)
def _parts() -> tuple[list[str], list[Path]] | None:
    """The geocoder's parts in order, each with its first prefix; None when they are not laid out so."""
    paths = sorted(_part_paths(), key=lambda p: int(p.stem[len("data") :]))
    firsts = []
    for path in paths:
        try:
            with path.open(encoding="utf-8") as handle:
                head = handle.read(_HEAD_BYTES)
        except OSError:
            return None
        found = _FIRST_KEY.search(head)
        if found is None:
            return None
        firsts.append(found.group(1))
    if not firsts or firsts != sorted(firsts) or len(set(firsts)) != len(firsts):
        return None
    return firsts, paths


def _part_paths() -> list[Path]:
    return [
        p
        for p in Path(phonenumbers.__file__).parent.joinpath("geodata").glob("data*.py")
        if p.stem[len("data") :].isdigit()
    ]


@cache
def _part_in_range(at: int) -> frozenset[str] | None:
    """The prefixes of part ``at``, or None when they stray out of its range (from its first prefix to the
    next part's): checked once per part, not on every lookup."""
    parts = _parts()
    if parts is None:
        return None
    firsts, paths = parts
    keys = _part_prefixes(paths[at])
    upper = firsts[at + 1] if at + 1 < len(firsts) else None
    if not keys or min(keys) < firsts[at] or (upper is not None and max(keys) >= upper):
        return None
    return keys


@cache
def _part_prefixes(path: Path) -> frozenset[str]:
    """One part's prefixes (its place names let go of)."""
    spec = importlib.util.spec_from_file_location(f"_leadimport_geodata_{path.stem}", path)
    if spec is None or spec.loader is None:
        return frozenset()
    part = importlib.util.module_from_spec(spec)
    part.__package__ = "phonenumbers.geodata"  # for its relative import of phonenumbers.util
    spec.loader.exec_module(part)
    return frozenset(part.data)


@lru_cache(maxsize=1)
def every_prefix() -> frozenset[int]:
    """Every prefix the geocoder places, as numbers."""
    loaded = sys.modules.get("phonenumbers.geodata")
    if loaded is not None:
        return frozenset(int(key) for key in loaded.GEOCODE_DATA)
    keys: set[int] = set()
    for path in _part_paths():
        keys.update(int(key) for key in _part_prefixes(path))
    if not keys:  # laid out otherwise than expected: the plain import, whatever it costs
        from phonenumbers.geodata import GEOCODE_DATA

        return frozenset(int(key) for key in GEOCODE_DATA)
    return frozenset(keys)


@cache
def carrier_prefixes() -> frozenset[str]:
    """Every calling code + leading digits phonenumbers' carrier data names an operator for (``49151``: Germany's
    T-Mobile): a mobile network's own code, which people write apart as they write an area code."""
    from phonenumbers.carrierdata import CARRIER_DATA

    return frozenset(CARRIER_DATA)


def is_network_code(prefix: int) -> bool:
    """Whether the calling code + leading digits ``prefix`` are exactly a prefix the carrier data names."""
    return str(prefix) in carrier_prefixes()
