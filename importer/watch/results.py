"""The small JSON written beside every file the watcher finishes, and the one-line text that tells people.

```json
{"file": "leads.csv", "source": "dealer", "state": "done", "exit_status": 0, "run_id": 12,
 "counts": {"accepted": 480, "invalid": 20}, "stop_reason": null, "sha256": "...",
 "report": ".../done/20261206T211503,120Z_leads.csv.report.xlsx", "text": "leads.csv: done ..."}
```
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from importer.filenames import message_line, one_line
from importer.report.mask import mask_text

__all__ = ["FileResult", "write_result"]

RESULT_VERSION = 1


@dataclass(slots=True)
class FileResult:
    """What happened to one dropped file."""

    file: str
    source: str
    state: str
    """done, failed, duplicate or pending."""
    path: str
    sha256: str | None = None
    exit_status: int = 0
    run_id: int | None = None
    runs: list[int] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    stop_reason: str | None = None
    reason: str | None = None
    """Why a file failed (unreadable, the mapping does not fit ...), or why it is a duplicate."""
    duplicate_of: dict[str, Any] | None = None
    report: str | None = None
    report_error: str | None = None
    """Why the report could not be written (a full disk ...), and how to write it again."""
    move_error: str | None = None
    """Why the file is not in the folder of its state (that folder cannot be written), where it is, what to do."""
    read_again: int = 0
    """Times the file was read again because it changed after it was taken (its sender paused longer than the
    settle time); the counts and the report are those of the file as it was at the end."""
    mapping: str | None = None
    taken_at: str | None = None
    finished_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    def masked(self, mask_pii: bool) -> FileResult:
        """This result with phones and emails in its messages masked (when asked)."""
        if not mask_pii:
            return self
        copy = FileResult(**{name: getattr(self, name) for name in self.__dataclass_fields__})
        copy.stop_reason = mask_text(self.stop_reason) if self.stop_reason else None
        copy.reason = mask_text(self.reason) if self.reason else None
        return copy

    def text(self) -> str:
        """One line for people (a log line, a chat message)."""
        where = f"[{self.source}] " if self.source else ""
        counts = ", ".join(f"{n} {status}" for status, n in self.counts.items() if n)
        line = f"{where}{self.file}: {self.state}"
        if counts:
            line += f" ({counts})"
        if self.run_id is not None:
            line += f", run {self.run_id}"
        if self.read_again:
            line += f"; read again {self.read_again} time(s): it changed after it was taken"
        if self.reason:  # (the CRM's words or a mapping's error quoted may be several lines: one line here)
            line += f": {message_line(self.reason)}"
        elif self.stop_reason:
            line += f"; stopped: {message_line(self.stop_reason)}"
        if self.move_error:
            line += f"; {self.move_error}"
        if self.report:
            line += f"; report {self.report}"
        elif self.report_error:
            line += f"; no report: {self.report_error}"
        return one_line(line)  # a file named with a line break (or a reason of several lines) is one line still

    def as_dict(self) -> dict[str, Any]:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        data["version"] = RESULT_VERSION
        data["text"] = self.text()
        return data


def write_result(result: FileResult, path: Path) -> Path:
    """Write the result JSON to ``path`` (whole or not at all: written aside, then renamed)."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        partial.write_text(json.dumps(result.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        partial.unlink(missing_ok=True)
        raise
    return path


def counts_of(summary_counts: Mapping[str, int]) -> dict[str, int]:
    return {str(k): int(v) for k, v in summary_counts.items()}
