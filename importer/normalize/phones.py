"""Phone numbers → E.164, with issue codes; vectorised over unique values.

Most cells are plain digits in one of a few shapes (national number, 0 + national,
country code + national, +country code + national). Those are checked against the
region's ``phonenumbers`` metadata with column-wide regular expressions; only what
that fast path cannot *accept* goes through ``phonenumbers.parse`` one by one
(spread over the CPU cores when there are many), so an invalid verdict always
comes from ``phonenumbers`` itself.
"""

from __future__ import annotations

import os
import re
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd
import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc

from importer import issues
from importer.columns import strip_invisible, to_arrow, to_series, trim_whitespace, without_ascii
from importer.normalize.mexican import as_mexico_writes_now, without_retired_mexican_prefixes
from importer.normalize.ninth_digit import without_old_mobiles
from importer.normalize.phone_forms import FLOAT_TAIL, fold_phone_text
from importer.normalize.phone_labels import FORMATTING as _FORMATTING
from importer.normalize.phone_labels import LEADING_TEXT as _LEADING_TEXT
from importer.normalize.phone_labels import country_named as _country_named
from importer.normalize.phone_labels import preferred_number
from importer.normalize.phone_labels import valid_number as _valid_number
from importer.normalize.phone_labels import without_label as _without_label
from importer.normalize.phone_notes import first_of_jammed, with_plain_separators, without_note

# phonenumbers compiles its metadata's patterns through re.compile, whose cache (512 patterns) a sheet's numbers
# of many countries overflow: each were compiled again and again (mapping suggest spent over half its time so).
_keep_patterns = getattr(phonenumbers, "enable_pattern_cache", None)
if _keep_patterns is not None:
    _keep_patterns()

PLACEHOLDERS = frozenset(
    {"", "-", "--", "---", ".", "n/a", "na", "n.a.", "none", "null", "nil", "nan", "not available", "#n/a", "0", "x"}
)
_TYPE_DESCS = (
    "fixed_line", "mobile", "toll_free", "premium_rate", "shared_cost",
    "personal_number", "voip", "pager", "uan", "voicemail",
)  # fmt: skip
_SIMPLE = r"^\(?\+?[0-9][0-9 ().\-]*$"  # (98123) 45670 and (+91) 98123 45670 too
_SCI = re.compile(r"^[+]?(\d+)(?:[.,](\d+))?[eE]\+?(\d+)$")  # 9,81235E+09: a decimal comma (European Excel)
_NEGATIVE = re.compile(r"^-\s*\d")  # +91-98123 45678 typed into a spreadsheet: computed as 91 - 9812345678
_LABEL = re.compile(r"\s*\((?=[^)]*[^\W\d_])[^)]*\)\s*$")  # 9812345678 (M), (WhatsApp), (office)
_GROUPED = re.compile(r"\+?\d{1,3}(?:,\d{2,3})+")  # 98,12,345,678: a number with thousands separators
_PREFIX = re.compile(
    r"^(?:p|tel|ph|phone|mob|mobile|cell|m|whats\s*app|wa|contact)(?:\s*(?:no|num|number)\.?)?(?:\s*\d)?(?:\s*[:.#-])+\s*",
    re.IGNORECASE,
)  # p:+91... (Meta), Mobile No. 98..., WhatsApp: +91 ..., Mob:- 98..., Contact No.:- 98... (the "-" is no minus), Mob 1: 98...
# A WhatsApp click-to-chat link (wa.me/447400123456, api.whatsapp.com/send?phone=...): the number is always written
# in international form, without its "+"; a message may follow (?text=Hi).
_WHATSAPP_LINK = re.compile(
    r"^(?:https?://)?(?:www\.)?(?:wa\.me/|(?:api|web)\.whatsapp\.com/send/?\?(?:[^#]*&)?phone=|whatsapp://send/?\?"
    r"(?:[^#]*&)?phone=)(?:\+|%2B)?(\d{6,15})/?(?:[?&#].*)?$",
    re.IGNORECASE,
)
_PLUSES = re.compile(r"^(\(?)\+(?:\s*\+)+")  # ++44 7400...: the plus typed twice
_TRAILING_WORDS = re.compile(r"(?<=\d)[\s,;:\-\u2013]*\s[\s,;:\-\u2013]*[^\W\d_][^\d+]*$")
"""9812345678 - Rahul, 9812345678 WhatsApp only: words without digits after the number, apart from it."""
_EXT = re.compile(r"\s*(?:;?ext\.?|extn\.?|extension|x|#)[\s.:=\-]*(\d{1,6})\s*$", re.IGNORECASE)
_SPLIT = re.compile(r"\s*(?:[,/|&\n]|;(?!\s*ext)|\s+or\s+|\s+and\s+)\s*", re.IGNORECASE)
_ONLY_PHONE_CHARS = re.compile(r"^\(?\+?[\d\s().\-\[\]/]+$")  # (+91) 98123 45670 too
_DASHES = re.compile("[\u2010-\u2015\u2212\ufe58\ufe63\uff0d]|(?<=\\d)[\u30fc\uff70](?=\\d)")
"""Word's en dash, minus signs; between digits, the katakana long-vowel mark a Japanese keyboard in kana mode
types for a hyphen (090ー1234ー5678)."""
_DECIMAL = r"^\+?\d+\.\d{1,2}$"
_SEPARATORS = " ().-"
"""What a phone's digits are written apart with, taken out before they are judged."""
"""98123456.72: an amount or a spreadsheet's decimal number, not a phone number with a separator."""
_QUOTES = "\"'`\u2018\u2019\u201a\u201c\u201d\u201e\u00ab\u00bb"
"""Quotation marks around a number are no part of it, straight, curly, low or angled."""
_LONGEST = 15  # digits in the longest E.164 number
_LONGEST_CELL = 200  # characters: two numbers with labels and an extension fit well within it
SLOW_PARALLEL_MIN = 4_000
_REPEATED = "^(?:" + "|".join(f"{d}+" for d in "0123456789") + ")$"
_ALTERNATING = "^(?:" + "|".join(f"(?:{a}{b})+{a}?" for a in "0123456789" for b in "0123456789" if a != b) + ")$"
_LONG_RUN = "(?:" + "|".join(f"{d}{{8}}" for d in "0123456789") + ")"
_ANY_REPEAT = f"(?:{_REPEATED})|(?:{_ALTERNATING})|{_LONG_RUN}"
"""The three patterns in one pass over the column."""


