"""How long the CRM asks a client to wait, from the headers of its answer.

``Retry-After`` (seconds or an HTTP date) is the standard; a rate limiter may instead say when its window
resets: ``RateLimit-Reset`` / ``X-RateLimit-Reset`` (seconds from now, or the moment as epoch seconds or
milliseconds, or an ISO 8601 time), ``X-RateLimit-Reset-After``, or the IETF ``RateLimit`` field
(``limit=100, remaining=0, reset=5``; ``"default";r=0;t=5``). A moment is measured from the answer's ``Date``
when it has one, so a client whose clock is off waits what the server means.
"""

from __future__ import annotations

import email.utils
import math
import re
import time
from collections.abc import Mapping
from datetime import UTC, datetime

_RESET_HEADERS = ("ratelimit-reset", "x-ratelimit-reset", "x-rate-limit-reset", "x-ratelimit-reset-after")
_RATELIMIT_FIELD = re.compile(r"(?:\breset\s*=\s*|;\s*t\s*=\s*)(\d+(?:\.\d+)?)", re.IGNORECASE)
_NUMBER = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(?:,|$)")
_EPOCH_SECONDS = 1e9
"""A reset value this large is a moment (epoch seconds, after 2001), not a number of seconds to wait."""
_EPOCH_MILLISECONDS = 1e12


def retry_after(headers: Mapping[str, str]) -> float | None:
    """Seconds the ``Retry-After`` header asks for, if it says."""
    value = headers.get("retry-after", "").strip()
    if not value:
        return None
    number = _NUMBER.match(value)  # "120", or "120, 120" (the header given twice, joined)
    try:
        seconds = float(number.group(1) if number is not None else value)
    except ValueError:
        when = _http_date(value)
        if when is None:
            return None
        seconds = when - _server_now(headers)
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def asked(headers: Mapping[str, str]) -> float | None:
    """Seconds the answer asks to wait: its ``Retry-After``, else until its rate-limit window resets."""
    seconds = retry_after(headers)
    return seconds if seconds is not None else rate_reset(headers)


def rate_reset(headers: Mapping[str, str]) -> float | None:
    """Seconds until the CRM's rate-limit window resets, as its rate-limit headers say; None if they do not."""
    for name in _RESET_HEADERS:
        value = headers.get(name, "").strip()
        if value:
            seconds = _reset_seconds(value, headers)
            if seconds is not None:
                return seconds
    field = _RATELIMIT_FIELD.search(headers.get("ratelimit", ""))
    return float(field.group(1)) if field is not None else None


def _reset_seconds(value: str, headers: Mapping[str, str]) -> float | None:
    """A reset header's value as seconds from now: a delay, or a moment (epoch s or ms, ISO 8601, HTTP date)."""
    number = _NUMBER.match(value)
    if number is not None:
        reset = float(number.group(1))
        if reset >= _EPOCH_MILLISECONDS:
            reset /= 1000.0
        if reset < _EPOCH_SECONDS:
            return reset
        moment: float | None = reset
    else:
        moment = _iso_time(value)
        if moment is None:
            moment = _http_date(value)
    if moment is None:
        return None
    seconds = moment - _server_now(headers)
    return max(seconds, 0.0) if math.isfinite(seconds) else None


def _server_now(headers: Mapping[str, str]) -> float:
    """The moment of the answer on the server's clock (its ``Date``), else on ours."""
    date = _http_date(headers.get("date", ""))
    return date if date is not None else time.time()


def _http_date(value: str) -> float | None:
    try:
        when = email.utils.parsedate_to_datetime(value.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()


def _iso_time(value: str) -> float | None:
    try:
        when = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when.timestamp()
