"""One command run as a child process: wall time, exit code and peak memory.

The command is started by a small launcher process (this file run as a script), which
times it and collects its ``ru_maxrss`` with ``os.wait4``. The launcher exists because
Linux carries a process's RSS high-water mark across ``exec``: a command spawned straight
from the benchmark runner would inherit the runner's own RSS (pandas, the generated
sheet ...) as a floor on its ``ru_maxrss``. The lean launcher's floor is about 15 MiB.

``ru_maxrss`` is the high-water mark of the command, or of the largest of its own reaped
children: a maximum over processes, never a sum. A command that fans out to worker
processes can hold more than that at once, so the runner also samples the proportional
set size (PSS, which shares copy-on-write pages fairly between a parent and its forks)
summed over the command and all its descendants every ``SAMPLE_INTERVAL`` seconds; a
spike shorter than that can be missed. ``peak_kib`` is the larger of the two.

    python bench/measure.py -- COMMAND [ARG ...]   # prints the measurement as JSON
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

# Reading smaps_rollup walks the page tables (about 13 ms for a 1 GB process here), so
# sampling more often would slow the command being measured.
SAMPLE_INTERVAL = 0.25


@dataclass(frozen=True, slots=True)
class Measurement:
    """How one run of a command went."""

    argv: tuple[str, ...]
    exit_code: int  # negative: killed by that signal
    wall_s: float
    cpu_s: float  # user + system time of the command and its reaped children
    maxrss_kib: int  # ru_maxrss of the command (Linux: KiB)
    tree_pss_kib: int  # highest sampled PSS summed over the command and its descendants
    stderr: str

    @property
    def peak_kib(self) -> int:
        """The larger of the two peak-memory measures."""
        return max(self.maxrss_kib, self.tree_pss_kib)


def run_measured(argv: Sequence[str], *, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Measurement:
    """Run ``argv`` to completion through the launcher (its stdout discarded) and measure it.

    ``env``: the command's whole environment [default: the runner's].
    """
    launcher = [sys.executable, str(Path(__file__).resolve()), "--", *argv]
    with tempfile.TemporaryFile() as errors:
        process = subprocess.Popen(launcher, cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=errors)
        sampler = _TreeSampler(process.pid)
        sampler.start()
        try:
            out, _ = process.communicate()
        finally:
            sampler.stop()
        errors.seek(0)
        stderr = errors.read().decode("utf-8", errors="replace")
    try:
        result = json.loads(out)
    except ValueError:
        raise RuntimeError(f"the launcher failed (exit {process.returncode}): {stderr.strip()}") from None
    return Measurement(
        argv=tuple(argv),
        exit_code=int(result["exit_code"]),
        wall_s=float(result["wall_s"]),
        cpu_s=float(result["cpu_s"]),
        maxrss_kib=int(result["maxrss_kib"]),
        tree_pss_kib=sampler.peak_kib,
        stderr=stderr,
    )


def launch(argv: Sequence[str]) -> dict[str, float | int]:
    """In the launcher: run the command (stderr passed through) and wait for it with ``wait4``."""
    start = time.perf_counter()
    child = subprocess.Popen(list(argv), stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)  # reaped here, so Popen must not wait again
    return {
        "exit_code": child.returncode,
        "wall_s": wall,
        "cpu_s": usage.ru_utime + usage.ru_stime,
        "maxrss_kib": int(usage.ru_maxrss),
    }


class _TreeSampler:
    """Polls the memory of a launcher's descendants on a background thread."""

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.peak_kib = 0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sample-{pid}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._done.set()
        self._thread.join()

    def _run(self) -> None:
        while not self._done.is_set():
            # The launcher itself is not part of the command.
            total = sum(_pss_kib(pid) for pid in _descendants(self.pid) if pid != self.pid)
            self.peak_kib = max(self.peak_kib, total)
            self._done.wait(SAMPLE_INTERVAL)


def _descendants(pid: int) -> list[int]:
    """``pid`` and every process below it, from the parent ids in ``/proc/*/stat``."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue  # gone since the listing
        # Fields after the parenthesised command name: state, ppid, ...
        parent = int(stat.rpartition(")")[2].split()[1])
        children.setdefault(parent, []).append(int(entry.name))
    found, queue = [], [pid]
    while queue:
        current = queue.pop()
        found.append(current)
        queue.extend(children.get(current, ()))
    return found


def _pss_kib(pid: int) -> int:
    """Proportional set size of one process in KiB (its RSS where PSS is not available)."""
    for path, key in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
        try:
            text = Path(path).read_text()
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith(key):
                return int(line.split()[1])
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 3 or sys.argv[1] != "--":
        sys.exit("usage: measure.py -- COMMAND [ARG ...]")
    print(json.dumps(launch(sys.argv[2:])))
