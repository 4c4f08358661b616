"""A first mapping for a lead file, guessed from its headers and cell contents."""

from __future__ import annotations

import difflib
import json
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import yaml

from importer.config import (
    FIELD_TARGETS,
    METADATA_PREFIX,
    PHONE_COUNTRY_CODE,
    ColumnSpec,
    LeadMapping,
    normalize_header,
)
from importer.errors import ConfigError, SourceError
from importer.normalize.countries import region_of_code
from importer.read.source import HEADER_SEARCH_ROWS, match_header
from importer.tools.describe import ColumnProfile, TableInspection, inspect_file

# Headers count as phone/email with less than this content share only when the header says so.
CONTENT_ONLY_MIN = 0.6
ACCEPT_MIN = 0.45
EXACT, WEAK, CONTAINS, FUZZY = 0.95, 0.7, 0.8, 0.6
CONTENT_NOUNS = {"phone": "phones", "email": "emails", "name": "names"}


@dataclass(frozen=True, slots=True)
class FieldRule:
    """How headers name one lead field (all keys as ``normalize_header`` makes them)."""

    field: str
    exact: frozenset[str]  # headers that name the field
    weak: frozenset[str]  # headers that probably name it
    contains: tuple[str, ...]  # fragments that name it inside a longer header
    content: str | None = None  # the value kind that confirms it


