"""Emails and names: trimmed, normalized and checked, column at a time (Arrow kernels)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import (
    ArrowText,
    byte_lengths,
    first_char_in,
    holds_char_in,
    narrowed,
    strip_invisible,
    to_arrow,
    to_bool,
    to_series,
    trim_whitespace,
)
from importer.normalize.email_domains import ascii_domains, domain_typos
from importer.normalize.json_cells import first_of_json_lists
from importer.normalize.phones import PLACEHOLDERS

# Practical address syntax (no quoted local parts, ASCII domain with a letter TLD).
_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
EMAIL_PATTERN = (
    rf"^{_ATOM}(?:\.{_ATOM})*@(?:[a-z0-9](?:[a-z0-9-]{{0,61}}[a-z0-9])?\.)+(?:[a-z]{{2,63}}|xn--[a-z0-9-]{{1,59}})$"
)
_ADDRESS_LIKE = r"[^\s,;/|<>@]+@[^\s,;/|<>@]+"
_PLACEHOLDER_SET = pa.array(sorted(PLACEHOLDERS))


@dataclass(frozen=True, slots=True)
class EmailColumns:
    """Per row: the usable email (or ""), whether the cell held an unusable one, warnings."""

    email: pd.Series
    unusable: pd.Series
    warning: pd.Series


# Placeholders are ASCII, and only ASCII letters lowercase to ASCII letters: a cell can be one only
# if it is as short and starts with one of their first characters (in either case).
assert all(p.isascii() for p in PLACEHOLDERS)
_PLACEHOLDER_FIRST = "".join(sorted({c for p in PLACEHOLDERS if p for c in (p[0], p[0].upper())}))
_PLACEHOLDER_BYTES = max(len(p) for p in PLACEHOLDERS)


NAME_LIKE_PLACEHOLDERS = frozenset({"Na", "Nan", "Nil"})
"""Placeholders that are also names (Nan, a Korean Na, a Catalan Nil) when written as a name is: kept in name cells."""


def blank_placeholders_arrow(values: ArrowText, *, keep: frozenset[str] = frozenset()) -> ArrowText:
    """Trimmed text, without invisible characters, with N/A-style placeholders turned into empty text.

    ``keep``: placeholders left alone when a cell holds exactly that (case included).
    """
    text = trim_whitespace(strip_invisible(values))
    maybe = np.flatnonzero(first_char_in(text, _PLACEHOLDER_FIRST) & (byte_lengths(text) <= _PLACEHOLDER_BYTES))
    if len(maybe) == 0:
        return text
    candidates = pc.take(text, pa.array(maybe))
    found = pc.is_in(pc.utf8_lower(candidates), value_set=_PLACEHOLDER_SET)
    if keep:
        found = pc.and_(found, pc.invert(pc.is_in(candidates, value_set=pa.array(sorted(keep), candidates.type))))
    placeholder = maybe[to_bool(found)]
    if len(placeholder) == 0:
        return text
    mask = np.zeros(len(text), dtype=bool)
    mask[placeholder] = True
    return pc.if_else(pa.array(mask), pa.scalar("", text.type), text)


_LABEL = r"^(?:e-?mail(?:\s*(?:id|address))?|mail(?:\s*id)?)\s*(?::|\s-)\s*"
"""Email: a@b.com, E-mail ID - a@b.com (never email-me@b.com or mail#1@b.com, addresses)."""


def normalize_emails(raw: pd.Series) -> EmailColumns:
    """Lowercase and check addresses; the first of several is kept with a warning."""
    text, listed = first_of_json_lists(pc.utf8_lower(blank_placeholders_arrow(to_arrow(raw))))
    if pc.any(pc.match_substring(text, "mailto:")).as_py():  # a link's target: mailto:a@b.com, <mailto:a@b.com>
        text = pc.replace_substring_regex(text, r"(^|<)mailto:", r"\1")
    queried = pa.array(holds_char_in(text, "?"))
    if pc.any(queried).as_py():  # a@b.com?subject=Hi, a link's target again: no domain holds a '?'
        cut = pc.replace_substring_regex(pc.filter(text, queried), r"^([^@]*@[^?]*)\?.*$", r"\1")
        text = pc.replace_with_mask(text, queried, cut)
    if pc.any(pc.match_substring(text, "\uff20")).as_py():  # a full-width at sign (U+FF20), as some keyboards type it
        text = pc.replace_substring(text, "\uff20", "@")
    labelled = pc.fill_null(pc.match_substring_regex(text, _LABEL), False)
    if pc.any(labelled).as_py():  # Email: a@b.com, E-mail ID - a@b.com
        text = pc.replace_with_mask(text, labelled, pc.replace_substring_regex(pc.filter(text, labelled), _LABEL, ""))
    several = to_bool(pc.greater(pc.count_substring(text, "@"), 1))
    if several.any():
        # Rare: only those cells go through the slower extraction of each address.
        values = np.asarray(text.to_numpy(zero_copy_only=False), dtype=object)
        subset = pa.array(values[several], type=pa.large_string())
        counts = pc.count_substring_regex(subset, _ADDRESS_LIKE)
        first = pc.extract_regex(subset, f"(?P<address>{_ADDRESS_LIKE})")
        address = pc.fill_null(pc.struct_field(first, [0]), "")
        multi = to_bool(pc.greater(counts, 1))
        values[np.flatnonzero(several)[multi]] = np.asarray(address.to_numpy(zero_copy_only=False), dtype=object)[multi]
        several[np.flatnonzero(several)[~multi]] = False
        text = pa.array(values, type=pa.large_string())
    angled = pa.array(holds_char_in(text, "<"))
    if pc.any(angled).as_py():  # Rahul <rahul@example.com>: the address between the brackets
        found = pc.struct_field(pc.extract_regex(pc.filter(text, angled), f"<(?P<address>{_ADDRESS_LIKE})>"), [0])
        text = pc.replace_with_mask(text, angled, pc.coalesce(found, pc.filter(text, angled)))
    # A note after it (a@b.com (personal)), spaces around the @ (rahul @gmail.com)
    noted = pa.array(holds_char_in(text, "("))
    if pc.any(noted).as_py():
        text = pc.replace_with_mask(
            text, noted, pc.replace_substring_regex(pc.filter(text, noted), r"\s*\([^)]*\)\s*$", "")
        )
    spaced = pa.array(holds_char_in(text, " "))  # only a cell with a space can hold " @" or "@ "
    if pc.any(spaced).as_py():
        spaced = pc.fill_null(pc.or_(pc.match_substring(text, " @"), pc.match_substring(text, "@ ")), False)
    if pc.any(spaced).as_py():
        text = pc.replace_with_mask(text, spaced, pc.replace_substring_regex(pc.filter(text, spaced), r"\s*@\s*", "@"))
    # Quotes and brackets around it, and list or sentence punctuation after it (a@b.com; / a@b.com.)
    text = pc.utf8_trim(text, characters="<>\"' ;,.\u2018\u2019\u201c\u201d\u00ab\u00bb")
    text = ascii_domains(text)  # user@münchen.de: sent as user@xn--mnchen-3ya.de
    valid = pc.and_(pc.match_substring_regex(text, EMAIL_PATTERN), pc.invert(pc.match_substring(text, "..")))
    email = pc.if_else(valid, text, "")
    unusable = pc.and_(pc.greater(pc.binary_length(text), 0), pc.invert(valid))
    index = raw.index
    warning = pc.if_else(
        pa.array(several | listed),
        pa.scalar(issues.MULTIPLE_EMAILS.code, pa.large_string()),
        pa.scalar("", pa.large_string()),
    )
    placeholder = placeholder_emails(email)
    if placeholder.any():  # noemail@gmail.com, na@na.com: typed to get past a required field, nobody's address
        email = pc.if_else(pa.array(placeholder), pa.scalar("", email.type), email)
        warning = pc.if_else(pa.array(placeholder), pa.scalar(issues.PLACEHOLDER_EMAIL.code, warning.type), warning)
    masked = _masked_addresses(text)
    if masked.any():  # ra******@gmail.com: a portal's lead not yet bought, a report written with --mask-pii
        email = pc.if_else(pa.array(masked), pa.scalar("", email.type), email)
        unusable = pc.and_(unusable, pa.array(~masked))
        warning = pc.if_else(pa.array(masked), pa.scalar(issues.MASKED_EMAIL.code, warning.type), warning)
    typo = domain_typos(email)  # gmail.con: sent as written, with the domain it was probably meant to be
    warning = pc.if_else(
        pc.equal(warning, ""),
        typo,
        pc.if_else(
            pc.equal(typo, ""), warning, pc.binary_join_element_wise(warning, typo, pa.scalar(", ", pa.large_string()))
        ),
    )
    return EmailColumns(
        email=to_series(email, index),
        unusable=pd.Series(to_bool(unusable), index=index),
        warning=to_series(warning, index),
    )


_EMAIL_MASK = "[*\u2022\u25cf\u00b7\u2219\u25e6\u2217\uff0a]{2}|[\u2026\u22ef]"
"""Letters hidden in an address: a run of ``*``, ``•``, ``●``, ``·`` ... or an ellipsis (never ``xx``, which
real addresses hold)."""


def _masked_addresses(text: ArrowText) -> np.ndarray:
    """Per cell, whether it is an address with some of its letters hidden (``ra******@gmail.com``,
    ``ra••••••@gmail.com``)."""
    maybe: np.ndarray = holds_char_in(text, "*") | ~to_bool(pc.fill_null(pc.string_is_ascii(text), True))
    return narrowed(
        text, maybe, lambda some: pc.and_(pc.match_substring(some, "@"), pc.match_substring_regex(some, _EMAIL_MASK))
    )


# The local part of an address typed to say "there is none".
_NO_EMAIL = r"^(?:no[-_.]?e?[-_.]?mail(?:[-_.]?id)?|none|n[./]?a|nil|null|not[-_.]?(?:available|provided|given)|dummy)@"
# a@a.com, na@na.com, test@test.com, xyz@xyz.in: a short local part repeated as the domain.
_ECHOED = r"^(?P<local>[a-z0-9]{1,5})@(?P<domain>[a-z0-9]{1,5})\.[a-z.]+$"
# abc@xyz.com, xyz@abc.in, test@abc.com: the words a form's filler types, on both sides of the @.
_FILLER = r"(?:abcd?|xyz|pqr|test|asdf|qwerty|xx+)"
_FILLERS = rf"^{_FILLER}@{_FILLER}\.[a-z.]+$"


def placeholder_emails(email: ArrowText) -> np.ndarray:
    """Per address (lower case, valid or ""), whether it is a stand-in for no address at all."""
    either = to_bool(pc.fill_null(pc.match_substring_regex(email, f"{_NO_EMAIL}|{_ECHOED}|{_FILLERS}"), False))
    if not either.any():  # one pass over the column: nearly always nothing to look at
        return either
    flagged = to_bool(pc.fill_null(pc.match_substring_regex(email, f"{_NO_EMAIL}|{_FILLERS}"), False))
    echoed = either & ~flagged
    if echoed.any():
        at = np.flatnonzero(echoed)
        parts = pc.extract_regex(pc.take(email, pa.array(at)), _ECHOED)
        same = to_bool(pc.equal(pc.struct_field(parts, [0]), pc.struct_field(parts, [1])))
        flagged[at[same]] = True
    return flagged


_NO_NAME = r"(?i)^(?:x+|[.\-_*]+|unknown|no\s*name|(?:name\s+)?not\s+(?:given|known|available|provided|mentioned))$"
"""Words typed into a required name cell to say there is none: ``no name``, ``Not Given``, ``Unknown``, ``xxx``."""


def normalize_names(raw: pd.Series) -> pd.Series:
    """Names trimmed, inner runs of whitespace collapsed, placeholders emptied (``Nan`` stays a name, ``NAN`` not),
    and so are words saying there is no name (``Not Given``)."""
    text = blank_placeholders_arrow(to_arrow(raw), keep=NAME_LIKE_PLACEHOLDERS)
    said_none = pc.fill_null(pc.match_substring_regex(text, _NO_NAME), False)
    if pc.any(said_none).as_py():
        text = pc.if_else(said_none, pa.scalar("", text.type), text)
    spaced = pc.match_substring_regex(text, r"\s\s|[^\S ]")  # only these need the (slower) replacement
    if pc.any(spaced).as_py():
        fixed = pc.replace_substring_regex(pc.filter(text, spaced), r"\s+", " ")
        text = pc.replace_with_mask(text, spaced, fixed)
    return to_series(text, raw.index)
