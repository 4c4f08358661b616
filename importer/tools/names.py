"""Which columns name the lead: a whole name, or a given and a family name, found by header or by cells."""

from __future__ import annotations

from dataclasses import replace

from importer.tools.describe import ColumnProfile, TableInspection
from importer.tools.rules import (
    PERSON_GUESS,
    Choices,
    FieldChoice,
    describes_something_else,
    person_name_share,
    single_word_share,
)
from importer.tools.vocabulary import BARE_NAMES, header_key, is_company


def name_by_content(choices: Choices, columns: list[ColumnProfile], table: TableInspection) -> list[str]:
    """With no name column by header, a column whose cells are people's names (``Contact``, ``Col1``)."""
    if choices.keys() & {"name", "firstName", "lastName"}:
        return []
    used = {column.position for column, _ in choices.values()}
    best: tuple[float, ColumnProfile] | None = None
    for column in columns:
        if column.position in used or not column.filled or describes_something_else(column.header):
            continue
        share = person_name_share(table.cells(column.header))
        distinct = column.distinct / column.filled
        if share >= 0.6 and distinct >= 0.7 and (best is None or share > best[0]):
            best = (share, column)
    if best is None:
        return []
    share, column = best
    why = f"header {column.header!r} says nothing; {share:.0%} of its cells read as people's names (low confidence)"
    choices["name"] = (column, FieldChoice("name", column.header, PERSON_GUESS, why))
    return [f"{column.header!r} was taken for the name by its cells alone: check it"]


PLACE_NAMES = frozenset({"title", "placename", "businessname", "storename", "shopname", "venue"})
"""What a maps scrape or a business directory calls the business (Apify's Google Maps ``title``)."""


def company_as_name(choices: Choices, columns: list[ColumnProfile]) -> list[str]:
    """No person's name anywhere (a list of businesses, a maps scrape): the company column names the lead."""
    if choices.keys() & {"name", "firstName", "lastName"}:
        return []
    used = {column.position for column, _ in choices.values()}
    for column in sorted(columns, key=lambda c: not is_company(c.header)):  # a company column before a "title"
        if column.position in used or not column.filled:
            continue
        if not (is_company(column.header) or header_key(column.header) in PLACE_NAMES):
            continue
        if column.kind in ("name", "text") and column.distinct >= 0.8 * column.filled:
            why = f"header {column.header!r} names a business and no column names a person (low confidence)"
            choices["name"] = (column, FieldChoice("name", column.header, PERSON_GUESS, why))
            return [f"no person's name in the sheet: the lead is named after {column.header!r}; check it"]
    return []


def bare_names(choices: Choices, table: TableInspection) -> list[str]:
    """``Nombre``/``Apellido``, ``Nom``/``Prénom``, ``NAME``/``LAST_NAME``: a bare name beside the other part."""
    name = choices.get("name")
    if name is None or header_key(name[0].header) not in BARE_NAMES:
        return []
    if single_word_share(table.cells(name[0].header)) < 0.6:
        return []  # whole names: the column is the name
    other = "firstName" if "lastName" in choices and "firstName" not in choices else None
    other = other or ("lastName" if "firstName" in choices and "lastName" not in choices else None)
    if other is None:
        return []
    column, choice = choices.pop("name")
    partner = choices["lastName" if other == "firstName" else "firstName"][0].header
    why = f"{choice.evidence}; one word per cell beside {partner!r}, so it is the {other}"
    choices[other] = (column, replace(choice, field=other, evidence=why))
    return [f"{column.header!r} holds single words beside {partner!r}: used as {other}"]


def resolve_names(choices: Choices) -> list[str]:
    """firstName + lastName when both were found, else name; the loser's columns go to metadata."""
    name, first, last = choices.get("name"), choices.get("firstName"), choices.get("lastName")
    if name is None and last is not None and (first is None or first[0].fill_rate < 0.05):
        # Only a last name (a Zoho Leads export fills Last Name alone): the lead's name is the last name.
        notes = [f"{first[0].header!r} is empty; the lead's name is the last name"] if first else []
        choices.pop("firstName", None)
        column, choice = choices.pop("lastName")
        choices["name"] = (column, replace(choice, field="name", evidence=f"{choice.evidence}; the only name filled"))
        return notes
    parts = max((t[0].fill_rate for t in (first, last) if t is not None), default=0.0)
    if name is not None and name[0].fill_rate > 2 * parts:  # Full Name filled, First and Last Name left empty
        first = last = None
    if first is not None and (last is not None or name is None or first[1].confidence > name[1].confidence):
        drop = ["name"]
        why = "firstName and lastName are used" if last is not None else "firstName is used"
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
