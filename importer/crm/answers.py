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
from functools import cached_property
from typing import Literal, TypeGuard

from importer.crm.steps import Lead

EXCERPT_CHARS = 200


class Matcher:
    """Finds which lead of a batch an item of the CRM's answer is about."""

    def __init__(self, leads: Sequence[Lead]) -> None:
        self._leads = leads
        self._refs = {ref(lead) for lead in leads}

    # Only items without a referenceId need the indexes by phone and email: they are built on first use.
    @cached_property
    def _by_phone(self) -> dict[str, str | None]:
        return unique_index(self._leads, "phone", phone_key)

    @cached_property
    def _by_email(self) -> dict[str, str | None]:
        return unique_index(self._leads, "email", email_key)

    @cached_property
    def _phone_ends(self) -> set[str]:
        """Every ending of ``_SUFFIX_DIGITS`` digits or more of the batch's phones (see :meth:`may_be_ours`)."""
        ends: set[str] = set()
        for lead in self._leads:
            key = phone_key(lead.get("phone"))
            if key is not None:
                ends.update(key[-size:] for size in range(_SUFFIX_DIGITS, len(key) + 1))
        return ends

    @cached_property
    def _by_ref_key(self) -> dict[str, str | None]:
        return unique_index(self._leads, "referenceId", ref_key)

    def ref_of(self, said: str) -> str | None:
        """The batch lead's referenceId that ``said`` is, as sent or as the CRM may give it back (another case,
        trimmed: :func:`ref_key`); None when it is none of them, or could be two of them."""
        if said in self._refs:
            return said
        key = ref_key(said)
        return self._by_ref_key.get(key) if key is not None else None

    def lead_of(self, item: object) -> str | None:
        """The referenceId of the batch lead a lead-like object describes."""
        if type(item) is not dict and not isinstance(item, Mapping):
            return None
        ref = text(item.get("referenceId"))
        if ref is not None:
            return self.ref_of(ref)
        phone = phone_key(item.get("phone"))
        if phone is not None and (ref := self._by_phone.get(phone)) is not None:
            return ref
        email = email_key(item.get("email"))
        return self._by_email.get(email) if email is not None else None

    def may_be_ours(self, item: Mapping[str, object]) -> bool:
        """Whether an item :meth:`lead_of` ties to no lead could still be about one of the batch: it names no
        referenceId, and its phone (whatever its format: a national ``0…`` too) and email, where given, could be
        a batch lead's. An item that names someone else is no id of ours (a stale answer, another request's)."""
        if text(item.get("referenceId")) is not None:
            return False
        email = email_key(item.get("email"))
        if email is not None and email not in self._by_email:
            return False
        digits = phone_key(item.get("phone"))
        if digits is None or len(digits.lstrip("0")) < _SUFFIX_DIGITS:
            return True
        return digits.lstrip("0") in self._phone_ends

    def error_target(self, item: Mapping[str, object]) -> str | None:
        """The referenceId of the batch lead an ``errors[]`` item is about."""
        for candidate in (item, item.get("data"), item.get("leadId"), item.get("lead")):
            ref = self.lead_of(candidate)
            if ref is not None:
                return ref
        lead_id = text(item.get("leadId")) or text(item.get("lead"))
        if lead_id is None:
            return None
        if (named := self.ref_of(lead_id)) is not None:
            return named
        # The lead named by its phone or email alone ({"leadId": "+919812345678", "error": ...})
        if "@" in lead_id:
            return self.lead_of({"email": lead_id})
        return self.lead_of({"phone": lead_id}) if _PHONE.fullmatch(lead_id) else None


def has_arrays(body: object) -> TypeGuard[Mapping[str, object]]:
    """Whether a body carries per-lead ``success``/``errors`` arrays."""
    return isinstance(body, Mapping) and any(isinstance(body.get(key), list) for key in ("success", "errors"))


