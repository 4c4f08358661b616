"""``leadimport serve``: the upload page, a thin front door over the public library API."""

from __future__ import annotations

from importer.web.server import WebServer, serve

__all__ = ["WebServer", "serve"]