def _sequences() -> list[str]:
    runs = ("01234567890", "12345678901", "98765432109", "09876543210")
    return sorted({r[i : i + n] for r in runs for n in range(7, len(r) + 1) for i in range(len(r) - n + 1)})


_SEQUENTIAL = pa.array(_sequences())
_SEQUENCES = frozenset(_sequences())


def _made_up(number: phonenumbers.PhoneNumber) -> bool:
    """Whether a number is one :func:`_fake_issues` calls made up (repeated-digits, fake-phone)."""
    nsn = str(number.national_number)
    return len(nsn) >= 6 and (re.search(_ANY_REPEAT, nsn) is not None or nsn in _SEQUENCES)


@dataclass(frozen=True, slots=True)
class RegionRules:
    """What the fast path needs to know about one region's numbers."""

    region: str
    country_code: str
    national_prefix: str | None
    fast: bool  # False: every number goes through phonenumbers
    general: str
    general_lengths: tuple[int, ...]
    types: tuple[tuple[str, tuple[int, ...]], ...]
    international_prefix: str = ""
    """The pattern of the region's IDD prefix (``00``): digits starting with it are dialled abroad."""
    mobile: str = ""
    """The pattern of the region's mobile numbers ("" where it has none)."""
    mobile_lengths: tuple[int, ...] = ()


