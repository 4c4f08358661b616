"""The row-issue catalogue: every code a report can give a row, with what it means and how to fix it.

A bad row is a record, not an exception (as frictionless' error classes): a stable kebab-case
code in the report's ``reason`` or ``warnings`` column. Each code is described once here, and the
XLSX report's cell notes, its Summary sheet, ``leadimport issues`` and ``docs/report.md`` are
made from these descriptions.

Severity says where a code appears and what it does to the row:

- ``error``: in ``reason``; the row is ``invalid`` and is not sent.
- ``warning``: in ``warnings``; the row keeps its status and is sent with the change described.
- ``note``: in ``reason`` of a ``skipped`` row; the row is not a lead (a blank line, a total).

``invalid-email`` is both an error (the row has no phone either) and a warning (the phone is fine):
two entries share the code, told apart by severity.

A code may carry a detail after a colon (``phone-other-country:US/MX``, ``phone-from-column:Work Phone``,
``email-domain-typo:gmail.com``): :func:`split_code` parts them.

Explanations and fixes may hold ``{value}`` (the cell as read), ``{national}`` and
``{international}`` (an example mobile number of the mapping's region), ``{region}`` and ``{detail}``
(the code's detail); :meth:`Issue.note` fills them in.
"""

from __future__ import annotations

from collections.abc import Mapping

from importer.issue_kind import EXAMPLE_VALUES as EXAMPLE_VALUES
from importer.issue_kind import SEVERITIES as SEVERITIES
from importer.issue_kind import Issue as Issue
from importer.issue_kind import Severity as Severity

# The notes (rows that are no lead) live in issue_skips.
from importer.issue_skips import BLANK_ROW as BLANK_ROW
from importer.issue_skips import EXCLUDED as EXCLUDED
from importer.issue_skips import GROUP_ROW as GROUP_ROW
from importer.issue_skips import NOTE_ROW as NOTE_ROW
from importer.issue_skips import REPEATED_HEADER as REPEATED_HEADER
from importer.issue_skips import SUMMARY_ROW as SUMMARY_ROW
from importer.issue_skips import TEMPLATE_ROW as TEMPLATE_ROW
from importer.issue_skips import TEST_LEAD as TEST_LEAD
from importer.issue_skips import TITLE_ROW as TITLE_ROW

