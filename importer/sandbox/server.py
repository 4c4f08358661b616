"""A local HTTP server that follows the Vox CRM contract (``docs/crm-contract.md``).

Users rehearse imports against it and the tests exercise real HTTP on loopback.
It stores leads in memory, answers with the contract's status codes and messages,
enforces the request rate and the duplicate-submission block, and can inject
latency, 5xx answers and dropped connections. Where the contract leaves a choice
open (error item shape, status of mixed bulk results) a setting picks one, so a
client can be tested against both.

Routes under ``/api/v1``: ``POST /leads/bulk/initiate``, ``POST /leads/initiate``,
``GET /leads/get``, and the sandbox's own ``GET /sandbox/leads`` and
``GET /sandbox/stats`` (never rate-limited, blocked or faulted).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import ipaddress
import json
import math
import random
import socket
import sys
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from socketserver import TCPServer
from types import TracebackType
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from importer.sandbox import store as vox
from importer.sandbox.settings import DEFAULT_SETTINGS, ERROR_SHAPES, SandboxSettings

Json = vox.Json

__all__ = ["DEFAULT_SETTINGS", "ERROR_SHAPES", "Sandbox", "SandboxSettings", "SandboxStats", "serve"]

API_PREFIX = "/api/v1"
SANDBOX_PREFIX = f"{API_PREFIX}/sandbox/"

_ROUTES = {
    ("POST", f"{API_PREFIX}/leads/bulk/initiate"): vox.BULK,
    ("POST", f"{API_PREFIX}/leads/initiate"): vox.SINGLE,
    ("GET", f"{API_PREFIX}/leads/get"): vox.GET,
}
_INITIATE = (vox.BULK, vox.SINGLE)


@dataclass(frozen=True, slots=True)
class SandboxStats:
    """What the sandbox has seen.

    ``requests`` counts every request to a CRM endpoint, whatever its answer.
    ``initiate_times`` (on the sandbox's clock, ``time.monotonic()`` unless another
    was given) and ``initiate_sizes`` (leads or lead ids in the body) hold one entry
    per authenticated initiate request, including the ones refused by the rate limit
    or the key block. ``held`` is how many requests wait at the moment for
    :meth:`Sandbox.release`. ``lookups`` counts the lookups (``GET /leads/get``) answered, once each
    answer is made.
    """

    requests: int
    initiate_requests: int
    max_leads_per_request: int
    duplicates: int
    blocked: bool
    rate_limited: int
    initiate_times: tuple[float, ...] = ()
    initiate_sizes: tuple[int, ...] = ()
    held: int = 0
    lookups: int = 0

    def max_requests_in(self, window: float) -> int:
        """The most initiate requests that arrived within any span shorter than ``window`` seconds."""
        best, start = 0, 0
        for end, arrival in enumerate(self.initiate_times):
            while arrival - self.initiate_times[start] >= window:
                start += 1
            best = max(best, end - start + 1)
        return best

    def summary(self) -> dict[str, int | bool]:
        """The counters served by ``GET /sandbox/stats``."""
        return {
            "requests": self.requests,
            "initiate_requests": self.initiate_requests,
            "max_leads_per_request": self.max_leads_per_request,
            "duplicates": self.duplicates,
            "blocked": self.blocked,
            "rate_limited": self.rate_limited,
        }


@dataclass(frozen=True, slots=True)
class _Request:
    method: str
    path: str
    query: dict[str, str]
    authorization: str | None
    body: bytes


@dataclass(frozen=True, slots=True)
class _Ticket:
    """The admission decision for one request, with the faults drawn for it."""

    refusal: vox.Reply | None = None
    latency: float = 0.0
    fail: bool = False
    drop: bool = False


_DROP = vox.Reply(0, drop=True)
_MAINTENANCE_PAGE = (
    "<!DOCTYPE html><html><head><title>Scheduled maintenance</title><style>body { display: block; }</style></head>"
    "<body><h1>We'll be back soon</h1><p>The CRM is down for scheduled maintenance.</p></body></html>"
)
_DEPLOY_PAGE = (
    "<html>\r\n<head><title>{0}</title></head>\r\n<body>\r\n<center><h1>{0}</h1></center>\r\n"
    "<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n"
)
"""nginx's page for a 502 or 504 (its title and heading are the status): a CRM behind it restarting."""
_PROXY_PAGE = "<html><head><title>Gateway</title></head><body><h1>Please wait</h1><p>nginx</p></body></html>"


