"""Reading the Vox CRM's answer to a request into the next step of the request loop.

No ``httpx`` and no requests here: the readers take an ``Answer`` already read whole and decoded
(:mod:`importer.crm.transport` does that), record what it says of each lead in the ``Tally``, and return
what to do next. What is retried, what stops the run and what is a lead's own failure follows the
outcome table in ``docs/crm-contract.md`` §5; :mod:`importer.crm.answers` reads the items of a body.
"""

from __future__ import annotations

import html
import logging
import math
import re
import time
from collections.abc import Callable, Mapping

from importer.crm import answers, waits
from importer.crm.arrays import DUPLICATE, REFERENCE_EXISTS, apply_arrays, keep_stored
from importer.crm.settings import CrmSettings
from importer.crm.steps import (
    Answer,
    Answered,
    Failed,
    Found,
    Halted,
    Lead,
    Split,
    Step,
    Tally,
    Throttled,
)
from importer.errors import AuthFailed, ClientBug, CrmUnreachable, KeyBlocked, ProcessNotFound, WrongAddress

log = logging.getLogger(__name__)

MAX_429_PAUSE = 300.0
"""A 429 asking for a longer wait than this is treated as a block, not waited out."""

_MAX_LEADS = re.compile(
    r"(?:max(?:imum)?|limit(?:ed)?|at most|up to|no more than|cannot exceed|exceed(?:s|ed)?)\b\D{0,30}?(\d+)",
    re.IGNORECASE,
)
"""The cap a batch too large was refused with, after the word saying it is one: "Maximum of 500 leads allowed per
request", "Batch size exceeds limit of 250", "too many items (max 200)"; read only in a message about the batch's
size (:data:`_BATCH_WORDS`) and not about a cell's (:data:`_CELL_WORDS`)."""
_TOO_MANY = re.compile(r"\btoo (?:many|large|big)\b\D{0,30}?(\d+)", re.IGNORECASE)
"""The same said only as "too many items: 200 at most" (the number after "too many" may be the count sent)."""
_BATCH_WORDS = re.compile(
    r"\b(?:leads?|records?|items?|elements?|entries|entry|objects?|rows?|batch(?:es)?|array|per request)\b",
    re.IGNORECASE,
)
_CELL_WORDS = re.compile(r"\b(?:length|characters?|chars|digits|bytes|[kmg]b|keys|fields?|words?)\b", re.IGNORECASE)


def _stated_cap(message: str) -> int | None:
    """The most leads a request may carry, as a refusal of a batch too large states it; None if it does not."""
    if not _BATCH_WORDS.search(message) or _CELL_WORDS.search(message):
        return None
    found = _MAX_LEADS.search(message) or _TOO_MANY.search(message)
    return int(found.group(1)) if found is not None else None


_CALLED_PHONE = re.compile(r"\bcall attempt\b|\balready\b.{0,40}\bcalled\b|\bphone\b.{0,60}\balready\b", re.IGNORECASE)
"""A refusal of the lead's phone as already called in the project: the phone itself is refused, whoever
the lead is, so sending it again (in any lead) is refused again and counts toward the key block."""


def is_called_phone(message: str) -> bool:
    """Whether the CRM's refusal says the lead's phone was already called in the project."""
    return bool(_CALLED_PHONE.search(message)) and not REFERENCE_EXISTS.search(message)


