"""Step 2 and 3 of the upload page: which sheet and header, and which column feeds which lead field.

Built on ``importer.tools`` (the same inspection and suggestion as ``leadimport inspect`` and
``leadimport mapping suggest``); the result is a mapping YAML that ``load_mapping`` reads, so the CLI
and the drop watcher can reuse a mapping saved here.
"""

from __future__ import annotations

import collections
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
import yaml

from importer.config import FIELD_TARGETS, LeadMapping, load_mapping, normalize_header
from importer.errors import ConfigError
from importer.read.header import match_header
from importer.tools.describe import ColumnProfile, FileInspection, TableInspection, inspect_file
from importer.tools.suggest import FIELD_RULES, Suggestion, score_column, snake_key, suggest_mapping

NOT_IMPORTED = ""
METADATA = "metadata"
FIELD_LABELS = {
    "name": "Name (full name)",
    "firstName": "First name",
    "lastName": "Last name",
    "phone": "Phone",
    "email": "Email",
    "referenceId": "Your lead id (referenceId)",
    "groupId": "Group id",
    "phoneCountryCode": "Country calling code of the phone",
    METADATA: "Keep as extra information (metadata)",
    NOT_IMPORTED: "Not imported",
}
FIX_COLUMN = "What to fix (leadimport)"
"""The last column of a "rows to fix" file; never imported when that file comes back."""
_NAME_PUNCT = frozenset(" _.-()")


@dataclass(frozen=True, slots=True)
class Described:
    """What step 1 found: every sheet's header and columns, and the suggested mapping for the best one."""

    inspection: FileInspection | None  # None for a text file (the suggestion's table is its only table)
    suggestion: Suggestion

    @property
    def tables(self) -> tuple[TableInspection, ...]:
        """Every sheet's inspection; the suggested sheet's as the suggestion read it (a header row asked for)."""
        if self.inspection is None:
            return (self.suggestion.table,)
        chosen = self.suggestion.table
        return tuple(chosen if t.sheet == chosen.sheet else t for t in self.inspection.tables)

    @property
    def is_workbook(self) -> bool:
        return self.inspection is not None

    def table(self, sheet: str | None) -> TableInspection:
        """The inspection of ``sheet`` (the suggested one when None or unknown)."""
        for table in self.tables:
            if sheet is not None and table.sheet == sheet:
                return table
        return self.suggestion.table


def describe_upload(
    path: Path,
    *,
    sheet: str | None = None,
    region: str | None = None,
    header_row: int | None = None,
    encoding: str | None = None,
) -> Described:
    """Sheets, header rows, title rows and column profiles, and a suggested mapping (of ``sheet``, with its
    header on ``header_row`` when given; a text file read in ``encoding`` when given)."""
    from importer.read.sniff import workbook_kind

    inspection = inspect_file(path) if workbook_kind(path) != "text" else None
    if inspection is not None:
        encoding = None  # a workbook's characters are its own
    suggestion = suggest_mapping(path, sheet=sheet, region=region, header_row=header_row, encoding=encoding)
    return Described(inspection=inspection, suggestion=suggestion)


def fits_leads(table: TableInspection) -> bool:
    """Whether a sheet has a header and a column that reads as phone or email (so it may hold leads)."""
    if table.header_row is None:
        return False
    rules = [r for r in FIELD_RULES if r.field in ("phone", "email")]
    return any(score_column(c, r) is not None for c in table.columns for r in rules)


def addressable(columns: tuple[ColumnProfile, ...]) -> dict[int, str]:
    """Column position → why a mapping cannot name it (no header, or the header of an earlier column)."""
    seen: dict[str, ColumnProfile] = {}
    problems: dict[int, str] = {}
    for column in columns:
        key = normalize_header(column.header)
        if not key:
            problems[column.position] = (
                f"its header {column.header!r} has no letter or digit, so a mapping cannot name it"
                if column.header.strip()
                else "no header, so a mapping cannot name it"
            )
        elif key in seen:
            problems[column.position] = (
                f"same header as column {seen[key].letter}: read with it, where column {seen[key].letter} is empty"
            )
        else:
            seen[key] = column
    return problems


def repeated_labels(columns: tuple[ColumnProfile, ...]) -> set[int]:
    """Positions of the columns whose label another column has too (Phone, Phone): their choices are labelled with
    the column's letter as well, so that a screen reader tells them apart."""
    counts = collections.Counter(c.label for c in columns)
    return {c.position for c in columns if counts[c.label] > 1}


