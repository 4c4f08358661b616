"""Where the Vox CRM is, who we are to it, and the project and process to import into."""

from __future__ import annotations

from dataclasses import dataclass, field

from importer.crm.address import check_base_url
from importer.errors import ConfigError


@dataclass(frozen=True, slots=True)
class CrmSettings:
    """Where the CRM is, who we are to it, and the project and process to import into."""

    base_url: str = field(repr=False)  # may hold credentials (https://user:pass@host): never shown whole
    token: str = field(repr=False)
    project_id: str
    process_id: str
    init: bool = True
    insecure_http: bool = False
    """Allow ``http://`` to a host other than this machine (the token then crosses the network unencrypted)."""

    def __post_init__(self) -> None:
        check_base_url(self.base_url, insecure_http=self.insecure_http)
        if not (self.token.isascii() and self.token.isprintable()):
            raise ConfigError(
                "VOX_API_TOKEN holds characters an HTTP header cannot carry "
                "(non-ASCII or control characters); copy the token again."
            )

    def url(self, path: str) -> str:
        """The absolute URL of the API ``path``."""
        return self.base_url.rstrip("/") + path