_BLOCKED = re.compile(r"\b(?:blocked|suspended|suspension|locked|banned|disabled)\b|\bduplicate", re.IGNORECASE)
"""A 429 saying the API key is blocked, in whatever words ("temporarily blocked", "suspended", "locked", "too
many duplicate submissions"): docs/crm-contract.md §4's hour-long block, not a rate limit to wait out."""
_KEY_BLOCKED = re.compile(
    r"temporarily blocked|\b(?:api.?key|key|account|access)\b.{0,40}\b(?:block|suspen|lock|ban|disabl)", re.IGNORECASE
)
"""The same said under another status: it must name the key (a lead's phone may be "blocked" too)."""
_FOR_A_WHILE = re.compile(r"temporar|duplicate", re.IGNORECASE)
"""A key block said with a 403 is the duplicate block when it says it is temporary, or for duplicates (or how
long it lasts, :data:`_STATED_WAIT`)."""
_STATED_WAIT = re.compile(
    r"\b(?:in|after|for|wait)\s+(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?|m|hours?|hrs?|h)\b", re.IGNORECASE
)
"""A wait a 429's message asks for when no Retry-After header does: "try again in 60 minutes"."""
_DECIMAL = re.compile(r"\d+(?:\.\d+)?")
_UNIT_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0}
_AUTH = re.compile(
    r"\bunauthori[sz]ed|\bforbidden\b|\b(?:token|api key|credentials?)\b.{0,30}\b(?:invalid|expired|revoked|missing)"
    r"|\b(?:invalid|expired|revoked|missing)\b.{0,30}\b(?:token|api key|credentials?)\b|does not match authenticated",
    re.IGNORECASE,
)
"""A refusal of the token or project (what a 401/403 says), under another status."""
_NOT_FOUND = re.compile(
    r"not found|does ?n[o']t exist|\bno (?:such |matching )?(?:leads?|records?|results?|data)\b"
    r"|\bno(?:thing)? (?:lead |record )?(?:found|matche[sd])",
    re.IGNORECASE,
)
_PROCESS_MISSING = re.compile(
    r"\bprocess(?:\s*id)?\b[^.;]{0,60}?(?:\bnot found|\bdoes ?n[o']t exist)"
    r"|\bprocess\s*id\b[^.;]{0,20}?\b(?:invalid|unknown|not valid)\b"
    r"|\b(?:invalid|unknown|no such)\s+process(?:\s*id)?\b",
    re.IGNORECASE,
)
"""The CRM refusing the process itself ("Process not found for lead with processId: …", "Invalid processId",
"No such process"), in whatever status: the configured process is wrong for every lead."""
_RATE = re.compile(r"too many requests|rate.?limit", re.IGNORECASE)
_REQUEST_SHAPE = re.compile(r"\beither lead|must be an array|required when using", re.IGNORECASE)
_REFUSALS = frozenset({400, 409, 422})
"""Statuses a CRM refuses leads with: 400 (the contract), 409 Conflict (a duplicate), 422 Unprocessable Entity
(failed validation); each is read as the contract's 400."""
_RETRYABLE = frozenset({408, 425, 499})
"""4xx statuses a gateway answers for a request that timed out or came too early (408 Request Timeout, 425 Too Early,
nginx's 499): retried as a 5xx is, its leads looked up first (a gateway may have passed it on)."""
_UNAVAILABLE = frozenset({503})
"""The status saying the CRM is unavailable for now (Service Unavailable: maintenance, overload), not failing on this
request. A 502 or 504 is a gateway failing on this request (the CRM may have stored it): a few tries, unless it too
asks for a wait (``Retry-After``)."""
_GATEWAY = frozenset({502, 504})
"""A gateway's failure (Bad Gateway, Gateway Timeout), see :attr:`importer.crm.steps.Failed.gateway`."""
_BARE_CONFLICT = "HTTP 409 Conflict: the CRM holds a conflicting lead (it gave no reason)"
KEY_BLOCK_SECONDS = 3600.0
"""How long the CRM blocks a key for duplicate submissions (docs/crm-contract.md §4)."""
_RESUME = "then run the same command again: rows not yet sent are kept as pending."