@lru_cache(maxsize=512)
def region_rules(region: str) -> RegionRules:
    """The fast-path rules of a region, from phonenumbers' own metadata."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region(region)
    assert meta is not None, region
    cc = meta.country_code
    assert cc is not None
    shared = len(phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc, ())) > 1
    prefix = meta.national_prefix
    simple_prefix = meta.national_prefix_transform_rule is None and (meta.national_prefix_for_parsing in (None, prefix))
    general = meta.general_desc
    assert general is not None, region
    types = []
    for name in _TYPE_DESCS:
        desc = getattr(meta, name, None)
        if desc is None or desc.national_number_pattern is None:
            continue
        lengths = tuple(desc.possible_length or general.possible_length or ())
        if lengths == (-1,):
            continue
        types.append((desc.national_number_pattern, lengths))
    return RegionRules(
        region=region,
        country_code=str(cc),
        national_prefix=prefix if prefix and prefix.isdigit() else None,
        fast=not shared and simple_prefix and general.national_number_pattern is not None,
        general=general.national_number_pattern or "",
        general_lengths=tuple(general.possible_length or ()),
        types=tuple(types),
        international_prefix=meta.international_prefix or "",
        mobile=(meta.mobile.national_number_pattern or "") if meta.mobile else "",
        mobile_lengths=tuple(meta.mobile.possible_length or general.possible_length or ()) if meta.mobile else (),
    )


@dataclass(frozen=True, slots=True)
class PhoneColumns:
    """Per input row: E.164 number (or ""), issue code (or ""), warning codes (or "")."""

    e164: pd.Series
    issue: pd.Series
    warning: pd.Series


def normalize_phones(raw: pd.Series, region: str) -> PhoneColumns:
    """Normalize a column of phone cells; the result is aligned with ``raw``."""
    column = to_arrow(raw)
    index = raw.index
    if _mostly_distinct(column):  # hashing every cell would cost more than checking the few repeats again
        e164, nsn, issue, warning = _normalize_unique(pc.cast(column, pa.string()), region_rules(region))
        issue = _fake_issues(e164, nsn, issue)
        return PhoneColumns(
            e164=to_series(e164, index), issue=to_series(issue, index), warning=to_series(warning, index)
        )
    encoded = pc.dictionary_encode(column)
    values = pc.cast(encoded.dictionary, pa.string())
    e164, nsn, issue, warning = _normalize_unique(values, region_rules(region))
    issue = _fake_issues(e164, nsn, issue)
    take = encoded.indices
    return PhoneColumns(
        e164=to_series(pc.take(e164, take), index),
        issue=to_series(pc.take(issue, take), index),
        warning=to_series(pc.take(warning, take), index),
    )


DISTINCT_SAMPLE = 20_000


def _mostly_distinct(column: pa.Array) -> bool:
    """Whether a large column's cells are nearly all different (judged on its first cells)."""
    if len(column) < 5 * DISTINCT_SAMPLE:
        return False
    sample = column.slice(0, DISTINCT_SAMPLE)
    return bool(pc.count_distinct(sample).as_py() >= 0.9 * DISTINCT_SAMPLE)


def _normalize_unique(values: pa.Array, rules: RegionRules) -> tuple[pa.Array, pa.Array, pa.Array, pa.Array]:
    """(e164, digits checked for fake patterns, issue, warning) for unique cell values."""
    n = len(values)
    text = without_retired_mexican_prefixes(trim_whitespace(fold_phone_text(strip_invisible(values))), rules.region)
    text = without_old_mobiles(text, rules.region, _brazilian)
    empty = pc.is_in(pc.utf8_lower(text), value_set=pa.array(sorted(PLACEHOLDERS)))
    blank = pa.array(np.full(n, "", dtype=object), type=pa.string())
    e164, nsn, issue, warning = blank, blank, blank, blank
    accepted = pa.array(np.zeros(n, dtype=bool))
    rejected = accepted
    if rules.fast:
        # Only cells starting with 0 or holding something besides digits, spaces, + and - may need a rewrite.
        odd = pc.fill_null(pc.match_substring_regex(text, r"^0|[^0-9 +\-]"), False)
        some_odd = pc.any(odd).as_py()
        shaped = pc.replace_with_mask(text, odd, _common_shapes(pc.filter(text, odd), rules)) if some_odd else text
        simple = pc.and_(pc.match_substring_regex(shaped, _SIMPLE), pc.invert(empty))
        dotted = pc.fill_null(pc.and_(simple, pc.match_substring(shaped, ".")), False)
        if pc.any(dotted).as_py():  # a decimal number is not a phone: the slow path says why
            decimal = pc.match_substring_regex(pc.filter(shaped, dotted), _DECIMAL)
            simple = pc.replace_with_mask(simple, dotted, pc.invert(decimal))
        digits = without_ascii(text, _SEPARATORS)
        shaped_digits = (
            pc.replace_with_mask(digits, odd, without_ascii(pc.filter(shaped, odd), _SEPARATORS))
            if some_odd
            else digits
        )
        fast_e164, fast_nsn, ok = _fast_path(shaped_digits, rules)
        accepted = pc.and_(ok, simple)
        # Rejected for good only as written: a cell the shapes below rewrote and still failed goes the slow way.
        rejected = pc.and_(_surely_national(text, digits, rules), pc.invert(accepted))
        e164 = pc.if_else(accepted, fast_e164, "")
        nsn = pc.if_else(accepted, fast_nsn, pc.if_else(rejected, digits, ""))
        issue = pc.if_else(rejected, pa.scalar(issues.INVALID_PHONE.code, pa.string()), issue)
    slow_mask = pc.and_(pc.and_(pc.invert(accepted), pc.invert(empty)), pc.invert(rejected))
    slow_texts = pc.filter(text, slow_mask).to_pylist()
    if slow_texts:
        # Only the cells the fast path could not accept go through phonenumbers one by one.
        distinct = list(dict.fromkeys(slow_texts))
        verdicts = dict(zip(distinct, _classify_many(distinct, rules.region), strict=True))
        results = list(zip(*(verdicts[t] for t in slow_texts), strict=True))
        e164, nsn, issue, warning = (
            pc.replace_with_mask(column, slow_mask, pa.array(part, type=pa.string()))
            for column, part in zip((e164, nsn, issue, warning), results, strict=True)
        )
    return e164, nsn, issue, warning


