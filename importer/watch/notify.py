"""Telling people: a webhook POST of each result JSON, and a command run with the result file's path.

The webhook body is the result JSON with a Slack-compatible ``text`` field. With
``LEADIMPORT_WEBHOOK_SECRET`` set, it carries ``X-Leadimport-Signature: sha256=<hex>``, the HMAC-SHA256 of
the body under that secret. Deliveries run in a thread of their own, with retries and backoff; a failed
notification is logged and never holds up or fails an import.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import queue
import shlex
import subprocess
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

log = logging.getLogger(__name__)

__all__ = ["SIGNATURE_HEADER", "Notifier", "NotifySettings", "sign"]

SIGNATURE_HEADER = "X-Leadimport-Signature"
SECRET_VARIABLE = "LEADIMPORT_WEBHOOK_SECRET"


def sign(body: bytes, secret: str) -> str:
    """The signature header's value for ``body``: ``sha256=`` and the hex HMAC-SHA256 under ``secret``."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True, slots=True)
class NotifySettings:
    url: str | None = None
    command: str | None = None
    secret: str | None = None
    attempts: int = 4
    backoff: float = 1.0
    timeout: float = 10.0
    command_timeout: float = 60.0


class Notifier:
    """Delivers notifications in the background, in order; :meth:`close` waits a bounded time for the rest."""

    def __init__(self, settings: NotifySettings, *, wait: Callable[[float], bool] | None = None) -> None:
        self.settings = settings
        self._queue: queue.Queue[tuple[dict[str, Any], Path | None] | None] = queue.Queue()
        self._closing = threading.Event()
        self._wait = wait or self._closing.wait
        self._thread: threading.Thread | None = None
        if settings.url or settings.command:
            self._thread = threading.Thread(target=self._deliver_all, name="leadimport-notify", daemon=True)
            self._thread.start()

    def send(self, payload: Mapping[str, Any], result_file: Path | None = None) -> None:
        """Queue one notification (a result, or an event such as a key block)."""
        if self._thread is not None:
            self._queue.put((dict(payload), result_file))

    def close(self, timeout: float = 5.0) -> None:
        """Deliver what is queued within ``timeout`` seconds; retries still waiting are given up."""
        if self._thread is None:
            return
        self._queue.put(None)
        self._thread.join(timeout)
        self._closing.set()
        self._thread.join(1.0)

    def _deliver_all(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            payload, result_file = item
            try:
                if self.settings.url:
                    self._post(payload)
                if self.settings.command and result_file is not None:
                    self._run(result_file)
            except Exception as exc:  # never let a notification end the thread
                log.warning("notification failed: %s", exc)

    def _post(self, payload: dict[str, Any]) -> None:
        url = self.settings.url
        assert url
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json"}
        if self.settings.secret:
            headers[SIGNATURE_HEADER] = sign(body, self.settings.secret)
        for attempt in range(1, self.settings.attempts + 1):
            try:
                response = httpx.post(url, content=body, headers=headers, timeout=self.settings.timeout)
                if response.status_code < 300:
                    return
                problem = f"HTTP {response.status_code}"
                if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                    log.warning("the webhook refused the notification (%s); not retried", problem)
                    return
            except httpx.HTTPError as exc:
                problem = type(exc).__name__
            if attempt == self.settings.attempts:
                log.warning("the webhook could not be notified after %d attempts (%s)", attempt, problem)
                return
            if self._wait(self.settings.backoff * 2 ** (attempt - 1)):
                log.warning("the webhook could not be notified (%s); the watcher is stopping", problem)
                return

    def _run(self, result_file: Path) -> None:
        command = [*shlex.split(self.settings.command or ""), str(result_file)]
        try:
            done = subprocess.run(command, timeout=self.settings.command_timeout, capture_output=True, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            log.warning("--notify-cmd failed: %s", exc)
            return
        if done.returncode != 0:
            log.warning("--notify-cmd exited %d: %s", done.returncode, done.stderr.decode(errors="replace")[-300:])