_SUCCESS_KEYS = ("success", "successes", "succeeded", "successful", "created", "inserted", "accepted")
_ERROR_KEYS = ("errors", "failed", "failures", "failedLeads", "rejected")
_QUEUED_KEYS = ("queued", "pending", "processing", "enqueued")
"""Arrays of leads the CRM took to process later: neither stored yet nor refused."""
_OTHER_KEYS = frozenset(_SUCCESS_KEYS + _ERROR_KEYS + _QUEUED_KEYS) - {"success", "errors"}
_ENVELOPES = ("data", "result", "results", "response", "payload")
"""Keys a CRM (or the gateway in front of it) wraps its answer in: ``{"success": true, "data": {...}}``."""
_RESULT_LISTS = ("results", "data", "leads", "items", "result", "responses")
"""Keys of one list with an item per lead, each saying whether it was stored."""
_MESSAGE_KEYS = ("error", "message", "reason", "msg", "detail", "details", "description", "errors")
"""Where an ``errors[]`` item may give its message, in the order looked at."""
_SUFFIX_DIGITS = 7
"""The fewest digits of a phone compared by its end: a national number without its country code (0612345678
for +33612345678) is its lead's when its digits end the lead's."""
_PHONE = re.compile(r"\+?[\d\s().-]{7,25}")
"""A string that is a phone number, written any way (no letters)."""
_ID = re.compile(r"[\w.:-]{1,100}")
"""What an id (or a referenceId) in a bare list looks like: no words and spaces of a message."""
_INDEX_KEYS = ("index", "idx", "position", "itemIndex")
_FAILED = frozenset({"error", "failed", "fail", "failure", "rejected", "invalid", "duplicate", "refused"})
_STORED = frozenset({"success", "ok", "created", "inserted", "initialized", "stored", "done"})
_EXISTING = frozenset({"exists", "already exists", "existing", "skipped", "duplicate"})
"""Status words of a lead's item saying the CRM created nothing, holding such a lead already: a duplicate refusal."""
_DUPLICATE_FLAGS = ("duplicate", "isDuplicate", "is_duplicate", "alreadyExists", "exists")


def says_refused(item: Mapping[str, object]) -> bool:
    """Whether one lead's item (in ``success[]`` or a results list) says its lead was not created: it failed
    (:func:`says_failed`, an ``error``), or the CRM holds such a lead already (``"status": "Duplicate"``,
    ``"skipped"``, ``"duplicate": true``), whatever id it carries (that lead's)."""
    return (
        says_failed(item)
        or _an_error(item.get("error"))
        or any(status_word(item.get(key)) in _EXISTING for key in _STATUS_KEYS)
        or any(flag(item.get(key)) is True for key in _DUPLICATE_FLAGS)
    )


def _an_error(value: object) -> bool:
    """Whether an item's ``error`` says one: not null, false, 0, nor empty ("", {}, [])."""
    if value is None or isinstance(value, bool):
        return value is True
    if isinstance(value, int | float):
        return value != 0
    return not isinstance(value, str | Mapping | list) or bool(value)


LATER_WORDS = frozenset(
    {
        "queued",
        "enqueued",
        "in queue",
        "pending",
        "processing",
        "in progress",
        "inprogress",
        "scheduled",
        "accepted",
        "received",
        "submitted",
        "waiting",
        "deferred",
    }
)
"""The status words (``"status": "queued"``, of a whole answer or of one lead's item, in any case, with ``_``, ``-``
or spaces) that say the CRM took the lead to process it later: neither stored (no id yet) nor refused."""
_STATUS_KEYS = ("status", "state")
_SEPARATORS = re.compile(r"[\s_-]+")
_QUEUED = re.compile(
    r"\b(?:queued|enqueued|being processed|(?:added to|placed in|put in) (?:the )?(?:processing )?queue"
    r"|(?:accepted|received|scheduled|submitted) for (?:later )?processing|will be (?:processed|created|imported|stored)"
    r"|processing (?:has )?(?:started|in progress|pending)|pending processing|still processing"
    r"|asynchronous(?:ly)?|in the background)\b"
    r"|^\W*(?:processing|pending|queued|in[ _-]?progress)\W*$",
    re.IGNORECASE,
)
"""A message saying a lead (or the request) was taken to be processed later, not stored or refused yet."""
_NOT_QUEUED = re.compile(
    r"\b(?:not|no|never|failed|fail(?:ure)?|errors?|invalid|cannot|can'?t|could ?n[o']t|unable|rejected|refused"
    r"|denied|already|duplicate)\b",
    re.IGNORECASE,
)
"""Words that make such a message a refusal after all ("could not be queued", "processing failed")."""


