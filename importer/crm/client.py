"""The Vox CRM client: rate-limited, retrying, and careful never to store a lead twice.

Everything ``httpx`` lives here; its exceptions become ``importer.errors`` ones at
this boundary only. What is retried, what stops the run and what is a lead's own
failure follows the outcome table in ``vox-crm-api.md`` §5. A request that may
have reached the CRM is never sent again blindly: each of its leads is first
looked up with ``GET /leads/get``.
"""

from __future__ import annotations

import email.utils
import json
import logging
import math
import random
import re
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Literal, Self

import httpx

from importer.crm import answers
from importer.crm.address import MAX_ANSWER_BYTES, check_base_url, mask_url, url_secrets
from importer.crm.dup_budget import DUPLICATE_WINDOW, DuplicateBudget
from importer.crm.limiter import RateLimiter
from importer.errors import (
    AuthFailed,
    ClientBug,
    ConfigError,
    CrmStop,
    CrmUnreachable,
    KeyBlocked,
    ProcessNotFound,
    WrongAddress,
)

log = logging.getLogger(__name__)

Lead = answers.Lead
Stop = CrmStop | CrmUnreachable

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
ANSWER_DEADLINE = 300.0
"""Seconds an answer may take to arrive whole, however steadily its bytes trickle in."""
BULK_PATH = "/leads/bulk/initiate"
GET_PATH = "/leads/get"
PLAIN_429_PAUSE = 5.0
"""Seconds to hold all traffic after a plain 429 without ``Retry-After`` (doubles each time)."""
MAX_429_PAUSE = 300.0
"""A 429 asking for a longer wait than this is treated as a block, not waited out."""

_MAX_LEADS = re.compile(
    r"(?:max(?:imum)?|limit|at most|up to|cannot exceed|exceeds?)\b\D{0,30}?(\d+)\s*(?:leads?|records?|items?)\b",
    re.IGNORECASE,
)
"""A batch too large: "Maximum of 500 leads allowed per request", "Maximum 300 leads per request"."""
_REFERENCE_EXISTS = re.compile(r"referenceId\b.*\balready exists", re.IGNORECASE)
"""The CRM holds a lead with this referenceId in the process: it is in the CRM (ours, from a request
that landed, or an earlier import), not a refusal of this lead."""
_DUPLICATE = re.compile(r"\balready\b|\bduplicate|\bexists\b", re.IGNORECASE)
"""A refusal that the CRM counts as a duplicate submission (vox-crm-api.md §4)."""
_REQUEST_SHAPE = re.compile(r"\beither lead|must be an array|required when using", re.IGNORECASE)
_RESUME = "then run the same command again: rows not yet sent are kept as pending."


@dataclass(frozen=True, slots=True)
class CrmSettings:
    """Where the CRM is, who we are to it, and the project and process to import into."""

    base_url: str = field(repr=False)  # may hold credentials (https://user:pass@host): never shown whole
    token: str = field(repr=False)
    project_id: str
    process_id: str
    init: bool = True
    insecure_http: bool = False
    """Allow ``http://`` to a host other than this machine (the token then crosses the network unencrypted)."""

    def __post_init__(self) -> None:
        check_base_url(self.base_url, insecure_http=self.insecure_http)
        if not (self.token.isascii() and self.token.isprintable()):
            raise ConfigError(
                "VOX_API_TOKEN holds characters an HTTP header cannot carry "
                "(non-ASCII or control characters); copy the token again."
            )

    def url(self, path: str) -> str:
        """The absolute URL of the API ``path``."""
        return self.base_url.rstrip("/") + path


SETTLE_WAIT = 10.0
"""Default seconds to wait before looking again for the leads of a failed request of which none was found."""


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """How many times to try a failing request, with exponential backoff and full jitter."""

    attempts: int = 5
    base_delay: float = 0.5
    max_delay: float = 30.0
    settle_wait: float = SETTLE_WAIT
    """After a failed request of which no lead is found: seconds to wait before looking again (a CRM may
    still be storing it, or show what it stored only later), before the request is sent again."""

    def __post_init__(self) -> None:
        if self.attempts < 1 or self.base_delay < 0 or self.max_delay < 0 or self.settle_wait < 0:
            raise ValueError("attempts must be at least 1 and delays non-negative")

    def backoff(self, failures: int, rand: Callable[[], float] = random.random) -> float:
        """Seconds to wait after the ``failures``-th consecutive failure."""
        ceiling = min(self.max_delay, self.base_delay * 2.0 ** min(failures - 1, 60))
        return ceiling * rand()


@dataclass(frozen=True, slots=True)
class LeadOutcome:
    """The CRM's definite answer about one lead."""

    reference_id: str
    state: Literal["accepted", "rejected"]
    lead_id: str | None = None
    message: str | None = None


