"""How well one column fits one lead field: by its header (in many languages) and by its cells."""

from __future__ import annotations

import collections
import difflib
import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass

from importer.config import HEADER_KEY_CHARS, PHONE_COUNTRY_CODE
from importer.normalize.countries import region_of_code
from importer.normalize.phones import PLACEHOLDERS
from importer.tools.describe import ColumnProfile, names_no_phone, value_kind, without_marks
from importer.tools.vocabulary import (
    BARE_NAMES,
    EMAIL_EXACT,
    EMAIL_FRAGMENTS,
    EMAIL_TOKENS,
    EMAIL_WEAK,
    FIRST_NAME_EXACT,
    FULL_NAME_EXACT,
    LAST_NAME_EXACT,
    NOT_THE_LEAD,
    PHONE_EXACT,
    PHONE_FRAGMENTS,
    PHONE_TOKENS,
    PHONE_WEAK,
    _words,
    header_key,
    header_tokens,
    is_city,
    is_company,
    is_country,
    is_fax,
    is_generic,
    is_geolocated,
    is_someone_elses,
    keys,
    names_an_ad,
)

# Headers count as phone/email with less than this content share only when the header says so.
CONTENT_ONLY_MIN = 0.6
ACCEPT_MIN = 0.45
EXACT, WEAK, CONTAINS, FUZZY = 0.95, 0.7, 0.8, 0.6
PERSON_GUESS = 0.5
"""Confidence of a name column found by its cells alone (the header says nothing): low, to be checked."""
CONTENT_NOUNS = {"phone": "phones", "email": "emails", "name": "names"}


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How headers name one lead field (all keys as ``header_key`` makes them)."""

    field: str
    exact: frozenset[str]  # headers that name the field
    weak: frozenset[str]  # headers that probably name it
    contains: tuple[str, ...]  # fragments that name it inside a longer header
    content: str | None = None  # the value kind that confirms it
    tokens: frozenset[str] = frozenset()  # words that name it among a header's words (tel_work, Phone 1 - Value)


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """One lead field, the header that feeds it, and why; ``aliases``: the columns it falls back on, in order."""

    field: str
    header: str
    confidence: float
    evidence: str
    aliases: tuple[str, ...] = ()


Choices = dict[str, tuple[ColumnProfile, FieldChoice]]
"""The column and the choice made for each lead field so far."""

FIELD_RULES = (
    FieldRule("phone", PHONE_EXACT, PHONE_WEAK, PHONE_FRAGMENTS, "phone", PHONE_TOKENS),
    FieldRule("email", EMAIL_EXACT, EMAIL_WEAK, EMAIL_FRAGMENTS, "email", EMAIL_TOKENS),
    FieldRule(
        "name",
        FULL_NAME_EXACT,
        _words(
            "customer client lead prospect student candidate applicant visitor member participant attendee guest "
            "patient caller sender buyer enquirer"
        ),
        (
            "fullname",
            "customername",
            "custname",
            "clientname",
            "leadname",
            "contactname",
            "prospectname",
            "姓名",
            "名字",
            "氏名",
            "名前",
            header_key("이름"),
            header_key("성명"),
        ),
        "name",
        BARE_NAMES | _words("fullname"),
    ),
    FieldRule("firstName", FIRST_NAME_EXACT, _words("first"), ("firstname", "givenname", "vorname", "prenom"), "name"),
    FieldRule(
        "lastName",
        LAST_NAME_EXACT,
        _words("last"),
        ("lastname", "surname", "familyname", "nachname", "apellido", "cognome", "achternaam", "sobrenome", "фамили"),
        "name",
    ),
    FieldRule(
        "referenceId",
        _words(
            "leadid leadno leadnumber leadref leadreference leadcode enquiryno enquirynumber enquiryid enqno enqid "
            "inquiryno inquirynumber inquiryid referenceid referenceno referencenumber refid refno uniqueid "
            "customerid custid recordid applicationid applicationno registrationid registrationno ticketid ticketno "
            "queryid queryno querynumber uniquequeryid requestid requestno responseid submissionid entryid prospectid"
        ),
        _words("id ref reference"),
        ("leadid", "enquiryno", "enquiryid", "inquiryid", "inquiryno", "referenceid", "refid", "refno"),
    ),
    FieldRule("groupId", _words("groupid leadgroup groupname"), _words("group"), ("groupid",)),
    FieldRule(
        PHONE_COUNTRY_CODE,
        _words(
            "countrycode isdcode isd dialcode dialingcode callingcode countrycallingcode countrydialcode "
            "phonecountrycode mobilecountrycode phonecode mobilecode"
        )
        | keys("código de país", "code pays", "ländervorwahl", "prefisso internazionale", "landcode", "kode negara"),
        frozenset(),
        ("countrycode", "isdcode", "dialcode", "dialingcode", "callingcode"),
    ),
)
_REFERENCE_RULE = next(rule for rule in FIELD_RULES if rule.field == "referenceId")
_PERSON_FIELDS = ("name", "firstName", "lastName")
_COMPANY_MARKS = _words(
    "ltd limited llc llp inc incorporated corp corporation co company gmbh ag kg ohg ug sa sas sarl srl spa sl "
    "bv nv plc pty pvt oy ab as aps kk pte bhd tbk group holding holdings solutions services "
    "technologies systems consulting industries enterprises international global studio agency partners 有限公司 株式会社"
) | _words("ооо зао пао оао")  # noqa: RUF001 (Russian company forms)
_NAME_TOKEN = re.compile(r"[^\W\d_][^\W\d_'\u2019.\-]*", re.UNICODE)


COUNTRY_SHARE = 0.6
"""Share of a country-headed column's filled cells that must name a country for it to read the rows' phones."""


def score_column(
    column: ColumnProfile, rule: FieldRule, country_cells: Sequence[str] = (), *, header_may_match: bool = True
) -> FieldChoice | None:
    """How well ``column`` fits ``rule.field``, or None when it does not.

    ``header_may_match`` False (from :func:`header_may_match`) says the header names no field.
    """
    header_score, header_why = header_match(column.header, rule) if header_may_match else (0.0, "")
    if not header_score and rule.field not in ("phone", "email", PHONE_COUNTRY_CODE):
        return None  # only phones, emails and countries are ever found by their cells
    share = column.shares.get(rule.content, 0.0) if rule.content else 0.0
    if not header_score and rule.field in ("phone", "email") and share < CONTENT_ONLY_MIN:
        return None  # too few of its cells look like one for the cells alone to choose it
    content_why = _content_evidence(column, rule, share)
    if rule.field in _PERSON_FIELDS and (is_company(column.header) or is_city(column.header)):
        return None  # an employer or a town is nobody's name
    if rule.field == "phone" and not _may_be_phone(column):
        return None
    if rule.field == "email" and is_someone_elses(column.header):
        return None  # the owner's or a referrer's address, on every row: each lead would go with it
    if rule.field in ("phone", "email"):
        if header_score and (column.filled < 3 or share >= 0.3):
            confidence = 0.5 * header_score + 0.5 * share
        elif share >= CONTENT_ONLY_MIN and not _names_an_id(column.header):
            if rule.field == "phone" and not is_generic(column.header) and _numbered_in_sequence(column):
                return None  # Creative, Form: an ad's ids; a blank or Col5 header may still hold the phones
            confidence, header_why = 0.8 * share, f"header {column.header!r} says nothing"
        else:
            return None
        confidence *= 0.7 + 0.3 * column.fill_rate  # a well-filled column beats a sparse one
    elif rule.field == PHONE_COUNTRY_CODE:  # the header names a code or country, and the cells name countries
        if is_geolocated(column.header):
            return None  # IP Country: a VPN or a trip puts an Indian mobile's row in the US
        cells = [c for c in (country_cells or column.samples) if c.strip() and c.strip().casefold() not in PLACEHOLDERS]
        by_cells = not header_score and not is_country(column.header)
        if by_cells and not _calling_codes(cells):
            return None
        codes = [region_of_code(c) for c in cells]
        # A row whose country is not recognised is refused (unknown-country), visibly; without the column every row
        # would be read as the default region's, and a neighbour's number sent under it.
        if not codes or sum(bool(c) for c in codes) < COUNTRY_SHARE * len(codes):
            return None
        confidence = header_score or WEAK
        named = f"{sum(bool(c) for c in codes) / len(codes):.0%} of {column.header!r}"
        header_why = header_why or (f"{named} are calling codes" if by_cells else f"{named} name a country")
    elif rule.field == "referenceId":
        if column.serial:
            return None  # 1, 2, 3 ...: next week's file numbers its rows from 1 again
        confidence = header_score * (0.7 + 0.3 * (column.distinct / column.filled if column.filled else 0.0))
    elif rule.content:
        confidence = header_score * (0.8 + 0.2 * share) * (0.7 + 0.3 * column.fill_rate)
    else:
        confidence = header_score
    if confidence < ACCEPT_MIN:
        return None
    evidence = "; ".join(x for x in (header_why, content_why) if x)
    return FieldChoice(rule.field, column.header, round(confidence, 2), evidence)


_CALLING_CODE = re.compile(r"\(?(\+|00)?\s*\d{1,4}\)?")
CALLING_CODE_SHARE = 0.9
"""Share of a column's filled cells that must be calling codes (+44, 0091, 971), half of them written with + or
00, for the cells alone to make it the phones' country column: under a header that says nothing of it (the
codes' half of a "Mobile No." merged over code and number)."""