def suggested_choices(suggestion: Suggestion, table: TableInspection) -> tuple[dict[int, str], dict[int, str]]:
    """Per column position: the suggested choice, and the confidence and evidence behind it."""
    by_key: dict[str, int] = {}
    for column in table.columns:  # a header given twice (Phone, phone) is the first column's: the one a mapping names
        if key := normalize_header(column.header):
            by_key.setdefault(key, column.position)
    by_header = {c.header: by_key[k] for c in table.columns if (k := normalize_header(c.header))}
    choices: dict[int, str] = {c.position: NOT_IMPORTED for c in table.columns}
    why: dict[int, str] = {}
    if suggestion.table.sheet == table.sheet:
        for choice in suggestion.fields:
            if choice.header in by_header:
                position = by_header[choice.header]
                choices[position] = choice.field
                why[position] = f"{choice.confidence:.0%} sure: {choice.evidence}"
        for _key, header in suggestion.metadata:
            if header in by_header and header != FIX_COLUMN and choices[by_header[header]] == NOT_IMPORTED:
                choices[by_header[header]] = METADATA
        for header, reason in suggestion.set_aside:  # Owner Email: why the lead's email is not taken from it
            if header in by_header:
                why.setdefault(by_header[header], f"Not the lead's phone or email: {reason}")
    return choices, why


def carry_choices(form: MappingForm, old: TableInspection, new: TableInspection, suggestion: Suggestion) -> MappingForm:
    """The person's choices moved to another sheet or header row: a column still there (by its header, matched as
    a mapping matches it) keeps what they chose for it; the others get the suggestion, less the lead fields the
    person gave to a column kept."""
    kept: dict[str, str] = {}
    for column in old.columns:
        key = normalize_header(column.header)
        if key and key not in kept:
            kept[key] = form.choices.get(column.position, NOT_IMPORTED)
    choices, _ = suggested_choices(suggestion, new)
    carried = {}
    for column in new.columns:
        key = normalize_header(column.header)
        if key in kept:
            carried[column.position] = kept.pop(key)
    taken = {c for c in carried.values() if c not in (NOT_IMPORTED, METADATA)}
    for position, choice in choices.items():
        if position in carried:
            choices[position] = carried[position]
        elif choice in taken:
            choices[position] = NOT_IMPORTED
    return MappingForm(choices, form.region, form.project_id, form.process_id)


def choices_from_mapping(mapping: LeadMapping, table: TableInspection) -> dict[int, str]:
    """Per column position, what a saved mapping does with it."""
    headers = [c.header for c in table.columns]
    found = match_header(headers, mapping).found
    choices: dict[int, str] = {c.position: NOT_IMPORTED for c in table.columns}
    for spec in mapping.specs:
        if spec.target in found:
            choices[found[spec.target]] = METADATA if spec.target.startswith("metadata.") else spec.target
    return choices


@dataclass(frozen=True, slots=True)
class SavedFit:
    """A saved mapping whose columns are all in the sheet's header."""

    path: Path
    mapping: LeadMapping
    found: int


def saved_mappings_that_fit(folder: Path, table: TableInspection) -> list[SavedFit]:
    """The mappings under ``folder`` whose required columns are all in the sheet, best fit first."""
    if not folder.is_dir() or table.header_row is None:
        return []
    headers = [c.header for c in table.columns]
    fits = []
    for path in sorted(folder.glob("*.y*ml")):
        try:
            mapping = load_mapping(path)
        except ConfigError:
            continue
        match = match_header(headers, mapping)
        if match.complete and match.found:
            fits.append(SavedFit(path, mapping, len(match.found)))
    return sorted(fits, key=lambda f: (-f.found, -f.path.stat().st_mtime))


def region_name(region: str) -> str:
    """ "IN" → "India (IN)", from the phonenumbers geocoder's English names, else CLDR's (babel): the geocoder
    has none for a few regions it dials (AC Ascension Island, TA Tristan da Cunha, XK Kosovo)."""
    try:
        from phonenumbers.geocoder import _region_display_name  # type: ignore[attr-defined]

        name = str(_region_display_name(region, "en") or "")
    except ImportError:
        name = ""
    if not name:
        from babel import Locale

        name = str(Locale("en").territories.get(region) or "")
    return f"{name} ({region})" if name else region


@dataclass(frozen=True, slots=True)
class MappingForm:
    """What the person chose on the column-matching page."""

    choices: dict[int, str]  # column position → lead field, METADATA or NOT_IMPORTED
    region: str
    project_id: str
    process_id: str