# Errors: the row is invalid and not sent.
INVALID_PHONE = Issue(
    code="invalid-phone",
    severity="error",
    fields=("phone",),
    title="Phone number is not valid",
    explanation="This is not a valid phone number.",
    fix=(
        "Type one complete number, e.g. {national} or {international}; "
        "a number from another country needs its + and country code."
    ),
)
REPEATED_DIGITS = Issue(
    code="repeated-digits",
    severity="error",
    fields=("phone",),
    title="Phone number is one digit repeated, e.g. 9999999999",
    explanation="This number is mostly one digit (or a pair of digits) repeated, so it looks made up.",
    fix="Type the lead's real number, e.g. {national} or {international}.",
)
FAKE_PHONE = Issue(
    code="fake-phone",
    severity="error",
    fields=("phone",),
    title="Phone number is a run of digits, e.g. 1234567890",
    explanation="This number is a run of consecutive digits, so it looks made up.",
    fix="Type the lead's real number, e.g. {national} or {international}.",
)
DAMAGED_PHONE = Issue(
    code="damaged-phone",
    severity="error",
    fields=("phone",),
    title="Excel turned the phone number into 9.8E+09 and lost digits",
    explanation=("Excel turned this number into {value} and dropped digits (or calculated +91-98… as a subtraction)."),
    fix="Type the full number as text, e.g. {national} or {international}.",
)
INVALID_EMAIL = Issue(
    code="invalid-email",
    severity="error",
    fields=("email",),
    title="Email address is not usable and there is no phone",
    explanation="This is not a usable email address.",
    fix="Type one address like name@example.com, or give the lead a phone number.",
)
MISSING_NAME = Issue(
    code="missing-name",
    severity="error",
    fields=("name", "firstName"),
    title="No name",
    explanation="The lead has no name.",
    fix="Type the customer's name here.",
)
UNKNOWN_COUNTRY = Issue(
    code="unknown-country",
    severity="error",
    fields=("phoneCountryCode", "phone"),
    title="The country names no country, and the phone has no + code",
    explanation=(
        "This country names no country leadimport knows, so the phone number cannot be read as dialled there "
        "(and is not guessed)."
    ),
    fix="Type the country (Germany, DE, DEU, +49), or the number with its + and country code.",
)
NO_REGION = Issue(
    code="no-region",
    severity="error",
    fields=("phone",),
    title="No country for a phone without + code (no default_region)",
    explanation=(
        "This number has no country code and the row names no country, and the mapping has no default_region."
    ),
    fix="Type it with its + and country code, give the row a country, or set default_region (or --region).",
)
PHONE_OTHER_COUNTRY = Issue(
    code="phone-other-country",
    severity="error",
    fields=("phone",),
    title="The phone looks like another country's number; not sent",
    explanation=(
        "This number is not written as a number of {region} (the region it was read in): it looks like another "
        "country's (written as that country writes it, or starting with its calling code typed without +), so it "
        "was not sent."
    ),
    fix="Type it with its + and country code, or give the row a country.",
)
PHONE_AMBIGUOUS_COUNTRY = Issue(
    code="phone-ambiguous-country",
    severity="error",
    fields=("phone",),
    title="The phone is written as two countries write their numbers; not sent",
    explanation=(
        "This number is valid in {region} (the region it was read in), but another country writes a valid number "
        "of its own exactly so (the warning names it), and this sheet holds numbers of several countries: which "
        "country's it is cannot be told, so it was not sent."
    ),
    fix="Type it with its + and country code ({international} for {region}), or give the row a country.",
)
PHONE_SHEET_COUNTRY = Issue(
    code="phone-sheet-country",
    severity="error",
    fields=("phone",),
    title="The phone is valid in two countries and the sheet looks like the other one's; not sent",
    explanation="Valid as written in {region} and in the country the rest of the sheet points to: not sent.",
    fix="Run with --region and the sheet's country code (--region {region} if it is {region}'s), or type it with +.",
)
SHIFTED_ROW = Issue(
    code="shifted-row",
    severity="error",
    fields=("phone", "email"),
    title="Cells slid left in a short row; the phone or email is under another column",
    explanation=(
        "This row has fewer cells than the header, and its phone or email sits under another column: the cells "
        "after a missing one slid left."
    ),
    fix="Fill in the missing cell (or add the separator) so each value is under its column.",
)
CUT_OFF_ROW = Issue(
    code="cut-off-row",
    severity="error",
    fields=("name", "phone", "email"),  # any of the lead's cells may be the one cut short
    title="The file ends inside this row; its last cell is cut short",
    explanation="The file ends in the middle of this row: inside a quoted cell that never closes, or with fewer "
    "cells than the header and no line break after them. It was cut short (a copy, upload or export that stopped "
    "early), so the row's last value is incomplete. It is not sent.",
    fix="Export or copy the file again whole and import it (rows already sent are not sent twice); if the file "
    "is whole, close the quote at the end of this row, or end the row with a line break.",
)
MISSING_CONTACT = Issue(
    code="missing-contact",
    severity="error",
    fields=("phone", "email"),
    title="No phone number and no email",
    explanation="The lead has no phone number and no email address.",
    fix="Type at least one of them.",
)