class Reader:
    """Reads the CRM's answers into the next step, recording in the tally what they say of each lead.

    ``settings`` name the project and process a looked-up lead must belong to (and go into messages);
    ``redact`` is applied to every text of the CRM a message quotes (it may echo the API token).
    """

    def __init__(self, settings: CrmSettings, redact: Callable[[str], str]) -> None:
        self._settings = settings
        self._redact = redact
        self.longest_down = MAX_429_PAUSE
        """The longest wait a CRM saying it is unavailable (a 503's ``Retry-After``) is granted; asking for longer
        stops the run at once. The client sets it to its outage bound when that is longer."""

    def read_bulk(self, response: Answer, leads: list[Lead], tally: Tally) -> Step:
        """Turn the answer to a bulk POST into the next step, recording lead outcomes."""
        body = response.body
        arrays = answers.per_lead(body, leads) if body is not None else None
        tally.duplicate_refusals += _duplicate_refusals(arrays if arrays is not None else body, response.status_code)
        if arrays is None and (response.status_code == 202 or (_is_2xx(response) and answers.says_later(body))):
            # "Accepted" for processing later (a 202, or a 2xx saying "queued"): the leads are looked up after the
            # settle wait, never sent again (once processed, each would be a duplicate).
            return Answered(tuple(leads), later=True)
        if body is None and 200 <= response.status_code < 300:
            # an empty "OK", or a proxy's HTML page: each lead is looked up
            return Answered(tuple(leads), unread=self._redact(answers.excerpt(response.text)) or "(empty)")
        if response.status_code == 413:  # a proxy's body limit (nginx: 1 MB) refused it before the CRM
            return self._too_large(leads, tally)
        said_nothing = not answers.error_text(body) and (body is not None or not response.text.strip())
        if response.status_code == 409 and arrays is None and said_nothing:  # a bare 409: empty, or JSON saying nothing
            return self._read_400(_BARE_CONFLICT, leads, tally, conflict=True, status=409)
        common = self._read_common(response, body)
        status = response.status_code
        if common is None and status == 404 and _PROCESS_MISSING.search(answers.error_text(body)):
            common = self._no_process(self._redact(answers.error_text(body)))
        if common is not None:
            if isinstance(common, Halted) and arrays is not None and not common.landed:
                keep_stored(arrays, leads, tally)
            return common
        if arrays is not None and (status in _REFUSALS or 200 <= status < 300):
            unmentioned, later = apply_arrays(arrays, leads, tally)
            # {"success": [], "errors": [], "message": "Leads queued for processing"}: the rest come later
            return Answered(unmentioned, later=later or (bool(unmentioned) and answers.says_later(body)))
        message = self._redact(answers.error_text(body))
        if 200 <= status < 300 and message and answers.says_failed(body):
            # {"success": false, "error": "..."} under 200: the CRM refused the request, as a 4xx would say.
            return self._stop_in_2xx(message, response) or self._read_400(message, leads, tally)
        if 200 <= status < 300:
            return Answered(tuple(leads))
        if status in (*_REFUSALS, 404) and _PROCESS_MISSING.search(message):
            return self._no_process(message)
        if status in _REFUSALS:
            return self._read_400(message, leads, tally, conflict=status == 409, status=status)
        return Halted(self._unexpected(response), landed=False)

    def _no_process(self, message: str) -> Halted:
        """The stop for a process the CRM does not know: nothing was stored, every lead stays unsent."""
        return Halted(
            ProcessNotFound(
                f"The CRM has no such process ({message}). Check the process id "
                f"in the mapping ({self._settings.process_id})."
            ),
            landed=False,
        )

    def _stop_in_2xx(self, message: str, response: Answer) -> Halted | Throttled | None:
        """A 2xx whose body says the request failed, read as the status its message implies: a key block, a
        rate limit, a refused token or project, an unknown process; None for anything else."""
        if _KEY_BLOCKED.search(message):
            return self._read_429(response, blocked=True)
        if _PROCESS_MISSING.search(message):
            return self._no_process(message)
        if _AUTH.search(message):
            return Halted(self._auth_failed(response.status_code, message), landed=False)
        if _RATE.search(message):
            return Throttled(waits.asked(response.headers))
        return None

    def _too_large(self, leads: list[Lead], tally: Tally) -> Step:
        """HTTP 413: nothing was stored; send the batch in halves, and refuse a lead too large alone."""
        if len(leads) > 1:
            log.info("%d leads were too large for one request (HTTP 413); sending them in halves", len(leads))
            return Split(math.ceil(len(leads) / 2))
        tally.reject(answers.ref(leads[0]), "this lead alone is too large for the server (HTTP 413): shorten its cells")
        return Answered(())

    def _read_400(
        self, message: str, leads: list[Lead], tally: Tally, *, conflict: bool = False, status: int = 400
    ) -> Step:
        """A 400 (or 409, 422) without per-lead arrays: too many leads, one bad lead, or our bug. ``conflict``:
        the status says the lead is a duplicate (409), whatever the words."""
        limit = _stated_cap(message)
        if limit is not None and len(leads) == 1 and limit >= 1:
            limit = None  # one lead is within any cap: the number is about the lead ("at most 15 digits")
        if limit is not None and len(leads) > 1:
            half = math.ceil(len(leads) / 2)
            cap = limit
            # a stated cap the batch exceeds is kept for the next batches; one it does not is not the CRM's
            return Split(min(half, cap), limit=cap if 0 < cap < len(leads) else None) if cap > 0 else Split(half)
        if limit is None and message and not _REQUEST_SHAPE.search(message):
            duplicate = conflict or DUPLICATE.search(message) is not None
            if len(leads) == 1 and duplicate:
                tally.duplicates[answers.ref(leads[0])] = message  # maybe stored by an earlier request: looked up
                return Answered(tuple(leads))
            if len(leads) == 1:
                tally.reject(answers.ref(leads[0]), message)
                return Answered(())
            # One lead's problem refused the whole batch. A duplicate counts toward the key block each
            # time it is sent, so then every lead goes alone (the duplicate is sent once more, not once
            # per halving); any other problem is narrowed down by halves.
            log.info(
                "The CRM refused a batch of %d leads (%s); sending it %s",
                len(leads),
                message,
                "lead by lead" if duplicate else "in halves",
            )
            return Split(1 if duplicate else math.ceil(len(leads) / 2))
        return Halted(
            ClientBug(
                f"The CRM rejected the request as malformed (HTTP {status}: {message or 'no message'}). "
                "This is a bug in leadimport: please report it. No lead was marked failed."
            ),
            landed=False,
        )

    def read_found(self, response: Answer, reference_id: str) -> Found | Halted | Throttled | Failed:
        """Turn the answer to ``GET /leads/get`` for ``reference_id`` into the next step."""
        body = response.body
        status = response.status_code
        if status == 404 and "cannot get" not in response.text.lower():
            return Found(None)  # whatever the body; "Cannot GET <path>" is a wrong URL, not a missing lead
        if status == 204:
            return Found(None)  # No Content: nothing matched
        if 200 <= status < 300 and isinstance(body, Mapping) and "data" in body and not body["data"]:
            return Found(None)  # {"success": true, "data": null}
        if status == 400 and "not found" in answers.error_text(body).lower():
            return Found(None)
        if 200 <= status < 300 and answers.says_failed(body) and not _bare_lead(body):
            # {"success": false, "error": "Lead not found"} under 200
            message = self._redact(answers.error_text(body))
            if not message or _NOT_FOUND.search(message):  # a bare {"success": false}: nothing found
                return Found(None)
            stop = self._stop_in_2xx(message, response)
            if stop is not None:
                return stop
        common = self._read_common(response, body)
        if common is not None:
            return common
        data = _the_lead(body)
        if isinstance(data, list) and 200 <= status < 300:  # the lead in a list of the leads matching
            data = next((item for item in data if self._is_ours(item, reference_id)), None)
            if data is None:
                return Found(None)
        lead_id = answers.lead_id(data) if 200 <= status < 300 else None
        if lead_id is not None and not self._is_ours(data, reference_id):
            return Found(None)  # a lead of another process or project (or referenceId) is not this one
        if lead_id is not None:
            return Found(lead_id)
        return Halted(self._unexpected(response), landed=False)

    def _is_ours(self, lead: object, reference_id: str) -> bool:
        """Whether a looked-up lead is the one asked for: its referenceId, project and process (where given)."""
        if not isinstance(lead, Mapping):
            return False
        expected = {
            "referenceId": reference_id,
            "projectId": self._settings.project_id,
            "processId": self._settings.process_id,
        }
        # A CRM may give a referenceId (or an ObjectId's hex) back in another case, or trimmed.
        return all(
            (given := _object_id(lead.get(key))) in (None, "", value)
            or answers.ref_key(given) == answers.ref_key(value)
            for key, value in expected.items()
        )

    def _read_common(self, response: Answer, body: object) -> Halted | Throttled | Failed | None:
        """Answers read the same on every endpoint: 5xx, 429, 401/403, 423, bodies that are not JSON."""
        status = response.status_code
        if status >= 500 or status in _RETRYABLE:
            wait = waits.retry_after(response.headers)  # a CRM down for maintenance may say how long (503)
            if wait is not None and wait > self.longest_down:
                return Halted(self._down_for(status, wait, body, response), landed=True)
            said = self._redact(_briefly(response))  # a maintenance page's title says why, for the stop message
            reason = f"HTTP {status}: {said}" if said else f"HTTP {status}"
            return Failed(
                reason,
                landed=True,
                retry_after=min(wait, self.longest_down) if wait else None,
                unavailable=status in _UNAVAILABLE or wait is not None,
                gateway=status in _GATEWAY,
                refused_for_now=status in _UNAVAILABLE,
            )
        if status == 429:
            return self._read_429(response)
        if 300 <= status < 400:
            where = self._redact(response.headers.get("location", "")) or "(no address given)"
            return Halted(
                WrongAddress(
                    f"The CRM answered HTTP {status}, a redirect to {where}: its API is not at "
                    f"{self._redact(self._settings.base_url)}. Set VOX_BASE_URL to the API's address (ending in "
                    "/api/v1), then run the same command again."
                ),
                landed=status == 303,  # "see other": the request was processed, its answer is elsewhere
            )
        if status in (401, 403):
            message = self._redact(answers.error_text(body) or answers.excerpt(response.text))
            if _KEY_BLOCKED.search(message) and (_FOR_A_WHILE.search(message) or _STATED_WAIT.search(message)):
                # the key block (the contract's 429) said with a 403; a key disabled or an account suspended for
                # good is the token refused (waiting cannot help)
                return self._read_429(response, blocked=True)
            return Halted(self._auth_failed(status, message), landed=False)
        if status == 423:  # Locked: the account or key, whatever the words; no request of it is served
            message = self._redact(answers.error_text(body) or answers.excerpt(response.text)) or "no message"
            return self._read_423(message, waits.retry_after(response.headers))
        if body is None:
            return Halted(self._unexpected(response), landed=200 <= status < 300)
        return None

    def _read_423(self, message: str, retry_after: float | None) -> Halted | Throttled:
        """HTTP 423 Locked. With ``Retry-After`` the lock ends by itself then (RFC 9110 §10.2.3: how long to wait
        before the next request): a short one (up to :data:`MAX_429_PAUSE`) is waited out like a plain 429, a
        longer one stops the run until then, resumable like the key block. Without it, someone must unlock it."""
        if retry_after is None:
            return Halted(self._locked(message), landed=False)
        if retry_after <= MAX_429_PAUSE:
            return Throttled(retry_after)
        return Halted(
            KeyBlocked(
                f"The CRM has locked this account or API key for {_duration(retry_after)} (HTTP 423: {message}). "
                f"Wait, {_RESUME}",
                until=time.time() + retry_after,
            ),
            landed=False,
        )

    def _read_429(self, response: Answer, *, blocked: bool = False) -> Halted | Throttled:
        """A duplicate-submission block stops the run; a plain rate limit is waited out. ``blocked``: the answer
        is known to say the key is blocked (a 2xx saying so)."""
        retry_after = waits.asked(response.headers)  # Retry-After, or when the window resets (X-RateLimit-Reset)
        if retry_after is None:
            retry_after = _stated_wait(response)
        if blocked or _BLOCKED.search(_said(response)):
            said = self._redact(answers.error_text(response.body) or answers.excerpt(response.text))
            # The block lasts an hour (the contract), unless the CRM says how long is left (a block met again).
            block = retry_after if retry_after else KEY_BLOCK_SECONDS
            return Halted(
                KeyBlocked(
                    f"The CRM has blocked this API key for {'about an hour' if not retry_after else _duration(block)} "
                    f"after repeated duplicate submissions. Wait, {_RESUME} (CRM: {said})",
                    until=time.time() + block,
                ),
                landed=False,
            )
        if retry_after is not None and retry_after > MAX_429_PAUSE:
            return Halted(
                KeyBlocked(
                    f"The CRM asked us to wait {retry_after:.0f} s before sending more (HTTP 429). Wait, {_RESUME}",
                    until=time.time() + retry_after,
                ),
                landed=False,
            )
        return Throttled(retry_after)

    # -- messages ------------------------------------------------------------------

    def _down_for(self, status: int, wait: float, body: object, response: Answer) -> CrmUnreachable:
        """The stop for a CRM that says it is down for longer than a run waits (a 503 asking for hours): each
        attempt, probe and lookup would wait it out in turn."""
        said = self._redact(answers.error_text(body) or answers.excerpt(_said(response))) or "no message"
        return CrmUnreachable(
            f"The CRM is unavailable (HTTP {status}: {said}) and asked us to come back in {_duration(wait)}. "
            f"Wait until then, {_RESUME} Rows whose request may have reached it are checked with the CRM first.",
            down=True,
        )

    def _auth_failed(self, status: int, message: str) -> AuthFailed:
        """The stop for a refused token or project."""
        return AuthFailed(
            f"The CRM refused the request (HTTP {status}: {message}). Check "
            f"VOX_API_TOKEN and the project id ({self._settings.project_id}): the "
            "token must belong to that project and the project must be active."
        )

    def _locked(self, message: str) -> AuthFailed:
        """The stop for a locked account or API key (HTTP 423): unusable until someone unlocks it."""
        return AuthFailed(
            f"The CRM has locked this account or API key (HTTP 423: {message}): it takes no more leads. Ask the CRM's "
            f"administrator to unlock it (or use another key in VOX_API_TOKEN), {_RESUME}"
        )

    def _unexpected(self, response: Answer) -> ClientBug:
        """The stop for an answer this client does not understand."""
        text = self._redact(answers.excerpt(response.text)) or "(empty)"
        return ClientBug(
            f"The CRM answered HTTP {response.status_code} with an unexpected body: {text!r}. "
            "Check that VOX_BASE_URL points at the CRM API (ending in /api/v1); "
            "if it does, this is a bug in leadimport."
        )