def _common_shapes(text: pa.Array, rules: RegionRules) -> pa.Array:
    """Cells in shapes people often type, rewritten to one phonenumbers reads the same way, for the fast
    path to judge: a float's ``.0`` (9812345670.0: the slow path drops it first too), no-break spaces
    between the groups, the region's IDD prefix before the country code (0091 98…: phonenumbers strips it
    as it does a ``+``), and a trunk prefix in brackets after the code (+91 (0) 98…: phonenumbers strips
    the prefix after the code). A bracketed first group ((98123) 45670) needs no rewrite: ``_SIMPLE``
    takes a leading bracket. Only acceptance uses the rewritten text; a rewritten cell the fast path does
    not accept goes through phonenumbers as written.
    """
    shaped = pc.replace_substring_regex(text, r"^(\+?\d[\d ]*)\.0+$", r"\1")
    shaped = pc.replace_substring_regex(shaped, "[\u00a0\u2007\u202f]", " ")
    idd = rules.international_prefix
    cc = rules.country_code
    if idd.isdigit():
        shaped = pc.replace_substring_regex(shaped, f"^{idd}[ \\-]?{cc}", f"+{cc}")
    if rules.national_prefix:
        prefix = re.escape(rules.national_prefix)
        shaped = pc.replace_substring_regex(shaped, f"^(\\+{cc})[ \\-]?\\({prefix}\\)", r"\1 ")
    return shaped


def _fast_path(d: pa.Array, rules: RegionRules) -> tuple[pa.Array, pa.Array, pa.Array]:
    """For digit strings, the candidate national number and whether it is surely valid."""
    cc = rules.country_code
    plus = pc.starts_with(d, "+" + cc)
    after_plus = pc.utf8_slice_codeunits(d, 1 + len(cc))
    has_cc = pc.starts_with(d, cc)  # (never true with a "+" in front)
    after_cc = pc.utf8_slice_codeunits(d, len(cc))
    np_ = rules.national_prefix
    if np_:
        national_prefixed = pc.starts_with(d, np_)
        after_np = pc.utf8_slice_codeunits(d, len(np_))
    else:
        national_prefixed = pa.array(np.zeros(len(d), dtype=bool))
        after_np = d
    plain = pc.invert(pc.or_(pc.starts_with(d, "+"), national_prefixed))
    strip_cc = _strips_country_code(d, after_cc, has_cc, rules)
    candidate = pc.if_else(
        plus,
        after_plus,
        pc.if_else(strip_cc, after_cc, pc.if_else(plain, d, pc.if_else(national_prefixed, after_np, pa.scalar("")))),
    )
    ok = pc.and_(_valid_national(candidate, rules), pc.invert(pc.equal(candidate, "")))
    # a national number must not be mistaken for one that starts with the prefix
    ok = pc.and_(ok, pc.invert(pc.and_(national_prefixed, pc.starts_with(after_np, np_ or "\x00"))))
    if rules.international_prefix:  # Israel dials abroad with 012-019: those cells are not national
        ok = pc.and_(ok, pc.invert(pc.match_substring_regex(d, f"^(?:{rules.international_prefix})")))
    e164 = pc.binary_join_element_wise("+" + cc, candidate, "")
    return e164, candidate, pc.fill_null(ok, False)


