"""JSON text for the ledger's columns and queries, written with orjson (a claim writes some 100 kB of it)."""

from __future__ import annotations

import json

import orjson


def dumps(value: object) -> str:
    """``value`` as compact JSON text (non-ASCII characters as themselves; SQLite's JSON functions and
    ``json.loads`` read it exactly as they read ``json.dumps``' escapes)."""
    try:
        return orjson.dumps(value).decode()
    except (orjson.JSONEncodeError, TypeError):  # a lone surrogate, an integer over 64 bits ...
        return json.dumps(value, separators=(",", ":"))
