"""Cells holding a JSON list, as CRMs export several emails or phones: their first value.

``[{"label":"work","value":"a@b.com"},{"label":"home","value":"c@d.com"}]`` and ``["a@b.com", "c@d.com"]``
(Chatwoot, HubSpot and other APIs written out to CSV) read as ``a@b.com``; a list of more than one
value is marked so the row can be warned about it.
"""

from __future__ import annotations

import json

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from importer.columns import ArrowText, to_bool

_VALUE_KEYS = ("value", "email", "phone", "number", "address", "phone_number", "email_address")


def first_of_json_lists(values: ArrowText) -> tuple[ArrowText, np.ndarray]:
    """``values`` with each JSON list replaced by its first value; and which held more than one."""
    several = np.zeros(len(values), dtype=bool)
    listed = np.flatnonzero(to_bool(pc.starts_with(values, "[")))
    if len(listed) == 0:
        return values, several
    texts = pc.take(values, pa.array(listed)).to_pylist()
    firsts: list[str] = []
    keep = np.zeros(len(listed), dtype=bool)
    for i, text in enumerate(texts):
        items = _items(text)
        if items is None:
            firsts.append(text)
            continue
        keep[i] = True
        firsts.append(items[0] if items else "")
        several[listed[i]] = len(items) > 1
    if not keep.any():
        return values, several
    mask = np.zeros(len(values), dtype=bool)
    mask[listed[keep]] = True
    replaced = pa.array([f for f, k in zip(firsts, keep, strict=True) if k], type=values.type)
    return pc.replace_with_mask(values, pa.array(mask), replaced), several


def _items(text: str) -> list[str] | None:
    """The values of a JSON list of strings or of objects with a value, or None when ``text`` is no such list."""
    try:
        parsed = json.loads(text)
    except ValueError:
        return None
    if not isinstance(parsed, list):
        return None
    out = []
    for item in parsed:
        if isinstance(item, str | int) and not isinstance(item, bool):
            value: object = item
        elif isinstance(item, dict):
            value = next((item[k] for k in _VALUE_KEYS if isinstance(item.get(k), str | int)), None)
            if value is None:
                return None
        else:
            return None
        if str(value).strip():
            out.append(str(value).strip())
    return out
