"""One request budget for everything a watcher sends, across files and sources.

Each import paces its own requests; one file after another, each with a budget of its own, could still
put two windows' worth of requests into one window at the boundary between them. The watcher's HTTP
client therefore passes every request through one shared limiter as well.
"""

from __future__ import annotations

import threading

import httpx

from importer.crm.limiter import RateLimit, RateLimiter

__all__ = ["PacedTransport", "paced_client"]


class PacedTransport(httpx.BaseTransport):
    """An httpx transport that takes a slot of a shared limiter before each request leaves."""

    def __init__(self, limiter: RateLimiter, inner: httpx.BaseTransport | None = None) -> None:
        self.limiter = limiter
        self.inner = inner or httpx.HTTPTransport()
        self.stopping = threading.Event()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if self.stopping.is_set():
            raise httpx.ConnectError("the watcher is stopping; no request is sent", request=request)
        self.limiter.acquire(hold=True)  # held until the answer starts: the CRM counts the request on arrival
        try:
            if self.stopping.is_set():  # stopped while waiting for a slot: the request never leaves
                raise httpx.ConnectError("the watcher is stopping; no request is sent", request=request)
            return self.inner.handle_request(request)
        finally:
            self.limiter.answered()

    def stop(self) -> None:
        """No request leaves any more; those waiting for a slot give up at once."""
        self.stopping.set()
        self.limiter.cancel()

    def close(self) -> None:
        self.inner.close()


def paced_client(rate: RateLimit, *, timeout: httpx.Timeout | None = None) -> tuple[httpx.Client, PacedTransport]:
    """An HTTP client whose requests all share one budget of ``rate``."""
    transport = PacedTransport(RateLimiter.for_rate(rate))
    client = httpx.Client(transport=transport, timeout=timeout or httpx.Timeout(120.0, connect=10.0))
    return client, transport
