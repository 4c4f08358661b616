"""A local CRM that follows the Vox contract, on loopback: for rehearsals and the tests."""

from importer.sandbox.server import Sandbox, SandboxStats, serve
from importer.sandbox.settings import SandboxSettings

__all__ = ["Sandbox", "SandboxSettings", "SandboxStats", "serve"]
