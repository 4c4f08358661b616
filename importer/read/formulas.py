"""The value of an XLSX formula made of literals alone (``="9876543210"``, ``=+919876543210``,
``=CONCATENATE("98765","43210")``, ``="+91 "&"98765 43210"``): what Excel shows once it computes it.

A script converting a CSV to a workbook (pandas' ``to_excel``, openpyxl, XlsxWriter) writes a cell that starts with
``=`` as a formula, and Excel-safe CSV exports write numbers as ``="0123"``. Such a workbook holds no computed result
(openpyxl writes none, XlsxWriter writes 0 and asks Excel to compute every formula on opening), so a reader that
takes the stored result reads the phone as empty or 0. A formula of literals needs no spreadsheet to compute it;
one that reads other cells or calls other functions is left alone (None).
"""

from __future__ import annotations

import re

__all__ = ["literal_value"]

_TOKEN = re.compile(
    r'\s*(?:(?P<text>"(?:[^"]|"")*")|(?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)'
    r"|(?P<call>(?:_xlfn\.)?(?:CONCATENATE|CONCAT)\s*\()|(?P<sign>[&,)]))",
    re.IGNORECASE,
)
_LONGEST = 1000
"""Characters of a formula looked at: a literal cell's is far shorter."""


def literal_value(formula: str) -> str | float | None:
    """What a formula of string and number literals joined by ``&`` or ``CONCATENATE`` computes to: its text, or
    its number when it is one number alone; None for any other formula."""
    if len(formula) > _LONGEST:
        return None
    tokens = _tokens(formula)
    if tokens is None:
        return None
    parsed = _expression(tokens, 0)
    if parsed is None or parsed[1] != len(tokens):
        return None
    return parsed[0]


def _tokens(formula: str) -> list[tuple[str, str]] | None:
    out: list[tuple[str, str]] = []
    at = 0
    text = formula.strip()
    while at < len(text):  # the pattern takes the spaces before each token; the text ends with none
        found = _TOKEN.match(text, at)
        if found is None:
            return None
        kind = found.lastgroup or ""
        out.append((kind, found.group(kind)))
        at = found.end()
    return out


def _expression(tokens: list[tuple[str, str]], at: int) -> tuple[str | float, int] | None:
    """Terms joined by ``&`` from ``tokens[at]``: the value and where it ends."""
    first = _term(tokens, at)
    if first is None:
        return None
    value, at = first
    while at < len(tokens) and tokens[at] == ("sign", "&"):
        term = _term(tokens, at + 1)
        if term is None:
            return None
        value, at = _as_text(value) + _as_text(term[0]), term[1]
    return value, at


def _term(tokens: list[tuple[str, str]], at: int) -> tuple[str | float, int] | None:
    if at >= len(tokens):
        return None
    kind, text = tokens[at]
    if kind == "text":
        return text[1:-1].replace('""', '"'), at + 1
    if kind == "number":
        return float(text), at + 1
    if kind != "call":
        return None
    parts: list[str] = []
    at += 1
    while True:
        argument = _expression(tokens, at)
        if argument is None:
            return None
        parts.append(_as_text(argument[0]))
        at = argument[1]
        if at < len(tokens) and tokens[at] == ("sign", ","):
            at += 1
            continue
        if at < len(tokens) and tokens[at] == ("sign", ")"):
            return "".join(parts), at + 1
        return None


def _as_text(value: str | float) -> str:
    """A value as a formula joining it to text writes it: a whole number without ``.0``."""
    if isinstance(value, str):
        return value
    return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