def says_queued(message: str) -> bool:
    """Whether the CRM's message says the lead (or the request) is queued to be processed later."""
    return bool(_QUEUED.search(message)) and not _NOT_QUEUED.search(message)


def status_word(value: object) -> str:
    """A ``status`` value as a word to compare: ``"In-Progress"`` and ``"in_progress"`` are ``"in progress"``."""
    return _SEPARATORS.sub(" ", value).strip().lower() if isinstance(value, str) else ""


def flag(value: object) -> bool | None:
    """A yes/no field as the CRM wrote it: ``true``, or as text (``"false"``, ``"True"``, ``"1"``) from a serializer
    that writes booleans so; None for anything else (an array, a count)."""
    if isinstance(value, bool):
        return value
    return _FLAGS.get(value.strip().lower()) if isinstance(value, str) else None


_FLAGS = {"true": True, "false": False, "1": True, "0": False, "yes": True, "no": False}


def says_failed(answer: object) -> bool:
    """Whether an answer (or one item of it) says it failed: ``"success": false`` or a failing ``status``."""
    if not isinstance(answer, Mapping):
        return False
    return flag(answer.get("success", answer.get("ok"))) is False or any(
        status_word(answer.get(key)) in _FAILED for key in _STATUS_KEYS
    )


def says_later(answer: object) -> bool:
    """The one rule for "queued": whether an answer, or one lead's item of it, says the CRM took its leads to
    process them later: a message saying so (:func:`says_queued`, whose own words tell a refusal), or a status in
    :data:`LATER_WORDS` and no failure (:func:`says_failed`) nor ``error`` (an errors[] item flagged ``"success":
    false`` with "Lead queued for processing" is queued; one with a refusal's message is not, whatever its status
    says). An item that carries its lead's id is stored, whatever it says: its caller checks that (a whole
    answer's id may be a job's)."""
    if not isinstance(answer, Mapping):
        return False
    if says_queued(item_message(answer, default="")):
        return True
    if says_failed(answer) or answer.get("error") not in (None, "", False):
        return False
    return any(status_word(answer.get(key)) in LATER_WORDS for key in _STATUS_KEYS)


def per_lead(body: object, leads: Sequence[Lead]) -> Mapping[str, object] | None:
    """The per-lead answer of a bulk request as ``{"success": [...], "errors": [...]}``, or None when the body
    has none.

    Besides the documented top-level arrays, a CRM may wrap them in an envelope (``{"data": {"success": [...]}}``),
    name them otherwise (``failed``), or answer one list with an item per lead, each with a ``success`` flag
    or a ``status``. Items naming their lead only by its position (``index``) are given its referenceId when
    the positions leave no doubt whether they count from 0 or from 1.
    """
    matcher = Matcher(leads)
    body = _errors_listed(body, matcher, len(leads))
    if (
        has_arrays(body)
        and not any(key in body for key in _OTHER_KEYS)
        and _objects_only(body)
        and not any(says_refused(item) for item in items(body, "success"))
    ):
        return body  # the documented shape, as it came: nothing to copy
    found = _arrays(body)
    if found is None:
        return None
    success, errors, queued = found
    for listed, strings in ((success, True), (errors, False), (queued, False)):
        for at, item in enumerate(listed):
            if "\0text" in item:  # a bare string: a referenceId or an id, or an error message
                said = str(item["\0text"])
                named = matcher.ref_of(said)
                if strings:
                    listed[at] = {"referenceId": named} if named is not None else {"_id": said}
                else:
                    listed[at] = {"referenceId": named} if named is not None else {"error": said}
    refused = [item for item in success if says_refused(item)]  # a success[] item saying it was not created
    if refused:
        success, errors = [item for item in success if not says_refused(item)], [*errors, *refused]
    _name_by_index(success, [*errors, *queued], leads)
    return (
        {"success": success, "errors": errors, "queued": queued} if queued else {"success": success, "errors": errors}
    )


Items = list[dict[str, object]]