def _strips_country_code(d: pa.Array, after_cc: pa.Array, has_cc: pa.Array, rules: RegionRules) -> pa.Array:
    """Where the leading country code is taken off: when the whole does not fit the region (as phonenumbers does),
    and, in a region whose national numbers are written with their trunk prefix, when the rest is a valid number
    (see :func:`own_code_first`).

    Checked only on the cells that start with the code (the patterns are the costly part).
    """
    if not pc.any(has_cc).as_py():
        return has_cc
    whole, rest = pc.filter(d, has_cc), pc.filter(after_cc, has_cc)
    unfit = pc.invert(_matches(whole, rules.general, rules.general_lengths))
    if rules.national_prefix:
        coded = _valid_national(rest, rules)
        if rules.mobile:  # a mobile as written (9118001416 in India) is no number missing its + (is_mobile's rule)
            coded = pc.and_(coded, pc.invert(_matches(whole, rules.mobile, rules.mobile_lengths)))
        unfit = pc.or_(unfit, coded)
    strip = pc.and_(unfit, _matches(rest, rules.general, rules.general_lengths))
    if rules.national_prefix:
        strip = pc.and_(strip, pc.invert(pc.starts_with(rest, rules.national_prefix)))
    return pc.replace_with_mask(has_cc, has_cc, strip)


def _surely_national(text: pa.Array, digits: pa.Array, rules: RegionRules) -> pa.Array:
    """Cells phonenumbers reads as a national number as they stand, so the fast path's "not valid" is final.

    Digits (spaces and dashes allowed) that start with neither 0, the country code, the national
    prefix nor the IDD prefix: no country code is taken off and no prefix stripped, so phonenumbers
    checks exactly these digits against the same patterns the fast path uses.
    """
    plain = pc.match_substring_regex(text, r"^[1-9][0-9 \-]*$")
    plain = pc.and_(plain, pc.less_equal(pc.binary_length(digits), _LONGEST))  # longer: maybe two numbers
    for prefix in (rules.country_code, rules.national_prefix):
        if prefix:
            plain = pc.and_(plain, pc.invert(pc.starts_with(digits, prefix)))
    if rules.international_prefix:
        plain = pc.and_(plain, pc.invert(pc.match_substring_regex(digits, f"^(?:{rules.international_prefix})")))
    return pc.fill_null(plain, False)


def _matches(values: pa.Array, pattern: str, lengths: tuple[int, ...]) -> pa.Array:
    hit = pc.match_substring_regex(values, f"^(?:{pattern})$")
    if lengths:
        hit = pc.and_(hit, pc.is_in(pc.utf8_length(values), value_set=pa.array(lengths, pa.int32())))
    return hit


def _brazilian(numbers: pa.Array, mobile: bool) -> pa.Array:
    """Which national numbers are valid in Brazil (``mobile``: as its mobiles)."""
    rules = region_rules("BR")
    valid = _valid_national(numbers, rules)
    return pc.fill_null(
        pc.and_(valid, _matches(numbers, rules.mobile, rules.mobile_lengths)) if mobile else valid, False
    )


def _valid_national(candidate: pa.Array, rules: RegionRules) -> pa.Array:
    """The region's validity test: the general pattern, and the pattern of some number type.

    The type patterns run as one alternation; each type's own pattern already fixes its
    lengths, and the union of their possible lengths is checked too (the equivalence
    test against phonenumbers guards this).
    """
    ok = _matches(candidate, rules.general, rules.general_lengths)
    union = "|".join(f"(?:{pattern})" for pattern, _ in rules.types)
    lengths = tuple(sorted({n for _, ls in rules.types for n in ls}))
    return pc.and_(ok, _matches(candidate, union, lengths))


