"""What a row-issue is: its code, severity, the fields it concerns, and the words said of it (the catalogue of
every issue is :mod:`importer.issues`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning", "note"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "note")

EXAMPLE_VALUES: Mapping[str, str] = {
    "value": "9.87654E+09",
    "national": "8123456789",
    "international": "+91 81234 56789",
    "region": "IN",
}
"""Values that fill an explanation's placeholders where no cell is at hand (docs, ``leadimport issues``)."""


@dataclass(frozen=True, slots=True)
class Issue:
    """One code a report row can carry: what it means for the row, and what would make the row right."""

    code: str
    severity: Severity
    fields: tuple[str, ...]
    """The lead fields whose sheet cells cause it (the cells the XLSX report marks); empty when no one cell does."""
    title: str
    """A few words, as the Summary sheet lists it."""
    explanation: str
    """What is wrong, or what was done, said to the person who filled the sheet."""
    fix: str
    """What to type or change so that the row goes through as wanted."""
    detail_example: str = ""
    """What the code's detail looks like (``US/MX``), for docs and ``leadimport issues``; "" for none."""

    @property
    def column(self) -> str:
        """The report column the code appears in."""
        return "warnings" if self.severity == "warning" else "reason"

    @property
    def template(self) -> str:
        """Explanation and fix as one text, placeholders left in."""
        return f"{self.explanation} {self.fix}"

    def note(self, values: Mapping[str, object] | None = None) -> str:
        """Explanation and fix as one text, placeholders filled from ``values`` (else :data:`EXAMPLE_VALUES`)."""
        return self.template.format(**{**EXAMPLE_VALUES, "detail": self.detail_example, **(values or {})})