def _calling_codes(cells: Sequence[str]) -> bool:
    """Whether ``cells`` are calling codes, most of them marked as such (a bare 44 may be anybody's count)."""
    if len(cells) < 3:
        return False
    codes = marked = 0
    for cell in cells:
        match = _CALLING_CODE.fullmatch(cell.strip())
        if match is not None and region_of_code(cell):
            codes += 1
            marked += match.group(1) is not None
    return codes >= CALLING_CODE_SHARE * len(cells) and 2 * marked >= len(cells)


def _may_be_phone(column: ColumnProfile) -> bool:
    """Not a fax, not ids or dates, and not one number shared by most rows (an office line, a call log's own)."""
    if is_fax(column.header):
        return False
    if names_no_phone(column.header) and column.shares.get("phone", 0.0) < 1.0:
        return False
    return not one_number_on_most_rows(column)


def one_number_on_most_rows(column: ColumnProfile) -> bool:
    """One value on every row or most of them: an office line, a call log's own number, nobody's own."""
    return (column.filled >= 3 and column.distinct == 1) or (
        column.filled >= 5 and column.most_common >= 0.8 * column.filled
    )


SEQUENCE_SAMPLE = 5
"""Distinct numbers a column found by its cells alone needs before they are told apart from ids given in turn."""
SHARED_LEAD = 6
"""Leading digits that numbers given in sequence (an ad's creative ids, a form's submissions) share, and different
people's phones do not."""


