"""Requests to the Vox CRM: the HTTP side of the client, and the only place ``httpx`` is used.

A request is encoded, waits for its slot from the rate limiter, is sent, and its answer is read whole
within ``ANSWER_DEADLINE`` and decoded into an ``Answer``. ``httpx`` exceptions become ours here:
``TransportFailure`` (no answer; it says whether the request may have reached the CRM) or
``CrmUnreachable``. Once the CRM refuses the run, or the run is interrupted, nothing more is sent.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Mapping

import httpx
import orjson

from importer.crm import answers, keys
from importer.crm.address import MAX_ANSWER_BYTES, mask_url, url_secrets
from importer.crm.limiter import RateLimiter
from importer.crm.settings import CrmSettings
from importer.crm.steps import Answer, Tally
from importer.errors import CrmStop, CrmUnreachable

log = logging.getLogger(__name__)

HttpClient = httpx.Client
"""An HTTP client a caller may pass in (its own connection pool, proxy, certificates; a mock transport in tests)."""
Timeout = httpx.Timeout

DEFAULT_TIMEOUT = httpx.Timeout(120.0, connect=10.0)
ANSWER_DEADLINE = 300.0
"""Seconds an answer may take to arrive whole, however steadily its bytes trickle in."""
MAX_REDIRECTS = 5
"""Redirects followed for one request (a loop ends there, and the run stops naming the address)."""
BULK_PATH = "/leads/bulk/initiate"
GET_PATH = "/leads/get"
MIN_REDACTED_TOKEN = 8
MIN_REDACTED_SECRET = 3
"""Credentials in the URL shorter than this are masked only as part of the URL itself."""
"""Tokens shorter than this are not looked for in the CRM's messages (they are no real secret)."""


class TransportFailure(Exception):
    """A request got no HTTP answer; ``landed``: it may have reached the CRM anyway."""

    def __init__(self, reason: str, *, landed: bool) -> None:
        super().__init__(reason)
        self.reason = reason
        self.landed = landed


