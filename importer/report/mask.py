"""PII masking for everything shown or written (never for what is sent to the CRM)."""

from __future__ import annotations

import re

import pandas as pd

# A phone-like run: optional +, a digit, then 6+ digits/separators, ending in a digit.
PHONE_RUN = r"\+?\d[\d \-().]{5,}\d"
# Anything around an @, even a malformed address: first character and the domain part are kept.
EMAIL_TOKEN = r"([^\s@,;<>\"'])[^\s@,;<>\"']*@+([^\s@,;<>\"']*)"
_PHONE_RE = re.compile(PHONE_RUN)
_DATE_RE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b")
_EMAIL_RE = re.compile(EMAIL_TOKEN)
# Columns holding our own ids and row numbers, which are not personal data.
UNMASKED_COLUMNS = frozenset({"sheet_row", "status", "duplicate_of", "lead_id", "imported_in_run", "warnings"})


def mask_phone_text(match: re.Match[str]) -> str:
    """All but the last 4 digits of a phone-like run become '*'."""
    text = match.group(0)
    digits = sum(ch.isdigit() for ch in text)
    if digits < 7 or _DATE_RE.search(text):
        return text
    keep = 4
    out = []
    for ch in reversed(text):
        if ch.isdigit():
            out.append(ch if keep > 0 else "*")
            keep -= 1
        else:
            out.append(ch)
    return "".join(reversed(out))


def mask_text(text: str) -> str:
    """Emails → first letter and domain; phones → last 4 digits."""
    text = _EMAIL_RE.sub(lambda m: f"{m.group(1)}***@{m.group(2)}", text)
    return _PHONE_RE.sub(mask_phone_text, text)


def mask_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of a report frame with every phone and email masked (ids and row numbers kept)."""
    out = frame.copy()
    for name in out.columns:
        if name in UNMASKED_COLUMNS:
            continue
        col = out[name]
        if name == "referenceId":
            derived = col.astype("str").str.startswith("li-")
            out[name] = col.where(derived, _mask_series(col))
            continue
        if col.dtype == object or str(col.dtype) in ("str", "string"):
            out[name] = _mask_series(col)
    return out


def _mask_series(col: pd.Series) -> pd.Series:
    text = col.astype("str")
    suspicious = text.str.contains(r"\d{4}|@", regex=True).fillna(False)
    if not suspicious.any():
        return text
    masked = text[suspicious].map(mask_text)
    return text.where(~suspicious, masked)
