"""Run the upload page under uvicorn on one socket: in the foreground for the CLI, in a thread for tests."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
from collections.abc import Callable
from pathlib import Path

import uvicorn

from importer.crm.address import check_base_url
from importer.errors import ConfigError
from importer.web.app import clean_uploads, create_app
from importer.web.auth import LOGIN_PATH, LoginGate
from importer.web.pages import WebState
from importer.web.work import ServerSettings


def is_loopback(host: str) -> bool:
    """Whether ``host`` only listens on this computer."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class WebServer:
    """The upload page listening on ``host:port`` (port 0: any free port), with its one-time login URL."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 8765,
        max_upload_mb: int = 200,
        ledger_path: Path,
        mappings_dir: Path,
        environ: dict[str, str] | None = None,
        uploads_root: Path | None = None,
    ) -> None:
        env = dict(os.environ if environ is None else environ)
        from importer.pipeline import DEFAULT_BASE_URL

        settings = ServerSettings(
            ledger_path=ledger_path,
            mappings_dir=mappings_dir,
            token=env.get("VOX_API_TOKEN") or None,
            base_url=env.get("VOX_BASE_URL") or DEFAULT_BASE_URL,
            project_id=env.get("VOX_PROJECT_ID", ""),
            process_id=env.get("VOX_PROCESS_ID", ""),
        )
        self.gate = LoginGate()
        root = uploads_root or ledger_path.parent / "uploads"
        clean_uploads(root)
        self.app, self.state = create_app(settings, gate=self.gate, uploads_root=root, max_upload_mb=max_upload_mb)
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.bind((host, port))
        # Listening before the link is printed: a click (or a script) that comes before uvicorn's loop runs waits in
        # the backlog instead of being refused.
        self.socket.listen(128)
        self.host = host
        self.port = self.socket.getsockname()[1]
        config = uvicorn.Config(
            self.app, log_level="warning", access_log=False, lifespan="off", timeout_graceful_shutdown=3
        )
        self.server = uvicorn.Server(config)
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{shown}:{self.port}"

    def login_url(self) -> str:
        """The one-time sign-in link (a new one each call; the previous stops working)."""
        return f"{self.base_url}{LOGIN_PATH}?token={self.gate.new_login_token()}"

    def run(self) -> None:
        """Serve until Ctrl-C."""
        self.server.run(sockets=[self.socket])

    def start(self) -> None:
        """Serve in a background thread (tests); returns once it accepts connections."""
        self._thread = threading.Thread(target=self.run, name="leadimport-web", daemon=True)
        self._thread.start()
        while not self.server.started:
            if not self._thread.is_alive():
                raise RuntimeError("the upload page's server did not start")
            threading.Event().wait(0.02)

    def stop(self) -> None:
        self.server.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
        self.socket.close()


def serve(
    *,
    host: str,
    port: int,
    max_upload_mb: int,
    ledger_path: Path,
    mappings_dir: Path,
    echo: Callable[[str], None],
    warn: Callable[[str], None],
) -> WebState:
    """Start the page, print the sign-in link, and serve until Ctrl-C."""
    server = WebServer(
        host=host, port=port, max_upload_mb=max_upload_mb, ledger_path=ledger_path, mappings_dir=mappings_dir
    )
    if not is_loopback(host):
        warn(
            f"Warning: listening on {host}, so other computers can reach this page. Anyone with the sign-in link "
            "can send leads with this server's API key, and the page is plain HTTP (no TLS)."
        )
    if not server.state.settings.token:
        warn("Note: VOX_API_TOKEN is not set, so files can be checked but not sent. Set it and start again to send.")
    else:  # an address no send could use (an endpoint pasted after it, plain http:// elsewhere): said now, not per send
        try:
            check_base_url(server.state.settings.base_url)
        except ConfigError:
            server.socket.close()
            raise
    echo(f"leadimport upload page on {server.base_url}")
    echo(f"Sign in (this link works once): {server.login_url()}")
    echo(f"Ledger: {ledger_path}   Mappings: {mappings_dir}   Press Ctrl-C to stop.")
    server.run()
    return server.state