def check_form(form: MappingForm, table: TableInspection) -> list[str]:
    """What is wrong with the choices, in words for the page (empty when they make a usable mapping)."""
    problems = []
    chosen = [f for f in form.choices.values() if f not in (NOT_IMPORTED, METADATA)]
    for field, n in collections.Counter(chosen).items():
        if n > 1:
            problems.append(f"{FIELD_LABELS[field]} is chosen for {n} columns; choose it for one column only.")
    if not {"phone", "email"} & set(chosen):
        problems.append(
            "Choose the column with the phone number or the email address: every lead needs one. A sheet with "
            "neither cannot be imported (the CRM needs a way to reach each lead)."
        )
    if not {"name", "firstName"} & set(chosen):
        problems.append(
            "Choose the column with the lead's name (or first name): every lead needs one. If the sheet has no "
            "names, add a column with each lead's name to the file (the CRM refuses a lead without one) and "
            "upload it again."
        )
    if form.region not in phonenumbers.SUPPORTED_REGIONS:
        problems.append(f"{form.region!r} is not a country code; choose the country of numbers typed without +.")
    for position in addressable(table.columns):
        if form.choices.get(position, NOT_IMPORTED) != NOT_IMPORTED:
            problems.append(f"Column {position + 1} has no usable header, so it can only be 'not imported'.")
    return problems


def mapping_document(
    form: MappingForm, table: TableInspection, *, sheet: str | None, header_row: int | None, encoding: str | None = None
) -> dict[str, object]:
    """The mapping as a YAML-ready dictionary (the same keys a hand-written mapping has); ``encoding``: the one the
    person chose for the text file, kept so that the command line reads files like it alike."""
    by_position = {c.position: c for c in table.columns}
    fields: dict[str, str] = {}
    metadata: dict[str, str] = {}
    taken: set[str] = set()
    for position, choice in sorted(form.choices.items()):
        column = by_position.get(position)
        if column is None or choice == NOT_IMPORTED:
            continue
        if choice == METADATA:
            key, n = snake_key(column.header), 2
            while key in taken:
                key, n = f"{snake_key(column.header)}_{n}", n + 1
            taken.add(key)
            metadata[key] = column.header
        elif choice in FIELD_TARGETS:
            fields[choice] = column.header
    document: dict[str, object] = {
        "project_id": form.project_id or "${VOX_PROJECT_ID}",
        "process_id": form.process_id or "${VOX_PROCESS_ID}",
        "default_region": form.region,
    }
    if sheet is not None:
        document["sheet"] = sheet
    if header_row is not None:
        document["header_row"] = header_row
    if encoding is not None:
        document["encoding"] = encoding
    document["fields"] = fields
    if metadata:
        document["metadata"] = metadata
    return document


def write_mapping(document: dict[str, object], path: Path, *, comment: str) -> LeadMapping:
    """Write the mapping YAML and read it back as the CLI would (so a bad one is caught here)."""
    text = f"# {comment}\n" + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=1 << 20)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.partial")  # whole or not at all: a watcher may read it at any moment
    try:
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
    return load_mapping(path)


def _name_char(c: str) -> bool:
    """A character a mapping name may hold: a letter or digit of any script (with its combining marks: दिवाली),
    a space, dot, dash, underscore or bracket."""
    return unicodedata.category(c)[0] in "LMN" or c in _NAME_PUNCT


def _name_ok(name: str) -> bool:
    """Characters of :func:`_name_char`, up to 80, starting with a letter or digit: a file name on every system,
    and nothing else."""
    return (
        0 < len(name) <= 81
        and unicodedata.category(name[0])[0] in "LN"
        and all(_name_char(c) for c in name)
        and ".." not in name
    )


def mapping_name_for(filename: str) -> str:
    """The mapping name offered for an uploaded file: its name without the type, anything a mapping name may
    not hold made an underscore ("Kunden #3.csv" → "Kunden _3")."""
    stem = filename.rsplit(".", 1)[0]
    name = "".join(c if _name_char(c) else "_" for c in stem)
    name = name.replace("..", "._")
    while name and unicodedata.category(name[0])[0] not in "LN":
        name = name[1:]
    name = name[:81].rstrip(" .")  # Windows drops a name's trailing dots and spaces
    return name if name and _name_ok(name) else "mapping"


def saved_mapping_path(folder: Path, name: str) -> Path:
    """Where "Save mapping" writes: ``folder/<name>.yaml``; a name that is no plain file name is refused."""
    name = name.strip().removesuffix(".yaml").removesuffix(".yml").strip()
    if not _name_ok(name):
        raise ConfigError(
            f"{name!r} cannot be a mapping name: use letters, digits, spaces, dots, dashes, underscores or "
            "brackets (up to 80), starting with a letter or digit."
        )
    return folder / f"{name}.yaml"


def header_cells(table: TableInspection) -> list[str]:
    """The header row's cells, for matching a mapping against it."""
    return [c.header for c in table.columns]


def fix_column_position(table: TableInspection) -> int | None:
    """The position of our own "What to fix" column, in a rows-to-fix file uploaded again."""
    return next((c.position for c in table.columns if c.header == FIX_COLUMN), None)
