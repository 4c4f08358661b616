"""A first mapping for a lead file, guessed from its headers and cell contents."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
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
from importer.normalize.phone_forms import FLOAT_TAIL
from importer.normalize.phone_rows import dialled_abroad
from importer.normalize.places import is_place
from importer.read.header import HEADER_SEARCH_ROWS, match_header
from importer.tools.describe import ColumnProfile, TableInspection, inspect_file
from importer.tools.names import bare_names, company_as_name, name_by_content, resolve_names
from importer.tools.region import RegionGuess, first_number, infer_region
from importer.tools.rules import (
    FIELD_RULES,
    Choices,
    FieldChoice,
    header_match,
    header_may_match,
    one_number_on_most_rows,
    score_column,
)
from importer.tools.vocabulary import (
    CITY_EXACT,
    COMPANY_EXACT,
    COUNTRY_EXACT,
    header_key,
    is_fax,
    is_generic,
    is_locale,
    is_mobile,
    is_postcode,
    is_relative,
    is_secondary,
    is_someone_elses,
    is_workplace,
)
from importer.tools.vocabulary import is_timezone as names_a_timezone

__all__ = [
    "FIELD_RULES",
    "FieldChoice",
    "Suggestion",
    "region_summary",
    "render_yaml",
    "score_column",
    "snake_key",
    "suggest_mapping",
]

SPARSE = 0.5
"""A phone column filled on less than this share of the best-filled one's rows is only a fallback."""


@dataclass(frozen=True, slots=True)
class Suggestion:
    """A proposed mapping for one file, with what could not be placed."""

    path: str
    region: str | None  # None: nothing tells the country, and --region was not given
    table: TableInspection  # the sheet (or text table) the mapping was made for
    sheet: str | None  # the sheet the mapping must name (None: a text file or the first sheet)
    header_row: int | None  # set only when the reader would not find the header by itself
    fields: tuple[FieldChoice, ...]
    metadata: tuple[tuple[str, str], ...]  # metadata key → header
    unplaced: tuple[str, ...]
    notes: tuple[str, ...] = ()
    region_evidence: tuple[str, ...] = ()
    region_doubt: str | None = None  # the evidence for default_region is absent or mixed
    region_given: bool = False  # --region chose it
    rows_carry_country: bool = False  # +CC on every phone, or a country column: the default decides little
    region_alike: tuple[str, ...] = ()  # no region: the countries the numbers fit alike
    set_aside: tuple[tuple[str, str], ...] = ()  # header → why its phones or addresses are not the lead's
    encoding: str | None = None  # how a text file was read (None: a workbook)
    encoding_given: bool = False  # --encoding chose it: the mapping keeps it, so a run reads the file alike

    @property
    def lacking(self) -> tuple[str, ...]:
        """What the mapping needs and this one lacks, so that it could send no lead (as ``load_mapping`` says)."""
        fields = {choice.field for choice in self.fields}
        return tuple(
            problem
            for problem, wanted in (
                (
                    "no phone or email column of the lead's was placed: add fields.phone or fields.email",
                    {"phone", "email"},
                ),
                ("no name column was placed: add fields.name (or fields.firstName)", {"name", "firstName"}),
            )
            if not fields & wanted
        )


@dataclass(frozen=True, slots=True)
class _Placement:
    fields: tuple[FieldChoice, ...]
    metadata: tuple[tuple[str, str], ...]
    unplaced: tuple[str, ...]
    notes: tuple[str, ...]
    set_aside: tuple[tuple[str, str], ...] = ()

    def has(self, *names: str) -> bool:
        return any(c.field in names for c in self.fields)