def _numbered_in_sequence(column: ColumnProfile) -> bool:
    """Whether a column's numbers are ids handed out in turn, not people's phones: a few values repeated over many
    rows (the campaign's or form's id), or all of them sharing their first digits (6834567890, 6834567893 ...)."""
    if column.filled >= 2 * SEQUENCE_SAMPLE and column.distinct * 2 < column.filled:
        return True
    digits = {re.sub(r"\D", "", s) for s in column.samples}
    digits.discard("")
    if len(digits) < SEQUENCE_SAMPLE or len({len(d) for d in digits}) != 1:
        return False
    return len({d[:SHARED_LEAD] for d in digits}) == 1 and len(next(iter(digits))) > SHARED_LEAD


def _names_an_id(header: str) -> bool:
    """Whether a header names an id or a count (Query ID, Lead No.): digits under it are no phone number."""
    key = header_key(header)
    return header_match(header, _REFERENCE_RULE)[0] > 0 or key.endswith(("id", "code", "count", "amount"))


def header_may_match(header: str) -> bool:
    """False when :func:`header_match` finds nothing in ``header`` for any rule: the same tests against all the
    rules' words at once (a sheet may have 100,000 headers, most of them naming no field)."""
    key = header_key(header)
    if not key:
        return False
    words, tokens, fragments, alphabet, within = _all_rules()
    if key in words or key.endswith("name") or fragments.search(key):
        return True
    # The key is the header's words' keys run together, so a word of the rules is in it, unless the key was cut
    # short (HEADER_KEY_CHARS of the header's NFKD form, at most 18 characters for each of the header's).
    whole = len(header) * 18 <= HEADER_KEY_CHARS or (header.isascii() and len(header) <= HEADER_KEY_CHARS)
    if (not whole or within.search(key)) and any(t in tokens for t in header_tokens(header)):
        return True
    return bool(_passing_bounds(None, len(key), "".join(sorted(filter(alphabet.__contains__, key)))))


