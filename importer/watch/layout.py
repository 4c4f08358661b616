"""The inbox's folders: where files are dropped, which mapping each source uses, and where files go.

```
INBOX/                      files dropped here use --mapping
  processing/  done/  failed/  duplicate/
  dealer/                   a source: mappings/dealer.yaml exists (--mappings-dir)
    processing/  done/  failed/  duplicate/
```

A file taken moves to its source's ``processing/`` under a sortable UTC timestamp prefix
(``20261206T211503,120Z_leads.csv``) that keeps the original name; its report and result JSON are
written beside it and move with it.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from importer.filenames import fit_name

__all__ = [
    "FOLDERS",
    "Source",
    "companions",
    "find_sources",
    "is_companion",
    "original_name",
    "prune_done",
    "stamped",
    "unmapped_folders",
    "unwritable",
]

log = logging.getLogger("importer.watch")

FOLDERS = ("processing", "done", "failed", "duplicate")
MAPPING_SUFFIXES = (".yaml", ".yml")
_STAMP = re.compile(r"^\d{8}T\d{6}[,.]\d{3}Z_")
"""The prefix, with ISO 8601's decimal comma: a dot would make the stamp the suffix of a name that has none
(``…T211503.120Z_leads`` would read as a file of type ``.120z_leads``). A dot is still read (older names)."""
_STAMP_FORMAT = "%Y%m%dT%H%M%S,%f"


@dataclass(frozen=True, slots=True)
class Source:
    """Where files of one kind are dropped, and the mapping that reads them."""

    name: str
    """The subfolder's name; '' for the inbox itself."""
    folder: Path
    mapping: Path

    def sub(self, state: str) -> Path:
        return self.folder / state

    def make_folders(self) -> None:
        """Make the state folders inside the source's folder (never the folder itself: a removed inbox, or a share
        no longer mounted, is not made again on the local disk underneath)."""
        for name in (*FOLDERS[1:], FOLDERS[0]):  # processing/ last: once it is there, so are the others
            (self.folder / name).mkdir(exist_ok=True)

    def dropped(self) -> Iterator[Path]:
        """The regular files directly in the source's folder (not its subfolders), and links to files there: a
        link is taken like a file (moved on itself; the file it points to is read, and left where it is)."""
        with os.scandir(self.folder) as entries:
            for entry in entries:
                if _is(entry, "file"):
                    yield Path(entry.path)

    def broken_links(self) -> list[Path]:
        """Links directly in the source's folder to a file that is not there (moved, deleted, or on a share that
        is not mounted): nothing can be read through them, so they are not taken."""
        with os.scandir(self.folder) as entries:
            return sorted(Path(e.path) for e in entries if e.is_symlink() and not os.path.exists(e.path))

    @property
    def label(self) -> str:
        return self.name or "(inbox)"


def _is(entry: os.DirEntry[str], kind: str) -> bool:
    """Whether a folder entry is a file (or a folder), following a link; a link that cannot be followed (a loop of
    links) is neither, as pathlib says, rather than an error that stopped the watcher."""
    try:
        return entry.is_file() if kind == "file" else entry.is_dir()
    except OSError:
        return False


def find_sources(inbox: Path, mapping: Path | None, mappings_dir: Path) -> list[Source]:
    """The inbox itself (when ``mapping`` is given) and every subfolder with a mapping of its name."""
    sources = [Source("", inbox, mapping)] if mapping is not None else []
    if not mappings_dir.is_dir():
        return sources
    with os.scandir(inbox) as entries:
        folders = sorted(entry.name for entry in entries if _is(entry, "dir") and entry.name not in FOLDERS)
    for name in folders:
        if name.startswith("."):
            continue
        for suffix in MAPPING_SUFFIXES:
            candidate = mappings_dir / f"{name}{suffix}"
            if candidate.is_file():
                sources.append(Source(name, inbox / name, candidate))
                break
    return sources