@dataclass(frozen=True, slots=True)
class BatchResult:
    """What became of each lead of one ``submit`` call; every lead is in exactly one part.

    ``outcomes`` holds leads with a definite answer, ``unsent`` leads surely not
    stored, ``unknown`` leads that may or may not be stored. ``stop`` is set when
    the run must stop sending.
    """

    outcomes: dict[str, LeadOutcome]
    unsent: tuple[str, ...]
    unknown: tuple[str, ...]
    stop: Stop | None
    requests: int


class CrmClient:
    """Submits leads to the Vox CRM and looks them up; safe to share between threads.

    Once the CRM refuses the run (a ``CrmStop``: key blocked, auth failed, ...),
    the client sends nothing more: later calls fail at once with the same stop.
    """

    def __init__(
        self,
        settings: CrmSettings,
        *,
        limiter: RateLimiter,
        http: httpx.Client | None = None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] = time.sleep,
        timeout: httpx.Timeout = DEFAULT_TIMEOUT,
    ) -> None:
        self._settings = settings
        self._limiter = limiter
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._retry = retry
        self._sleep = sleep
        self._timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {settings.token}",
            "Accept": "application/json",
        }
        self._refusal: CrmStop | None = None
        self._stopping = threading.Event()
        self._duplicates = DuplicateBudget()
        self._order = _OrderCheck()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the connections (only those of an HTTP client this object created)."""
        if self._owns_http:
            self._http.close()

    def stop_sending(self) -> None:
        """Ctrl-C or SIGTERM: no request starts any more (retries and backoffs end early); answers under way
        are still read. Leads whose request may have landed stay unknown, the others unsent."""
        self._refuse(CrmStop("interrupted: no request is sent any more"))
        self._stopping.set()
        self._limiter.cancel()

    def submit(self, leads: Sequence[Lead], *, before_send: Callable[[], None] | None = None) -> BatchResult:
        """Create ``leads`` in the CRM and report what became of each, by ``referenceId``.

        ``before_send`` is called just before the first request leaves; what it raises ends the call
        with nothing sent.
        """
        refs = [answers.ref(lead) for lead in leads]
        if len(set(refs)) != len(refs):
            raise ValueError("every lead of a batch needs its own referenceId")
        tally = _Tally(redact=self._redact, before_send=before_send)
        if leads:
            self._send(list(leads), tally, resend_unmentioned=True)
        return tally.result(refs)

    def find(self, reference_id: str) -> str | None:
        """The CRM ``_id`` of the lead with ``reference_id`` in the configured process, else None.

        Raises ``CrmStop`` when the CRM refuses, ``CrmUnreachable`` after bounded retries.
        """
        try:
            return self._find(reference_id, _Tally())
        except CrmStop as stop:
            self._refuse(stop)
            raise

    # -- sending ---------------------------------------------------------------

    def _send(self, leads: list[Lead], tally: _Tally, *, resend_unmentioned: bool) -> None:
        """Send ``leads`` in one request, retrying, until each has a place in ``tally``."""
        pending = leads
        retries = _Retries()
        while pending and tally.stop is None:
            step = self._post(pending, tally)
            match step:
                case _Answered(unmentioned):
                    self._settle(self._check_order(pending, tally, list(unmentioned)), tally, resend=resend_unmentioned)
                    return
                case _Split(size):
                    for chunk in _chunks(pending, size):
                        self._send(chunk, tally, resend_unmentioned=resend_unmentioned)
                    return
                case _Halted(stop, landed=True):
                    self._halt(tally, stop, unknown=pending)
                    return
                case _Halted(stop):
                    self._halt(tally, stop, unsent=pending)
                    return
                case _Throttled():
                    blocked = self._throttle(step, retries)
                    if blocked is not None:
                        self._halt(tally, blocked, unsent=pending)
                        return
                case _Failed():
                    pending = self._after_failure(step, pending, retries, tally)
        tally.unsent.update(answers.ref(lead) for lead in pending)

    def _post(self, leads: list[Lead], tally: _Tally) -> _Step:
        """One POST of ``leads`` to the bulk endpoint, read into the next step."""
        body = {"leads": [dict(lead) for lead in leads], "init": self._settings.init}
        self._duplicates.hold(self._pause)  # once duplicates were refused: never enough more to block the key
        refused = tally.duplicate_refusals
        try:
            response = self._request("POST", BULK_PATH, tally, body=body)
        except _TransportFailure as failure:
            return _Failed(failure.reason, landed=failure.landed)
        except (CrmStop, CrmUnreachable) as stop:
            return _Halted(stop, landed=False)
        else:
            return self._read_bulk(response, leads, tally)
        finally:
            self._duplicates.answered(tally.duplicate_refusals - refused)

    def _after_failure(self, failed: _Failed, leads: list[Lead], retries: _Retries, tally: _Tally) -> list[Lead]:
        """Wait, check the leads a failed request may have stored, and return those still to send."""
        failed_at = time.monotonic()
        retries.throttles = 0
        retries.failures += 1
        exhausted = retries.failures >= self._retry.attempts
        log.warning(
            "CRM request for %d leads failed (%s), attempt %d of %d",
            len(leads),
            failed.reason,
            retries.failures,
            self._retry.attempts,
        )
        if failed.landed or not exhausted:
            self._pause(self._retry.backoff(retries.failures))
        if failed.landed:
            stored_before = len(tally.outcomes)
            leads = self._recheck(leads, tally)
            if leads and len(tally.outcomes) > stored_before and not exhausted and tally.stop is None:
                # The CRM processed the request (it stored some of its leads): the others were most likely
                # refused, and a refusal as a duplicate counts toward the key block. Sending them again
                # within the same minute could double that count; wait for the minute to pass, then look
                # them up again (a CRM may show what it stored only after a while).
                wait = DUPLICATE_WINDOW - (time.monotonic() - failed_at)
                if wait > 0:
                    log.warning(
                        "The CRM stored part of a request whose answer was lost; waiting %.0f s before sending "
                        "the other %d leads again, so that any it refused cannot add up to a key block",
                        wait,
                        len(leads),
                    )
                    self._pause(wait)
                if tally.stop is None:
                    leads = self._recheck(leads, tally)
            elif leads and not exhausted and tally.stop is None and self._retry.settle_wait > 0:
                leads = self._look_again(leads, tally)
        if exhausted and leads:
            self._halt(tally, self._unreachable(retries.failures, failed.reason), unsent=leads)
            return []
        return leads

    def _check_order(self, sent: list[Lead], tally: _Tally, unmentioned: list[Lead]) -> list[Lead]:
        """Check that id-only success items came in the order sent (the first and last, for a run's first
        two such answers); when they did not, every lead they placed is looked up for its own _id."""
        placed, tally.in_order = tally.in_order, []
        if not placed or self._order.trusted:
            return unmentioned
        if not self._order.broken:
            for ref in dict.fromkeys((placed[0], placed[-1])):
                try:
                    found = self._find(ref, tally)
                except (CrmStop, CrmUnreachable):
                    return unmentioned  # cannot check now; the run stops anyway
                if found is None:
                    return unmentioned  # not visible yet: no proof either way; a later answer is checked
                if found != tally.outcomes[ref].lead_id:
                    self._order.broken = True
                    log.warning(
                        "The CRM's success items carry only ids and are not in the order sent: each lead is "
                        "looked up for its own id"
                    )
                    break
            else:
                self._order.verified += 1
                self._order.trusted = self._order.verified >= ORDER_CHECKS
                return unmentioned
        for ref in placed:  # the CRM says they are stored: looked up, never sent again
            del tally.outcomes[ref]
            tally.existing.append(ref)
        by_ref = {answers.ref(lead): lead for lead in sent}
        return [*unmentioned, *(by_ref[ref] for ref in placed)]

    def _look_again(self, leads: list[Lead], tally: _Tally) -> list[Lead]:
        """None of a failed request's leads was found: wait, and look up its first, middle and last lead once
        more (a CRM still storing it, or slow to show what it stored); when one is there now, all are looked
        up. Returns the leads still to send; if the run stops meanwhile, the others are placed."""
        log.warning(
            "None of the %d leads of a failed request is in the CRM (yet); looking again in %.0f s before "
            "sending them again",
            len(leads),
            self._retry.settle_wait,
        )
        self._pause(self._retry.settle_wait)
        picked = {answers.ref(lead) for lead in (leads[0], leads[len(leads) // 2], leads[-1])}
        sample = [lead for lead in leads if answers.ref(lead) in picked]
        rest = [lead for lead in leads if answers.ref(lead) not in picked]
        absent = self._recheck(sample, tally)
        if tally.stop is not None:  # the sample is placed; the others may have landed
            tally.unknown.update(answers.ref(lead) for lead in rest)
            return []
        if len(absent) == len(sample):
            return leads  # still nothing: the request did not land
        missing = self._recheck(rest, tally)
        if tally.stop is not None:
            tally.unknown.update(answers.ref(lead) for lead in absent)
            return []
        return [*absent, *missing]

    def _settle(self, unmentioned: list[Lead], tally: _Tally, *, resend: bool) -> None:
        """Look up leads an answer did not mention; resend the absent ones once if allowed."""
        if not unmentioned:
            return
        log.info("The CRM's answer did not mention %d leads; looking them up", len(unmentioned))
        refusals, tally.refusals = tally.refusals, []
        existing, tally.existing = set(tally.existing), []
        duplicates, tally.duplicates = tally.duplicates, {}
        absent = self._recheck(unmentioned, tally)
        for ref, message in duplicates.items():
            if ref not in tally.outcomes:
                # Not found (the duplicate is another lead), or not looked up (the run stopped, often by the
                # block the duplicates caused): the CRM's refusal stands, and the lead is never sent again.
                tally.reject(ref, message)
                tally.unknown.discard(ref)
                tally.unsent.discard(ref)
        absent = [lead for lead in absent if answers.ref(lead) not in duplicates]
        if existing:
            # The CRM says it holds these referenceIds, yet does not find them (yet): never send them again;
            # the next run asks the CRM once more.
            tally.unknown.update(answers.ref(lead) for lead in absent if answers.ref(lead) in existing)
            absent = [lead for lead in absent if answers.ref(lead) not in existing]
        if absent and refusals and tally.stop is None:
            # The CRM refused leads without saying which: the absent ones. Sending them again would only
            # be refused again, and repeated submissions get the API key blocked.
            for lead, message in zip(absent, _attribute(refusals, len(absent)), strict=True):
                tally.reject(answers.ref(lead), message)
            return
        if absent and resend:
            self._send(absent, tally, resend_unmentioned=False)
        else:
            tally.unsent.update(answers.ref(lead) for lead in absent)

    def _recheck(self, leads: list[Lead], tally: _Tally) -> list[Lead]:
        """Record leads the CRM has as accepted and return the absent ones.

        If the run stops meanwhile, absent leads become unsent, unchecked ones
        unknown, and nothing is returned.
        """
        absent: list[Lead] = []
        for index, lead in enumerate(leads):
            try:
                lead_id = self._find(answers.ref(lead), tally)
            except (CrmStop, CrmUnreachable) as stop:
                self._halt(tally, stop, unsent=absent, unknown=leads[index:])
                return []
            if lead_id is None:
                absent.append(lead)
            else:
                tally.accept(answers.ref(lead), lead_id)
        return absent

    def _throttle(self, throttled: _Throttled, retries: _Retries) -> KeyBlocked | None:
        """Hold all traffic after a plain 429; a block once it has happened too often."""
        retries.throttles += 1
        if retries.throttles >= self._retry.attempts:
            return KeyBlocked(
                f"The CRM kept rate-limiting this API key ({retries.throttles} HTTP 429 "
                f"answers in a row). Wait a few minutes, {_RESUME}"
            )
        # Never shorter than our own backoff (vox-crm-api.md §5: at least the 5 s window, growing), so a
        # "Retry-After: 0" does not use up the attempts in a second.
        backoff = min(PLAIN_429_PAUSE * 2.0 ** (retries.throttles - 1), MAX_429_PAUSE)
        pause = max(throttled.retry_after or 0.0, backoff)
        log.warning("The CRM is rate-limiting us (HTTP 429); pausing %.1f s", pause)
        self._limiter.pause(pause)
        self._limiter.slow_down()
        return None

    def _halt(
        self,
        tally: _Tally,
        stop: Stop,
        *,
        unsent: Iterable[Lead] = (),
        unknown: Iterable[Lead] = (),
    ) -> None:
        """Stop the batch (and, for a refusal, the client) and place the given leads."""
        if isinstance(stop, CrmStop):
            self._refuse(stop)
        if tally.stop is None:
            tally.stop = stop
        tally.unsent.update(answers.ref(lead) for lead in unsent)
        tally.unknown.update(answers.ref(lead) for lead in unknown)

    def _refuse(self, stop: CrmStop) -> None:
        """Remember that the CRM refused the run so no thread sends anything more."""
        if self._refusal is None:
            self._refusal = stop

    # -- looking up --------------------------------------------------------------

    def _find(self, reference_id: str, tally: _Tally) -> str | None:
        """``find``, counting requests in ``tally``."""
        params = {
            "referenceId": reference_id,
            "projectId": self._settings.project_id,
            "processId": self._settings.process_id,
            "masked": "true",
        }
        retries = _Retries()
        while True:
            try:
                step = self._read_found(self._request("GET", GET_PATH, tally, params=params), reference_id)
            except _TransportFailure as failure:
                step = _Failed(failure.reason, landed=False)
            match step:
                case _Found(lead_id):
                    return lead_id
                case _Halted(stop):
                    raise stop
                case _Throttled():
                    blocked = self._throttle(step, retries)
                    if blocked is not None:
                        raise blocked
                case _Failed(reason):
                    retries.throttles = 0
                    retries.failures += 1
                    if retries.failures >= self._retry.attempts:
                        raise self._unreachable(retries.failures, reason)
                    self._pause(self._retry.backoff(retries.failures))

    # -- HTTP ----------------------------------------------------------------------

    def _request(
        self,
        method: str,
        path: str,
        tally: _Tally,
        *,
        body: object = None,
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """One rate-limited request; httpx errors become ours here."""
        self._raise_if_refused()
        # Encode first: the slot taken from the limiter is then spent on sending, not on building the body,
        # so requests leave (and arrive) at the pace the limiter allows.
        content = (
            json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode("utf-8") if body is not None else None
        )
        headers = {**self._headers, "Content-Type": "application/json"} if content is not None else self._headers
        self._limiter.acquire()
        self._raise_if_refused()
        if method == "POST" and tally.before_send is not None:
            before_send, tally.before_send = tally.before_send, None
            before_send()
        tally.requests += 1
        try:
            request = self._http.build_request(
                method, self._settings.url(path), content=content, params=params, headers=headers, timeout=self._timeout
            )
            return self._answer(self._http.send(request, stream=True))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise _TransportFailure(self._describe(exc), landed=False) from exc
        except httpx.UnsupportedProtocol as exc:
            raise CrmUnreachable(
                f"Cannot talk to {self._redact(self._settings.base_url)}: {self._redact(str(exc))}. Check VOX_BASE_URL."
            ) from exc
        except httpx.RequestError as exc:
            raise _TransportFailure(self._describe(exc), landed=True) from exc

    def _answer(self, response: httpx.Response) -> httpx.Response:
        """The response, read whole within ``ANSWER_DEADLINE``: the timeout is per read, so a body that trickles
        in (a byte every few seconds) would otherwise never end."""
        deadline = time.monotonic() + ANSWER_DEADLINE
        chunks: list[bytes] = []
        size = 0
        too_large = f"the answer was larger than {MAX_ANSWER_BYTES >> 20} MiB (not read whole)"
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdigit() and int(declared) > MAX_ANSWER_BYTES:
                raise _TransportFailure(too_large, landed=True)
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:  # a CRM's answer of gigabytes would take the memory with it
                    raise _TransportFailure(too_large, landed=True)
                if time.monotonic() > deadline:
                    raise _TransportFailure(f"the answer was still arriving after {ANSWER_DEADLINE:.0f} s", landed=True)
        finally:
            response.close()
        response._content = b"".join(chunks)  # what Response.read() keeps: .content, .text and .json() use it
        return response

    def _pause(self, seconds: float) -> None:
        """Wait ``seconds`` before a retry; a stop ends the wait (the retry is then refused)."""
        if self._sleep is time.sleep:
            self._stopping.wait(seconds)
        else:
            self._sleep(seconds)

    def _raise_if_refused(self) -> None:
        """Fail at once when an earlier answer stopped the run."""
        refusal = self._refusal
        if refusal is not None:
            raise type(refusal)(str(refusal))

    def _read_bulk(self, response: httpx.Response, leads: list[Lead], tally: _Tally) -> _Step:
        """Turn the answer to a bulk POST into the next step, recording lead outcomes."""
        body = _json_body(response)
        tally.duplicate_refusals += _duplicate_refusals(body, response.status_code)
        if body is None and 200 <= response.status_code < 300:
            return _Answered(tuple(leads))  # an empty "OK", or a proxy's HTML page: each lead is looked up
        if response.status_code == 413:  # a proxy's body limit (nginx: 1 MB) refused it before the CRM
            return self._too_large(leads, tally)
        common = self._read_common(response, body)
        if common is not None:
            return common
        status = response.status_code
        if answers.has_arrays(body) and (status == 400 or 200 <= status < 300):
            return _Answered(_apply_arrays(body, leads, tally))
        if 200 <= status < 300:
            return _Answered(tuple(leads))
        message = self._redact(answers.error_text(body))
        if status == 400:
            return self._read_400(message, leads, tally)
        if status == 413 and len(leads) > 1:  # a proxy's body limit (nginx: 1 MB) before the CRM: nothing stored
            log.info(
                "The request of %d leads was too large for the server (HTTP 413); sending it in halves", len(leads)
            )
            return _Split(math.ceil(len(leads) / 2))
        if status == 413:
            tally.reject(
                answers.ref(leads[0]), "this lead alone is too large for the server (HTTP 413): shorten its cells"
            )
            return _Answered(())
        if status == 404 and "process not found" in message.lower():
            return _Halted(
                ProcessNotFound(
                    f"The CRM has no such process ({message}). Check the process id "
                    f"in the mapping ({self._settings.process_id})."
                ),
                landed=False,
            )
        return _Halted(self._unexpected(response), landed=False)

    def _too_large(self, leads: list[Lead], tally: _Tally) -> _Step:
        """HTTP 413: nothing was stored; send the batch in halves, and refuse a lead too large alone."""
        if len(leads) > 1:
            log.info("%d leads were too large for one request (HTTP 413); sending them in halves", len(leads))
            return _Split(math.ceil(len(leads) / 2))
        tally.reject(answers.ref(leads[0]), "this lead alone is too large for the server (HTTP 413): shorten its cells")
        return _Answered(())

    def _read_400(self, message: str, leads: list[Lead], tally: _Tally) -> _Step:
        """A 400 without per-lead arrays: too many leads, one bad lead, or our bug."""
        limit = _MAX_LEADS.search(message)
        if limit is not None and len(leads) > 1:
            half = math.ceil(len(leads) / 2)
            cap = int(limit.group(1))
            return _Split(min(half, cap) if cap > 0 else half)
        if limit is None and message and not _REQUEST_SHAPE.search(message):
            if len(leads) == 1 and _DUPLICATE.search(message):
                tally.duplicates[answers.ref(leads[0])] = message  # maybe stored by an earlier request: looked up
                return _Answered(tuple(leads))
            if len(leads) == 1:
                tally.reject(answers.ref(leads[0]), message)
                return _Answered(())
            # One lead's problem refused the whole batch. A duplicate counts toward the key block each
            # time it is sent, so then every lead goes alone (the duplicate is sent once more, not once
            # per halving); any other problem is narrowed down by halves.
            duplicate = _DUPLICATE.search(message) is not None
            log.info(
                "The CRM refused a batch of %d leads (%s); sending it %s",
                len(leads),
                message,
                "lead by lead" if duplicate else "in halves",
            )
            return _Split(1 if duplicate else math.ceil(len(leads) / 2))
        return _Halted(
            ClientBug(
                f"The CRM rejected the request as malformed (HTTP 400: {message or 'no message'}). "
                "This is a bug in leadimport: please report it. No lead was marked failed."
            ),
            landed=False,
        )

    def _read_found(self, response: httpx.Response, reference_id: str) -> _Found | _Halted | _Throttled | _Failed:
        """Turn the answer to ``GET /leads/get`` for ``reference_id`` into the next step."""
        body = _json_body(response)
        status = response.status_code
        if status == 404 and "cannot get" not in response.text.lower():
            return _Found(None)  # whatever the body; "Cannot GET <path>" is a wrong URL, not a missing lead
        if 200 <= status < 300 and isinstance(body, Mapping) and "data" in body and not body["data"]:
            return _Found(None)  # {"success": true, "data": null}
        if status == 400 and "not found" in answers.error_text(body).lower():
            return _Found(None)
        common = self._read_common(response, body)
        if common is not None:
            return common
        data = body.get("data", body) if isinstance(body, Mapping) else None
        lead_id = answers.lead_id(data) if 200 <= status < 300 else None
        if lead_id is not None and not self._is_ours(data, reference_id):
            return _Found(None)  # a lead of another process or project (or referenceId) is not this one
        if lead_id is not None:
            return _Found(lead_id)
        return _Halted(self._unexpected(response), landed=False)

    def _is_ours(self, lead: object, reference_id: str) -> bool:
        """Whether a looked-up lead is the one asked for: its referenceId, project and process (where given)."""
        if not isinstance(lead, Mapping):
            return False
        expected = {
            "referenceId": reference_id,
            "projectId": self._settings.project_id,
            "processId": self._settings.process_id,
        }
        return all(lead.get(key) in (None, "", value) for key, value in expected.items())

    def _read_common(self, response: httpx.Response, body: object) -> _Halted | _Throttled | _Failed | None:
        """Answers read the same on every endpoint: 5xx, 429, 401/403, bodies that are not JSON."""
        status = response.status_code
        if status >= 500:
            return _Failed(f"HTTP {status}", landed=True)
        if status == 429:
            return self._read_429(response)
        if 300 <= status < 400:
            where = self._redact(response.headers.get("Location", "")) or "(no address given)"
            return _Halted(
                WrongAddress(
                    f"The CRM answered HTTP {status}, a redirect to {where}: its API is not at "
                    f"{self._redact(self._settings.base_url)}. Set VOX_BASE_URL to the API's address (ending in "
                    "/api/v1), then run the same command again."
                ),
                landed=False,
            )
        if status in (401, 403):
            message = self._redact(answers.error_text(body) or answers.excerpt(response.text))
            return _Halted(
                AuthFailed(
                    f"The CRM refused the request (HTTP {status}: {message}). Check "
                    f"VOX_API_TOKEN and the project id ({self._settings.project_id}): the "
                    "token must belong to that project and the project must be active."
                ),
                landed=False,
            )
        if body is None:
            return _Halted(self._unexpected(response), landed=200 <= status < 300)
        return None

    def _read_429(self, response: httpx.Response) -> _Halted | _Throttled:
        """A duplicate-submission block stops the run; a plain rate limit is waited out."""
        if "blocked" in response.text.lower():
            said = self._redact(answers.error_text(_json_body(response)) or answers.excerpt(response.text))
            return _Halted(
                KeyBlocked(
                    "The CRM has blocked this API key for about an hour after repeated "
                    f"duplicate submissions. Wait, {_RESUME} (CRM: {said})"
                ),
                landed=False,
            )
        retry_after = _retry_after(response)
        if retry_after is not None and retry_after > MAX_429_PAUSE:
            return _Halted(
                KeyBlocked(
                    f"The CRM asked us to wait {retry_after:.0f} s before sending more (HTTP 429). Wait, {_RESUME}"
                ),
                landed=False,
            )
        return _Throttled(retry_after)

    # -- messages ------------------------------------------------------------------

    def _unexpected(self, response: httpx.Response) -> ClientBug:
        """The stop for an answer this client does not understand."""
        text = self._redact(answers.excerpt(response.text)) or "(empty)"
        return ClientBug(
            f"The CRM answered HTTP {response.status_code} with an unexpected body: {text!r}. "
            "Check that VOX_BASE_URL points at the CRM API (ending in /api/v1); "
            "if it does, this is a bug in leadimport."
        )

    def _unreachable(self, attempts: int, reason: str) -> CrmUnreachable:
        """The stop for a CRM that kept failing."""
        return CrmUnreachable(
            f"The CRM at {self._redact(self._settings.base_url)} kept failing ({reason}) "
            f"after {attempts} attempts. Check the network and VOX_BASE_URL, {_RESUME}"
        )

    def _describe(self, exc: Exception) -> str:
        """A short description of a transport error."""
        detail = self._redact(answers.excerpt(str(exc)))
        return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__

    def _redact(self, text: str) -> str:
        """``text`` without the API token or credentials embedded in ``VOX_BASE_URL``."""
        base = self._settings.base_url
        text = text.replace(base, mask_url(base))
        for secret in url_secrets(base):
            if len(secret) >= MIN_REDACTED_SECRET:
                text = text.replace(secret, "***")
        token = self._settings.token
        # A real token is long and random; a short test one ("t") would turn every "t" of a message into [token].
        return text.replace(token, "[token]") if len(token) >= MIN_REDACTED_TOKEN else text


# -- steps of the request loops ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Answered:
    """The CRM answered; the leads it did not mention still need looking up."""

    unmentioned: tuple[Lead, ...]


@dataclass(frozen=True, slots=True)
class _Split:
    """Too many leads for one request: send them in chunks of ``size``."""

    size: int


@dataclass(frozen=True, slots=True)
class _Throttled:
    """A plain 429: hold traffic, then send the same request again."""

    retry_after: float | None


@dataclass(frozen=True, slots=True)
class _Failed:
    """The request failed in a way worth retrying; ``landed``: it may have been stored."""

    reason: str
    landed: bool


@dataclass(frozen=True, slots=True)
class _Halted:
    """The run must stop; ``landed``: the request may have stored its leads."""

    stop: Stop
    landed: bool


@dataclass(frozen=True, slots=True)
class _Found:
    """A lookup answered: the lead's ``_id``, or None when the CRM has no such lead."""

    lead_id: str | None