def _errors_listed(body: object, matcher: Matcher, size: int) -> object:
    """``body`` with an ``errors`` given as an object made the list of items it stands for: one error item
    (``{"referenceId": "...", "error": "..."}``), or a message per lead keyed by its referenceId, phone, email or
    position (``{"LI-1": "Invalid phone"}``, ``{"2": "..."}``). An object keyed by anything else (field names:
    ``{"phone": "is invalid"}``) names no lead: it is the request's message (:func:`error_text`)."""
    if not isinstance(body, Mapping):
        return body
    changed: dict[str, object] = {}
    for key in (*_ERROR_KEYS, *_ENVELOPES):
        value = body.get(key)
        if isinstance(value, Mapping) and value and key in _ERROR_KEYS:
            listed = _error_entries(value, matcher, size)
            if listed is not None:
                changed[key] = listed
        elif isinstance(value, Mapping) and value:
            inner = _errors_listed(value, matcher, size)
            if inner is not value:
                changed[key] = inner
    return {**body, **changed} if changed else body


def _error_entries(errors: Mapping[str, object], matcher: Matcher, size: int) -> Items | None:
    """The error items an ``errors`` object stands for (see :func:`_errors_listed`); None if it names no lead."""
    if any(isinstance(errors.get(key), str) for key in _MESSAGE_KEYS[:4]):
        return [dict(errors)]
    entries: Items = []
    for key, said in errors.items():
        message = said if isinstance(said, str) else _said_text(said)
        name = key.strip() if isinstance(key, str) else ""
        if not message:
            return None
        if name.isdecimal() and int(name) <= size:
            entries.append({"index": int(name), "error": message})
        elif matcher.error_target({"leadId": name}) is not None:
            entries.append({"leadId": name, "error": message})
        else:
            return None
    return entries


def _said_text(said: object) -> str:
    """A message given as a list of texts or as an object (``{"message": "..."}``), or ''."""
    if isinstance(said, list) and said and all(isinstance(part, str) for part in said):
        return "; ".join(said)
    return item_message(said, default="") if isinstance(said, Mapping) else ""


def _arrays(body: object) -> tuple[Items, Items, Items] | None:
    """(success items, error items, queued items) of a body in one of the shapes :func:`per_lead` reads."""
    if isinstance(body, list) and body and all(type(item) is str and _ID.fullmatch(item) for item in body):
        return [_object(item) for item in body], [], []  # a bare list of ids (a "simplified" answer, v=1.2)
    containers: list[object] = [body]
    if isinstance(body, Mapping):
        containers += [body.get(key) for key in _ENVELOPES]
    for container in containers:
        if isinstance(container, Mapping) and any(
            isinstance(container.get(key), list) for key in (*_SUCCESS_KEYS, *_ERROR_KEYS, *_QUEUED_KEYS)
        ):
            success = [_object(item) for key in _SUCCESS_KEYS for item in _listed(container, key)]
            errors = [_object(item) for key in _ERROR_KEYS for item in _listed(container, key)]
            queued = [_object(item) for key in _QUEUED_KEYS for item in _listed(container, key)]
            return success, errors, queued
    lists: list[object] = [body]
    for container in containers:
        if isinstance(container, Mapping):
            lists += [container.get(key) for key in _RESULT_LISTS]
    for candidate in lists:
        if isinstance(candidate, list) and candidate and all(isinstance(item, Mapping) for item in candidate):
            success, errors, queued = [], [], []
            for item in candidate:
                verdict = _verdict(item)
                if verdict is not None:
                    (queued if verdict == "queued" else success if verdict else errors).append(dict(item))
            if success or errors or queued:
                return success, errors, queued
    return None


def _objects_only(body: Mapping[str, object]) -> bool:
    """Whether the ``success``/``errors`` arrays hold only objects (no bare strings)."""
    return all(
        type(item) is dict or isinstance(item, Mapping)
        for key in ("success", "errors")
        if isinstance(values := body.get(key), list)
        for item in values
    )


def _listed(container: Mapping[str, object], key: str) -> list[object]:
    """The objects and strings of the array ``key``."""
    values = container.get(key)
    return [item for item in values if isinstance(item, Mapping | str) and item] if isinstance(values, list) else []


def _object(item: object) -> dict[str, object]:
    """An array item as an object; a bare string is kept under a key no JSON key has, to be read by its list."""
    return dict(item) if isinstance(item, Mapping) else {"\0text": item}


def _verdict(item: Mapping[str, object]) -> bool | Literal["queued"] | None:
    """Whether a result item says its lead was stored (True), refused (False), taken to be processed later
    (``"queued"``: no id yet, and :func:`says_later`), or none of these (None)."""
    if lead_id(item) is None and says_later(item):
        return "queued"
    if says_refused(item):
        return False
    if flag(item.get("success", item.get("ok"))) or status_word(item.get("status")) in _STORED or lead_id(item):
        return True
    return None


