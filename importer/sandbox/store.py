"""The sandbox's CRM: its lead store, its checks and its endpoints, as ``docs/crm-contract.md`` has them.

No HTTP here: :mod:`importer.sandbox.server` parses requests, applies the rate limit, the key block and the
injected faults, and calls :data:`ENDPOINTS` under its lock.
"""

from __future__ import annotations

import contextlib
import itertools
import math
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from importer.sandbox.settings import SandboxSettings

Json = dict[str, Any]

BULK, SINGLE, GET = "bulk", "single", "get"
"""The CRM endpoints: bulk initiate, single initiate, get lead."""

MSG_BAD_TOKEN = "Invalid or missing API token"
MSG_PROJECT = "projectId does not match authenticated project"
MSG_RATE = "Too many requests, slow down"
MSG_BLOCKED = "API key temporarily blocked due to repeated duplicate submissions. Try again later."
MSG_NAME = "firstName or name is required"
MSG_CONTACT = "Either phone or email is required"
MSG_REPEATING = "Phone number contains repeating digits pattern"
MSG_PHONE_FORMAT = "Invalid phone number format"
MSG_EMAIL_FORMAT = "Invalid email format"
MSG_QUEUED = "Lead queued for processing"
MSG_PHONE_DUP = "A call attempt has already been made to this phone number for this project"

# One digit repeated or two digits alternating: 9999999999, 9898989898.
_REPEATING = re.compile(r"(\d)(\d)(?:\1\2)+\1?")
_PHONE = re.compile(r"\+?[\d\s().-]+")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_NATIONAL_DIGITS = 10


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Json | None = None
    retry_after: float | None = None
    drop: bool = False
    location: str | None = None
    html: str | None = None
    """An HTML page sent instead of the JSON body (a proxy's)."""


class Refused(Exception):
    """The whole request is refused with this status and body."""

    def __init__(self, status: int, body: Json) -> None:
        super().__init__(body.get("error"))
        self.reply = Reply(status, body)


class _Rejected(Exception):
    """One lead failed validation; the message is the contract's."""


def _present(value: object) -> bool:
    return value is not None and not (isinstance(value, str) and not value.strip())


