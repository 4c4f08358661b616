"""Where the Vox CRM is, who we are to it, and the project and process to import into."""

from __future__ import annotations

from dataclasses import dataclass, field

from importer.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CrmSettings:
    """Where the CRM is, who we are to it, and the project and process to import into."""

    base_url: str
    token: str = field(repr=False)
    project_id: str
    process_id: str
    init: bool = True

    def __post_init__(self) -> None:
        if not self.base_url.lower().startswith(("http://", "https://")):
            raise ConfigError(f"VOX_BASE_URL must start with http:// or https:// (got {self.base_url!r}).")
        if not (self.token.isascii() and self.token.isprintable()):
            raise ConfigError(
                "VOX_API_TOKEN holds characters an HTTP header cannot carry "
                "(non-ASCII or control characters); copy the token again."
            )

    def url(self, path: str) -> str:
        """The absolute URL of the API ``path``."""
        return self.base_url.rstrip("/") + path
