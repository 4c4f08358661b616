"""Recording what the per-lead arrays of a CRM answer (``success[]``, ``errors[]``, as :func:`answers.per_lead`
reads them) say of each lead of the batch, in the ``Tally``: stored, refused, a duplicate to look up, or left out.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

from importer.crm import answers
from importer.crm.steps import Lead, Tally

REFERENCE_EXISTS = re.compile(r"referenceId\b.*\balready exists", re.IGNORECASE)
"""The CRM holds a lead with this referenceId in the process: it is in the CRM (ours, from a request
that landed, or an earlier import), not a refusal of this lead."""
DUPLICATE = re.compile(r"\balready\b|\bduplicate|\bexists\b", re.IGNORECASE)
"""A refusal that the CRM counts as a duplicate submission (docs/crm-contract.md §4)."""


def keep_stored(arrays: object, leads: Sequence[Lead], tally: Tally) -> None:
    """A refusal that stops the run (403, 404) whose body gives the arrays of what was done: the CRM stored part of
    the batch before it refused the rest. The leads its ``success[]`` names are accepted (sent again, each would be a
    duplicate submission); those it names no outcome for may be stored too, so the next run looks them up first;
    those its ``errors[]`` refuse stay unsent (the refusal is the run's, not theirs: fixed, they go)."""
    if not any(True for _ in answers.items(arrays, "success")):
        return  # nothing stored: the refusal was whole
    scratch = Tally(redact=tally.redact)
    apply_arrays(arrays, leads, scratch)  # success items naming no lead (only an id) leave theirs to be looked up
    stored = {ref: outcome for ref, outcome in scratch.outcomes.items() if outcome.state == "accepted"}
    tally.outcomes.update(stored)
    refused = {ref for ref, outcome in scratch.outcomes.items() if outcome.state == "rejected"}
    tally.unknown.update(ref for ref in map(answers.ref, leads) if ref not in stored and ref not in refused)


def apply_arrays(body: object, leads: Sequence[Lead], tally: Tally) -> tuple[tuple[Lead, ...], bool]:
    """Record the outcomes ``success[]``/``errors[]`` give; return the leads they skip, and whether some were
    taken to be processed later (queued: an error saying so, or a ``queued`` array), to be looked up after the
    settle wait and never sent again."""
    matcher = answers.Matcher(leads)
    decided: set[str] = set()
    queued = [*answers.items(body, "queued")]
    errors: list[Mapping[str, object]] = []
    for item in answers.items(body, "errors"):
        (queued if answers.says_later(item) else errors).append(item)
    success = list(answers.items(body, "success"))
    if not queued and _all_stored_in_order(body, success, leads, matcher):
        # One success item per lead sent, no errors, none naming its lead (only an _id): every lead was
        # stored, and the CRM answers in the order it was sent.
        for lead, item in zip(leads, success, strict=True):
            tally.accept(answers.ref(lead), answers.lead_id(item))
        tally.in_order = [answers.ref(lead) for lead in leads]
        return (), False
    stored = [] if queued else _stored_in_order_around_errors(errors, success, leads, matcher)
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
    for item in errors:
        ref = matcher.error_target(item)
        if ref is not None and ref not in decided and REFERENCE_EXISTS.search(answers.item_message(item)):
            tally.existing.append(ref)  # left unmentioned: looked up for its _id
        elif ref is not None and ref not in decided and DUPLICATE.search(answers.item_message(item)):
            tally.duplicates[ref] = answers.item_message(item)  # left unmentioned: maybe ours, looked up
        elif ref is not None and ref not in decided:
            tally.reject(ref, answers.item_message(item))
            decided.add(ref)
        elif ref is None and not _names_another_reference(item):
            tally.refusals.append(answers.item_message(item))
    return tuple(lead for lead in leads if answers.ref(lead) not in decided), bool(queued)


def _names_another_reference(item: Mapping[str, object]) -> bool:
    """Whether an errors[] item no lead of the batch matches names a referenceId: another lead's (a replayed answer
    of another request), not a refusal of one of ours without saying which."""
    return any(
        isinstance(part, Mapping) and answers.text(part.get("referenceId")) is not None
        for part in (item, item.get("data"), item.get("leadId"), item.get("lead"))
    )


def _stored_in_order_around_errors(
    errors: list[Mapping[str, object]], success: list[Lead], leads: Sequence[Lead], matcher: answers.Matcher
) -> list[tuple[Lead, Lead]]:
    """(lead, success item) pairs when ``errors`` names a distinct lead of the batch in every item and
    success[] holds one id-only item for each other lead; else []."""
    if not errors or not success or any(not _id_only(item, matcher) for item in success):
        return []
    refused = [matcher.error_target(item) for item in errors]
    if None in refused or len(set(refused)) != len(refused):
        return []
    others = [lead for lead in leads if answers.ref(lead) not in set(refused)]
    return list(zip(others, success, strict=True)) if len(others) == len(success) and _distinct_ids(success) else []


def _all_stored_in_order(body: object, success: list[Lead], leads: Sequence[Lead], matcher: answers.Matcher) -> bool:
    """Whether ``success`` has an item with its own _id for each lead, names none of them, and errors[] is empty."""
    return (
        len(success) == len(leads)
        and not (isinstance(body, Mapping) and body.get("errors"))
        and all(_id_only(item, matcher) for item in success)
        and _distinct_ids(success)
    )


def _id_only(item: Lead, matcher: answers.Matcher) -> bool:
    """Whether a success item carries an _id and nothing that names its lead: neither a lead of the batch (then it
    is matched by that) nor another lead (a stale answer, another request's: its id is not one of ours)."""
    return answers.lead_id(item) is not None and matcher.lead_of(item) is None and matcher.may_be_ours(item)


def _distinct_ids(success: list[Lead]) -> bool:
    """Whether no two success items carry the same _id: one repeated (an item answered twice) would shift the
    ids of every later lead by one if they were taken in order."""
    return len({answers.lead_id(item) for item in success}) == len(success)
