"""The sandbox CRM in a process of its own, so that its CPU time is neither the client's nor the runner's.

The parent starts ``python bench/sandbox_process.py SETTINGS_JSON``; the child serves
``importer.sandbox.server.Sandbox`` on a free loopback port and prints one JSON line with its
base URL. Each ``stats`` line the parent writes to its stdin is answered with one JSON
line: the sandbox's ``SandboxStats`` (arrival time of every initiate request included)
and the child's own CPU time. The child exits when its stdin closes.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from importer.sandbox.server import Sandbox, SandboxSettings, SandboxStats

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True, slots=True)
class SandboxReport:
    """What the sandbox saw, and the CPU it spent serving it."""

    stats: SandboxStats
    cpu_s: float


class SandboxProcess:
    """A fresh sandbox (empty store, zeroed counters) in a child process; use it as a context manager."""

    def __init__(self, settings: SandboxSettings, *, python: str = sys.executable) -> None:
        self.settings = settings
        self._python = python
        self._process: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> SandboxProcess:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the child and wait until it serves."""
        settings = json.dumps(dataclasses.asdict(self.settings), default=sorted)  # frozensets as lists
        self._process = subprocess.Popen(
            [self._python, str(Path(__file__).resolve()), settings],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        self.base_url = str(self._ask(None)["base_url"])

    def report(self) -> SandboxReport:
        """The sandbox's statistics so far."""
        answer = self._ask("stats")
        stats = answer["stats"]
        stats["initiate_times"] = tuple(stats["initiate_times"])
        stats["initiate_sizes"] = tuple(stats["initiate_sizes"])
        return SandboxReport(stats=SandboxStats(**stats), cpu_s=float(answer["cpu_s"]))

    def stop(self) -> None:
        """Close the child's stdin, which ends it."""
        if self._process is None:
            return
        process, self._process = self._process, None
        assert process.stdin is not None
        with contextlib.suppress(BrokenPipeError):  # it has ended already
            process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()

    def _ask(self, command: str | None) -> dict[str, Any]:
        process = self._process
        if process is None or process.stdin is None or process.stdout is None:
            raise RuntimeError("the sandbox process is not running")
        try:
            if command is not None:
                process.stdin.write(command + "\n")
                process.stdin.flush()
            line = process.stdout.readline()
        except BrokenPipeError:
            line = ""
        if not line:
            raise RuntimeError(f"the sandbox process ended (exit {process.wait()}) without answering")
        answer: dict[str, Any] = json.loads(line)
        return answer


def _settings_from_json(text: str) -> SandboxSettings:
    fields = json.loads(text)
    fields["latency"] = tuple(fields["latency"])
    fields["process_ids"] = tuple(fields["process_ids"])
    if "preexisting_phones" in fields:
        fields["preexisting_phones"] = frozenset(fields["preexisting_phones"])
    return SandboxSettings(**fields)


def _serve(settings: SandboxSettings, commands: IO[str], answers: IO[str]) -> None:
    with Sandbox(settings) as sandbox:
        _answer(answers, {"base_url": sandbox.base_url})
        for line in commands:
            if line.strip() == "stats":
                usage = resource.getrusage(resource.RUSAGE_SELF)
                stats = dataclasses.asdict(sandbox.stats())
                _answer(answers, {"stats": stats, "cpu_s": usage.ru_utime + usage.ru_stime})


def _answer(answers: IO[str], payload: dict[str, Any]) -> None:
    answers.write(json.dumps(payload) + "\n")
    answers.flush()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: sandbox_process.py SETTINGS_JSON  (started by the benchmark runner)")
    _serve(_settings_from_json(sys.argv[1]), sys.stdin, sys.stdout)
