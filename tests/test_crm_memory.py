"""The CRM client's memory over a long run: an answer is freed once it is read."""

from __future__ import annotations

import gc
import weakref

import httpx

from importer.crm.client import CrmClient, RetryPolicy
from importer.crm.limiter import RateLimit, RateLimiter
from tests.test_crm import SETTINGS, FakeCrm, leads


def test_each_answer_is_freed_as_soon_as_it_is_read_not_at_the_next_garbage_collection() -> None:
    """A bulk answer for 1,000 leads and its request body are some 750 kB: held until Python's cyclic collector
    runs (rarely, during a send), a million-lead run kept up to 150 MB of them. Read by the client, each
    answer is gone at once, with the collector off."""
    answers: list[weakref.ref[httpx.Response]] = []
    http = httpx.Client(
        transport=httpx.MockTransport(FakeCrm()),
        event_hooks={"response": [lambda response: answers.append(weakref.ref(response))]},
    )
    client = CrmClient(
        SETTINGS, limiter=RateLimiter.for_rate(RateLimit(1000, 1.0)), http=http, retry=RetryPolicy(attempts=1)
    )
    gc.collect()
    gc.disable()
    try:
        results = [client.submit(leads(*range(n * 100, n * 100 + 100))) for n in range(3)]
        left = [ref() for ref in answers if ref() is not None]
    finally:
        gc.enable()
        http.close()
    assert [len(result.outcomes) for result in results] == [100, 100, 100]
    assert all(o.state == "accepted" for result in results for o in result.outcomes.values())
    assert len(answers) == 3
    assert left == []
