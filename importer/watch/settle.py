"""When a dropped file may be read: names that copy tools use while writing are ignored, and a file is taken
only once it has stopped changing.

A file is *settled* when its size and modification time have not changed for ``settle`` seconds of the
watcher's own clock (never its mtime against the wall clock: a copy keeps the source's mtime, and a share's
clock may be off), it is not empty, it can be opened for reading, a zip-based workbook (xlsx, ods ...)
opens as a zip, a text file does not end inside a quoted cell or in a last row short of the header's cells
(with no line break after it, the row before it whole: a sender paused mid-row), and the marker file (``NAME.done``) exists
when one is asked for. A file still being written is looked at again later, never failed. A workbook that
stays unchanged but never becomes a zip (it was truncated for good), a text file that still ends so (its last
row is then reported cut off), or a file that stays empty, is taken after
:data:`BROKEN_ZIP_FACTOR` settle periods and fails with the reason (never left in the inbox for good, where
``--once`` would wait for it); so is a file this user may not read (permission denied).
"""

from __future__ import annotations

import fnmatch
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from importer.read.cut_off import file_cut_short
from importer.read.sniff import TEXT_SUFFIXES

__all__ = ["BROKEN_ZIP_FACTOR", "IGNORED_PATTERNS", "Settler", "Verdict", "is_ignored"]

IGNORED_PATTERNS = (
    *(".*", "~$*", "*.tmp", "*.part", "*.crdownload", "*.filepart", "*.partial", "*.swp", "*~"),
    *("thumbs.db", "ehthumbs*.db", "desktop.ini", "icon\r"),
)
"""Names copy tools, browsers and editors use while a file is still being written (and hidden files), and the
files Windows Explorer (thumbnail caches, folder settings) and the Mac's Finder (a folder's custom icon) keep
in a folder someone browsed: never a drop, so never taken, failed or notified."""

ZIP_SUFFIXES = frozenset({".xlsx", ".xlsm", ".xlsb", ".ods"})
"""Workbooks that are zip archives: readable only once their central directory (at the end) is written."""

BROKEN_ZIP_FACTOR = 4
"""A workbook unchanged for this many settle periods that still does not open as a zip, or a file still empty
after them, is taken anyway (and fails, saying why)."""


def is_ignored(name: str, marker: str | None = None) -> bool:
    """Whether a file name is one the watcher never takes (a partial download, a lock file, a marker)."""
    lowered = name.lower()
    if marker and lowered.endswith(marker.lower()):
        return True
    return any(fnmatch.fnmatchcase(lowered, pattern) for pattern in IGNORED_PATTERNS)


@dataclass(frozen=True, slots=True)
class Verdict:
    """Whether a file may be taken now, and if not, why not (for the status and the log)."""

    ready: bool
    waiting_for: str = ""


@dataclass(slots=True)
class _Seen:
    size: int
    mtime_ns: int
    since: float
    """When (watcher clock) the file was first seen with this size and mtime."""


@dataclass(slots=True)
class Settler:
    """Remembers what each file looked like, on the watcher's clock, and says when it has settled."""

    settle: float
    marker: str | None = None
    clock: Callable[[], float] = time.monotonic
    _seen: dict[Path, _Seen] = field(default_factory=dict)

    def check(self, path: Path) -> Verdict:
        """Look at ``path`` now: ready to take, or what it is still waiting for."""
        try:
            stat = path.stat()
        except OSError:
            self._seen.pop(path, None)
            return Verdict(False, "gone")
        now = self.clock()
        seen = self._seen.get(path)
        if seen is None or seen.size != stat.st_size or seen.mtime_ns != stat.st_mtime_ns:
            self._seen[path] = seen = _Seen(stat.st_size, stat.st_mtime_ns, now)
        quiet = now - seen.since
        if quiet < self.settle:
            return Verdict(False, f"unchanged for {quiet:.0f} of {self.settle:g} s")
        if stat.st_size == 0 and quiet < self.settle * BROKEN_ZIP_FACTOR:
            return Verdict(False, "empty")
        if self.marker and not path.with_name(path.name + self.marker).exists():
            return Verdict(False, f"marker {path.name}{self.marker}")
        try:
            with path.open("rb"):
                pass
        except PermissionError:  # not a lock (a share reports those otherwise): it fails, saying so, if it stays
            if quiet < self.settle * BROKEN_ZIP_FACTOR:
                return Verdict(False, "not readable (permission denied)")
            return Verdict(True)
        except OSError:
            return Verdict(False, "locked by another program")
        if quiet < self.settle * BROKEN_ZIP_FACTOR:  # past that, a file is taken however it ends: not read
            if path.suffix.lower() in ZIP_SUFFIXES and not _is_zip(path):
                return Verdict(False, "workbook not complete yet")
            cut = file_cut_short(path) if _is_text(path) else None
            if cut is not None:
                return Verdict(False, f"text not complete yet ({_CUT_SHORT[cut]})")
        return Verdict(True)

    def forget(self, path: Path) -> None:
        """Stop tracking a file (taken, or gone)."""
        self._seen.pop(path, None)

    def keep_only(self, paths: set[Path]) -> None:
        """Forget files no longer in the inbox."""
        for gone in set(self._seen) - paths:
            del self._seen[gone]


_CUT_SHORT = {"quote": "it ends inside a quoted cell", "row": "it stops in the middle of its last row"}
"""How a text file whose sender paused mid-row ends (:func:`importer.read.cut_off.file_cut_short`), in words."""


def _is_text(path: Path) -> bool:
    suffix = path.suffix.lower()
    return suffix in TEXT_SUFFIXES or suffix == ""


def _is_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path):
            return True
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return False
