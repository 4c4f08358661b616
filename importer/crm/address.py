"""The CRM's address (``VOX_BASE_URL``): the token goes only over TLS, and credentials in it never show.

``http://`` carries ``Authorization: Bearer <token>`` in clear text, readable by anyone on the way, so it
is allowed only for loopback hosts (the sandbox) unless the caller says it accepts that
(``--insecure-http``). The check runs before any connection is opened.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import SplitResult, urlsplit

from importer.errors import ConfigError

__all__ = ["MAX_ANSWER_BYTES", "check_base_url", "is_loopback", "mask_url", "url_secrets"]

MAX_ANSWER_BYTES = 32 << 20
"""Largest CRM answer read: an answer to 1,000 leads, each echoed back whole, is a few MB. A larger one is
not read whole (it would take gigabytes of memory); it counts as a request that may have landed, and its
leads are looked up."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine: ``localhost`` or a loopback address (127.0.0.0/8, ::1)."""
    host = host.strip("[]").lower().rstrip(".")
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:
        return None


def mask_url(url: str) -> str:
    """``url`` with any user name and password replaced by ``***`` (``https://***@host/api``)."""
    parts = _split(url)
    if parts is None or "@" not in parts.netloc:
        return url
    return parts._replace(netloc="***@" + parts.netloc.rpartition("@")[2]).geturl()


def url_secrets(url: str) -> tuple[str, ...]:
    """The credentials embedded in ``url`` (user info, password), to be masked wherever they appear."""
    parts = _split(url)
    if parts is None or "@" not in parts.netloc:
        return ()
    userinfo = parts.netloc.rpartition("@")[0]
    secrets = {userinfo, *(p for p in userinfo.split(":", 1)[1:] if p)}
    return tuple(sorted((s for s in secrets if s), key=len, reverse=True))


def check_base_url(url: str, *, insecure_http: bool = False) -> None:
    """Refuse an API base the token must not be sent to: not http(s), no host, or ``http://`` to another
    machine (unless ``insecure_http``). Messages show the URL with its credentials masked."""
    shown = mask_url(url)
    parts = _split(url)
    scheme = parts.scheme.lower() if parts is not None else ""
    if parts is None or scheme not in ("http", "https"):
        raise ConfigError(f"VOX_BASE_URL must start with http:// or https:// (got {shown!r}).")
    try:
        host = parts.hostname or ""
        parts.port  # noqa: B018 - a malformed port raises here rather than at the first request
    except ValueError:
        raise ConfigError(f"VOX_BASE_URL has an unreadable host or port (got {shown!r}).") from None
    if not host:
        raise ConfigError(f"VOX_BASE_URL has no host name (got {shown!r}).")
    _check_path(parts, shown)
    if scheme == "http" and not is_loopback(host) and not insecure_http:
        raise ConfigError(
            f"VOX_BASE_URL {shown} is plain http:// to another machine: the API token would cross the network "
            "unencrypted. Use https:// (http:// is allowed only for this machine, e.g. the sandbox at "
            "http://127.0.0.1:8765/api/v1), or pass --insecure-http if you accept that risk."
        )


_ENDPOINT = re.compile(r"/leads(?:/(?:bulk(?:/initiate)?|initiate|update|get))?/*$", re.IGNORECASE)
"""The end of an address that is one of the API's endpoints (``/leads/bulk/initiate``, ``/leads/get``, ...): each is
made of the API's address and ``/leads/...``, so that address never ends so (a CRM served under ``/leads/api/v1``
is not refused)."""


def _check_path(parts: SplitResult, shown: str) -> None:
    """Refuse an address copied with an endpoint or a query after the API's (``.../api/v1/leads/initiate?v=1.2``):
    leadimport adds those, and the CRM's 404 or 400 to the doubled path reads as a bug."""
    endpoint = _ENDPOINT.search(parts.path)
    if not endpoint and not parts.query and not parts.fragment:
        return
    base = mask_url(parts._replace(path=parts.path[: endpoint.start()] if endpoint else parts.path, query="",
                                   fragment="").geturl())  # fmt: skip
    what = f"the endpoint {endpoint.group(0)}" if endpoint else "a query (?...) or #fragment"
    raise ConfigError(
        f"VOX_BASE_URL {shown} ends in {what}; it is to be the API's address alone, to which leadimport adds each "
        f"endpoint. Set it to {base.rstrip('/')}"
        + (" (the address ending in /api/v1)." if "/api/" not in base + "/" else ".")
    )
