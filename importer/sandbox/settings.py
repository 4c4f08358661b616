"""How the sandbox CRM behaves: identity, limits, contract variants and injected faults."""

from __future__ import annotations

from dataclasses import dataclass

ERROR_SHAPES = ("reference", "guide")
"""The two shapes of a bulk error item the contract documents (``docs/crm-contract.md``)."""
ANSWER_SHAPES = ("arrays", "envelope", "results")
"""How a bulk answer is laid out: the contract's top-level ``success``/``errors`` arrays; the same arrays inside
``{"success": true, "data": {...}}``; or one ``results`` list in the order sent, each item with its 0-based
``index``, ``success`` true (with the lead) or false (with ``error``). The contract leaves the shape open (§6)."""

REFERENCE_CASES = ("", "upper", "lower", "trim")
"""How the CRM may keep a referenceId: as sent, upper or lower case (trimmed), or only trimmed."""

QUEUED_ANSWERS = ("202", "200", "errors", "results")
"""How a queued bulk request is answered: the message under HTTP 202 (``202``) or 200 (``200``); under 200, an
``errors[]`` item per lead saying "Lead queued for processing", with ``success[]`` empty (``errors``); or a
``results`` list with an item per lead whose ``status`` is ``queued`` (``results``)."""


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    """How the sandbox behaves: identity, limits, contract variants and injected faults."""

    token: str = "sandbox-token"
    project_id: str = "64f0c0ffee0000000000aaaa"
    process_ids: tuple[str, ...] = ("64f0c0ffee0000000000beef",)
    bulk_cap: int = 1000
    bulk_cap_message: str = "Maximum of {cap} leads allowed per request"
    """The 400's message for a request over ``bulk_cap`` (``{cap}``: the cap): the contract's words, or others."""
    rate_limit: int = 100
    rate_window: float = 5.0
    dup_threshold: int = 5
    dup_window: float = 60.0
    block_seconds: float = 3600.0
    latency: tuple[float, float] = (0.0, 0.0)
    store_delay: float = 0.0
    """Seconds a bulk or single create waits before storing, on top of ``latency``; lookups do not wait
    (a CRM slower to insert a batch than to read one lead)."""
    fault_5xx: float = 0.0
    fault_drop: float = 0.0
    mixed_status_400: bool = False
    errors_status: int | None = None
    """The status of a bulk answer listing refused leads (409, 422 ...), overriding 200 (or ``mixed_status_400``'s
    400); None: not overridden. With ``whole_batch_refusal`` it is the status of that refusal too."""
    error_shape: str = "reference"
    answer_shape: str = "arrays"
    """One of :data:`ANSWER_SHAPES`."""
    whole_batch_refusal: int | None = None
    """None: a bulk request stores its valid leads and lists the others in ``errors[]``. A status (400, or 200):
    a bulk request with any lead that fails is refused whole with ``{"success": false, "error": <that lead's
    message>}`` under that status, and none of it is stored (its duplicates still count toward the block)."""
    missing_lead_status: int = 404
    """The status ``GET /leads/get`` answers for a lead it does not have, with ``{"success": false, "error":
    "Lead not found"}`` (the contract documents 404; some servers say it under 200)."""
    proxy_page: int | None = None
    """A proxy in front of the CRM answers initiate requests with this status (200, 502, 504 ...) and an HTML
    page instead of the CRM's answer (None: it never does); every ``proxy_every``-th request, from the first.
    ``proxy_stores``: the request reached the CRM, which stored it, before the proxy answered."""
    proxy_every: int = 1
    proxy_stores: bool = False
    replay_every: int = 0
    """A proxy answers every ``replay_every``-th bulk request (from the second) with the answer to the one before
    it, without passing it on to the CRM: the same answer twice (0: never)."""
    maintenance: float = 0.0
    """Seconds on the sandbox's clock, from its start, during which a gateway answers every CRM request (sends and
    lookups) with HTTP 503 and an HTML maintenance page, the CRM untouched (0: never)."""
    maintenance_retry_after: float | None = None
    """The ``Retry-After`` (seconds) those 503s carry (None: none)."""
    maintenance_status: int = 503
    """The status of those pages: 503 (maintenance), or 502/504 with a gateway's page (a deploy: nginx in front
    of a CRM that is restarting)."""
    process_later: float | None = None
    """Seconds after which a bulk request is processed (stored, refused) in the background, after its answer:
    HTTP 202 ``{"success": true, "message": "Leads queued for processing"}`` (None: processed before answering)."""
    queued_answer: str = "202"
    """How the answer to a request ``process_later`` queues says so: one of :data:`QUEUED_ANSWERS`."""
    queued_status: str = ""
    """The word a queued answer says it in (``scheduled``, ``accepted`` ...): the answer's (or each results item's)
    ``status``, with no message (empty: ``queued``, and the message "Leads queued for processing")."""
    quiet_refusals: bool = False
    """A bulk answer leaves the leads it refused out (in neither ``success`` nor ``errors``): the CRM drops them
    silently (they still count toward the duplicate block)."""
    success_ids: bool = True
    """A bulk answer's success items carry the stored lead's ``_id`` (False: they carry its referenceId and
    fields but no ``_id``; the contract does not say which fields they hold, §6)."""
    id_only_success: bool = False
    """A bulk answer's success items carry only the stored lead's ``_id`` (``{"_id": "..."}``), in the order sent:
    nothing says which lead each is (the contract leaves their fields open, §6)."""
    show_after: float = 0.0
    """Seconds on the sandbox's clock after a lead is stored before ``GET /leads/get`` finds it: until then it
    answers as for a lead it does not have, while creates already refuse the lead as a duplicate (a CRM whose
    lookups read a replica that lags its writes)."""
    populated_lookups: bool = False
    """``GET /leads/get`` gives the lead's project and process as objects (``{"_id": ..., "name": ...}``: a
    server that populates the references) instead of their ids."""
    moved_to: str = ""
    """A path (``/api/v2``, or a URL on another host) the CRM's endpoints moved to: requests under ``/api/v1/leads`` are answered
    ``redirect_status`` with a Location under it, where they are served (empty: not moved)."""
    redirect_status: int = 307
    key_case: str = "camel"
    """How the API's answers spell their keys: ``camel`` (the contract's ``referenceId``), or ``pascal``
    (``ReferenceId``, ``Success``, ``Errors``, ``_Id``: a server whose serializer capitalizes them)."""
    reference_case: str = ""
    """How the CRM keeps the referenceIds it is sent, and so gives them back in every answer and finds them in
    lookups: ``upper`` or ``lower`` (trimmed too), ``trim`` (only trimmed), or as sent (empty)."""
    block_message: str = ""
    """The 429's message while the key is blocked (empty: the contract's "...temporarily blocked...")."""
    token_expires_after: int | None = None
    """After this many requests to the CRM's endpoints, ``token`` expires: it is refused with HTTP 401
    ``{"success": false, "error": "Token expired"}``, and ``renewed_token`` is taken instead (None: never)."""
    renewed_token: str = "sandbox-token-renewed"
    locked_after: int | None = None
    """After this many requests to the CRM's endpoints, the account is locked: every request is answered HTTP 423
    ``{"success": false, "error": "Account locked"}`` (None: never)."""
    partial_refusal: int | None = None
    """A status (403: the project went inactive; 404: the process was deleted) with which the first bulk request is
    refused after its first ``partial_after`` leads were stored: the answer says the contract's error for that status
    and gives the arrays of what was done (``success[]`` the stored leads, ``errors[]`` the others with that error).
    Later requests are served (None: never)."""
    partial_after: int = 2
    locked_requests: int | None = None
    """How many requests the lock (``locked_after``) refuses before it ends by itself (None: it never does)."""
    locked_retry_after: float | None = None
    """The ``Retry-After`` (seconds) the 423s carry (None: none)."""
    errors_keyed: bool = False
    """A bulk answer gives ``errors`` as an object, each refused lead's message under its referenceId
    (``{"LI-1": "..."}``), instead of a list of items."""
    seed: int | None = None
    preexisting_phones: frozenset[str] = frozenset()
    """Phones that already had a call attempt in the project: a lead with one is refused as a duplicate
    (compared by digits; write them in E.164, as leadimport sends them)."""

    def __post_init__(self) -> None:
        if self.error_shape not in ERROR_SHAPES:
            raise ValueError(f"error_shape must be one of {ERROR_SHAPES}, not {self.error_shape!r}")
        if self.key_case not in ("camel", "pascal"):
            raise ValueError(f"key_case must be camel or pascal, not {self.key_case!r}")
        if self.queued_answer not in QUEUED_ANSWERS:
            raise ValueError(f"queued_answer must be one of {QUEUED_ANSWERS}, not {self.queued_answer!r}")
        if self.reference_case not in REFERENCE_CASES:
            raise ValueError(f"reference_case must be one of {REFERENCE_CASES}, not {self.reference_case!r}")
        if self.answer_shape not in ANSWER_SHAPES:
            raise ValueError(f"answer_shape must be one of {ANSWER_SHAPES}, not {self.answer_shape!r}")


DEFAULT_SETTINGS = SandboxSettings()