# -- reading bodies ---------------------------------------------------------------


def _bare_lead(body: object) -> bool:
    """Whether a lookup's answer is the lead itself, no envelope (an id, no success flag, no message): its
    ``status`` or ``state`` is the lead's own in the CRM ("Duplicate", "Invalid"), not the lookup failing."""
    return (
        isinstance(body, Mapping)
        and answers.lead_id(body) is not None
        and answers.flag(body.get("success", body.get("ok"))) is None
        and not answers.error_text(body)
    )


def _the_lead(body: object) -> object:
    """The lead a lookup's answer holds: under ``data`` (the contract), ``lead`` or ``result``, or the body itself;
    or the leads matching, when it answers a list of them, or a page of them (``{"leads": [...], "total": 1}``)."""
    if isinstance(body, list):
        return body
    if not isinstance(body, Mapping):
        return None
    for key in ("data", "lead", "result"):
        if key in body and isinstance(body[key], Mapping | list):
            body = body[key]
            break
    if isinstance(body, Mapping) and answers.lead_id(body) is None:
        page = next((body[key] for key in _PAGE_KEYS if isinstance(body.get(key), list)), None)
        if page is not None:
            return page
    return body


_PAGE_KEYS = ("leads", "items", "results", "docs", "records", "data", "rows")
"""Where a page of leads keeps them: ``{"leads": [...], "total": 1, "page": 1}``."""


