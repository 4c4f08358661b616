"""The keys of the CRM's answers in the contract's spelling, whatever case the server writes them in.

A server whose serializer capitalizes its keys (``Success``, ``Errors``, ``ReferenceId``, ``_Id``: .NET's
default), or writes them in snake case (``reference_id``, ``lead_id``), says the same as the contract's
camelCase: read otherwise, its refusals go unseen and its leads are looked up, sent again, or the run stops on
a lookup it cannot read. Pure functions of decoded JSON, with no ``httpx``.
"""

from __future__ import annotations

from collections.abc import Mapping

_KNOWN = (
    # the lead object and the ids that name a lead (docs/crm-contract.md §2, §3)
    "_id", "id", "leadId", "leadIds", "referenceId", "projectId", "processId", "groupId",
    "phone", "email", "name", "firstName", "lastName", "metadata", "currentState", "createdAt", "updatedAt",
    # the bulk answer's arrays, the envelopes and result lists they come in (importer.crm.answers)
    "success", "successes", "succeeded", "successful", "created", "inserted", "accepted",
    "errors", "failed", "failures", "failedLeads", "rejected",
    "data", "result", "results", "response", "payload", "lead", "leads", "items", "responses",
    # what an item or a whole answer says
    "error", "message", "reason", "msg", "detail", "details", "description", "status", "ok", "code",
    "index", "idx", "position", "itemIndex", "retryAfter", "retryAfterSeconds",
)  # fmt: skip


def _fold(key: str) -> str:
    """A key without its case, inner underscores and hyphens (``Reference_ID`` → ``referenceid``); a leading
    underscore stays (``_Id`` is ``_id``, not ``id``)."""
    lowered = key.lower()
    bare = lowered.lstrip("_")
    return lowered[: len(lowered) - len(bare)] + bare.replace("_", "").replace("-", "")


_CANONICAL = {_fold(key): key for key in _KNOWN}
_SPELLED = frozenset(_KNOWN)


def canonical(body: object) -> object:
    """``body`` with the keys it spells otherwise than the contract renamed to the contract's spelling (a key
    spelled right as well is kept as it came); ``body`` itself when its first items spell them right.

    A lead's ``metadata`` is the lead's own: its keys stay as they are.
    """
    if not _misspelled(body, depth=3):
        return body  # the usual case: a look at the top keys and the first item of each list
    return _renamed(body)


def _misspelled(value: object, *, depth: int) -> bool:
    """Whether a known key is spelled otherwise in ``value``'s keys, its objects' or its lists' first items."""
    if depth == 0:
        return False
    if isinstance(value, list):
        return bool(value) and _misspelled(value[0], depth=depth)
    if not isinstance(value, Mapping):
        return False
    for key, item in value.items():
        if isinstance(key, str) and key not in _SPELLED and _fold(key) in _CANONICAL:
            return True
        if key != "metadata" and isinstance(item, Mapping | list) and _misspelled(item, depth=depth - 1):
            return True
    return False


def _renamed(value: object) -> object:
    """``value`` with every known key in the contract's spelling, all the way down (but for ``metadata``)."""
    if isinstance(value, list):
        return [_renamed(item) for item in value]
    if not isinstance(value, Mapping):
        return value
    renamed: dict[str, object] = {}
    for key, item in value.items():
        name = _CANONICAL.get(_fold(key), key) if isinstance(key, str) and key not in _SPELLED else key
        if name in renamed and name != key:
            continue  # the contract's spelling came first: it stands
        renamed[name] = item if name == "metadata" else _renamed(item)
    return renamed