def _lead_count(kind: str | None, body: Json) -> int:
    if kind == vox.BULK:
        items = body.get("leads") if body.get("leads") is not None else body.get("leadIds")
        return len(items) if isinstance(items, list) else 0
    if kind == vox.SINGLE:
        return int(body.get("lead") is not None or body.get("leadId") is not None)
    return 0


def _retry_after(seconds: float) -> int:
    return max(1, math.ceil(seconds))


Clock = Callable[[], float]
"""Seconds on a clock that never goes back; the rate window and the key block are measured on it."""


class _State:
    """Everything the request threads share, behind one lock."""

    def __init__(self, settings: SandboxSettings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.clock = clock
        self.lock = threading.Lock()
        self.store = vox.Store(settings, clock)
        self._rng = random.Random(settings.seed)
        self._window: deque[float] = deque()
        self._duplicate_times: deque[float] = deque()
        self._blocked_until = -math.inf
        self._requests = self._duplicates = self._rate_limited = self._lookups = 0
        self._initiate_times: list[float] = []
        self._initiate_sizes: list[int] = []
        self.held = 0
        self._proxied = 0
        self._bulks = 0
        self.last_bulk: vox.Reply | None = None

    def replay_turn(self) -> vox.Reply | None:
        """The answer a replaying proxy gives this bulk request instead of passing it on (``replay_every``)."""
        with self.lock:
            self._bulks += 1
            every = self.settings.replay_every
            due = every > 0 and self._bulks > 1 and self._bulks % every == 0
            return self.last_bulk if due else None

    def proxy_turn(self) -> bool:
        """Whether the proxy answers this initiate request in the CRM's place (every ``proxy_every``-th)."""
        with self.lock:
            self._proxied += 1
            return (self._proxied - 1) % max(1, self.settings.proxy_every) == 0

    def count_request(self) -> None:
        with self.lock:
            self._requests += 1

    def requests_seen(self) -> int:
        with self.lock:
            return self._requests

    def admit(self, kind: str | None, size: int) -> _Ticket:
        """Record the arrival, apply the key block and the rate limit, and draw this request's faults."""
        with self.lock:
            now = self.clock()
            if kind in _INITIATE:
                self._initiate_times.append(now)
                self._initiate_sizes.append(size)
            if now < self._blocked_until:
                body = {"success": False, "error": self.settings.block_message or vox.MSG_BLOCKED}
                return _Ticket(vox.Reply(429, body, retry_after=self._blocked_until - now))
            if kind is None:
                return _Ticket()
            return self._rate_limit(now) or self._draw_faults(kind)

    def perform(self, kind: str, body: Json, query: dict[str, str]) -> vox.Reply:
        """Run one CRM endpoint against the store and count the duplicates it met."""
        with self.lock:
            try:
                reply = vox.ENDPOINTS[kind](self.store, body, query)
            except vox.Refused as refused:
                reply = refused.reply
            self._lookups += kind == vox.GET
            self._note_duplicates(self.clock())
        return reply

    def leads(self) -> list[dict[str, object]]:
        with self.lock:
            return copy.deepcopy(list(self.store.by_id.values()))

    def stats(self) -> SandboxStats:
        with self.lock:
            return SandboxStats(
                requests=self._requests,
                initiate_requests=len(self._initiate_times),
                max_leads_per_request=max(self._initiate_sizes, default=0),
                duplicates=self._duplicates,
                blocked=self.clock() < self._blocked_until,
                rate_limited=self._rate_limited,
                initiate_times=tuple(self._initiate_times),
                initiate_sizes=tuple(self._initiate_sizes),
                held=self.held,
                lookups=self._lookups,
            )

    def _rate_limit(self, now: float) -> _Ticket | None:
        window = self._window
        while window and window[0] <= now - self.settings.rate_window:
            window.popleft()
        if len(window) >= self.settings.rate_limit:
            self._rate_limited += 1
            wait = window[0] + self.settings.rate_window - now
            return _Ticket(vox.Reply(429, {"success": False, "error": vox.MSG_RATE}, retry_after=wait))
        window.append(now)
        return None

    def _draw_faults(self, kind: str) -> _Ticket:
        low, high = self.settings.latency
        latency = self._rng.uniform(low, high) if high > 0 else 0.0
        if kind not in _INITIATE:
            return _Ticket(latency=latency)
        fail = self.settings.fault_5xx > 0 and self._rng.random() < self.settings.fault_5xx
        drop = self.settings.fault_drop > 0 and self._rng.random() < self.settings.fault_drop
        return _Ticket(latency=latency, fail=fail, drop=drop)

    def _note_duplicates(self, now: float) -> None:
        count, self.store.new_duplicates = self.store.new_duplicates, 0
        self._duplicates += count
        times = self._duplicate_times
        times.extend([now] * count)
        while times and times[0] <= now - self.settings.dup_window:
            times.popleft()
        if len(times) > self.settings.dup_threshold:
            self._blocked_until = now + self.settings.block_seconds
            times.clear()  # the block is the penalty; afterwards counting starts afresh


def _parse_body(raw: bytes) -> Json | None:
    """The JSON object sent, ``{}`` for an empty or non-object body, None if it is not JSON."""
    if not raw.strip():
        return {}
    try:
        parsed = json.loads(raw)
    except ValueError:
        return None
    return parsed if isinstance(parsed, dict) else {}


class _App:
    """Turns a parsed HTTP request into a reply; knows nothing about sockets."""

    def __init__(self, settings: SandboxSettings, clock: Clock = time.monotonic) -> None:
        self.settings = settings
        self.state = _State(settings, clock)
        self.gate = threading.Event()
        self.gate.set()
        self.store_gate = threading.Event()
        """Holds creates only (:meth:`Sandbox.hold` with ``creates_only``)."""
        self.store_gate.set()
        self._maintenance_ends = self.state.clock() + settings.maintenance if settings.maintenance > 0 else -math.inf
        self._later: list[vox.Later] = []
        self._later_lock = threading.Lock()

    def handle(self, request: _Request) -> vox.Reply:
        if request.path.startswith(SANDBOX_PREFIX):
            return self._sandbox_endpoint(request)
        self.state.count_request()
        moved = self.settings.moved_to.rstrip("/")
        if moved and request.path.startswith(f"{API_PREFIX}/leads"):
            query = f"?{urlencode(request.query)}" if request.query else ""
            location = f"{moved}{request.path.removeprefix(API_PREFIX)}{query}"
            return vox.Reply(self.settings.redirect_status, {"error": "Moved"}, location=location)
        if moved and request.path.startswith(f"{moved}/"):
            request = replace(request, path=API_PREFIX + request.path.removeprefix(moved))
        if self.state.clock() < self._maintenance_ends:
            status = self.settings.maintenance_status
            reason = {502: "502 Bad Gateway", 504: "504 Gateway Time-out"}.get(status, str(status))
            page = _MAINTENANCE_PAGE if status == 503 else _DEPLOY_PAGE.format(reason)
            return vox.Reply(status, retry_after=self.settings.maintenance_retry_after, html=page)
        if not self._authorized(request):
            return vox.Reply(403, {"error": vox.MSG_BAD_TOKEN})
        if self._expired(request):
            return vox.Reply(401, {"success": False, "error": "Token expired"})
        if self._locked():
            retry_after = self.settings.locked_retry_after
            return vox.Reply(423, {"success": False, "error": "Account locked"}, retry_after=retry_after)
        kind = _ROUTES.get((request.method, request.path))
        self._run_due()  # queued work whose time has come is done before any later request is answered
        body = _parse_body(request.body)
        ticket = self.state.admit(kind, _lead_count(kind, body or {}))
        if ticket.refusal is not None:
            return ticket.refusal
        if kind is None:
            return vox.Reply(404, {"error": f"Cannot {request.method} {request.path}"})
        if not self.gate.is_set():
            self._wait_at_gate(self.gate)
        if kind in _INITIATE and not self.store_gate.is_set():
            self._wait_at_gate(self.store_gate)
        delay = ticket.latency + (self.settings.store_delay if kind in _INITIATE else 0.0)
        if delay > 0:
            time.sleep(delay)  # outside the lock, so slow requests overlap
        if ticket.fail:
            return vox.Reply(500, {"error": "Internal server error"})
        if body is None:
            reply = vox.Reply(400, {"error": "Invalid JSON body"})
        elif kind == vox.BULK and self.settings.process_later is not None:
            perform = functools.partial(self.state.perform, kind, body, request.query)
            self._queue(vox.Later(perform, due=self.state.clock() + self.settings.process_later))
            reply = vox.queued_reply(self.settings, body)
        elif kind == vox.BULK and (replayed := self.state.replay_turn()) is not None:
            reply = replayed
        elif kind in _INITIATE and self.settings.proxy_page is not None and self.state.proxy_turn():
            if self.settings.proxy_stores:
                self.state.perform(kind, body, request.query)
            reply = vox.Reply(self.settings.proxy_page, html=_PROXY_PAGE)
        else:
            reply = self.state.perform(kind, body, request.query)
            if kind == vox.BULK:
                self.state.last_bulk = reply
        return _DROP if ticket.drop else reply

    def _queue(self, later: vox.Later) -> None:
        """Process ``later`` in the background once it is due (a timer), or sooner when a request finds it due."""
        with self._later_lock:
            self._later.append(later)
        timer = threading.Timer(max(0.0, later.due - self.state.clock()), later.run)
        timer.daemon = True
        timer.start()

    def _run_due(self) -> None:
        """Process the queued requests that are due, if their timers have not yet (a loaded machine runs a timer
        late): the CRM's background work is never seen unfinished after its time."""
        with self._later_lock:
            now = self.state.clock()
            due = [later for later in self._later if later.due <= now]
            self._later = [later for later in self._later if later.due > now]
        for later in due:
            later.run()

    def _wait_at_gate(self, gate: threading.Event) -> None:
        with self.state.lock:
            self.state.held += 1
        try:
            gate.wait()
        finally:
            with self.state.lock:
                self.state.held -= 1

    def _authorized(self, request: _Request) -> bool:
        tokens = [self.settings.token]
        if self.settings.token_expires_after is not None:
            tokens.append(self.settings.renewed_token)
        return request.authorization in [f"Bearer {token}" for token in tokens]

    def _locked(self) -> bool:
        """Whether this request meets the lock (``locked_after``, for ``locked_requests`` requests if given)."""
        after, lasts = self.settings.locked_after, self.settings.locked_requests
        seen = self.state.requests_seen()
        return after is not None and seen > after and (lasts is None or seen <= after + lasts)

    def _expired(self, request: _Request) -> bool:
        """Whether the request carries the first token once it has expired (``token_expires_after``)."""
        after = self.settings.token_expires_after
        if after is None or request.authorization != f"Bearer {self.settings.token}":
            return False
        return self.state.requests_seen() > after

    def _sandbox_endpoint(self, request: _Request) -> vox.Reply:
        if not self._authorized(request):
            return vox.Reply(403, {"error": vox.MSG_BAD_TOKEN})
        if request.method == "GET" and request.path == f"{SANDBOX_PREFIX}leads":
            return vox.Reply(200, {"leads": self.state.leads()})
        if request.method == "GET" and request.path == f"{SANDBOX_PREFIX}stats":
            return vox.Reply(200, self.state.stats().summary())
        return vox.Reply(404, {"error": f"Cannot {request.method} {request.path}"})


def _pascal(value: object) -> Any:
    """``value`` with every key capitalized (``referenceId`` → ``ReferenceId``, ``_id`` → ``_Id``), a lead's
    ``metadata`` as it was sent."""
    if isinstance(value, list):
        return [_pascal(item) for item in value]
    if not isinstance(value, dict):
        return value
    pascal = {}
    for key, item in value.items():
        bare = key.lstrip("_")
        pascal[key[: len(key) - len(bare)] + bare[:1].upper() + bare[1:]] = item if key == "metadata" else _pascal(item)
    return pascal


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every reply carries Content-Length
    disable_nagle_algorithm = True  # headers and body go out in two writes
    server: _Server

    def do_GET(self) -> None:
        self._dispatch()

    def do_POST(self) -> None:
        self._dispatch()

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the sandbox must not flood a user's terminal."""

    def _dispatch(self) -> None:
        declared = self.headers.get("Content-Length", "0").strip()
        length = int(declared) if declared.isdecimal() else 0
        url = urlsplit(self.path)
        request = _Request(
            method=self.command,
            path=url.path.rstrip("/"),
            query=dict(parse_qsl(url.query)),
            authorization=self.headers.get("Authorization"),
            body=self.rfile.read(length) if length > 0 else b"",
        )
        try:
            reply = self.server.app.handle(request)
        except Exception:
            traceback.print_exc()
            reply = vox.Reply(500, {"error": "Internal server error"})
        if self.server.app.settings.key_case == "pascal" and not request.path.startswith(SANDBOX_PREFIX):
            reply = replace(reply, body=_pascal(reply.body))
        if reply.drop:
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        try:
            self._send(reply)
        except (BrokenPipeError, ConnectionResetError):  # the client went away (killed, timed out): its loss
            self.close_connection = True

    def _send(self, reply: vox.Reply) -> None:
        data = json.dumps(reply.body).encode() if reply.html is None else reply.html.encode()
        self.send_response(reply.status)
        kind = "application/json" if reply.html is None else "text/html"
        self.send_header("Content-Type", f"{kind}; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        if reply.retry_after is not None:
            self.send_header("Retry-After", str(_retry_after(reply.retry_after)))
        if reply.location is not None:
            self.send_header("Location", reply.location)
        self.end_headers()
        self.wfile.write(data)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], app: _App) -> None:
        self.app = app
        super().__init__(address, _Handler)

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that went away (killed, timed out) is no error of the sandbox's; anything else is printed."""
        if not isinstance(sys.exc_info()[1], (BrokenPipeError, ConnectionResetError)):
            super().handle_error(request, client_address)  # type: ignore[arg-type]

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the host's FQDN, which can stall on DNS.
        TCPServer.server_bind(self)
        self.server_name, self.server_port = str(self.server_address[0]), int(self.server_address[1])


