"""What the parts of the CRM client pass each other.

The transport (:mod:`importer.crm.transport`) hands over each ``Answer``; a reader
(:mod:`importer.crm.reader`) turns it into a step; the client (:mod:`importer.crm.client`) and recovery
(:mod:`importer.crm.recovery`) act on the step and record each lead's fate in a ``Tally``, which becomes
the ``BatchResult`` of one ``submit`` call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, NamedTuple

from importer.crm.dup_budget import Reservation
from importer.errors import CrmStop, CrmUnreachable

Lead = Mapping[str, object]
Stop = CrmStop | CrmUnreachable


@dataclass(frozen=True, slots=True)
class Answer:
    """An HTTP answer of the CRM, read whole and decoded: what the readers of :mod:`importer.crm.reader` take."""

    status_code: int
    headers: Mapping[str, str]
    """Header names in lower case; a header given more than once has its values joined by ", "."""
    text: str
    body: object
    """The decoded JSON body, or None when there is none."""


class LeadOutcome(NamedTuple):
    """The CRM's definite answer about one lead (a tuple: a run makes one per lead, a million of them)."""

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
    unanswered: tuple[str, ...] = ()
    """Those of ``unknown`` the CRM answered about without a word (in neither its successes nor its errors)
    and does not have when looked up: silently refused, or stored but not shown yet."""


# -- steps of the request loops ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Answered:
    """The CRM answered; the leads it did not mention still need looking up."""

    unmentioned: tuple[Lead, ...]
    unread: str | None = None
    """The start of a 2xx body that is not JSON (a proxy's page), when the answer was one."""
    later: bool = False
    """The CRM took the request to process it later (HTTP 202): the leads may show only after a while."""


@dataclass(frozen=True, slots=True)
class Split:
    """Too many leads for one request: send them in chunks of ``size``."""

    size: int
    limit: int | None = None
    """The most leads a request may carry, when the CRM said so ("Maximum of 300 leads allowed per request")."""


@dataclass(frozen=True, slots=True)
class Throttled:
    """A plain 429: hold traffic, then send the same request again."""

    retry_after: float | None


@dataclass(frozen=True, slots=True)
class Failed:
    """The request failed in a way worth retrying; ``landed``: it may have been stored."""

    reason: str
    landed: bool
    retry_after: float | None = None
    """Seconds the CRM asked to wait before trying again (a 503's ``Retry-After``), if it did."""
    unavailable: bool = False
    """The CRM (or its gateway) answered that it is unavailable for now (503, or a 5xx asking for a wait): down
    for maintenance or a deploy, waited out for up to ``RetryPolicy.outage`` seconds."""
    gateway: bool = False
    """A gateway answered for the CRM (502, 504): failing on this request (the CRM may have stored it), or in front
    of a CRM that is down (a deploy). A lookup answered so is waited out as an outage: a lookup stores nothing."""
    refused_for_now: bool = False
    """HTTP 503: the CRM (or its gateway) says it could not handle the request (RFC 9110), it did not lose an
    answer. The request is still checked before it is sent again, but by a sample of its leads (all of them only
    when one is there), with no settle wait, and its leads are not counted as possible duplicate refusals: an
    outage of many minutes, tried every 30 s, then costs a few lookups per try and no duplicate-guard pauses."""


@dataclass(frozen=True, slots=True)
class Halted:
    """The run must stop; ``landed``: the request may have stored its leads."""

    stop: Stop
    landed: bool


@dataclass(frozen=True, slots=True)
class Found:
    """A lookup answered: the lead's ``_id``, or None when the CRM has no such lead."""

    lead_id: str | None


Step = Answered | Split | Throttled | Failed | Halted


@dataclass(slots=True)
class Retries:
    """Consecutive failures and plain 429s of one request."""

    failures: int = 0
    throttles: int = 0


@dataclass(slots=True)
class Tally:
    """What one ``submit`` call has learned so far."""

    outcomes: dict[str, LeadOutcome] = field(default_factory=dict)
    unsent: set[str] = field(default_factory=set)
    unknown: set[str] = field(default_factory=set)
    stop: Stop | None = None
    requests: int = 0
    outage_requests: int = 0
    """Requests answered 503 (the CRM could not handle them), and the lookups of their leads after them."""
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
    reservation: Reservation | None = None
    """Room in the duplicate budget taken for the batch's first request."""
    duplicates: dict[str, str] = field(default_factory=dict)
    """Leads refused as duplicates ("a call attempt has already been made to this phone number"), with the
    message: looked up by referenceId, since an interrupted earlier request may have stored this very lead;
    accepted when the CRM holds it, else rejected with the message."""

    unanswered: set[str] = field(default_factory=set)
    """Leads sent again after an answer that left them out, left out once more and still not found."""
    unseen: set[str] = field(default_factory=set)
    """Leads of a request that may have stored them (its answer was lost, or did not mention them), none of whose
    leads the CRM showed when looked up, sent again: refused then as a duplicate, such a lead may be refused
    because that request stored it (a CRM slow to show what it stored), so the refusal does not make it
    rejected; it stays unknown, and the next run asks the CRM first."""

    def note_looked_up(self, sent: Iterable[str], absent: Iterable[str]) -> None:
        """After looking up the leads of a request that may have stored them (``sent``; ``absent``: those not
        found, to be sent again). None found: the CRM may yet show them (:attr:`unseen`). Some found: it processed
        the request and shows what it stores, so it stored none of the others, and a duplicate refusal of one of
        them stands."""
        if any(ref in self.outcomes for ref in sent):
            self.unseen.difference_update(absent)
        else:
            self.unseen.update(absent)

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
        unanswered = tuple(r for r in unknown if r in self.unanswered) if self.unanswered else ()
        return BatchResult(outcomes, unsent, unknown, self.stop, self.requests, unanswered)