def suggest_mapping(
    path: Path,
    *,
    sheet: str | None = None,
    encoding: str | None = None,
    delimiter: str | None = None,
    region: str | None = None,
    header_row: int | None = None,
) -> Suggestion:
    """Propose a mapping for ``path`` from its headers and the contents of its columns.

    ``region`` overrides the default region the data points to; ``header_row`` (1-based, with ``sheet`` for a
    workbook) the header row detected.
    """
    if region is not None:
        region = region.strip().upper()
        if region not in phonenumbers.SUPPORTED_REGIONS:
            raise ConfigError(f"region {region!r} is not a known region code (e.g. IN, US, GB).")
    inspection = inspect_file(path, sheet=sheet, encoding=encoding, delimiter=delimiter, header_row=header_row)
    usable = [t for t in inspection.tables if t.header_row is not None and t.columns]
    if not usable:
        where = f"sheet {sheet!r}" if sheet is not None else "any sheet" if inspection.sheets else "the file"
        raise SourceError(
            f"{inspection.path}: no header row found in the first {HEADER_SEARCH_ROWS} rows of {where}; "
            "a mapping names columns by their header, so the sheet needs one."
        )
    placed = [(t, _place_columns(t)) for t in usable]
    table, placement = max(placed, key=lambda tp: (tp[1].has("phone", "email"), tp[1].has("name", "firstName")))
    guess = _region_guess(table, placement)
    first_sheet = inspection.sheets[0] if inspection.sheets else None
    doubt = guess.doubt
    if region is not None and guess.region not in (None, region):
        doubt = f"--region {region} was given; the data points to {guess.region}"
    return Suggestion(
        path=inspection.path,
        region=region or guess.region,
        table=table,
        sheet=table.sheet if table.sheet != first_sheet else None,
        header_row=table.header_row if _header_row_needed(table, placement) else None,
        fields=placement.fields,
        metadata=placement.metadata,
        unplaced=placement.unplaced,
        notes=placement.notes,
        region_evidence=guess.evidence,
        region_doubt=doubt if region is None or doubt != guess.doubt else None,
        region_given=region is not None,
        rows_carry_country=guess.own_country,
        region_alike=guess.alike if region is None else (),
        set_aside=placement.set_aside,
        encoding=inspection.encoding,
        encoding_given=encoding is not None and inspection.encoding is not None,
    )


def _region_guess(table: TableInspection, placement: _Placement) -> RegionGuess:
    chosen = {c.field: c for c in placement.fields}
    headers = _headers(chosen.get("phone"))  # and every other phone-like column: +49 on a fax line is evidence too
    headers += tuple(
        c.header
        for c in table.columns
        if c.kind == "phone" and c.header and c.header not in headers and c.most_common < 0.8 * c.filled
    )  # but not a line shared by most rows: the host's or the office's number tells nothing of the leads
    phones = [table.cells(h) for h in headers]
    country = chosen.get(PHONE_COUNTRY_CODE)  # a country column that disagrees with the phones is no evidence
    countries = table.cells(country.header) if country else []
    emails = [cell for h in _headers(chosen.get("email")) for cell in table.cells(h)]
    names = [
        cell for f in ("name", "firstName", "lastName") for h in _headers(chosen.get(f)) for cell in table.cells(h)
    ]
    zones = [cell for c in table.columns if names_a_timezone(c.header) for cell in table.cells(c.header)]
    locales = [cell for c in table.columns if is_locale(c.header) for cell in table.cells(c.header)]
    words = [c.header for c in table.columns if c.header]
    places = [cell for c in table.columns if c.header and is_place(c.header) for cell in table.cells(c.header)]
    postcodes = [cell for c in table.columns if c.header and is_postcode(c.header) for cell in table.cells(c.header)]
    return infer_region(
        phones=phones, countries=countries, emails=emails, zones=zones, locales=locales, names=names, headers=words,
        places=places, postcodes=postcodes,
    )  # fmt: skip


def _headers(choice: FieldChoice | None) -> tuple[str, ...]:
    return () if choice is None else (choice.header, *choice.aliases)


