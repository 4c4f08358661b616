"""What the files a watcher finished add up to: ``--once``'s exit code."""

from __future__ import annotations

from dataclasses import dataclass, field

from importer.watch.files import Attempt

__all__ = ["Tally", "exit_of"]


@dataclass(slots=True)
class Tally:
    """The files this watcher finished, by how they ended (for ``--once``'s exit code)."""

    states: dict[str, int] = field(default_factory=dict)
    problems: int = 0

    def add(self, attempt: Attempt) -> None:
        result = attempt.result
        self.states[result.state] = self.states.get(result.state, 0) + 1
        if result.state == "failed" or (result.state == "done" and result.exit_status == 1):
            self.problems += 1


def exit_of(state: str, exit_status: int) -> int:
    """The exit code a file that ended in ``state`` (with its import's ``exit_status``) asks for."""
    if state == "pending":
        return 3
    if state == "failed":
        return 1
    if state == "done":
        return exit_status if exit_status in (0, 1) else 3
    return 0