@functools.cache
def _all_rules() -> tuple[frozenset[str], frozenset[str], re.Pattern[str], frozenset[str], re.Pattern[str]]:
    """Every rule's exact and weak keys, tokens, fragments (as one search), misspellable letters, and its tokens
    as one search."""
    words = frozenset().union(*(r.exact | r.weak for r in FIELD_RULES))
    tokens = frozenset().union(*(r.tokens for r in FIELD_RULES))
    fragments = re.compile("|".join(re.escape(f) for r in FIELD_RULES for f in r.contains))
    within = re.compile("|".join(map(re.escape, sorted(tokens))))
    return words, tokens, fragments, _misspellable(None)[0], within


def header_match(header: str, rule: FieldRule) -> tuple[float, str]:
    """(score, evidence) for a header naming ``rule.field``; (0, "") when it does not."""
    key = header_key(header)
    if not key:
        return 0.0, ""
    if key in rule.exact:
        return EXACT, f"header {header!r} matches {rule.field}"
    if key in rule.weak:
        return WEAK, f"header {header!r} may mean {rule.field}"
    if rule.field in _PERSON_FIELDS and _NOT_THE_LEAD.search(key):
        return 0.0, ""  # Company Name, Form Name, Father's Name: someone or something else
    if rule.field == "groupId" and names_an_ad(header):
        return 0.0, ""  # Ad group, adgroup_id, Campaign Group: the CRM's groupId is the team's own analytics group
    token = next((t for t in header_tokens(header) if t in rule.tokens), None) if rule.tokens else None
    if token:
        return CONTAINS, f"header {header!r} has the word {token!r}"
    # One search says whether any fragment is there; the first in the rule's order is the one named.
    fragment = next((f for f in rule.contains if f in key), None) if _fragments(rule).search(key) else None
    if fragment:
        return CONTAINS, f"header {header!r} contains {fragment!r}"
    if rule.field == "name" and key.endswith("name"):
        return WEAK, f"header {header!r} names someone"
    close = _misspelt(key, rule)
    if close:
        return FUZZY, f"header {header!r} looks like a misspelt {close!r}"
    return 0.0, ""


@functools.cache
def _fragments(rule: FieldRule) -> re.Pattern[str]:
    """A search for any of the rule's fragments (a sheet may have 100,000 headers, each asked about by every rule)."""
    return re.compile("|".join(map(re.escape, rule.contains)) or r"(?!)")


_NOT_THE_LEAD = re.compile("|".join(map(re.escape, NOT_THE_LEAD)))
"""A header key holding any of NOT_THE_LEAD (one search instead of one per word)."""
MISSPELT_CUTOFF = 0.85