def _place_columns(table: TableInspection) -> _Placement:
    """Choose one column per lead field (phones: several, in order); every other filled column goes to metadata."""
    addressable, unplaced = _addressable(table.columns)
    choices: Choices = {}
    used: set[int] = set()
    scored = sorted(_candidates(addressable, table), key=lambda cc: -cc[0].confidence)
    for choice, column in scored:
        if choice.field not in choices and column.position not in used:
            choices[choice.field] = (column, choice)
            used.add(column.position)
    notes = name_by_content(choices, addressable, table)
    notes += company_as_name(choices, addressable)
    notes += bare_names(choices, table)
    notes += resolve_names(choices)
    notes += _fallbacks("phone", choices, scored, table) + _fallbacks("email", choices, scored, table)
    notes += _country_agrees(choices, table)
    chosen = {column.position for column, _ in choices.values()}  # a fallback phone stays metadata too
    taken: set[str] = set()
    metadata = []
    for column in addressable:
        if column.position not in chosen and column.filled:
            key = _unique(_metadata_key(column.header), taken)
            metadata.append((key, column.header))
            notes.extend(_alternate_note(column, key, choices))
    used = chosen | {at for _, choice in choices.values() for at in _positions(addressable, choice.aliases)}
    set_aside = tuple((c.header, why) for c in addressable if c.position not in used and (why := _not_the_leads(c)))
    if not (choices.keys() & {"phone", "email"}):
        by_why: dict[str, list[str]] = {}
        for header, why in set_aside:
            by_why.setdefault(why, []).append(repr(header))
        seen = "; ".join(f"{', '.join(headers)}: {why}" for why, headers in by_why.items())
        whose = " of the lead's" if seen else ""
        unplaced.insert(
            0,
            f"no phone or email column{whose} found: every lead needs one (add fields.phone or fields.email)"
            + (f". Not used: {seen}" if seen else ""),
        )
    if not (choices.keys() & {"name", "firstName"}):
        unplaced.insert(0, "no name column found: every lead needs name or firstName (add fields.name)")
    fields = tuple(choices[f][1] for f in FIELD_TARGETS if f in choices)
    return _Placement(fields, tuple(metadata), tuple(unplaced), tuple(notes), set_aside)


def _positions(columns: list[ColumnProfile], headers: tuple[str, ...]) -> set[int]:
    return {c.position for c in columns if c.header in headers}


def _not_the_leads(column: ColumnProfile) -> str:
    """Why a column of phones or addresses (by its cells or its header) is not the lead's contact, or ""."""
    header = column.header
    if not column.filled or not (
        column.kind in ("phone", "email") or _names_field(header, "phone") or _names_field(header, "email")
    ):
        return ""
    if is_someone_elses(header):
        return "someone else's (the record's owner, sales rep, referrer or assignee), not the lead's"
    if is_fax(header):
        return "a fax, pager, assistant's or messenger number, not the lead's"
    if column.kind == "phone" and one_number_on_most_rows(column):
        return "one number on most rows (an office's line), nobody's own"
    return ""


def _addressable(columns: tuple[ColumnProfile, ...]) -> tuple[list[ColumnProfile], list[str]]:
    """Columns a mapping can name (the first of each header), and why the others cannot be named."""
    seen: dict[str, ColumnProfile] = {}
    problems: list[str] = []
    for column in columns:
        key = normalize_header(column.header)
        if not key:
            if column.filled:
                header = (
                    f"a header ({column.header!r}) with no letter or digit" if column.header.strip() else "no header"
                )
                problems.append(f"column {column.letter} has values but {header}, so a mapping cannot name it")
        elif key in seen:
            if column.filled:
                problems.append(
                    f"column {column.letter} ({column.header!r}) repeats the header of column {seen[key].letter}: "
                    f"it is read where column {seen[key].letter} is empty (a phone also where it holds a mobile "
                    f"beside column {seen[key].letter}'s landline)"
                )
        else:
            seen[key] = column
    return list(seen.values()), problems