class Transport:
    """Sends requests to the CRM at the limiter's pace and reads their answers; safe to share between threads."""

    def __init__(
        self,
        settings: CrmSettings,
        *,
        limiter: RateLimiter,
        http: HttpClient | None,
        sleep: Callable[[float], None],
        timeout: Timeout,
    ) -> None:
        self._settings = settings
        self._limiter = limiter
        self._owns_http = http is None
        self._http = http if http is not None else httpx.Client(timeout=timeout)
        self._sleep = sleep
        self._timeout = timeout
        self._headers = {
            "Authorization": f"Bearer {settings.token}",
            "Accept": "application/json",
        }
        self._refusal: CrmStop | None = None
        self._stopping = threading.Event()
        self._moved_base: str | None = None
        """The API base a permanent redirect moved every endpoint to (None: the configured one)."""
        self._told_moved = False

    def close(self) -> None:
        """Release the connections (only those of an HTTP client this object created)."""
        if self._owns_http:
            self._http.close()

    def stop_sending(self) -> None:
        """No request starts any more; pauses end at once."""
        self.refuse(CrmStop("interrupted: no request is sent any more"))
        self._stopping.set()
        self._limiter.cancel()

    def refuse(self, stop: CrmStop) -> None:
        """Remember that the CRM refused the run so no thread sends anything more."""
        if self._refusal is None:
            self._refusal = stop

    def request(
        self,
        method: str,
        path: str,
        tally: Tally,
        *,
        content: bytes | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Answer:
        """One rate-limited request (``content``: its JSON body, see :func:`encode_json`), its answer read and
        decoded; httpx errors become ours here."""
        self._raise_if_refused()
        # The body comes encoded: the slot taken from the limiter is then spent on sending, not on building
        # it, so requests leave (and arrive) at the pace the limiter allows.
        headers = {**self._headers, "Content-Type": "application/json"} if content is not None else self._headers
        # The slot is held until the answer starts: the CRM counts the request when it arrives, in between.
        self._limiter.acquire(hold=True)
        try:
            return self._send(method, path, tally, content=content, params=params, headers=headers)
        finally:
            self._limiter.answered()

    def _send(
        self,
        method: str,
        path: str,
        tally: Tally,
        *,
        content: bytes | None,
        params: Mapping[str, str] | None,
        headers: Mapping[str, str],
    ) -> Answer:
        self._raise_if_refused()
        if method == "POST" and tally.before_send is not None:
            before_send, tally.before_send = tally.before_send, None
            before_send()
        tally.requests += 1
        try:
            request = self._http.build_request(
                method, self._url(path), content=content, params=params, headers=headers, timeout=self._timeout
            )
            response = self._http.send(request, stream=True)
            self._limiter.answered()  # the answer has begun: the request surely arrived
            for _ in range(MAX_REDIRECTS):
                target = self._redirect_target(request, response, path)
                if target is None:
                    break
                response.close()
                request = self._http.build_request(
                    method, target, content=content, headers=headers, timeout=self._timeout
                )
                response = self._http.send(request, stream=True)
            return _decoded(self._answer(response))
        except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as exc:
            raise TransportFailure(self._describe(exc), landed=False) from exc
        except httpx.UnsupportedProtocol as exc:
            raise CrmUnreachable(
                f"Cannot talk to {self.redact(self._settings.base_url)}: {self.redact(str(exc))}. Check VOX_BASE_URL."
            ) from exc
        except httpx.RequestError as exc:
            raise TransportFailure(self._describe(exc), landed=True) from exc

    def _url(self, path: str) -> str:
        """The absolute URL of the API ``path``, at the base the CRM moved to if it said so."""
        moved = self._moved_base
        return moved + path if moved is not None else self._settings.url(path)

    def _redirect_target(self, request: httpx.Request, response: httpx.Response, path: str) -> httpx.URL | None:
        """Where to send the request again when the CRM redirects it within its own site (same scheme, host and
        port, or the same host over https), keeping the method and body (301, 302, 307, 308); else None.

        A redirect elsewhere is not followed: the request carries the API token (the reader stops the run,
        naming the address). Nor is 303: it says the request was processed. A permanent redirect of the
        endpoint's path moves the API base for every later request.
        """
        if response.status_code not in (301, 302, 307, 308) or "location" not in response.headers:
            return None
        try:
            target = request.url.join(response.headers["location"])
        except httpx.InvalidURL:
            return None
        here = request.url
        same_site = target.host == here.host and (
            (target.scheme, target.port) == (here.scheme, here.port)
            or (here.scheme, target.scheme) == ("http", "https")
        )
        if not same_site or target == here:
            return None
        moved_to = target.copy_with(query=None).raw_path.decode("ascii", "replace")
        if response.status_code in (301, 308) and moved_to.endswith(path) and len(moved_to) > len(path):
            base = str(target.copy_with(query=None, fragment=None))
            self._moved_base = base[: len(base) - len(path)]
            if not self._told_moved:
                self._told_moved = True
                log.warning(
                    "The CRM's API has moved to %s (HTTP %d); set VOX_BASE_URL to it to save a redirect",
                    self.redact(self._moved_base),
                    response.status_code,
                )
        return target

    def _answer(self, response: httpx.Response) -> httpx.Response:
        """The response, read whole within ``ANSWER_DEADLINE``: the timeout is per read, so a body that trickles
        in (a byte every few seconds) would otherwise never end."""
        deadline = time.monotonic() + ANSWER_DEADLINE
        chunks: list[bytes] = []
        size = 0
        too_large = f"the answer was larger than {MAX_ANSWER_BYTES >> 20} MiB (not read whole)"
        try:
            declared = response.headers.get("Content-Length", "")
            if declared.isdecimal() and int(declared) > MAX_ANSWER_BYTES:
                raise TransportFailure(too_large, landed=True)
            for chunk in response.iter_bytes():
                chunks.append(chunk)
                size += len(chunk)
                if size > MAX_ANSWER_BYTES:  # a CRM's answer of gigabytes would take the memory with it
                    raise TransportFailure(too_large, landed=True)
                if time.monotonic() > deadline:
                    raise TransportFailure(f"the answer was still arriving after {ANSWER_DEADLINE:.0f} s", landed=True)
        finally:
            response.close()
        response._content = b"".join(chunks)  # what Response.read() keeps: .content, .text and .json() use it
        # As Response.read() does: the stream bound to the response refers back to it, and that cycle would keep
        # the answer and its request's body (some 750 kB a bulk request) until a full garbage collection.
        response.stream = httpx.ByteStream(response._content)
        return response

    def pause(self, seconds: float) -> None:
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

    def _describe(self, exc: Exception) -> str:
        """A short description of a transport error."""
        detail = self.redact(answers.excerpt(str(exc)))
        return f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__

    def redact(self, text: str) -> str:
        """``text`` without the API token or credentials embedded in ``VOX_BASE_URL``."""
        base = self._settings.base_url
        text = text.replace(base, mask_url(base))
        for secret in url_secrets(base):
            if len(secret) >= MIN_REDACTED_SECRET:
                text = text.replace(secret, "***")
        token = self._settings.token
        # A real token is long and random; a short test one ("t") would turn every "t" of a message into [token].
        return text.replace(token, "[token]") if len(token) >= MIN_REDACTED_TOKEN else text


def _decoded(response: httpx.Response) -> Answer:
    """What the readers take of a response read whole."""
    body = keys.canonical(_json_body(response))  # a server may capitalize its keys: ReferenceId, Success
    return Answer(response.status_code, dict(response.headers.items()), response.text, body)


def encode_json(body: object) -> bytes:
    """``body`` as compact UTF-8 JSON (non-ASCII characters as themselves)."""
    return orjson.dumps(body)


def _json_body(response: httpx.Response) -> object:
    """The decoded JSON body, or None when there is none."""
    try:
        return orjson.loads(response.content)  # a bulk answer is large: several times faster than json
    except orjson.JSONDecodeError:
        pass
    try:  # what orjson does not take: another charset, NaN, integers past 64 bits
        return response.json()
    except (ValueError, UnicodeDecodeError):
        return None
