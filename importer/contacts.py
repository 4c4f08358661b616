"""Emails and names: trimmed, normalized and checked, column at a time."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from importer.phones import PLACEHOLDERS

# Practical address syntax (no quoted local parts, ASCII domain with a letter TLD).
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = rf"^{_ATOM}(?:\.{_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+[a-z]{{2,63}}$"
_ADDRESS_LIKE = r"[^\s,;/|<>@]+@[^\s,;/|<>@]+"
_PLACEHOLDER_LIST = sorted(PLACEHOLDERS)


@dataclass(frozen=True, slots=True)
class EmailColumns:
    """Per row: the usable email (or ""), whether the cell held an unusable one, warnings."""

    email: pd.Series
    unusable: pd.Series
    warning: pd.Series


def blank_placeholders(values: pd.Series) -> pd.Series:
    """Trimmed text with N/A-style placeholders turned into empty text."""
    text = values.astype("str").str.strip()
    return text.where(~text.str.lower().isin(_PLACEHOLDER_LIST), "")


def normalize_emails(raw: pd.Series) -> EmailColumns:
    """Lowercase and check addresses; the first of several is kept with a warning."""
    text = blank_placeholders(raw).str.lower().str.removeprefix("mailto:")
    several = text.str.count(_ADDRESS_LIKE) > 1
    first = text.str.extract(f"({_ADDRESS_LIKE})", expand=False).fillna("")
    text = text.where(~several, first).str.strip("<>\"' ")
    valid = text.str.fullmatch(EMAIL_PATTERN) & ~text.str.contains("..", regex=False)
    email = text.where(valid, "")
    unusable = (text != "") & ~valid
    warning = pd.Series("", index=raw.index, dtype="str").where(~several, "multiple-emails")
    return EmailColumns(email=email.astype("str"), unusable=unusable, warning=warning)


def normalize_names(raw: pd.Series) -> pd.Series:
    """Names trimmed, inner runs of whitespace collapsed, placeholders emptied."""
    return blank_placeholders(raw).str.replace(r"\s+", " ", regex=True)