# Warnings: the row keeps its status and is sent with the change said.
INVALID_EMAIL_WARNING = Issue(
    code="invalid-email",
    severity="warning",
    fields=("email",),
    title="Email address is not usable; sent with the phone only",
    explanation="This is not a usable email address, so the lead goes to the CRM without one.",
    fix="Correct it (like name@example.com) if the CRM should have it.",
)
REPEATED_DIGITS_WARNING = Issue(
    code="repeated-digits",
    severity="warning",
    fields=("phone",),
    title="Phone number is one digit repeated (9999999999); sent with the email only",
    explanation="This number is mostly one digit (or a pair of digits) repeated, so it looks made up: the lead "
    "goes to the CRM with its email and without it.",
    fix="Type the lead's real number if the CRM should have it, or leave the cell empty.",
)
FAKE_PHONE_WARNING = Issue(
    code="fake-phone",
    severity="warning",
    fields=("phone",),
    title="Phone number is a run of digits (1234567890); sent with the email only",
    explanation="This number is a run of consecutive digits, so it looks made up: the lead goes to the CRM with "
    "its email and without it.",
    fix="Type the lead's real number if the CRM should have it, or leave the cell empty.",
)
MULTIPLE_PHONES = Issue(
    code="multiple-phones",
    severity="warning",
    fields=("phone",),
    title="Several phone numbers in one cell; one is used",
    explanation=(
        "More than one phone number in this cell; only the first valid one is used, or the first mobile after it "
        "when that one is a landline."
    ),
    fix="Keep one number per cell.",
)
PHONE_EXTENSION_DROPPED = Issue(
    code="phone-extension-dropped",
    severity="warning",
    fields=("phone",),
    title="Phone extension left out",
    explanation="The extension was left out; only the main number is used.",
    fix="Nothing to do, unless the extension matters: then keep it in a column of its own (metadata).",
)
COUNTRY_CODE_REPEATED = Issue(
    code="country-code-repeated",
    severity="warning",
    fields=("phone",),
    title="Country code typed twice (+91 91 98…); read once",
    explanation=(
        "The country code is typed twice (a form that already had it, and then the number with it again), "
        "so the number was read with the code once."
    ),
    fix="Type the number with its country code once.",
)
MULTIPLE_EMAILS = Issue(
    code="multiple-emails",
    severity="warning",
    fields=("email",),
    title="Several email addresses in one cell; the first is used",
    explanation="More than one email address in this cell; only the first is used.",
    fix="Keep one address per cell.",
)
PLACEHOLDER_EMAIL = Issue(
    code="placeholder-email",
    severity="warning",
    fields=("email",),
    title="A placeholder address (noemail@gmail.com, na@na.com); not sent",
    explanation=(
        "This address (like noemail@gmail.com, na@na.com or abc@xyz.com) was typed to fill a required field and is "
        "nobody's, so the lead goes to the CRM without it."
    ),
    fix="Type the lead's real address, or leave the cell empty.",
)
PLACEHOLDER_PHONE = Issue(
    code="placeholder-phone",
    severity="warning",
    fields=("phone",),
    title="The phone cell says there is no number (n/a, -, not given); read as empty",
    explanation="This row's phone cell holds no number, only a placeholder or words saying there is none.",
    fix="Type the lead's number (or its email), or leave the cell empty.",
)
MASKED_EMAIL = Issue(
    code="masked-email",
    severity="warning",
    fields=("email",),
    title="An address hidden behind asterisks or dots (ra******@gmail.com, ra••••@gmail.com); not sent",
    explanation="Part of this address is hidden (a portal's lead not yet bought, a --mask-pii report): it is not sent.",
    fix="Export the leads with their addresses shown, or import the sheet itself, not a masked report of it.",
)
MASKED_PHONE = Issue(
    code="masked-phone",
    severity="warning",
    fields=("phone",),
    title="A number with digits hidden (98XXXXXX10); not sent",
    explanation=(
        "Some digits of this number are hidden (X, *, •, #, …), as a portal shows a lead not yet bought and a "
        "report written with --mask-pii shows every number: it is nobody's number, so the lead goes to the CRM without it "
        "(with its email, or another phone column's number), or is invalid with nothing else to reach it by."
    ),
    fix="Export the leads with their numbers shown (unlock them on the portal), or import the sheet itself, not a "
    "masked report of it.",
)
SHARED_EMAIL = Issue(
    code="shared-email",
    severity="warning",
    fields=("email",),
    title="An address of several people (a dealer's sales@); sent without it",
    explanation=(
        "Rows of people with different first names share this address (a dealer's sales@ on every walk-in). "
        "It stays with the first of them, and this lead, which has a phone, is sent without it, "
        "so the leads stay separate and the CRM, which takes an address once per project, refuses none."
    ),
    fix="Type this lead's own address if you have it.",
)
GARBLED_NAME = Issue(
    code="garbled-name",
    severity="warning",
    fields=("name", "firstName", "lastName"),
    title="Name saved as ????? by a non-UTF-8 CSV; left empty",
    explanation=(
        'Only question marks: the file was saved as "CSV (Comma delimited)", which cannot keep Hindi or '
        "other non-Latin letters."
    ),
    fix='Save it as "CSV UTF-8" (or .xlsx) and validate it again.',
)
NAME_IS_A_NUMBER = Issue(
    code="name-is-a-number",
    severity="warning",
    fields=("name", "firstName", "lastName"),
    title="Name cell holds a number, not a name; left empty",
    explanation=(
        "This name cell holds only a number (a phone number or an id, perhaps in the wrong column), not a name."
    ),
    fix="Type the customer's name here.",
)
CONTACT_IN_NAME = Issue(
    code="contact-in-name",
    severity="warning",
    fields=("name",),
    title="Name cell also holds a phone number or email; left out of the name",
    explanation=(
        "This name cell holds a phone number or an email address beside the name (Rahul 98450 12345): it was left "
        "out of the name, and is the lead's own where its phone or email cell had none."
    ),
    fix="Keep the name alone in its cell, and the number and address in their own columns.",
)
CONTACT_IN_OTHER_COLUMN = Issue(
    code="contact-in-other-column",
    severity="warning",
    fields=("phone", "email"),
    title="Phone cell holds an email address, or email cell a phone number; each read as what it is",
    explanation=(
        "This row's phone cell holds an email address, or its email cell a phone number (typed into each other's "
        "column): the address is the lead's email where its email cell had none, the number its phone."
    ),
    fix="Move the address to the email column and the number to the phone column.",
)
NAME_FROM_LAST_NAME = Issue(
    code="name-from-last-name",
    severity="warning",
    fields=("lastName",),
    title="Only a last name; sent as the name",
    explanation="No first name: the CRM needs a name, so the lead is sent with this last name as its name.",
    fix="Type the first name too if you have it.",
)
DAMAGED_REFERENCE = Issue(
    code="damaged-reference",
    severity="warning",
    fields=("referenceId",),
    title="Excel turned the id into 1.23457E+15; one made from the phone is used",
    explanation=(
        "Excel turned this id into {value} and dropped digits, so different leads would share it; "
        "a referenceId is made from the phone instead."
    ),
    fix="Format the column as text to keep the ids.",
)
UNKNOWN_COUNTRY_WARNING = Issue(
    code="unknown-country",
    severity="warning",
    fields=("phoneCountryCode",),
    title="The country names no country; the phone's own + code is used",
    explanation="This names no country; the phone number was used because it has its own + and country code.",
    fix="Type a country (Germany, DE, DEU) or a code like +971.",
)
PHONE_COUNTRY_DIFFERS = Issue(
    code="phone-country-differs",
    severity="warning",
    fields=("phoneCountryCode",),
    title="The row's country is not the country of the phone's own + code; the number was sent as written",
    explanation="This row names {region}, but its number's own + code is {detail}'s: it was sent as written.",
    fix="Correct the country, or the number if its + code is wrong.",
    detail_example="GB",
)
PHONE_OTHER_COUNTRY_WARNING = Issue(
    code="phone-other-country",
    severity="warning",
    fields=("phone",),
    title="The countries whose number the phone looks like",
    explanation="This number looks like a number of {detail}, not of {region}: it was not sent.",
    fix="Type it with its + and country code, or give the row a country.",
    detail_example="US/MX",
)
PHONE_AMBIGUOUS_COUNTRY_WARNING = Issue(
    code="phone-ambiguous-country",
    severity="warning",
    fields=("phone",),
    title="The other country that writes the phone so",
    explanation="This number is written as both {region} and {detail} write valid numbers: it was not sent.",
    fix="Type it with its + and country code, or give the row a country.",
    detail_example="ID",
)
PHONE_SHEET_COUNTRY_WARNING = Issue(
    code="phone-sheet-country",
    severity="warning",
    fields=("phone",),
    title="The country the sheet looks like",
    explanation="This number is valid in {region} and in {detail}, the country the rest of the sheet points to.",
    fix="Run with --region {detail} if the sheet is that country's, or --region {region} if it is not.",
    detail_example="GB",
)
PHONE_FROM_COLUMN = Issue(
    code="phone-from-column",
    severity="warning",
    fields=("phone",),
    title="No valid number (or a landline beside a mobile) in the first phone column; another column's is used",
    explanation=(
        "The first phone column has no valid number in this row, or a landline where {detail}, a column like it "
        "(Phone 2), holds a mobile: the number of {detail} is used."
    ),
    fix="Nothing to do, unless the first column should hold this lead's number: then type it there.",
    detail_example="Work Phone",
)
EMAIL_DOMAIN_TYPO = Issue(
    code="email-domain-typo",
    severity="warning",
    fields=("email",),
    title="The email's domain looks mistyped; sent as written",
    explanation="The domain of this address looks mistyped: did you mean {detail}? It is sent as written.",
    fix="Correct the domain if it is a typo.",
    detail_example="gmail.com",
)
SHORT_ROW = Issue(
    code="short-row",
    severity="warning",
    fields=(),
    title="Fewer cells than the header; the missing ones are read as empty",
    explanation="This row has fewer cells than the header; the missing cells are read as empty.",
    fix="Check that each value is under its column.",
)
PHONE_FROM_DUPLICATE = Issue(
    code="phone-from-duplicate",
    severity="warning",
    fields=("phone",),
    title="No phone; sent with the phone of a later copy of the lead",
    explanation=(
        "No phone number in this row: the one of a later copy of this lead (a row marked duplicate of this one) "
        "is sent with it."
    ),
    fix="Nothing to do, unless that number is not this lead's: then type the right one here.",
)
EMAIL_FROM_DUPLICATE = Issue(
    code="email-from-duplicate",
    severity="warning",
    fields=("email",),
    title="No email; sent with the email of a later copy of the lead",
    explanation=(
        "No email address in this row: the one of a later copy of this lead (a row marked duplicate of this one) "
        "is sent with it."
    ),
    fix="Nothing to do, unless that address is not this lead's: then type the right one here.",
)
EDITED_ON_PAGE = Issue(
    code="edited-on-page",
    severity="warning",
    fields=(),
    title="Corrected on the upload page before sending",
    explanation=(
        "A cell of this row was corrected on the upload page before sending (the Summary sheet lists each change); "
        "the file itself still has the old value."
    ),
    fix="Make the same correction in your copy of the file if you keep using it.",
)