_FOUND_BY_CELLS = tuple(r for r in FIELD_RULES if r.field in ("phone", "email", PHONE_COUNTRY_CODE))
"""The rules that may choose a column whose header names no field (score_column refuses it for the others)."""


def _candidates(columns: list[ColumnProfile], table: TableInspection) -> list[tuple[FieldChoice, ColumnProfile]]:
    out = []
    for column in columns:
        may_match = header_may_match(column.header)
        for rule in FIELD_RULES if may_match else _FOUND_BY_CELLS:
            cells = table.cells(column.header) if rule.field == PHONE_COUNTRY_CODE else ()
            choice = score_column(column, rule, cells, header_may_match=may_match)
            if choice is not None:
                out.append((choice, column))
    return out


AGREE = 0.8
"""Share of rows whose phone fits the country their country column names, for that column to read the phones."""


def _country_agrees(choices: Choices, table: TableInspection) -> list[str]:
    """A country column reads each row's phone only where the phones fit it: a study-abroad sheet's "Country"
    (Canada, UK) beside Indian numbers is where the lead wants to go, not where the phone is."""
    country, phone = choices.get(PHONE_COUNTRY_CODE), choices.get("phone")
    if country is None or phone is None:
        return []
    at, phone_at = country[0].position, phone[0].position
    fits = misfits = 0
    # The countries the column names, each a place the sheet may be written from: 011 44 7911 123456 is a British
    # number dialled from the US.
    named = sorted({r for r in (region_of_code(row[at]) for row in table.rows if at < len(row) and row[at]) if r})
    for row in table.rows:
        if max(at, phone_at) >= len(row) or not row[at] or not row[phone_at]:
            continue
        region = region_of_code(row[at])
        if region:
            if _EXCEL_CUT.match(row[phone_at]):  # 4.91717E+11: Excel cut the number; it says nothing of where it is
                continue
            cell = FLOAT_TAIL.sub("", first_number(row[phone_at]))
            if _fits_country(cell, region) or any(_dialled_to(cell, home, region) for home in named):
                fits += 1
            else:
                misfits += 1
    checked = fits + misfits
    if checked >= 3 and fits < AGREE * checked:
        column, _ = choices.pop(PHONE_COUNTRY_CODE)
        return [
            f"{column.header!r} names countries, but only {fits / checked:.0%} of the rows' phones fit the country "
            "on their row: it is not where the phones are, so it stays metadata"
        ]
    return []


_EXCEL_CUT = re.compile(r"^\s*\+?\d[.,]\d*[eE]\+?\d+\s*$")


def _dialled_to(cell: str, home: str, region: str) -> bool:
    number = dialled_abroad(cell, home)
    return number is not None and phonenumbers.region_code_for_number(number) == region


def _fits_country(cell: str, region: str) -> bool:
    try:
        number = phonenumbers.parse(cell, region)
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.is_valid_number(number) and phonenumbers.region_code_for_number(number) in (
        phonenumbers.region_codes_for_country_code(phonenumbers.country_code_for_region(region))
    )