def _object_id(value: object) -> object:
    """A reference as its id: a lookup may give the lead's project or process as the object itself (a populated
    reference, ``{"_id": "...", "name": "..."}``) or as extended JSON (``{"$oid": "..."}``)."""
    for _ in range(2):
        if not isinstance(value, Mapping):
            return value
        value = next((value[key] for key in ("_id", "id", "$oid") if key in value), value)
    return value


def _is_2xx(response: Answer) -> bool:
    return 200 <= response.status_code < 300


def _duplicate_refusals(body: object, status: int) -> int:
    """How many leads an answer refuses as duplicates (an already-called phone, a repeated referenceId)."""
    if answers.has_arrays(body):
        return sum(1 for item in answers.items(body, "errors") if DUPLICATE.search(answers.item_message(item)))
    if status == 409 or (status in _REFUSALS and DUPLICATE.search(answers.error_text(body))):
        return 1
    return 0


_MARKUP = re.compile(r"<(script|style)\b.*?</\1\s*>|<[^>]*>", re.IGNORECASE | re.DOTALL)


def _said(response: Answer) -> str:
    """What an answer says in words: its JSON message (else the whole JSON text), or a page's text without
    its markup, scripts and styles (a proxy's page styled "display: block" says nothing of a block)."""
    if response.body is not None:
        return answers.error_text(response.body) or response.text
    return _MARKUP.sub(" ", response.text[:20000])


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
BRIEF_CHARS = 80