def _loopback(host: str) -> str:
    address = "127.0.0.1" if host == "localhost" else host
    if not ipaddress.ip_address(address).is_loopback or ipaddress.ip_address(address).version != 4:
        raise ValueError(f"the sandbox binds an IPv4 loopback address only, not {host!r}")
    return address


class Sandbox:
    """A sandbox CRM served from a daemon thread; use it as a context manager.

    ``clock`` measures the rate window and the key block (a test moves a clock of its own instead of
    sleeping); :meth:`hold` and :meth:`release` keep requests at the CRM for as long as a test needs.
    """

    def __init__(
        self,
        settings: SandboxSettings = DEFAULT_SETTINGS,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        clock: Clock = time.monotonic,
    ) -> None:
        self.settings = settings
        self._address = (_loopback(host), port)
        self._app = _App(settings, clock)
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Bind the port and serve in a daemon thread."""
        if self._server is not None:
            raise RuntimeError("the sandbox is already running")
        self._server = _Server(self._address, self._app)
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="sandbox-crm", daemon=True
        )
        self._thread.start()

    def stop(self) -> None:
        """Stop serving and release the port; stored leads and stats stay readable."""
        if self._server is None:
            return
        self.release()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._server = self._thread = None

    @property
    def base_url(self) -> str:
        """The API base, e.g. ``http://127.0.0.1:54321/api/v1``."""
        if self._server is None:
            raise RuntimeError("the sandbox is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}{API_PREFIX}"

    def leads(self) -> list[dict[str, object]]:
        """Copies of every stored lead, in the order they were stored."""
        return self._app.state.leads()

    def stats(self) -> SandboxStats:
        """A snapshot of the request counters."""
        return self._app.state.stats()

    def hold(self, *, creates_only: bool = False) -> None:
        """From now on, CRM requests wait after they are counted and admitted, before they are answered,
        until :meth:`release` (``stats().held`` counts them): a request stays in flight as long as a test needs.
        ``creates_only``: only creates wait, before storing their leads, while lookups are answered (a CRM
        still inserting a batch that it is asked about)."""
        (self._app.store_gate if creates_only else self._app.gate).clear()

    def release(self) -> None:
        """Let the held requests (and every later one) be answered."""
        self._app.gate.set()
        self._app.store_gate.set()

    def __enter__(self) -> Sandbox:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()


def serve(settings: SandboxSettings, *, port: int = 0, announce: Callable[[str], None] = print) -> None:
    """Run the sandbox in the foreground until KeyboardInterrupt, announcing its base URL first."""
    with Sandbox(settings, port=port) as sandbox:
        try:
            announce(f"Sandbox CRM listening on {sandbox.base_url}")
            announce(
                f"To import into it: export VOX_API_TOKEN={settings.token} VOX_BASE_URL={sandbox.base_url}\n"
                f"and give --project-id {settings.project_id} --process-id {settings.process_ids[0]} "
                "(or export VOX_PROJECT_ID and VOX_PROCESS_ID for a mapping that reads them)."
            )
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