def _text(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _digits(phone: str) -> str:
    return "".join(char for char in phone if char.isdigit())


def _phone_problem(phone: object) -> str | None:
    if not isinstance(phone, str) or not _PHONE.fullmatch(phone.strip()):
        return MSG_PHONE_FORMAT
    digits = _digits(phone)
    if not 7 <= len(digits) <= 15:
        return MSG_PHONE_FORMAT
    if _REPEATING.fullmatch(digits) or _REPEATING.fullmatch(digits[-_NATIONAL_DIGITS:]):
        return MSG_REPEATING
    return None


def _email_problem(email: object) -> str | None:
    if not isinstance(email, str) or email != email.lower() or not _EMAIL.fullmatch(email):
        return MSG_EMAIL_FORMAT
    return None


def _lead_problem(lead: Json) -> str | None:
    """The contract's message for a lead that is invalid on its own, else None."""
    if _text(lead.get("name")) is None and _text(lead.get("firstName")) is None:
        return MSG_NAME
    phone, email = lead.get("phone"), lead.get("email")
    if not _present(phone) and not _present(email):
        return MSG_CONTACT
    if _present(phone) and (problem := _phone_problem(phone)):
        return problem
    if _present(email):
        return _email_problem(email)
    return None


def _names(lead: Json) -> tuple[str, str | None, str | None]:
    """Full name, first name and last name; a lone ``name`` is split like the CRM does."""
    name, first, last = _text(lead.get("name")), _text(lead.get("firstName")), _text(lead.get("lastName"))
    if first is None and name is not None:
        first, _, rest = name.partition(" ")
        last = last or rest.strip() or None
    full = name or " ".join(part for part in (first, last) if part)
    return full, first, last


def _mask_phone(phone: str) -> str:
    """Every digit but the last four replaced by ``*``."""
    keep_from = len(_digits(phone)) - 4
    seen, masked = 0, []
    for char in phone:
        if char.isdigit():
            masked.append(char if seen >= keep_from else "*")
            seen += 1
        else:
            masked.append(char)
    return "".join(masked)


def _iso_now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _state_for(init: object) -> str:
    return "created" if init is False else "initialized"


class Store:
    """Leads in memory with the indexes the duplicate checks need. Not thread-safe."""

    def __init__(self, settings: SandboxSettings, clock: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.shown_at: dict[str, float] = {}
        """When each lead's lookup starts finding it (``settings.show_after`` after it was stored)."""
        self.by_id: dict[str, Json] = {}
        self.by_ref: dict[tuple[str, str], str] = {}
        self.phones: set[str] = {_digits(phone) for phone in settings.preexisting_phones}
        self.emails: set[str] = set()
        self.new_duplicates = 0
        self.refused_partly = False
        """Whether the request ``settings.partial_refusal`` refuses was made."""
        self._serial = itertools.count(1)

    def create(self, lead: Json, *, init: object, now: str) -> Json:
        """Validate and store one lead; raise ``_Rejected`` with the contract's message."""
        problem = _lead_problem(lead) or self._duplicate_problem(lead)
        if problem:
            raise _Rejected(problem)
        full, first, last = _names(lead)
        stored: Json = {
            "_id": f"{int(time.time()) & 0xFFFFFFFF:08x}{next(self._serial):016x}",
            "referenceId": lead.get("referenceId"),
            "name": full,
            "firstName": first,
            "lastName": last,
            "phone": lead.get("phone"),
            "email": lead.get("email"),
            "projectId": lead["projectId"],
            "processId": lead["processId"],
            "currentState": _state_for(init),
            "metadata": lead.get("metadata") if isinstance(lead.get("metadata"), dict) else {},
            "createdAt": now,
            "updatedAt": now,
        }
        if "groupId" in lead:
            stored["groupId"] = lead["groupId"]
        self._index(stored)
        if self.settings.show_after > 0:
            self.shown_at[stored["_id"]] = self.clock() + self.settings.show_after
        return stored

    def reinitiate(self, lead_id: object, *, init: object, now: str) -> Json:
        """Initiate an already stored lead again; raise ``_Rejected`` if there is none."""
        stored = self.by_id.get(lead_id) if isinstance(lead_id, str) else None
        if stored is None:
            raise _Rejected(f"Lead with ID {lead_id} not found")
        # Replaced, never mutated: responses being serialised elsewhere may still hold the old one.
        renewed = {**stored, "currentState": _state_for(init), "updatedAt": now}
        self.by_id[renewed["_id"]] = renewed
        return renewed

    def find_reference(self, process_id: str, reference_id: str) -> Json | None:
        lead_id = self.by_ref.get((process_id, reference_id))
        return None if lead_id is None else self.by_id[lead_id]

    def _duplicate_problem(self, lead: Json) -> str | None:
        phone, reference, email = lead.get("phone"), lead.get("referenceId"), lead.get("email")
        problem = None
        if _present(phone) and _digits(str(phone)) in self.phones:
            problem = MSG_PHONE_DUP
        elif reference is not None and (str(lead["processId"]), str(reference)) in self.by_ref:
            problem = f"Lead with referenceId {reference} already exists for this project and process"
        elif _present(email) and email in self.emails:
            problem = f"Lead with email {email} already exists for this project"
        if problem:
            self.new_duplicates += 1
        return problem

    def forget(self, stored: Json) -> None:
        """Take back a lead just stored (a request refused whole after all)."""
        del self.by_id[stored["_id"]]
        if stored["referenceId"] is not None:
            self.by_ref.pop((str(stored["processId"]), str(stored["referenceId"])), None)
        if _present(stored["phone"]):
            self.phones.discard(_digits(stored["phone"]))
        if _present(stored["email"]):
            self.emails.discard(stored["email"])

    def _index(self, stored: Json) -> None:
        self.by_id[stored["_id"]] = stored
        if stored["referenceId"] is not None:
            self.by_ref[(str(stored["processId"]), str(stored["referenceId"]))] = stored["_id"]
        if _present(stored["phone"]):
            self.phones.add(_digits(stored["phone"]))
        if _present(stored["email"]):
            self.emails.add(stored["email"])


def _check_scope(settings: SandboxSettings, leads: list[Json]) -> None:
    """Refuse the whole request if any lead is outside the project or names an unknown process."""
    if any(lead.get("projectId") != settings.project_id for lead in leads):
        raise Refused(403, {"error": MSG_PROJECT})
    for lead in leads:
        if lead.get("processId") not in settings.process_ids:
            process_id = lead.get("processId", "undefined")
            raise Refused(404, {"error": f"Process not found for lead with processId: {process_id}"})


def _error_item(item: object, message: str, shape: str) -> Json:
    if shape == "guide":
        return {"leadId": item, "error": message}
    reference = item.get("referenceId") if isinstance(item, dict) else None
    return {"data": item, "referenceId": reference, "error": message}


class Later:
    """A bulk request queued to be processed at ``due`` (on the sandbox's clock) after its answer, exactly once."""

    def __init__(self, perform: Callable[[], object], *, due: float) -> None:
        self._perform, self.due = perform, due
        self._lock = threading.Lock()
        self._done = False

    def run(self) -> None:
        """Process the request unless done already; returns once it is done (by this call or another)."""
        with self._lock:
            if not self._done:
                self._done = True
                self._perform()


def queued_reply(settings: SandboxSettings, body: Json) -> Reply:
    """The answer to a bulk request taken to be processed later, in the form ``settings.queued_answer`` says."""
    how, word = settings.queued_answer, settings.queued_status
    if how in ("202", "200"):
        said = {"status": word} if word else {"message": "Leads queued for processing"}
        return Reply(int(how), {"success": True, **said})
    items = body.get("leads")
    items = items if isinstance(items, list) else []
    if how == "errors":
        errors = [_error_item(item, MSG_QUEUED, settings.error_shape) for item in items]
        return Reply(200, {"success": [], "errors": errors})
    refs = [item.get("referenceId") if isinstance(item, dict) else None for item in items]
    return Reply(
        200,
        {"results": [{"index": at, "referenceId": ref, "status": word or "queued"} for at, ref in enumerate(refs)]},
    )


def own_reference(settings: SandboxSettings, reference: object) -> object:
    """A referenceId as the CRM keeps it (``settings.reference_case``)."""
    case = settings.reference_case
    if not case or not isinstance(reference, str):
        return reference
    kept = reference.strip()
    return kept.upper() if case == "upper" else kept.lower() if case == "lower" else kept


def _own_references(settings: SandboxSettings, leads: object) -> object:
    """The leads sent, each with its referenceId as the CRM keeps it."""
    if not settings.reference_case or not isinstance(leads, list):
        return leads
    return [
        {**lead, "referenceId": own_reference(settings, lead["referenceId"])}
        if isinstance(lead, dict) and "referenceId" in lead
        else lead
        for lead in leads
    ]


def _bulk_initiate(store: Store, body: Json, query: dict[str, str]) -> Reply:
    settings = store.settings
    leads, lead_ids = _own_references(settings, body.get("leads")), body.get("leadIds")
    items = leads if leads is not None else lead_ids
    if items is None:
        raise Refused(400, {"error": "Either leadIds or leads array is required"})
    if not isinstance(items, list):
        raise Refused(400, {"error": "Input must be an array"})
    if len(items) > settings.bulk_cap:
        raise Refused(400, {"error": settings.bulk_cap_message.format(cap=settings.bulk_cap)})
    if leads is not None:
        _check_scope(settings, [item if isinstance(item, dict) else {} for item in items])
    init, now = body.get("init", True), _iso_now()
    if settings.partial_refusal is not None and leads is not None and not store.refused_partly:
        return _refuse_partly(store, items, init=init, now=now)
    results: list[tuple[Json | None, Json | None]] = []  # (stored lead, error item) per item, in the order sent
    for item in items:
        try:
            if leads is not None:
                results.append((store.create(item, init=init, now=now), None))
            else:
                results.append((store.reinitiate(item, init=init, now=now), None))
        except _Rejected as rejected:
            results.append((None, _error_item(item, str(rejected), settings.error_shape)))
    errors = [error for _, error in results if error is not None]
    if settings.quiet_refusals:
        results = [(stored, None) for stored, _ in results]
        errors = []
    if errors and settings.whole_batch_refusal is not None:
        for stored, _ in results:
            if stored is not None and leads is not None:
                store.forget(stored)
        status = settings.errors_status or settings.whole_batch_refusal
        return Reply(status, {"success": False, "error": errors[0]["error"]})
    status = 400 if errors and settings.mixed_status_400 else 200
    if errors and settings.errors_status is not None:
        status = settings.errors_status
    success = [stored for stored, _ in results if stored is not None]
    if settings.id_only_success:
        success = [{"_id": stored["_id"]} for stored in success]
    elif not settings.success_ids:
        success = [{key: value for key, value in stored.items() if key != "_id"} for stored in success]
    if settings.answer_shape == "envelope":
        return Reply(status, {"success": True, "data": {"success": success, "errors": errors}})
    if settings.answer_shape == "results":
        listed = [
            {"index": index, "success": True, **stored}
            if stored is not None
            else {"index": index, "success": False, "error": (error or {}).get("error")}
            for index, (stored, error) in enumerate(results)
        ]
        return Reply(status, {"results": listed})
    if settings.errors_keyed:
        keyed = {str(_item_reference(error)): error["error"] for error in errors}
        return Reply(status, {"success": success, "errors": keyed})
    return Reply(status, {"success": success, "errors": errors})


def _item_reference(error: Json) -> object:
    """The referenceId an error item names (``referenceId``, or in the lead under ``data`` or ``leadId``)."""
    lead = error.get("data") if isinstance(error.get("data"), dict) else error.get("leadId")
    return error.get("referenceId") or (lead.get("referenceId") if isinstance(lead, dict) else lead)


def _refuse_partly(store: Store, items: list[object], *, init: object, now: str) -> Reply:
    """``partial_refusal``: store the first ``partial_after`` leads, then refuse the request with that status,
    giving the arrays of what was done."""
    settings, store.refused_partly = store.settings, True
    status = settings.partial_refusal or 403
    message = (
        f"Process not found for lead with processId: {settings.process_ids[0]}"
        if status == 404
        else "Project is inactive or not found"
    )
    success, errors = [], []
    for at, item in enumerate(items):
        if at < settings.partial_after and isinstance(item, dict):
            with contextlib.suppress(_Rejected):
                success.append(store.create(item, init=init, now=now))
                continue
        errors.append(_error_item(item, message, settings.error_shape))
    return Reply(status, {"success": False, "error": message, "data": {"success": success, "errors": errors}})


def _single_initiate(store: Store, body: Json, query: dict[str, str]) -> Reply:
    lead, lead_id, init, now = body.get("lead"), body.get("leadId"), body.get("init", True), _iso_now()
    if isinstance(lead, dict) and "referenceId" in lead:
        lead = {**lead, "referenceId": own_reference(store.settings, lead["referenceId"])}
    if lead is None and lead_id is not None:
        try:
            stored = store.reinitiate(lead_id, init=init, now=now)
        except _Rejected as rejected:
            raise Refused(404, {"error": str(rejected)}) from None
    elif isinstance(lead, dict):
        if not _present(lead.get("projectId")):
            raise Refused(400, {"error": "projectId is required in lead object"})
        _check_scope(store.settings, [lead])
        try:
            stored = store.create(lead, init=init, now=now)
        except _Rejected as rejected:
            raise Refused(400, {"error": str(rejected)}) from None
    else:
        raise Refused(400, {"error": "Either leadId or lead object is required"})
    return Reply(200, {"success": True, **stored})


def _get_lead(store: Store, body: Json, query: dict[str, str]) -> Reply:
    lead_id, reference = query.get("leadId"), query.get("referenceId")
    if lead_id:
        lead = store.by_id.get(lead_id)
    elif reference:
        project_id, process_id = query.get("projectId"), query.get("processId")
        if not project_id or not process_id:
            error = "projectId and processId are required when using referenceId"
            raise Refused(400, {"success": False, "error": error})
        if project_id != store.settings.project_id:
            raise Refused(403, {"success": False, "error": MSG_PROJECT})
        lead = store.find_reference(process_id, str(own_reference(store.settings, reference)))
    else:
        raise Refused(400, {"success": False, "error": "Either leadId or referenceId is required"})
    if lead is not None and store.clock() < store.shown_at.get(lead["_id"], -math.inf):
        lead = None  # stored, but not shown yet
    if lead is None:
        return Reply(store.settings.missing_lead_status, {"success": False, "error": "Lead not found"})
    data = {**lead, "activities": []}
    if store.settings.populated_lookups:
        data["projectId"] = {"_id": data.get("projectId"), "name": "Sandbox project"}
        data["processId"] = {"_id": data.get("processId"), "name": "Sandbox process"}
    if query.get("masked") == "true" and isinstance(data["phone"], str):
        data["phone"] = _mask_phone(data["phone"])
    return Reply(200, {"success": True, "data": data})


ENDPOINTS: dict[str, Callable[[Store, Json, dict[str, str]], Reply]] = {
    BULK: _bulk_initiate,
    SINGLE: _single_initiate,
    GET: _get_lead,
}
