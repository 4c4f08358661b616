"""A test oracle: what Excel shows for a cell of a CSV file it opens (double-click, General format).

The rules that matter for lead reports, as Excel applies them on import:
- a cell starting with ``=`` is a formula; ``="text"`` shows ``text`` (``""`` is one quote), anything else
  is computed (shown as :data:`COMPUTED`);
- a cell starting with ``+``, ``-`` or ``@`` is a formula too, unless it is a number;
- a number (sign, digits, decimals, an exponent, thousands commas, ``(42)`` for -42) is shown in General
  format: at most 11 characters, so leading zeros and a ``+`` go, 12 or more digits become ``9.19820E+11``;
- a date (``12/01/2024``, ``2024-01-15``, ``1-2``) becomes a date (shown as :data:`DATE`);
- a leading apostrophe is NOT hidden (that only works when typed): ``'abc`` shows ``'abc``;
- anything else is text, shown as written.
"""

from __future__ import annotations

import re

COMPUTED = "<computed by a formula>"
DATE = "<turned into a date>"

_LITERAL = re.compile(r'="((?:[^"]|"")*)"', re.DOTALL)
_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
_THOUSANDS = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d+)?")
_NEGATIVE = re.compile(r"\((\d+(?:\.\d+)?)\)")
_DATE = re.compile(r"\d{1,4}[/-]\d{1,2}(?:[/-]\d{1,4})?")


def excel_shows(cell: str) -> str:
    """What Excel displays for ``cell`` read from a CSV file."""
    if cell.startswith("="):
        literal = _LITERAL.fullmatch(cell)
        return literal.group(1).replace('""', '"') if literal else COMPUTED
    number = _number(cell)
    if number is not None:
        return _general(number)
    if cell[:1] in ("+", "-", "@"):
        return COMPUTED
    if _DATE.fullmatch(cell) and _plausible_date(cell):
        return DATE
    return cell


def _number(cell: str) -> float | None:
    if _NUMBER.fullmatch(cell):
        return float(cell)
    if _THOUSANDS.fullmatch(cell):
        return float(cell.replace(",", ""))
    negative = _NEGATIVE.fullmatch(cell)
    return -float(negative.group(1)) if negative else None


def _general(value: float) -> str:
    """Excel's General format in a standard-width column: 11 characters at most."""
    if value == int(value) and len(str(int(value))) <= 11:
        return str(int(value))
    text = f"{value:.10g}"
    if len(text) <= 11 and "e" not in text:
        return text
    mantissa, exponent = f"{value:.5E}".split("E")
    return f"{mantissa}E{int(exponent):+03d}"


def _plausible_date(cell: str) -> bool:
    parts = [int(p) for p in re.split(r"[/-]", cell)]
    if len(parts) == 2:
        return 1 <= parts[0] <= 31 and 1 <= parts[1] <= 31
    return any(1 <= p <= 12 for p in parts[:2]) and all(p > 0 for p in parts)


DIGIT_RUN = re.compile(r"\d{7,}")
SEPARATORS = re.compile(r"[\s\u00a0\u2007\u2009\u202f/\-.()=\"'+*]")


def digit_runs(cell: str) -> list[str]:
    """Runs of 7 or more digits in ``cell`` once separators are taken out (what masking must leave none of)."""
    return DIGIT_RUN.findall(SEPARATORS.sub("", cell))