def unmapped_folders(inbox: Path, sources: list[Source]) -> list[Path]:
    """The inbox's subfolders that are no source (no mapping of their name): files dropped there are not taken."""
    served = {source.folder for source in sources}
    with os.scandir(inbox) as entries:
        return sorted(
            Path(entry.path)
            for entry in entries
            if _is(entry, "dir") and entry.name not in FOLDERS and not entry.name.startswith(".")
            and Path(entry.path) not in served
        )  # fmt: skip


_BESIDE = len(".") + len(".result.json.partial") + len("-999")
"""Bytes the longest name written beside a taken file adds to its name (a result being written; a free name)."""


def unwritable(folder: Path, exc: OSError) -> str:
    """What to say when the watcher may not make folders or move files in ``folder``, or a file is where one of its
    folders goes (a sender's flag file named ``done``, say)."""
    if isinstance(exc, FileExistsError):
        return (
            f"files in {folder} cannot be taken: {exc.filename} is a file, where the watcher keeps its folder of that "
            "name (processing/, done/, failed/, duplicate/). Rename or move that file (for a sender's flag file, "
            "see --marker)."
        )
    return (
        f"files in {folder} cannot be taken: this user may not create folders or move files there "
        f"({exc.strerror or exc}). Let the user the watcher runs as write in it (and its processing/, done/, "
        "failed/ and duplicate/ folders)."
    )


def broken_link(link: Path) -> str:
    """What to say about a link dropped in the inbox whose file is not there."""
    try:
        target = os.readlink(link)
    except OSError:
        target = "a file"
    return (
        f"{link} is a link to {target}, which is not there (moved, deleted, or on a share that is not mounted): "
        "it is not taken. Drop the file itself, or put back the file it points to."
    )


def stamped(name: str, at: datetime | None = None) -> str:
    """``name`` with a sortable UTC timestamp prefix (milliseconds), shortened when the name, its prefix and what
    is written beside it would not fit in a file name."""
    moment = (at or datetime.now(UTC)).astimezone(UTC)
    prefix = f"{moment.strftime(_STAMP_FORMAT)[:-3]}Z_"
    return prefix + fit_name(name, reserve=len(prefix) + _BESIDE)


def original_name(name: str) -> str:
    """The dropped file's own name: ``name`` without the timestamp prefix."""
    return _STAMP.sub("", name, count=1)


def stamp_time(name: str) -> datetime | None:
    """When the file named ``name`` was taken (from its prefix), or None for a name without one."""
    match = _STAMP.match(name)
    if not match:
        return None
    return datetime.strptime(match.group(0)[:-2].replace(".", ","), _STAMP_FORMAT).replace(tzinfo=UTC)


def companions(path: Path) -> list[Path]:
    """The files the watcher writes beside a taken file: its reports and its result JSON."""
    return [path.with_name(path.name + suffix) for suffix in (".report.xlsx", ".report.csv", ".result.json")]


def free_name(folder: Path, name: str) -> Path:
    """``folder/name``, or with ``-2``, ``-3`` ... before the suffix when that is taken."""
    target = folder / name
    stem, suffix = os.path.splitext(name)
    n = 2
    while target.exists() or any(c.exists() for c in companions(target)):
        target = folder / f"{stem}-{n}{suffix}"
        n += 1
    return target


def prune_done(source: Source, keep_days: float) -> int:
    """Delete files (and their reports and results) taken more than ``keep_days`` ago from ``done/`` only."""
    cutoff = datetime.now(UTC) - timedelta(days=keep_days)
    removed = 0
    folder = source.sub("done")
    if not folder.is_dir():
        return 0
    for path in folder.iterdir():
        if is_companion(path):
            continue
        taken = stamp_time(path.name)
        if taken is None or taken >= cutoff:
            continue
        for item in (path, *companions(path)):
            if item.exists():
                item.unlink()
                removed += 1
    if removed:
        log.info("pruned %d file(s) older than %g days from %s", removed, keep_days, folder)
    return removed


def is_companion(path: Path) -> bool:
    """Whether ``path`` is a report or result written beside a taken file (or one being written)."""
    return path.name.endswith((".report.xlsx", ".report.csv", ".result.json")) or path.name.endswith(".partial")