def _briefly(response: Answer) -> str:
    """What an answer says, in a few words: its JSON message, or a page's title (else its first words)."""
    said = answers.error_text(response.body)
    if not said and response.body is None:
        title = _TITLE.search(response.text[:20000])
        said = _MARKUP.sub(" ", title.group(1)) if title is not None else _said(response)
    said = " ".join(html.unescape(said).split())
    return said if len(said) <= BRIEF_CHARS else said[: BRIEF_CHARS - 1].rstrip() + "…"


def _stated_wait(response: Answer) -> float | None:
    """Seconds a 429's body asks to wait: a ``retryAfter`` field (seconds), or words ("try again in 2 minutes")."""
    body = response.body
    if isinstance(body, Mapping):
        for key in ("retryAfter", "retry_after", "retryAfterSeconds"):
            value = body.get(key)
            if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
                value = float(value)  # a number written as text: "retryAfter": "60"
            if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
                return max(float(value), 0.0)
    said = _STATED_WAIT.search(_said(response))
    if said is None:
        return None
    return float(said.group(1)) * _UNIT_SECONDS[said.group(2)[0].lower()]


def _duration(seconds: float) -> str:
    """A wait in words: "24 hours", "90 minutes"."""
    minutes = math.ceil(seconds / 60)
    if minutes >= 120:
        return f"{round(minutes / 60)} hours"
    return f"{minutes} minutes" if minutes != 1 else "a minute"
