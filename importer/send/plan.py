"""The send plan of a dry run: how many leads, in how many requests, and the least time at the rate."""

from __future__ import annotations

import math
from dataclasses import dataclass

from importer.crm.limiter import DEFAULT_RATE, RateLimit

MAX_BATCH = 1000


@dataclass(frozen=True, slots=True)
class SendPlanSettings:
    """The batch size and rate the plan assumes (those of ``leadimport run``)."""

    batch_size: int = MAX_BATCH
    rate: RateLimit = DEFAULT_RATE


@dataclass(frozen=True, slots=True)
class SendPlan:
    """What ``run`` would do with the valid rows."""

    leads: int
    requests: int
    min_seconds: float
    rate: RateLimit

    def describe(self) -> str:
        """One line for people."""
        if not self.leads:
            return "Send plan: nothing to send."
        return (
            f"Send plan: {self.leads} leads in {self.requests} request{'s' if self.requests != 1 else ''} "
            f"of up to {math.ceil(self.leads / self.requests)}; at least {self.min_seconds:.0f} s at "
            f"{self.rate.max_requests} requests per {self.rate.per_seconds:g} s."
        )

    def as_dict(self) -> dict[str, object]:
        return {"leads": self.leads, "requests": self.requests, "min_seconds": self.min_seconds}


def send_plan(leads: int, settings: SendPlanSettings = SendPlanSettings()) -> SendPlan:
    """Requests needed for ``leads``, and the least time the rate allows (the first window is free)."""
    size = max(1, min(settings.batch_size, MAX_BATCH))
    requests = math.ceil(leads / size) if leads else 0
    windows = (requests - 1) // settings.rate.max_requests if requests else 0
    return SendPlan(leads=leads, requests=requests, min_seconds=windows * settings.rate.per_seconds, rate=settings.rate)
