"""Mexican numbers written as before the 2019 plan, which phonenumbers no longer reads: read as Mexico writes them now.

Before 2019 a Mexican mobile was dialled with a 1 after the country code (``+52 1 55 1234 5678``, still how
WhatsApp and Meta's lead exports write them), and within Mexico with ``044``, ``045`` or ``01`` first.
"""

from __future__ import annotations

import re

import pyarrow as pa
import pyarrow.compute as pc

from importer.normalize.ninth_digit import with_ninth_digit

_TEN_DIGITS = r"((?:\d[\s.\-()]*){9}\d)"
_MX_MOBILE_ONE = r"^\(?(?:\+|00)\s*52\)?[\s.\-]*1[\s.\-]*" + _TEN_DIGITS + "$"
_MX_MOBILE_ONE_BARE = r"^52[\s.\-]*1[\s.\-]*" + _TEN_DIGITS + "$"
_MX_RETIRED_PREFIX = r"^\(?0(?:44|45|1)\)?[\s.\-]*" + _TEN_DIGITS + "$"
_ANYWHERE: tuple[tuple[str, str], ...] = ((_MX_MOBILE_ONE, r"+52 \1"),)
"""The rewritings read in any region: the +52 1 form says its country."""
_IN_MEXICO: tuple[tuple[str, str], ...] = ((_MX_MOBILE_ONE_BARE, r"+52 \1"), (_MX_RETIRED_PREFIX, r"\1"))
"""... and those read in Mexico only."""


def without_retired_mexican_prefixes(text: pa.Array, region: str) -> pa.Array:
    """Mexican numbers as written before the 2019 plan, which phonenumbers no longer reads: ``+52 1 55 1234 5678``
    (the mobile 1 after the country code, still how WhatsApp writes them), and in Mexico ``044 55 1234 5678``,
    ``045 ...`` and ``01 55 ...`` (prefixes dialled then). Every Mexican number is ten digits, none starting with 1:
    what follows them is the number."""
    for pattern, replacement in _ANYWHERE + (_IN_MEXICO if region == "MX" else ()):
        text = pc.replace_substring_regex(text, pattern, replacement)
    return text


def retired_mexican(text: str) -> str | None:
    """``text`` as Mexico writes it now when it is written as before 2019 (as :func:`without_retired_mexican_prefixes`
    reads it in Mexico), else None: what ``mapping suggest`` weighs as Mexican numbers."""
    for pattern, replacement in _ANYWHERE + _IN_MEXICO:
        rewritten, count = re.subn(pattern, replacement, text.strip())
        if count:
            return rewritten
    return None


def as_mexico_writes_now(text: str, region: str) -> str:
    """A cell's number, its label or link taken off (``p:+52 1 55 ...``: Meta's lead exports; ``wa.me/521...``),
    as :func:`without_retired_mexican_prefixes` reads a whole cell; in no region (no default_region), the +52 1
    form, which says its country."""
    if region == "MX":
        return retired_mexican(text) or text
    pattern, replacement = _ANYWHERE[0]
    return with_ninth_digit(text, region) or re.sub(pattern, replacement, text)