def _classify_many(texts: list[str], region: str) -> list[tuple[str, str, str, str]]:
    if len(texts) < SLOW_PARALLEL_MIN or (os.cpu_count() or 1) < 2:
        return [classify_phone(t, region) for t in texts]
    workers = min(os.cpu_count() or 2, 4)
    size = -(-len(texts) // (workers * 4))
    chunks = [texts[i : i + size] for i in range(0, len(texts), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        parts = pool.map(_classify_chunk, chunks, [region] * len(chunks))
        return [r for part in parts for r in part]


def _classify_chunk(texts: list[str], region: str) -> list[tuple[str, str, str, str]]:
    return [classify_phone(t, region) for t in texts]


def classify_phone(text: str, region: str) -> tuple[str, str, str, str]:
    """One cell, its other scripts' and full-width forms folded already (:func:`fold_phone_text`, NFKC and more),
    through phonenumbers: (e164, digits for fake checks, issue, warnings)."""
    t, warnings, verdict = _number_in(text, region)
    if verdict is not None:
        return verdict
    t = as_mexico_writes_now(t, region)
    digits = re.sub(r"\D", "", t)
    number = _valid_number(t, region) if _ONLY_PHONE_CHARS.fullmatch(t) else None
    doubled = _DOUBLED_CODE.fullmatch(t) if number is None else None
    if doubled:  # +91 +91 98..., +919198...: the code typed again into a form that already had it
        number = _valid_number(f"+{doubled.group(1)}{re.sub(r'[^0-9]', '', doubled.group(2))}", region)
        if number is not None and number.country_code == int(doubled.group(1)):
            warnings.append(issues.COUNTRY_CODE_REPEATED.code)
        else:
            number = None
    if number is None:
        return _labelled_elsewhere(text, region) or ("", digits, issues.INVALID_PHONE.code, ", ".join(warnings))
    number = own_code_first(t, number, region)
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, str(number.national_number), "", ", ".join(warnings)


def _number_in(text: str, region: str) -> tuple[str, list[str], tuple[str, str, str, str] | None]:
    """The number a cell holds as written, without what surrounds it (a label, words after it, an extension, a
    second number), with the warnings that says; or a verdict already given by how the cell is written."""
    if len(text) > _LONGEST_CELL:  # a paragraph, not a phone (and too long for the patterns below)
        return text, [], ("", "", issues.INVALID_PHONE.code, "")
    text = text.strip().strip(_QUOTES)  # "98450 12345", “98450 12345” (pasted from a message or a document)
    link = _WHATSAPP_LINK.match(text.strip())
    t = f"+{link.group(1)}" if link else _without_label(_PREFIX.sub("", text.strip()), region)
    t = _PLUSES.sub(r"\1+", t)
    warnings: list[str] = []
    if t.casefold() in PLACEHOLDERS:
        return t, warnings, ("", "", "", "")
    t = FLOAT_TAIL.sub("", _DASHES.sub("-", t))
    if _NEGATIVE.match(t):  # the spreadsheet subtracted: the number is gone
        return t, warnings, ("", re.sub(r"\D", "", t), issues.DAMAGED_PHONE.code, "")
    if re.fullmatch(_DECIMAL, t):
        return t, warnings, ("", re.sub(r"\D", "", t), issues.INVALID_PHONE.code, "")
    t = without_note(_TRAILING_WORDS.sub("", _LABEL.sub("", with_plain_separators(t))).rstrip(" ,;."), region)
    if _GROUPED.fullmatch(t):
        t = t.replace(",", "")
    sci = _SCI.fullmatch(t)
    if sci:
        expanded = expand_scientific(sci)
        if expanded is None:
            return t, warnings, ("", "", issues.DAMAGED_PHONE.code, "")
        t = expanded
    parts = [_bare(p, region) for p in _SPLIT.split(t) if p.strip()]  # 98450 12345 (M), 022 2345 6789 (O)
    lengths = [len(re.sub(r"\D", "", p)) for p in parts]
    several = len(parts) > 1 and (sum(n >= 6 for n in lengths) > 1 or (lengths[0] >= 6 and max(lengths[1:]) <= 4))
    if several and len(parts) == 2 and "/" in t and _valid_number(parts[0], region) is None:
        several = _valid_number(t.replace("/", ""), region) is None  # 036336/652: area code / number (Germany)
        t = t.replace("/", "") if not several else t
    if several and len({re.sub(r"\D", "", p) for p in parts}) == 1:  # 98450 12345 / 98450 12345: one number
        t, several = parts[0], False
    if several:
        t = preferred_number(parts, region, made_up=_made_up)
        warnings.append(issues.MULTIPLE_PHONES.code)
    elif len(re.sub(r"\D", "", t)) > _LONGEST:
        first = _first_of_spaced(t, region) or first_of_jammed(t, region)  # 98123 45672 98123 45673, 98...98...
        if first is not None:
            t = first
            warnings.append(issues.MULTIPLE_PHONES.code)
    ext = _EXT.search(t)
    if ext and len(re.sub(r"\D", "", t[: ext.start()])) >= 6:
        t = t[: ext.start()]
        warnings.append(issues.PHONE_EXTENSION_DROPPED.code)
    return t, warnings, None


def written_number(text: str, region: str) -> str:
    """The number ``text`` holds as written when read in ``region``: ``(415) 555-0134`` of
    ``Tel: (415) 555-0134 x12 - John``; ``text`` itself when the cell says it is no number."""
    t, _, verdict = _number_in(text, region)
    return text if verdict is not None else t


def _labelled_elsewhere(text: str, region: str) -> tuple[str, str, str, str] | None:
    """The verdict on a number labelled with another country than ``region`` (``Germany 0151 12345678``,
    ``USA +1 415 555 0134``) that is valid there: sent when its own ``+`` code says its country, the row's own when
    that country dials ``region``'s code, else held back as that country's (``phone-other-country:DE``). None when
    the label names no other country or the number is not valid in the one it names."""
    stripped = _PREFIX.sub("", text.strip())
    label = _LEADING_TEXT.match(stripped)
    if label is None or label.end() == len(stripped):
        return None
    head = label.group().rstrip()
    head = head[:-1].rstrip() if head.endswith("(") else head
    named = _country_named(head)
    if named is None or region in (named, NO_REGION):  # a row of no country: only a + says where a number is
        return None
    t, warnings, verdict = _number_in(stripped[len(head) :].lstrip(), named)
    number = _valid_number(t, named) if verdict is None and _ONLY_PHONE_CHARS.fullmatch(t) else None
    if number is None:
        return None
    country = phonenumbers.region_code_for_number(number)
    if "+" in t or number.country_code == phonenumbers.country_code_for_region(region):
        e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        return e164, str(number.national_number), "", ", ".join(warnings)
    warnings.append(f"{issues.PHONE_OTHER_COUNTRY.code}:{country}")
    return "", str(number.national_number), issues.PHONE_OTHER_COUNTRY.code, ", ".join(warnings)


def is_mobile(digits: str, region: str) -> bool:
    """Whether ``digits`` (a national number, digits alone) is one of the region's mobiles: phonenumbers' mobile
    pattern and possible lengths (any length where it gives none; no region does). The fast path applies the
    same rule to a whole column with :func:`_matches`."""
    rules = region_rules(region)
    return bool(
        rules.mobile
        and (not rules.mobile_lengths or len(digits) in rules.mobile_lengths)
        and _pattern(rules.mobile).fullmatch(digits)
    )


@lru_cache(maxsize=512)
def _pattern(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def own_code_first(text: str, number: phonenumbers.PhoneNumber, region: str) -> phonenumbers.PhoneNumber:
    """``number`` (``text`` read as a national number of ``region``), or the number ``text`` is with its leading
    digits read as ``region``'s calling code when that is valid too and ``region`` writes its national numbers with
    a trunk prefix ``text`` lacks: ``4915112345678`` is +49 151 12345678 typed into Excel (which drops the +), not a
    landline of an area code 04915 written without its 0 (+62 812..., +383 44... alike). phonenumbers takes the
    code off only when the whole is no number of the region; where lengths vary, it often is one. A whole that is
    one of the region's mobiles stays as written."""
    if "+" in text or region == NO_REGION:  # the code is written, or there is no region to read it in
        return number
    rules = region_rules(region)
    if not rules.national_prefix:
        return number
    digits = re.sub(r"\D", "", text)
    if not digits.startswith(rules.country_code) or digits.startswith(rules.national_prefix):
        return number
    if rules.international_prefix and re.match(f"(?:{rules.international_prefix})", digits):
        return number
    if is_mobile(digits, region):
        return number  # a mobile as written: 9118001416 is an Indian mobile, not +91 1800 1416 (toll-free)
    coded = _valid_number("+" + digits, region)
    return coded if coded is not None and str(coded.country_code) == rules.country_code else number


# A country code written twice: "+91 +91 98123 45601", "+91 91 98123 45601", "+919198123456 01".
_DOUBLED_CODE = re.compile(r"\+\s*(\d{1,3})[\s\-.()]*\+?\s*\1[\s\-.()]*(\d[\d\s\-.()]{5,})")


def _bare(part: str, region: str) -> str:
    """One of a cell's numbers without its own label before or after it (``Mob: 98...``, ``98... (M)``)."""
    bare = _TRAILING_WORDS.sub("", _LABEL.sub("", _without_label(_PREFIX.sub("", part.strip()), region)))
    return bare.rstrip(" ,;.") or part


def _first_of_spaced(text: str, region: str) -> str | None:
    """The first valid number of a cell too long for one, when only spaces separate two."""
    for gap in re.finditer(r"\s+", text):
        head, tail = text[: gap.start()], text[gap.end() :]
        if len(re.sub(r"\D", "", tail)) < 6 or not _ONLY_PHONE_CHARS.fullmatch(head):
            continue
        try:
            number = phonenumbers.parse(_FORMATTING.sub("", head), region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(number):
            return preferred_number([head, _bare(tail, region)], region, made_up=_made_up)  # Ph: 022... Mob: 98...
    return None


def expand_scientific(match: re.Match[str]) -> str | None:
    """Digits of 9.876543210E+09-style text, or None when Excel already dropped digits.

    The text is lossless only when its exponent uses up exactly the digits shown;
    any zero that would have to be appended was never in the cell.
    """
    whole, frac, exp = match.group(1), match.group(2) or "", int(match.group(3))
    if exp != len(frac):
        return None
    return (whole + frac).lstrip("0") or None


def _fake_issues(e164: pa.Array, nsn: pa.Array, issue: pa.Array) -> pa.Array:
    """Replace the issue by repeated-digits / fake-phone where the digits form such a pattern."""
    long_enough = pc.greater_equal(pc.utf8_length(nsn), 6)
    repeated = pc.and_(pc.match_substring_regex(nsn, _ANY_REPEAT), long_enough)
    sequential = pc.and_(pc.is_in(nsn, value_set=_SEQUENTIAL), long_enough)
    damaged = pc.equal(issue, issues.DAMAGED_PHONE.code)
    out = pc.if_else(pc.and_(repeated, pc.invert(damaged)), pa.scalar(issues.REPEATED_DIGITS.code), issue)
    return pc.if_else(pc.and_(sequential, pc.invert(damaged)), pa.scalar(issues.FAKE_PHONE.code), out)


NO_REGION = "ZZ"
"""phonenumbers' unknown region: only a number written with its + and country code reads in it."""


def normalize_phones_anywhere(raw: pd.Series) -> PhoneColumns:
    """Phones of rows with no region to read them in: only numbers written with + and a country code are valid."""
    column = pc.cast(to_arrow(raw), pa.string())
    encoded = pc.dictionary_encode(column)
    values = trim_whitespace(fold_phone_text(strip_invisible(pc.cast(encoded.dictionary, pa.string())))).to_pylist()
    verdicts = [
        ("", "", "", "") if (v or "").casefold() in PLACEHOLDERS else classify_phone(v or "", NO_REGION) for v in values
    ]
    e164, nsn, issue, warning = (pa.array([v[i] for v in verdicts], type=pa.string()) for i in range(4))
    issue = _fake_issues(e164, nsn, issue)
    take = encoded.indices
    index = raw.index
    return PhoneColumns(
        e164=to_series(pc.take(e164, take), index),
        issue=to_series(pc.take(issue, take), index),
        warning=to_series(pc.take(warning, take), index),
    )