VALUE_TOO_LONG = Issue(
    code="value-too-long",
    severity="error",
    fields=("name", "firstName", "lastName", "email", "phone", "referenceId"),
    title="A lead field far longer than any real one",
    explanation=(
        "A lead field is far longer than any real one (a name over 200 characters, an email over 254, a phone "
        "cell over 100, a referenceId over 200): the cell holds something else."
    ),
    fix="Keep one value per cell: the lead's own name, number or address.",
)
METADATA_TRUNCATED = Issue(
    code="metadata-truncated",
    severity="warning",
    fields=(),
    title="A metadata value cut to 2,000 characters",
    explanation="A metadata value was longer than 2,000 characters; the CRM gets its first 2,000.",
    fix="Shorten the value if the rest of it matters.",
)
CONTROL_CHARACTERS = Issue(
    code="control-characters",
    severity="warning",
    fields=(),
    title="Invisible control characters removed",
    explanation=(
        "The row held invisible control characters (NUL and the like, from a damaged copy or an export tool); "
        "they were removed."
    ),
    fix="Check the values, and where the file came from.",
)

CATALOGUE: tuple[Issue, ...] = (
    INVALID_PHONE,
    REPEATED_DIGITS,
    FAKE_PHONE,
    DAMAGED_PHONE,
    INVALID_EMAIL,
    MISSING_NAME,
    MISSING_CONTACT,
    UNKNOWN_COUNTRY,
    NO_REGION,
    PHONE_OTHER_COUNTRY,
    PHONE_AMBIGUOUS_COUNTRY,
    PHONE_SHEET_COUNTRY,
    SHIFTED_ROW,
    CUT_OFF_ROW,
    VALUE_TOO_LONG,
    INVALID_EMAIL_WARNING,
    REPEATED_DIGITS_WARNING,
    FAKE_PHONE_WARNING,
    MULTIPLE_PHONES,
    PHONE_EXTENSION_DROPPED,
    COUNTRY_CODE_REPEATED,
    MULTIPLE_EMAILS,
    PLACEHOLDER_EMAIL,
    PLACEHOLDER_PHONE,
    MASKED_EMAIL,
    MASKED_PHONE,
    SHARED_EMAIL,
    GARBLED_NAME,
    NAME_IS_A_NUMBER,
    CONTACT_IN_NAME,
    CONTACT_IN_OTHER_COLUMN,
    NAME_FROM_LAST_NAME,
    DAMAGED_REFERENCE,
    UNKNOWN_COUNTRY_WARNING,
    PHONE_COUNTRY_DIFFERS,
    PHONE_OTHER_COUNTRY_WARNING,
    PHONE_AMBIGUOUS_COUNTRY_WARNING,
    PHONE_SHEET_COUNTRY_WARNING,
    PHONE_FROM_COLUMN,
    EMAIL_DOMAIN_TYPO,
    SHORT_ROW,
    PHONE_FROM_DUPLICATE,
    EMAIL_FROM_DUPLICATE,
    EDITED_ON_PAGE,
    METADATA_TRUNCATED,
    CONTROL_CHARACTERS,
    BLANK_ROW,
    SUMMARY_ROW,
    REPEATED_HEADER,
    TITLE_ROW,
    NOTE_ROW,
    GROUP_ROW,
    TEMPLATE_ROW,
    TEST_LEAD,
    EXCLUDED,
)
"""Every issue, errors first, then warnings, then notes."""


