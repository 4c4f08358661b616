"""The exception tree of leadimport.

Data problems in rows are *issues* (records in the report), not exceptions.
Only failed operations raise, and everything raised hangs from one root::

    LeadImportError
    ├── ConfigError          bad mapping, missing setting or environment variable  (exit 2)
    ├── SourceError          unreadable or unusable input file                     (exit 2)
    │   └── ReportError      the report cannot be written (disk full, no access)
    ├── LedgerError          the local ledger cannot be read or written           (exit 2)
    └── CrmError             talking to the CRM failed
        ├── CrmUnreachable   network errors / 5xx persisted after retries          (exit 3)
        └── CrmStop          the CRM refused the run: the run must stop            (exit 3)
            ├── KeyBlocked       429 duplicate-submission block on the API key
            ├── AuthFailed       403: token/project mismatch, inactive project; 423 locked
            ├── ProcessNotFound  404: the configured process does not exist
            └── ClientBug        400 "Either ... is required" / "Input must be an array"

``httpx`` exceptions are translated into these in ``importer.crm.transport`` only.

:class:`StopKind` names why an import stopped early (``Outcome.stop_kind``): each error that stops a run
carries its kind, so a caller (the watcher, the upload page) need not read the message.
"""

from __future__ import annotations

import enum


class StopKind(enum.StrEnum):
    """Why an import stopped before sending every row: what waiting or a rerun can do about it."""

    KEY_BLOCKED = "key-blocked"
    """The CRM blocked the API key (HTTP 429): wait until ``Outcome.blocked_until``, then run again."""
    RATE_LIMITED = "rate-limited"
    """The CRM kept answering plain HTTP 429 (rate limiting) to the same request: wait a few minutes."""
    AUTH_FAILED = "auth-failed"
    """HTTP 401/403: the token does not belong to the project, or the project is inactive; 423: the account or key
    is locked. Waiting cannot help."""
    PROCESS_NOT_FOUND = "process-not-found"
    """HTTP 404: the mapping's process does not exist in the project."""
    WRONG_ADDRESS = "wrong-address"
    """VOX_BASE_URL redirects elsewhere: it is not the API's address."""
    CLIENT_BUG = "client-bug"
    """The CRM called a request malformed, or answered something this client does not understand."""
    NETWORK = "network"
    """The CRM could not be reached (connection refused, timeouts)."""
    CRM_DOWN = "crm-down"
    """The CRM kept failing (HTTP 5xx) after the retries."""
    LEDGER = "ledger"
    """The ledger could not be written: fix it, then run again."""
    INTERRUPTED = "interrupted"
    """Ctrl-C or SIGTERM: the requests under way were waited for and recorded."""
    UNEXPECTED = "unexpected"
    """Sending failed in a way leadimport did not expect (a bug); what was sent is recorded."""


class LeadImportError(Exception):
    """Root of every error leadimport raises on purpose.

    ``file``, ``row`` (the sheet row a person sees) and ``column`` say where the problem is, when it is in
    one place (None otherwise); ``code`` names the kind of error for scripts (``leadimport ... --json``).
    """

    exit_code: int = 2
    code: str = "error"
    stop_kind: StopKind = StopKind.UNEXPECTED
    """What this error means for a run it stops (an import that raised it, or recorded it as its stop)."""

    def __init__(
        self, message: str = "", *, file: str | None = None, row: int | None = None, column: str | None = None
    ) -> None:
        super().__init__(message)
        self.file, self.row, self.column = file, row, column


class ConfigError(LeadImportError):
    """The mapping, a setting or an environment variable is unusable."""

    code = "config"


class SourceError(LeadImportError):
    """The input file cannot be read or has no usable header/sheet."""

    code = "source"


class SourceChanged(SourceError):
    """The file changed since it was read, and its cells are read again for the report (a streamed file): they are
    no longer the rows checked or sent. ``Outcome.write_report(..., sheet_cells=False)`` still writes every row's
    outcome, with the sheet's own columns left blank."""

    code = "source-changed"


class ReportError(SourceError):
    """The report cannot be written (a full disk, no access): about this machine, never the CRM."""

    code = "report"


class LedgerError(LeadImportError):
    """The ledger database cannot be opened, read or written."""

    code = "ledger"
    stop_kind = StopKind.LEDGER


class CrmError(LeadImportError):
    """A request to the CRM failed."""

    code = "crm"
    stop_kind = StopKind.CLIENT_BUG

    exit_code = 3


class CrmUnreachable(CrmError):
    """The CRM could not be reached, or kept failing, after bounded retries (``down``: it answered, with 5xx)."""

    code = "crm-unreachable"

    def __init__(self, message: str = "", *, down: bool = False) -> None:
        super().__init__(message)
        self.stop_kind = StopKind.CRM_DOWN if down else StopKind.NETWORK


class CrmStop(CrmError):
    """The CRM refused the run; nothing more may be sent (resumable later)."""

    code = "crm-stop"


class KeyBlocked(CrmStop):
    """The API key is blocked for duplicate submissions (HTTP 429); ``until``: when the block can have lifted
    (epoch seconds), when known. ``rate_limited``: no block was announced, but the CRM kept rate-limiting."""

    code = "key-blocked"
    stop_kind = StopKind.KEY_BLOCKED

    def __init__(self, message: str = "", *, until: float | None = None, rate_limited: bool = False) -> None:
        super().__init__(message)
        self.until = until
        if rate_limited:
            self.stop_kind = StopKind.RATE_LIMITED


class AuthFailed(CrmStop):
    """The token does not belong to the project, or the project is inactive (HTTP 403)."""

    code = "auth-failed"
    stop_kind = StopKind.AUTH_FAILED


class ProcessNotFound(CrmStop):
    """The configured process id does not exist in the project (HTTP 404)."""

    code = "process-not-found"
    stop_kind = StopKind.PROCESS_NOT_FOUND


class WrongAddress(CrmStop):
    """The CRM redirects elsewhere: VOX_BASE_URL is not the API's address."""

    code = "wrong-address"
    stop_kind = StopKind.WRONG_ADDRESS


class ClientBug(CrmStop):
    """The CRM says the request itself is malformed; a bug in leadimport."""

    code = "client-bug"


MESSAGE_LINES = 20
"""Lines of an error message shown; the rest are counted."""
MESSAGE_LINE_CHARS = 1_000
"""Characters of one line of an error message shown (a list of 100,000 headers is one line)."""


def shorten_message(text: str, *, lines: int = MESSAGE_LINES, line_chars: int = MESSAGE_LINE_CHARS) -> str:
    """``text`` cut to its first ``lines`` lines of at most ``line_chars`` characters, saying how much was left out."""
    kept = text.splitlines() or [""]
    more = len(kept) - lines
    shown = [
        line if len(line) <= line_chars else f"{line[:line_chars]}... ({len(line) - line_chars:,} more characters)"
        for line in kept[:lines]
    ]
    if more > 0:
        shown.append(f"... and {more:,} more lines.")
    return "\n".join(shown)
