"""Each source's mapping, loaded once and again when its file changes; a broken or missing one is said once."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import importer
from importer.errors import ConfigError, LeadImportError
from importer.watch.layout import Source

log = logging.getLogger("importer.watch")

__all__ = ["Mappings"]


class Mappings:
    """The mappings of a watcher's sources, by file, with what the log has already said about broken ones."""

    def __init__(self) -> None:
        self._mappings: dict[Path, tuple[float, Any]] = {}
        self._bad_mappings: set[tuple[Path, float]] = set()

    def of(self, source: Source, *, strict: bool) -> Any:
        """The source's mapping, loaded again when its file changed; None (said once) when it is broken."""
        try:
            stamp = source.mapping.stat().st_mtime
        except OSError as exc:
            if strict:
                raise ConfigError(f"{source.mapping}: cannot read the mapping ({exc.strerror}).") from None
            if (source.mapping, -1.0) not in self._bad_mappings:  # said once, until it is back
                self._bad_mappings.add((source.mapping, -1.0))
                log.error("files of %s wait where they were dropped: cannot read its mapping %s (%s)",
                          source.label, source.mapping, exc.strerror)  # fmt: skip
            return None
        self._bad_mappings.discard((source.mapping, -1.0))
        cached = self._mappings.get(source.mapping)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        try:
            mapping = importer.load_mapping(source.mapping)
            if not (mapping.project_id and mapping.process_id):
                raise ConfigError(f"{source.mapping}: the mapping gives no project_id and process_id to import into.")
        except LeadImportError as exc:
            if strict:
                raise
            if (source.mapping, stamp) not in self._bad_mappings:
                self._bad_mappings.add((source.mapping, stamp))
                log.error("files of %s wait where they were dropped until its mapping is fixed: %s", source.label, exc)
            return None
        self._mappings[source.mapping] = (stamp, mapping)
        return mapping