def _misspelt(key: str, rule: FieldRule) -> str | None:
    """The exact header key ``key`` is closest to (``difflib.get_close_matches`` with one answer, cutoff 0.85).

    Only the keys that pass its two cheap bounds are compared letter by letter. The bounds depend on the length
    of ``key`` and on its letters that the rule's keys use, which a sheet's many headers share (Question 1,
    Question 2 ...): they are worked out once for each such pair. A sheet may have 100,000 headers.
    """
    alphabet, _ = _misspellable(rule)
    letters = "".join(sorted(filter(alphabet.__contains__, key)))
    best: tuple[float, str] | None = None
    for candidate in _passing_bounds(rule, len(key), letters):
        if candidate.startswith(key) or key.startswith(candidate):
            continue  # Customer is no misspelt customerid, nor Lead Group ID a misspelt leadgroup: another word
        score = difflib.SequenceMatcher(None, candidate, key).ratio()
        if score >= MISSPELT_CUTOFF and (best is None or (score, candidate) > best):
            best = (score, candidate)
    return best[1] if best else None


@functools.lru_cache(maxsize=1 << 12)
def _passing_bounds(rule: FieldRule | None, length: int, letters: str) -> tuple[str, ...]:
    """The rule's keys that may be within the cutoff of a key of ``length`` characters holding ``letters`` (its
    characters that the rule's keys use): difflib's real_quick_ratio and quick_ratio bounds. No rule: all rules."""
    counts = collections.Counter(letters)
    passing = []
    for candidate, theirs in _misspellable(rule)[1]:
        total = length + len(candidate)
        if 2.0 * min(length, len(candidate)) / total < MISSPELT_CUTOFF:
            continue
        if 2.0 * sum(min(n, counts[ch]) for ch, n in theirs.items()) / total < MISSPELT_CUTOFF:
            continue
        passing.append(candidate)
    return tuple(passing)


@functools.cache
def _misspellable(rule: FieldRule | None) -> tuple[frozenset[str], tuple[tuple[str, collections.Counter[str]], ...]]:
    """The rule's exact keys (no rule: every rule's) long enough to be told apart from a misspelling, with their
    letters counted, and every character they use."""
    exact = rule.exact if rule else frozenset().union(*(r.exact for r in FIELD_RULES))
    keys = tuple((k, collections.Counter(k)) for k in exact if len(k) >= 5)
    return frozenset(ch for k, _ in keys for ch in k), keys


def _content_evidence(column: ColumnProfile, rule: FieldRule, share: float) -> str:
    if not column.filled:
        return "the column is empty"
    if rule.field == "referenceId":
        return f"{column.distinct / column.filled:.0%} of values are distinct"
    if rule.content:
        return f"{share:.0%} of filled cells look like {CONTENT_NOUNS[rule.content]}"
    return ""


def person_name_share(cells: Sequence[str]) -> float:
    """Share of filled cells that read as a person's full name (two to four words, no company suffix)."""
    filled = [c.strip() for c in cells if c.strip() and c.strip().casefold() not in PLACEHOLDERS]
    if not filled:
        return 0.0
    return sum(1 for c in filled if _is_person(c)) / len(filled)


def _is_person(text: str) -> bool:
    if value_kind(text) != "name":
        return False
    words = _NAME_TOKEN.findall(without_marks(text))
    if any(header_key(w) in _COMPANY_MARKS for w in words):
        return False
    if len(words) == 1:  # 张伟, 김민준, 山田太郎: a whole name in a script written without spaces
        return bool(re.fullmatch(r"[\u4e00-\u9fff\uac00-\ud7af\u3040-\u30ff]{2,4}", words[0]))
    return 2 <= len(words) <= 4 and all(w[0].isupper() or not w[0].isascii() for w in words if len(w) > 3)


def single_word_share(cells: Sequence[str]) -> float:
    """Share of filled cells that are one word (a given or a family name, not a whole name)."""
    filled = [c.strip() for c in cells if c.strip() and c.strip().casefold() not in PLACEHOLDERS]
    if not filled:
        return 0.0
    return sum(1 for c in filled if len(_NAME_TOKEN.findall(without_marks(c))) == 1 and " " not in c) / len(filled)


def describes_something_else(header: str) -> bool:
    """A header naming a company, a place, a product, a campaign ...: its cells are nobody's name."""
    key = header_key(header)
    return is_company(header) or is_city(header) or is_country(header) or _NOT_THE_LEAD.search(key) is not None