def _keys(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Hindi headers (नाम "name", पूरा नाम "full name", ग्राहक का नाम "customer's name"), keyed as headers are.
_HINDI_NAME = frozenset(normalize_header(h) for h in ("नाम", "पूरा नाम", "ग्राहक का नाम", "ग्राहक नाम"))
_HINDI_PHONE = frozenset(normalize_header(h) for h in ("मोबाइल", "मोबाइल नंबर", "फ़ोन", "फोन", "फ़ोन नंबर", "फोन नंबर"))
_HINDI_EMAIL = frozenset(normalize_header(h) for h in ("ईमेल", "ई-मेल"))
_NOT_THE_LEAD = (
    "father", "mother", "husband", "spouse", "guardian", "company", "business", "firm", "organisation",
    "organization", "campaign", "adset", "adname", "form", "product", "project", "city", "state", "country",
    "agent", "executive", "counsellor", "counselor", "dealer", "branch", "salesperson", "owner", "employee",
    "manager", "user", "file", "sheet", "course", "plan", "source", "village", "district", "street", "college",
    "school", "bank", "account", "model", "brand", "vehicle", "variant", "item", "service", "category", "package",
    "property", "unit", "site", "location", "area", "locality", "centre", "center", "store", "shop", "event",
    "batch", "team", "job", "role", "designation", "department", "institute", "university", "hospital", "doctor",
    "clinic", "reference", "referrer", "friend", "nominee", "group", "list", "tag", "stage", "status",
)  # fmt: skip
"""Words that make "<word> name" someone or something other than the lead."""


FIELD_RULES = (
    FieldRule(
        "phone",
        _keys(
            "mobile mobileno mobilenumber mobilenum mob mobno mobilephone phone phoneno phonenumber phonenum phno "
            "contact contactno contactnumber contactnum cellno cellnumber "
            "cellphone telephone telno telephoneno telephonenumber msisdn primaryphone primarymobile primarycontact "
            "customermobile customermobileno customerphone customercontact custmobile custmobileno custphone "
            "custcontact leadphone leadmobile mobile1 phone1 contact1"
        )
        | _HINDI_PHONE,
        _keys("number cell tel ph whatsapp whatsappno whatsappnumber contactdetails contactinfo"),
        ("mobile", "phone", "whatsapp", "contactno", "contactnum", "cellno", "telno"),
        "phone",
    ),
    FieldRule(
        "email",
        _keys(
            "email emailid emailaddress emailaddr emails emailids mailid customeremail customeremailid custemail "
            "leademail email1"
        )
        | _HINDI_EMAIL,
        _keys("mail"),
        ("email", "mailid", "mailaddress"),
        "email",
    ),
    FieldRule(
        "name",
        _keys(
            "name fullname customername custname customerfullname clientname leadname contactname contactperson "
            "candidatename studentname applicantname visitorname personname prospectname buyername nameofcustomer "
            "sendername callername enquirername inquirername requestername membername participantname attendeename "
            "guestname patientname parentname whatsyourname yourname yourfullname nameoftheperson "
        )
        | _HINDI_NAME,
        _keys(
            "customer client lead prospect student candidate applicant visitor member participant attendee guest "
            "patient caller sender buyer enquirer"
        ),
        ("fullname", "customername", "custname", "clientname", "leadname", "contactname", "prospectname"),
        "name",
    ),
    FieldRule(
        "firstName",
        _keys("firstname fname givenname forename customerfirstname"),
        _keys("first"),
        ("firstname", "givenname"),
        "name",
    ),
    FieldRule(
        "lastName",
        _keys("lastname lname surname familyname customerlastname"),
        _keys("last"),
        ("lastname", "surname", "familyname"),
        "name",
    ),
    FieldRule(
        "referenceId",
        _keys(
            "leadid leadno leadnumber leadref leadreference leadcode enquiryno enquirynumber enquiryid enqno enqid "
            "inquiryno inquirynumber inquiryid referenceid referenceno referencenumber refid refno uniqueid "
            "customerid custid recordid applicationid applicationno registrationid registrationno ticketid ticketno "
            "queryid queryno querynumber requestid requestno responseid submissionid entryid"
        ),
        _keys("id ref reference"),
        ("leadid", "enquiryno", "enquiryid", "inquiryid", "inquiryno", "referenceid", "refid", "refno"),
    ),
    FieldRule("groupId", _keys("groupid leadgroup groupname"), _keys("group"), ("groupid",)),
    FieldRule(
        PHONE_COUNTRY_CODE,
        _keys(
            "countrycode isdcode isd dialcode dialingcode callingcode countrycallingcode countrydialcode "
            "phonecountrycode mobilecountrycode phonecode mobilecode"
        ),
        frozenset(),
        ("countrycode", "isdcode", "dialcode", "dialingcode", "callingcode"),
    ),
)


_REFERENCE_RULE = next(rule for rule in FIELD_RULES if rule.field == "referenceId")


@dataclass(frozen=True, slots=True)
class FieldChoice:
    """One lead field, the header that feeds it, and why."""

    field: str
    header: str
    confidence: float
    evidence: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed mapping for one file, with what could not be placed."""

    path: str
    region: str
    table: TableInspection  # the sheet (or text table) the mapping was made for
    sheet: str | None  # the sheet the mapping must name (None: a text file or the first sheet)
    header_row: int | None  # set only when the reader would not find the header by itself
    fields: tuple[FieldChoice, ...]
    metadata: tuple[tuple[str, str], ...]  # metadata key → header
    unplaced: tuple[str, ...]
    notes: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Placement:
    fields: tuple[FieldChoice, ...]
    metadata: tuple[tuple[str, str], ...]
    unplaced: tuple[str, ...]
    notes: tuple[str, ...]

    def has(self, *names: str) -> bool:
        return any(c.field in names for c in self.fields)


def suggest_mapping(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    region: str = "IN",
) -> Suggestion:
    """Propose a mapping for ``path`` from its headers and the contents of its columns."""
    region = region.strip().upper()
    if region not in phonenumbers.SUPPORTED_REGIONS:
        raise ConfigError(f"region {region!r} is not a known region code (e.g. IN, US, GB).")
    inspection = inspect_file(path, sheet=sheet, encoding=encoding, delimiter=delimiter)
    usable = [t for t in inspection.tables if t.header_row is not None and t.columns]
    if not usable:
        where = f"sheet {sheet!r}" if sheet is not None else "any sheet" if inspection.sheets else "the file"
        raise SourceError(
            f"{inspection.path}: no header row found in the first {HEADER_SEARCH_ROWS} rows of {where}; "
            "a mapping names columns by their header, so the sheet needs one."
        )
    placed = [(t, _place_columns(t)) for t in usable]
    table, placement = max(placed, key=lambda tp: (tp[1].has("phone", "email"), tp[1].has("name", "firstName")))
    first_sheet = inspection.sheets[0] if inspection.sheets else None
    return Suggestion(
        path=inspection.path,
        region=region,
        table=table,
        sheet=table.sheet if table.sheet != first_sheet else None,
        header_row=table.header_row if _header_row_needed(table, placement) else None,
        fields=placement.fields,
        metadata=placement.metadata,
        unplaced=placement.unplaced,
        notes=placement.notes,
    )


def _place_columns(table: TableInspection) -> _Placement:
    """Choose one column per lead field; every other filled column goes to metadata."""
    addressable, unplaced = _addressable(table.columns)
    choices: dict[str, tuple[ColumnProfile, FieldChoice]] = {}
    used: set[int] = set()
    for choice, column in sorted(_candidates(addressable), key=lambda cc: -cc[0].confidence):
        if choice.field not in choices and column.position not in used:
            choices[choice.field] = (column, choice)
            used.add(column.position)
    notes = _resolve_names(choices)
    chosen = {column.position for column, _ in choices.values()}
    keys: set[str] = set()
    metadata = []
    for column in addressable:
        if column.position not in chosen and column.filled:
            key = _unique(snake_key(column.header), keys)
            metadata.append((key, column.header))
            notes.extend(_alternate_note(column, key, choices))
    if not (choices.keys() & {"phone", "email"}):
        unplaced.insert(0, "no phone or email column found: every lead needs one (add fields.phone or fields.email)")
    if not (choices.keys() & {"name", "firstName"}):
        unplaced.insert(0, "no name column found: every lead needs name or firstName (add fields.name)")
    fields = tuple(choices[f][1] for f in FIELD_TARGETS if f in choices)
    return _Placement(fields, tuple(metadata), tuple(unplaced), tuple(notes))


def _addressable(columns: tuple[ColumnProfile, ...]) -> tuple[list[ColumnProfile], list[str]]:
    """Columns a mapping can name (the first of each header), and why the others cannot be named."""
    seen: dict[str, ColumnProfile] = {}
    problems: list[str] = []
    for column in columns:
        key = normalize_header(column.header)
        if not key:
            if column.filled:
                problems.append(f"column {column.letter} has values but no header, so a mapping cannot name it")
        elif key in seen:
            if column.filled:
                problems.append(
                    f"column {column.letter} ({column.header!r}) repeats the header of column "
                    f"{seen[key].letter}; a mapping can only name the first"
                )
        else:
            seen[key] = column
    return list(seen.values()), problems


def _candidates(columns: list[ColumnProfile]) -> list[tuple[FieldChoice, ColumnProfile]]:
    out = []
    for column in columns:
        for rule in FIELD_RULES:
            choice = score_column(column, rule)
            if choice is not None:
                out.append((choice, column))
    return out


def score_column(column: ColumnProfile, rule: FieldRule) -> FieldChoice | None:
    """How well ``column`` fits ``rule.field``, or None when it does not."""
    header_score, header_why = header_match(column.header, rule)
    share = column.shares.get(rule.content, 0.0) if rule.content else 0.0
    content_why = _content_evidence(column, rule, share)
    if rule.field == "phone" and column.filled >= 3 and column.distinct == 1:
        return None  # one number on every row (the company's own, in a call log) is nobody's phone
    if rule.field in ("phone", "email"):
        if header_score:
            confidence = 0.5 * header_score + 0.5 * share
        elif share >= CONTENT_ONLY_MIN and not _names_an_id(column.header):
            confidence, header_why = 0.8 * share, f"header {column.header!r} says nothing"
        else:
            return None
    elif rule.field == PHONE_COUNTRY_CODE:  # the header names a code, and the cells are codes (+971, 44, AE)
        codes = [region_of_code(v) for v in column.samples if v.strip()]
        if not codes or sum(bool(c) for c in codes) * 5 < len(codes) * 4:
            return None
        confidence = header_score
    elif rule.field == "referenceId":
        if column.serial:
            return None  # 1, 2, 3 ...: next week's file numbers its rows from 1 again
        confidence = header_score * (0.7 + 0.3 * (column.distinct / column.filled if column.filled else 0.0))
    elif rule.content:
        confidence = header_score * (0.8 + 0.2 * share)
    else:
        confidence = header_score
    if confidence < ACCEPT_MIN:
        return None
    evidence = "; ".join(x for x in (header_why, content_why) if x)
    return FieldChoice(rule.field, column.header, round(confidence, 2), evidence)


def _names_an_id(header: str) -> bool:
    """Whether a header names an id or a count (Query ID, Lead No.): digits under it are no phone number."""
    key = normalize_header(header)
    return header_match(header, _REFERENCE_RULE)[0] > 0 or key.endswith(("id", "code", "count", "amount"))


def header_match(header: str, rule: FieldRule) -> tuple[float, str]:
    """(score, evidence) for a header naming ``rule.field``; (0, "") when it does not."""
    key = normalize_header(header)
    if not key:
        return 0.0, ""
    if key in rule.exact:
        return EXACT, f"header {header!r} matches {rule.field}"
    if key in rule.weak:
        return WEAK, f"header {header!r} may mean {rule.field}"
    fragment = next((f for f in rule.contains if f in key), None)
    if fragment:
        return CONTAINS, f"header {header!r} contains {fragment!r}"
    if rule.field == "name" and key.endswith("name") and not any(word in key for word in _NOT_THE_LEAD):
        return WEAK, f"header {header!r} names someone"
    close = difflib.get_close_matches(key, [k for k in rule.exact if len(k) >= 5], n=1, cutoff=0.85)
    if close:
        return FUZZY, f"header {header!r} looks like a misspelt {close[0]!r}"
    return 0.0, ""


def _content_evidence(column: ColumnProfile, rule: FieldRule, share: float) -> str:
    if not column.filled:
        return "the column is empty"
    if rule.field == "referenceId":
        return f"{column.distinct / column.filled:.0%} of values are distinct"
    if rule.content:
        return f"{share:.0%} of filled cells look like {CONTENT_NOUNS[rule.content]}"
    return ""


def _resolve_names(choices: dict[str, tuple[ColumnProfile, FieldChoice]]) -> list[str]:
    """firstName + lastName when both were found, else name; the loser's columns go to metadata."""
    name, first = choices.get("name"), choices.get("firstName")
    if first is not None and ("lastName" in choices or name is None or first[1].confidence > name[1].confidence):
        drop = ["name"]
        why = "firstName and lastName are used" if "lastName" in choices else "firstName is used"
    elif name is not None:
        drop = ["firstName", "lastName"]
        why = "name is used"
    else:
        return []
    notes = []
    for field in drop:
        if field in choices:
            column, _ = choices.pop(field)
            notes.append(f"{column.header!r} could be {field} but {why}; it goes to metadata")
    return notes


def _alternate_note(
    column: ColumnProfile, key: str, choices: dict[str, tuple[ColumnProfile, FieldChoice]]
) -> list[str]:
    """A note when a metadata column also looked like the chosen phone or email column."""
    for field in ("phone", "email"):
        if field in choices and column.kind == field:
            return [f"{column.header!r} also looks like a {field} column; kept as metadata.{key}"]
    return []


def snake_key(header: str) -> str:
    """A metadata key from a header: ``Lead Source`` → ``lead_source``, ``leadSource`` → ``lead_source``."""
    text = header.strip()
    if re.fullmatch(r"[A-Za-z0-9]+", text):
        text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", " ", text)
    # Words are letters and digits with their combining marks (the vowel signs of Hindi, Tamil, ...).
    kept = "".join(c if c.isalnum() or unicodedata.category(c).startswith("M") else " " for c in text.casefold())
    return "_".join(kept.split()) or "column"


def _unique(key: str, taken: set[str]) -> str:
    out, n = key, 2
    while out in taken:
        out, n = f"{key}_{n}", n + 1
    taken.add(out)
    return out


def _header_row_needed(table: TableInspection, placement: _Placement) -> bool:
    """True when a row above the header fits the mapping as well, so the reader would pick it instead."""
    mapping = LeadMapping(
        source="suggestion",
        project_id=None,
        process_id=None,
        fields=tuple(ColumnSpec(c.field, (c.header,)) for c in placement.fields),
        metadata=tuple(ColumnSpec(METADATA_PREFIX + k, (h,)) for k, h in placement.metadata),
    )
    if not mapping.specs:
        return table.header_row not in (None, 1)
    found = len(match_header([c.header for c in table.columns], mapping).found)
    return any(len(match_header(list(row), mapping).found) >= found for row in table.title_rows)


def render_yaml(suggestion: Suggestion) -> str:
    """The suggestion as a commented mapping file that ``load_mapping`` reads."""
    lines = _yaml_header(suggestion)
    lines += [
        "project_id: ${VOX_PROJECT_ID}",
        "process_id: ${VOX_PROCESS_ID}",
        f"default_region: {_scalar(suggestion.region)}",
    ]
    if suggestion.sheet is not None:
        lines.append(f"sheet: {_scalar(suggestion.sheet)}")
    if suggestion.header_row is not None:
        lines.append(f"header_row: {suggestion.header_row}")
    lines.append("" if suggestion.fields else "# No lead field found: name the columns for name and phone/email.")
    lines.append("fields:" if suggestion.fields else "fields: {}")
    for choice in suggestion.fields:
        lines.append(f"  # confidence {choice.confidence:.2f}: {_comment(choice.evidence)}")
        lines.append(f"  {choice.field}: {_scalar(choice.header)}")
    if suggestion.metadata:
        lines += ["", "# Every other column with values, keyed by its header.", "metadata:"]
        lines += [f"  {_scalar(key)}: {_scalar(header)}" for key, header in suggestion.metadata]
    return "\n".join(lines) + "\n"


def _yaml_header(suggestion: Suggestion) -> list[str]:
    table = suggestion.table
    where = f"sheet {table.sheet!r}, " if table.sheet is not None else ""
    lines = [
        f"# Mapping suggested by `leadimport mapping suggest` for {_comment(suggestion.path)}",
        _comment(f"# ({where}header on row {table.header_row}, {table.data_rows} data rows)."),
        "# Check every field, then try it: leadimport validate FILE --mapping THIS_FILE",
    ]
    if suggestion.unplaced:
        lines.append("#")
        lines.append("# Not placed:")
        lines += [f"#   - {_comment(u)}" for u in suggestion.unplaced]
    if suggestion.notes:
        lines.append("#")
        lines.append("# Notes:")
        lines += [f"#   - {_comment(n)}" for n in suggestion.notes]
    lines.append("")
    return lines


def _scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar, quoted only where YAML needs it."""
    if any(ch in text for ch in "\r\n\t") or not text.isprintable():
        return json.dumps(text, ensure_ascii=False)
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30).removesuffix("\n...\n").rstrip("\n")
    return dumped if "\n" not in dumped else json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())
