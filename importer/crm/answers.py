"""Reading the Vox CRM's answers: which lead of a batch an item is about, and what it says.

Pure functions of decoded JSON bodies, with no ``httpx`` (:mod:`importer.crm.transport` decodes the
responses). The CRM's answers vary (``docs/crm-contract.md`` §6): an item may name its lead by
referenceId, phone or email, carry ``_id`` or ``id``, and put its message under ``error`` or
``message``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence

from importer.crm.steps import Lead

EXCERPT_CHARS = 200


class Matcher:
    """Finds which lead of a batch an item of the CRM's answer is about."""

    def __init__(self, leads: Sequence[Lead]) -> None:
        self._leads = leads
        self._refs = {ref(lead) for lead in leads}
        self._by_phone: dict[str, str | None] | None = None
        self._by_email: dict[str, str | None] | None = None

    def lead_of(self, item: object) -> str | None:
        """The referenceId of the batch lead a lead-like object describes."""
        if type(item) is not dict and not isinstance(item, Mapping):
            return None
        ref = text(item.get("referenceId"))
        if ref is not None:
            return ref if ref in self._refs else None
        # Only items without a referenceId need the indexes by phone and email: they are built on first use.
        if self._by_phone is None:
            self._by_phone = unique_index(self._leads, "phone", phone_key)
        phone = phone_key(item.get("phone"))
        if phone is not None and (ref := self._by_phone.get(phone)) is not None:
            return ref
        if self._by_email is None:
            self._by_email = unique_index(self._leads, "email", email_key)
        email = email_key(item.get("email"))
        return self._by_email.get(email) if email is not None else None

    def error_target(self, item: Mapping[str, object]) -> str | None:
        """The referenceId of the batch lead an ``errors[]`` item is about."""
        for candidate in (item, item.get("data"), item.get("leadId"), item.get("lead")):
            ref = self.lead_of(candidate)
            if ref is not None:
                return ref
        lead_id = text(item.get("leadId"))
        return lead_id if lead_id in self._refs else None


def has_arrays(body: object) -> bool:
    """Whether a body carries per-lead ``success``/``errors`` arrays."""
    return isinstance(body, Mapping) and any(isinstance(body.get(key), list) for key in ("success", "errors"))


def items(body: object, key: str) -> Iterator[Mapping[str, object]]:
    """The object items of the array ``key`` of ``body``."""
    values = body.get(key) if isinstance(body, Mapping) else None
    if isinstance(values, list):
        yield from (item for item in values if isinstance(item, Mapping))


def error_text(body: object) -> str:
    """The ``error`` (or ``message``) text of a body, or ''."""
    if not isinstance(body, Mapping):
        return ""
    for key in ("error", "message"):
        value = body.get(key)
        if isinstance(value, str) and value:
            return value
    return ""


def item_message(item: Mapping[str, object]) -> str:
    """An ``errors[]`` item's message, verbatim."""
    value = item.get("error", item.get("message"))
    if isinstance(value, str):
        return value
    return json.dumps(value) if value is not None else "rejected by the CRM without a message"


def lead_id(item: object) -> str | None:
    """The CRM ``_id`` (or ``id``, or a success item's ``leadId``) of a lead object."""
    if type(item) is not dict and not isinstance(item, Mapping):
        return None
    return text(item.get("_id")) or text(item.get("id")) or text(item.get("leadId"))


def unique_index(leads: Sequence[Lead], key: str, normalize: Callable[[object], str | None]) -> dict[str, str | None]:
    """Normalized ``key`` value → referenceId; None where two leads share a value."""
    index: dict[str, str | None] = {}
    for lead in leads:
        value = normalize(lead.get(key))
        if value is not None:
            index[value] = None if value in index else ref(lead)
    return index


def phone_key(value: object) -> str | None:
    """A phone's last ten digits, for matching: the CRM may answer with +91 9812345678 as 9812345678."""
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    digits = re.sub(r"\D", "", text) if isinstance(text, str) else ""
    return digits[-10:] or None


def email_key(value: object) -> str | None:
    """An email address in lower case, for matching."""
    address = value.strip().lower() if isinstance(value, str) else ""
    return address or None


def text(value: object) -> str | None:
    """A non-empty string or integer id as text."""
    if type(value) is str:  # the usual case, answered first
        return value or None
    if isinstance(value, bool):
        return None
    if isinstance(value, int | str) and str(value):
        return str(value)
    return None


def ref(lead: Lead) -> str:
    """A lead's referenceId."""
    ref = lead.get("referenceId")
    if not isinstance(ref, str) or not ref:
        raise ValueError("every lead sent to the CRM needs a referenceId")
    return ref


def excerpt(text: str) -> str:
    """The start of a body, for messages."""
    return text.strip()[:EXCERPT_CHARS]
