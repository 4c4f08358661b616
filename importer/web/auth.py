"""Sign-in for the upload page: a one-time login token becomes a signed, HttpOnly session cookie."""

from __future__ import annotations

import secrets
import threading
from dataclasses import dataclass, field
from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeTimedSerializer
from starlette.types import ASGIApp, Receive, Scope, Send

SESSION_COOKIE = "leadimport_session"
SESSION_MAX_AGE = 7 * 24 * 3600
LOGIN_PATH = "/login"
OPEN_PATHS = frozenset({LOGIN_PATH, "/static/app.css", "/favicon.ico"})
"""Paths served without the session cookie: the login itself and what the "sign in" page needs."""


@dataclass
class LoginGate:
    """Holds the one-time login token and signs the session cookies it is exchanged for."""

    secret: str = field(default_factory=lambda: secrets.token_urlsafe(32))
    login_token: str | None = field(default_factory=lambda: secrets.token_urlsafe(24))
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def _signer(self) -> URLSafeTimedSerializer:
        return URLSafeTimedSerializer(self.secret, salt="leadimport-session")

    def redeem(self, token: str) -> str | None:
        """A new session cookie value for the login token, once; None for a wrong or used token."""
        with self._lock:
            if self.login_token is None or not secrets.compare_digest(token.encode(), self.login_token.encode()):
                return None
            self.login_token = None
        return self._signer.dumps(secrets.token_urlsafe(16))

    def new_login_token(self) -> str:
        """A fresh one-time login token (the previous one, used or not, stops working)."""
        with self._lock:
            self.login_token = secrets.token_urlsafe(24)
            return self.login_token

    def valid(self, cookie_value: str) -> bool:
        """Whether a session cookie was signed by this server and is not too old."""
        try:
            self._signer.loads(cookie_value, max_age=SESSION_MAX_AGE)
        except BadSignature:
            return False
        return True


def cookie_from_scope(scope: Scope, name: str) -> str | None:
    """One cookie's value from an ASGI request's headers."""
    for key, value in scope.get("headers") or []:
        if key == b"cookie":
            jar: SimpleCookie = SimpleCookie()
            try:
                jar.load(value.decode("latin-1"))
            except Exception:  # a malformed cookie header is no session
                return None
            morsel = jar.get(name)
            return morsel.value if morsel is not None else None
    return None


class RequireLogin:
    """ASGI middleware: every request but the login needs a valid session cookie (else 401 and how to sign in)."""

    def __init__(self, app: ASGIApp, gate: LoginGate) -> None:
        self.app = app
        self.gate = gate

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPEN_PATHS:
            await self.app(scope, receive, send)
            return
        cookie = cookie_from_scope(scope, SESSION_COOKIE)
        if cookie is not None and self.gate.valid(cookie):
            await self.app(scope, receive, send)
            return
        body = (
            b"<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in needed - leadimport</title>"
            b'<link rel="stylesheet" href="/static/app.css"></head><body><main>'
            b"<h1>Sign in needed</h1><p role=alert>This page needs the sign-in link that <code>leadimport serve</code> "
            b"printed when it started. Open that link in this browser. If it was used already, stop the server "
            b"(Ctrl-C) and start it again for a new link.</p></main></body></html>"
        )
        await send(
            {
                "type": "http.response.start",
                "status": 401,
                "headers": [
                    (b"content-type", b"text/html; charset=utf-8"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
