"""What lies in an inbox that the watcher does not take, said once in its log: a subfolder with no mapping of its
name, and a link to a file that is not there."""

from __future__ import annotations

import logging
from pathlib import Path

from importer.watch.layout import Source, broken_link, unmapped_folders
from importer.watch.settle import is_ignored

log = logging.getLogger("importer.watch")

__all__ = ["Untaken"]


class Untaken:
    """Tells the log, once each, what is not taken and why (again when it comes back after being mended)."""

    def __init__(self, inbox: Path, mappings_dir: Path, marker: str | None) -> None:
        self.inbox, self.mappings_dir, self.marker = inbox, mappings_dir, marker
        self._unmapped: set[Path] = set()
        self._broken: set[Path] = set()

    def tell(self, sources: list[Source]) -> None:
        for folder in unmapped_folders(self.inbox, sources):
            if folder not in self._unmapped:
                self._unmapped.add(folder)
                log.warning(
                    "files dropped in %s are not taken: there is no mapping %s.yaml in %s (add one, or drop them "
                    "in a folder that has one)",
                    folder,
                    folder.name,
                    self.mappings_dir,
                )
        broken = {link for s in sources for link in s.broken_links() if not is_ignored(link.name, self.marker)}
        for link in sorted(broken - self._broken):
            log.warning("%s", broken_link(link))
        self._broken = broken