def _name_by_index(success: list[dict[str, object]], errors: list[dict[str, object]], leads: Sequence[Lead]) -> None:
    """Give items that name their lead only by position that lead's referenceId, if the positions are clear:
    0 among them (counted from 0), or the batch's size (from 1), all within the batch, none twice, and none
    the position of a lead another item names (an ``index`` that numbers something else)."""
    matcher = Matcher(leads)
    named: set[str] = set()
    indexed: list[tuple[dict[str, object], int]] = []
    for item, is_error in [*((item, False) for item in success), *((item, True) for item in errors)]:
        target = matcher.error_target(item) if is_error else matcher.lead_of(item)
        index = _index(item)
        if target is not None:
            named.add(target)
        elif index is not None:
            indexed.append((item, index))
    positions = [index for _, index in indexed]
    if not positions or len(set(positions)) != len(positions):
        return
    if 0 in positions and max(positions) < len(leads):
        base = 0
    elif len(leads) in positions and min(positions) >= 1:
        base = 1
    else:
        return  # 1 … n-1 could count from either end of that doubt: left to the lookups
    targets = [ref(leads[index - base]) for index in positions]
    if named.intersection(targets):
        return
    for (item, _), target in zip(indexed, targets, strict=True):
        item["referenceId"] = target


def _index(item: Mapping[str, object]) -> int | None:
    """An item's position in the batch, written as a number or as digits (``"index": "3"``)."""
    for key in _INDEX_KEYS:
        value = item.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().isdecimal():
            return int(value)
    return None


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
    fields = body.get("errors")  # {"errors": {"phone": "is invalid"}}: a validation error naming fields
    if isinstance(fields, Mapping):
        said = [f"{name}: {text}" for name, value in fields.items() if (text := _said_text(value) or str(value or ""))]
        return "; ".join(said)
    return ""


def item_message(item: Mapping[str, object], default: str = "rejected by the CRM without a message") -> str:
    """An ``errors[]`` item's message, verbatim (``default`` when it has none)."""
    value = next((item[key] for key in _MESSAGE_KEYS if item.get(key) not in (None, "")), None)
    if isinstance(value, Mapping):  # {"error": {"code": 11000, "message": "..."}}
        value = value.get("message", value)
    if isinstance(value, list) and value and all(isinstance(part, str) for part in value):
        value = "; ".join(value)
    if isinstance(value, str):
        return value
    if value is None:  # {"_id": "...", "status": "Duplicate"}: the status is the CRM's word, the id its lead's
        said = next((item[key] for key in _STATUS_KEYS if status_word(item.get(key)) in _FAILED | _EXISTING), None)
        if said is None and any(flag(item.get(key)) is True for key in _DUPLICATE_FLAGS):
            said = "Duplicate"
        if isinstance(said, str):
            return _status_message(said.strip(), lead_id(item))
    return json.dumps(value) if value is not None else default


def _status_message(said: str, held: str | None) -> str:
    """The message of an item that says only a status: ``"Duplicate (the CRM's existing lead <_id>)"``; a word
    for an existing lead ("skipped", "exists") is said to be a duplicate, which it is (§2)."""
    if status_word(said) in _EXISTING and "duplicate" not in said.lower():
        said = f"{said}: a duplicate"
    return f"{said} (the CRM's existing lead {held})" if held is not None else said


def lead_id(item: object) -> str | None:
    """The CRM ``_id`` (or ``id``, or a success item's ``leadId``) of a lead object."""
    if type(item) is not dict and not isinstance(item, Mapping):
        return None
    return next((said for key in ("_id", "id", "leadId") if (said := text(_oid(item.get(key)))) is not None), None)


def _oid(value: object) -> object:
    """An id given as MongoDB extended JSON (``{"$oid": "..."}``) as the id itself."""
    return value.get("$oid") if isinstance(value, Mapping) else value


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


def ref_key(value: object) -> str | None:
    """A referenceId for matching: a CRM may give it back in another case, or trimmed."""
    said = text(value)
    return said.strip().casefold() or None if said is not None else None


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