def _fallbacks(
    field: str,
    choices: Choices,
    scored: list[tuple[FieldChoice, ColumnProfile]],
    table: TableInspection,
) -> list[str]:
    """Every phone (or email) column, in the order a row's value is taken: well-filled first, the lead's own
    before a relative's and a first before an alternate; then for phones the mobile column, then the one with
    ``+CC``, then the others."""
    if field not in choices:
        return []
    others = {column.position for name, (column, _) in choices.items() if name != field}
    found: dict[int, tuple[ColumnProfile, FieldChoice]] = {}
    for choice, column in scored:
        if choice.field == field and column.position not in others and column.position not in found:
            found[column.position] = (column, choice)
    named = {at for at, (column, _) in found.items() if _names_field(column.header, field)}
    if named:  # Creative, Form, Assigned To: a header naming something else, whatever its cells look like
        found = {at: item for at, item in found.items() if at in named or _says_nothing(item[0].header)}
        if choices[field][0].position not in found:
            choices[field] = max(found.values(), key=lambda item: item[1].confidence)
    if len(found) < 2:
        return []
    fullest = max(column.fill_rate for column, _ in found.values())

    def order(item: tuple[ColumnProfile, FieldChoice]) -> tuple[bool, bool, bool, bool, bool, bool, float]:
        column, choice = item
        header = column.header
        sparse, later = column.fill_rate < SPARSE * fullest, is_relative(header) or is_secondary(header)
        if field != "phone":
            return (sparse, later, False, False, False, False, -choice.confidence)
        plus = sum(1 for c in table.cells(header) if _LEADING_LABEL.sub("", c).startswith("+"))
        return (sparse, is_relative(header), is_workplace(header), is_secondary(header), not is_mobile(header),
                plus * 2 <= column.filled, -choice.confidence)  # fmt: skip

    ranked = sorted(found.values(), key=order)
    first_column, first = ranked[0]
    aliases = tuple(column.header for column, _ in ranked[1:])
    why = f"{first.evidence}; then {', '.join(repr(a) for a in aliases)} where it is empty or invalid"
    choices[field] = (first_column, replace(first, evidence=why, aliases=aliases))
    return [f"{field} is read from {', '.join(repr(c.header) for c, _ in ranked)}, the first usable one per row"]


def _names_field(header: str, field: str) -> bool:
    """Whether ``header`` itself names ``field`` (Phone, Mobile No., E-mail), not only its cells."""
    rule = next(r for r in FIELD_RULES if r.field == field)
    return header_match(header, rule)[0] > 0


def _says_nothing(header: str) -> bool:
    """A header that names nothing (blank, Col5) or only a second one (Alternate, Other 2): its cells may be the
    lead's other number or address."""
    return is_generic(header) or is_secondary(header)


_LEADING_LABEL = re.compile(r"^[^\d+]*")
"""p:+9198... (Meta's lead forms), Tel: +49 ...: what stands before the number."""


_METADATA_NAMES = (("company", COMPANY_EXACT), ("city", CITY_EXACT), ("country", COUNTRY_EXACT))


def _metadata_key(header: str) -> str:
    """``company``, ``city`` or ``country`` for such a header in any language (``Société``, ``城市``), else the
    header as snake_case."""
    found = header_key(header)
    named = next((key for key, names in _METADATA_NAMES if found in names), None)
    return snake_key(header) if named is None else named


def _alternate_note(column: ColumnProfile, key: str, choices: Choices) -> list[str]:
    """A note when a metadata column also looked like the chosen phone or email column."""
    for field in ("phone", "email"):
        if field not in choices or column.kind != field or column.header in choices[field][1].aliases:
            continue
        if field == "phone" and is_fax(column.header):
            return [
                f"{column.header!r} is a fax or someone else's number, never the lead's phone; kept as metadata.{key}"
            ]
        if field == "email" and is_someone_elses(column.header):
            return [f"{column.header!r} is someone else's address, never the lead's email; kept as metadata.{key}"]
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
    if not table.title_rows:
        return False  # the header is the first row (a wide sheet's has 100,000 cells to match for nothing)
    mapping = LeadMapping(
        source="suggestion",
        project_id=None,
        process_id=None,
        fields=tuple(ColumnSpec(c.field, (c.header, *c.aliases)) for c in placement.fields),
        metadata=tuple(ColumnSpec(METADATA_PREFIX + k, (h,)) for k, h in placement.metadata),
    )
    if not mapping.specs:
        return table.header_row not in (None, 1)
    found = len(match_header([c.header for c in table.columns], mapping).found)
    return any(len(match_header(list(row), mapping).found) >= found for row in table.title_rows)


