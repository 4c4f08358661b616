"""What a phone cell holds besides a number: nothing said in words (not given, नहीं), a number with digits hidden
(a portal's lead not yet bought, a --mask-pii report), a placeholder, or a JSON list of numbers."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import ArrowText, first_char_in, holds_char_in, narrowed, nonempty, to_arrow, to_bool
from importer.normalize.contacts import blank_placeholders_arrow
from importer.normalize.json_cells import first_of_json_lists
from importer.normalize.phone_forms import fold_phone_text

_TEXT = pa.large_string()

# A number with some of its digits hidden (98XXXXXX10, +91 98******10, 98••••••10, 98######10, XXXXXXXXXX), at
# least 7 places long: a run of one of the symbols portals, CRMs and --mask-pii reports write for a hidden digit.
# X * # ? bullet, black circle, middle dot, bullet operator, white bullet, asterisk operator, full-width X x * #
MASK_SYMBOLS = "Xx*#?\u2022\u25cf\u00b7\u2219\u25e6\u2217\uff38\uff58\uff0a\uff03"
_ELLIPSIS = "[\u2026\u22ef]"  # … ⋯: three hidden digits in one character
_MASK_RUN = "|".join(re.escape(symbol * 2) for symbol in MASK_SYMBOLS)  # RE2 has no backreference
_MASKED = rf"^\s*\+?[\d\s().\-/]*(?:{_MASK_RUN})[\d\s().\-/{re.escape(MASK_SYMBOLS)}]*$"
_SEVEN_PLACES = rf"^(?:[^\d{re.escape(MASK_SYMBOLS)}]*[\d{re.escape(MASK_SYMBOLS)}]){{7}}"


def phone_cells(cells: pd.Series) -> tuple[ArrowText, np.ndarray, np.ndarray]:
    """The cells as read (placeholders and masked numbers blank), a JSON list's first value taken; which lists
    held several; and which cells held a masked number."""
    values, several = first_of_json_lists(blank_placeholders_arrow(to_arrow(cells)))
    values = pc.cast(values, _TEXT)
    masked = _masked(values)
    if masked.any():  # nobody's number: the lead goes without it (or with another column's)
        values = pc.if_else(pa.array(masked), pa.scalar("", _TEXT), values)
    values = fold_phone_text(values)  # other scripts' digits, 98·450: after the masks, whose runs of dots it parts
    wordy = _without_digits(values)
    if wordy.any():  # not given, no phone, नहीं: words where a number was asked for say there is none
        values = pc.if_else(pa.array(wordy), pa.scalar("", _TEXT), values)
    return values, several, masked


_NOT_NONE = r"\p{Nd}|(?i:\b(?:same|above|ditto|previous)\b)"
"""A digit in any script, or words pointing at another row's number (same as above, ditto): a number was given."""


def _without_digits(values: ArrowText) -> np.ndarray:
    """Which cells hold text without a single digit, an address typed in the wrong column, or a pointer to another
    row's number (those rows are ones to look at): no number was given, whatever words say so."""
    found: np.ndarray = ~first_char_in(values, "0123456789+(#=") & to_bool(
        nonempty(values)
    )  # #VALUE!, =A2: the sheet's fault
    return narrowed(
        values,
        found,
        lambda some: pc.invert(
            pc.fill_null(pc.or_(pc.match_substring_regex(some, _NOT_NONE), pc.match_substring(some, "@")), True)
        ),
    )


def _masked(values: ArrowText) -> np.ndarray:
    """Which cells hold a number with digits hidden, as a portal shows a lead not yet bought and a report
    written with --mask-pii shows every number (an extension's single x is no mask)."""
    not_ascii: np.ndarray = ~to_bool(pc.fill_null(pc.string_is_ascii(values), True))  # bullets, ellipses, full-width X
    found: np.ndarray = holds_char_in(values, "Xx*#?") | not_ascii
    return narrowed(values, found, _masked_at)


def _masked_at(values: pa.Array) -> pa.Array:
    """Per cell, whether it is a number with a run of mask symbols (an ellipsis counts as one)."""
    some = pc.replace_substring_regex(values, _ELLIPSIS, "***")
    return pc.and_(pc.match_substring_regex(some, _MASKED), pc.match_substring_regex(some, _SEVEN_PLACES))


def said_no_number(columns: list[pd.Series], rows: np.ndarray, warning: ArrowText) -> np.ndarray:
    """Which of ``rows`` (rows left without a phone and an email) had a phone cell filled with only a placeholder or
    words saying there is no number (n/a, -, not given), not a masked number (which says so itself)."""
    said: np.ndarray = np.zeros(len(rows), dtype=bool)
    if len(rows) == 0:
        return said
    for cells in columns:
        said |= to_bool(nonempty(pc.utf8_trim_whitespace(pc.cast(to_arrow(cells.iloc[rows]), _TEXT))))
    theirs = pc.take(warning, pa.array(rows, pa.int64()))
    masked = to_bool(pc.fill_null(pc.match_substring(theirs, issues.MASKED_PHONE.code), False))
    kept: np.ndarray = said & ~masked
    return kept