_Step = _Answered | _Split | _Throttled | _Failed | _Halted


ORDER_CHECKS = 2
"""Answers of id-only success items checked by looking up their first and last lead before the order is trusted."""


@dataclass(slots=True)
class _OrderCheck:
    """Whether this CRM answers id-only success items in the order the leads were sent."""

    verified: int = 0
    trusted: bool = False
    broken: bool = False


@dataclass(slots=True)
class _Retries:
    """Consecutive failures and plain 429s of one request."""

    failures: int = 0
    throttles: int = 0


class _TransportFailure(Exception):
    """A request got no HTTP answer; ``landed``: it may have reached the CRM anyway."""

    def __init__(self, reason: str, *, landed: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.landed = landed


@dataclass(slots=True)
class _Tally:
    """What one ``submit`` call has learned so far."""

    outcomes: dict[str, LeadOutcome] = field(default_factory=dict)
    unsent: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    stop: Stop | None = None
    requests: int = 0
    redact: Callable[[str], str] = str
    """Applied to every message the CRM gives for a lead (it may echo the API token)."""
    refusals: list[str] = field(default_factory=list)
    """Messages of ``errors[]`` items the client could not tie to a lead of the batch."""
    existing: list[str] = field(default_factory=list)
    """Leads the CRM refused because it already holds their referenceId: stored, so looked up, not rejected."""
    in_order: list[str] = field(default_factory=list)
    """Leads accepted by the position of an id-only success item (the CRM answering in the order sent)."""
    duplicate_refusals: int = 0
    """errors[] items (or whole-batch refusals) whose message says duplicate: each counts toward the key block."""
    before_send: Callable[[], None] | None = None
    """Called once, just before the first POST of the batch leaves (after its rate-limit wait)."""
    duplicates: dict[str, str] = field(default_factory=dict)
    """Leads refused as duplicates ("a call attempt has already been made to this phone number"), with the
    message: looked up by referenceId, since an interrupted earlier request may have stored this very lead;
    accepted when the CRM holds it, else rejected with the message."""

    def accept(self, reference_id: str, lead_id: str | None) -> None:
        """Record that the CRM stored the lead."""
        self.outcomes[reference_id] = LeadOutcome(reference_id, "accepted", lead_id=lead_id)

    def reject(self, reference_id: str, message: str) -> None:
        """Record that the CRM refused the lead for good."""
        self.outcomes[reference_id] = LeadOutcome(reference_id, "rejected", message=self.redact(message))

    def result(self, refs: Sequence[str]) -> BatchResult:
        """The result, placing every lead once; anything unplaced counts as unknown."""
        outcomes = {ref: self.outcomes[ref] for ref in refs if ref in self.outcomes}
        open_refs = [ref for ref in refs if ref not in outcomes]
        unsent = tuple(r for r in open_refs if r in self.unsent and r not in self.unknown)
        unknown = tuple(r for r in open_refs if r not in unsent)
        return BatchResult(outcomes, unsent, unknown, self.stop, self.requests)


# -- reading bodies ---------------------------------------------------------------


MIN_REDACTED_TOKEN = 8
MIN_REDACTED_SECRET = 3
"""Credentials in the URL shorter than this are masked only as part of the URL itself."""
"""Tokens shorter than this are not looked for in the CRM's messages (they are no real secret)."""


def _duplicate_refusals(body: object, status: int) -> int:
    """How many leads an answer refuses as duplicates (an already-called phone, a repeated referenceId)."""
    if answers.has_arrays(body):
        return sum(1 for item in answers.items(body, "errors") if _DUPLICATE.search(answers.item_message(item)))
    if status == 400 and _DUPLICATE.search(answers.error_text(body)):
        return 1
    return 0


def _apply_arrays(body: object, leads: Sequence[Lead], tally: _Tally) -> tuple[Lead, ...]:
    """Record the outcomes ``success[]``/``errors[]`` give and return the leads they skip."""
    matcher = answers.Matcher(leads)
    decided: set[str] = set()
    success = list(answers.items(body, "success"))
    if _all_stored_in_order(body, success, leads, matcher):
        # One success item per lead sent, no errors, none naming its lead (only an _id): every lead was
        # stored, and the CRM answers in the order it was sent.
        for lead, item in zip(leads, success, strict=True):
            tally.accept(answers.ref(lead), answers.lead_id(item))
        tally.in_order = [answers.ref(lead) for lead in leads]
        return ()
    stored = _stored_in_order_around_errors(body, success, leads, matcher)
    if stored:
        # Every error names its lead, and there is one id-only success item per other lead: those are
        # the stored ones, in the order sent (as above). The errors are read below.
        for lead, item in stored:
            tally.accept(answers.ref(lead), answers.lead_id(item))
            decided.add(answers.ref(lead))
        tally.in_order = [answers.ref(lead) for lead, _ in stored]
        success = []
    for item in success:
        ref = matcher.lead_of(item)
        if ref is not None and ref not in decided:
            tally.accept(ref, answers.lead_id(item))
            decided.add(ref)
    for item in answers.items(body, "errors"):
        ref = matcher.error_target(item)
        if ref is not None and ref not in decided and _REFERENCE_EXISTS.search(answers.item_message(item)):
            tally.existing.append(ref)  # left unmentioned: looked up for its _id
        elif ref is not None and ref not in decided and _DUPLICATE.search(answers.item_message(item)):
            tally.duplicates[ref] = answers.item_message(item)  # left unmentioned: maybe ours, looked up
        elif ref is not None and ref not in decided:
            tally.reject(ref, answers.item_message(item))
            decided.add(ref)
        elif ref is None:
            tally.refusals.append(answers.item_message(item))
    return tuple(lead for lead in leads if answers.ref(lead) not in decided)


def _stored_in_order_around_errors(
    body: object, success: list[Lead], leads: Sequence[Lead], matcher: answers.Matcher
) -> list[tuple[Lead, Lead]]:
    """(lead, success item) pairs when errors[] names a distinct lead of the batch in every item and
    success[] holds one id-only item for each other lead; else []."""
    errors = list(answers.items(body, "errors"))
    if not errors or not success or any(answers.lead_id(i) is None or matcher.lead_of(i) for i in success):
        return []
    refused = [matcher.error_target(item) for item in errors]
    if None in refused or len(set(refused)) != len(refused):
        return []
    others = [lead for lead in leads if answers.ref(lead) not in set(refused)]
    return list(zip(others, success, strict=True)) if len(others) == len(success) else []


def _all_stored_in_order(body: object, success: list[Lead], leads: Sequence[Lead], matcher: answers.Matcher) -> bool:
    """Whether ``success`` has an item with an _id for each lead, names none of them, and errors[] is empty."""
    return (
        len(success) == len(leads)
        and not (isinstance(body, Mapping) and body.get("errors"))
        and all(answers.lead_id(item) is not None and matcher.lead_of(item) is None for item in success)
    )


def _attribute(messages: list[str], leads: int) -> list[str]:
    """A message for each of ``leads`` refused leads, from ``errors[]`` items that named none of them.

    One item per lead: in order (the CRM answers in the order it was sent). Otherwise each gets them all.
    """
    if len(messages) == leads:
        return messages
    joined = "; ".join(dict.fromkeys(messages))
    note = "the CRM refused leads of this batch without saying which"
    return [f"{answers.excerpt(joined)} ({note})"] * leads


def _json_body(response: httpx.Response) -> object:
    """The decoded JSON body, or None when there is none."""
    try:
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None


def _retry_after(response: httpx.Response) -> float | None:
    """Seconds the ``Retry-After`` header asks for, if it says."""
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - datetime.now(UTC)).total_seconds()
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _chunks(leads: list[Lead], size: int) -> Iterator[list[Lead]]:
    """``leads`` in consecutive chunks of at most ``size``."""
    for start in range(0, len(leads), size):
        yield leads[start : start + size]