def render_yaml(suggestion: Suggestion) -> str:
    """The suggestion as a commented mapping file that ``load_mapping`` reads."""
    lines = _yaml_header(suggestion)
    lines += ["project_id: ${VOX_PROJECT_ID}", "process_id: ${VOX_PROCESS_ID}", *_region_lines(suggestion)]
    if suggestion.sheet is not None:
        lines.append(f"sheet: {_scalar(suggestion.sheet)}")
    if suggestion.header_row is not None:
        lines.append(f"header_row: {suggestion.header_row}")
    if suggestion.encoding_given and suggestion.encoding:
        lines += ["# read in the encoding --encoding chose", f"encoding: {_scalar(suggestion.encoding)}"]
    lines.append("" if suggestion.fields else "# No lead field found: name the columns for name and phone/email.")
    lines.append("fields:" if suggestion.fields else "fields: {}")
    for choice in suggestion.fields:
        lines.append(f"  # confidence {choice.confidence:.2f}: {_comment(choice.evidence)}")
        if choice.aliases:
            lines.append(f"  {choice.field}:")
            lines += [f"    - {_scalar(h)}" for h in (choice.header, *choice.aliases)]
        else:
            lines.append(f"  {choice.field}: {_scalar(choice.header)}")
    if suggestion.metadata:
        lines += ["", "# Every other column with values, keyed by its header.", "metadata:"]
        lines += [f"  {_scalar(key)}: {_scalar(header)}" for key, header in suggestion.metadata]
    return "\n".join(lines) + "\n"


def region_summary(suggestion: Suggestion) -> list[str]:
    """What the default region is and why, in lines for people (the CLI prints them)."""
    if suggestion.region is None:
        lines = ["default_region: not inferred"]
    elif suggestion.region_given:
        lines = [f"default_region: {suggestion.region} (given with --region)"]
    else:
        lines = [f"default_region: {suggestion.region}, from the data"]
    lines += [f"  - {e}" for e in suggestion.region_evidence]
    if suggestion.rows_carry_country:
        lines.append("  - the rows carry their own country, so default_region only reads numbers that come without one")
    if suggestion.region_doubt:
        lines.append(f"  ! {suggestion.region_doubt}")
    if suggestion.region is None:
        if suggestion.region_alike:  # an example the numbers fit, not a country they may not
            lines.append(
                "  ! set default_region in the mapping to the sheet's country, one of those (e.g. default_region: "
                f"{suggestion.region_alike[0]}), or pass --region"
            )
        elif not suggestion.rows_carry_country:
            lines.append("  ! set default_region in the mapping (e.g. default_region: US) or pass --region")
    return lines


def _region_lines(suggestion: Suggestion) -> list[str]:
    lines = ["#"] + [f"# {_comment(line)}" for line in region_summary(suggestion)]
    if any(c.field == PHONE_COUNTRY_CODE for c in suggestion.fields):
        lines.append(
            "# Each row's phone is read in its own row's country (fields.phoneCountryCode); this is for the rest."
        )
    if suggestion.region is None:
        return [*lines, "# default_region: XX"]
    return [*lines, f"default_region: {suggestion.region}"]


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


_PLAIN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?: [A-Za-z0-9_]+)*")
"""Text YAML always writes as it is, unless it is one of the words it reads as true, false or null."""
_YAML_WORDS = frozenset(
    w for word in ("yes", "no", "true", "false", "on", "off", "null") for w in (word, word.title(), word.upper())
)


def _scalar(text: str) -> str:
    """``text`` as a one-line YAML scalar, quoted only where YAML needs it."""
    if _PLAIN.fullmatch(text) and text not in _YAML_WORDS:  # most headers; asking yaml costs ~0.2 ms each
        return text
    if any(ch in text for ch in "\r\n\t") or not text.isprintable():
        return json.dumps(text, ensure_ascii=False)
    dumped = yaml.safe_dump(text, allow_unicode=True, width=1 << 30).removesuffix("\n...\n").rstrip("\n")
    return dumped if "\n" not in dumped else json.dumps(text, ensure_ascii=False)


def _comment(text: str) -> str:
    return " ".join(text.split())