def _by_code(severity: Severity) -> Mapping[str, Issue]:
    return {issue.code: issue for issue in CATALOGUE if issue.severity == severity}


ERRORS: Mapping[str, Issue] = _by_code("error")
"""Code → issue, for the codes in ``reason`` of an ``invalid`` row."""
WARNINGS: Mapping[str, Issue] = _by_code("warning")
"""Code → issue, for the codes in ``warnings``."""
SKIPS: Mapping[str, Issue] = _by_code("note")
"""Code → issue, for the codes in ``reason`` of a ``skipped`` row."""
CODES: frozenset[str] = frozenset(issue.code for issue in CATALOGUE)


def split_code(written: str) -> tuple[str, str]:
    """A code as a report writes it, parted into the code and its detail (``phone-other-country:US`` → US)."""
    code, _, detail = written.partition(":")
    return code, detail


def lookup(code: str, severity: Severity | None = None) -> Issue | None:
    """The issue with this code (and severity, where a code has two), or None for a code not in the catalogue.

    A detail after a colon is ignored. Without ``severity``, an error is preferred to a warning, and a warning
    to a note.
    """
    code = split_code(code)[0]
    for table, level in ((ERRORS, "error"), (WARNINGS, "warning"), (SKIPS, "note")):
        if (severity is None or severity == level) and code in table:
            return table[code]
    return None
