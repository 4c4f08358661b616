"""``leadimport watch INBOX --status``: the queue, the files in processing, the last results, and who holds the lock."""

from __future__ import annotations

import os
from pathlib import Path

from importer.config import load_mapping
from importer.errors import LeadImportError
from importer.filenames import one_line, readable_name
from importer.ledger.drops import DropLedger
from importer.watch.claims import STALE_AFTER
from importer.watch.layout import find_sources, unmapped_folders
from importer.watch.settle import is_ignored

__all__ = ["inbox_status"]


def inbox_status(
    inbox: Path,
    *,
    ledger: Path,
    mapping: Path | None,
    mappings_dir: Path,
    marker: str | None = None,
    last: int = 10,
    stale_after: float = STALE_AFTER,
) -> str:
    """The inbox's state on disk and in the ledger, as lines of text (nothing is changed but the ledger's
    tables, created if missing)."""
    resolved = inbox.resolve()
    lines: list[str] = []
    drops = DropLedger(ledger)
    try:
        holder, alive = drops.holder(str(resolved), stale_after=stale_after)
        if holder is None:
            lines.append(f"{resolved}: no watcher holds this inbox.")
        elif alive:
            lines.append(f"{resolved}: served by the watcher {holder.describe()}.")
        else:
            lines.append(f"{resolved}: the last watcher ({holder.describe()}) is gone; the next one takes over.")
        if not resolved.is_dir():
            lines.append(f"{resolved} is not a folder here: a typo, removed, or its network share is not mounted.")
        sources = find_sources(resolved, mapping, mappings_dir) if resolved.is_dir() else []
        queued = [
            (source.label, readable_name(path.name))
            for source in sources
            for path in sorted(source.dropped())
            if not is_ignored(path.name, marker)
        ]
        lines.append(f"Waiting to be taken: {len(queued)}")
        lines += [f"  {label:<16} {name}" for label, name in queued]
        broken = [(s.label, link) for s in sources for link in s.broken_links() if not is_ignored(link.name, marker)]
        if broken:
            lines.append("Not taken (links to a file that is not there; drop the file itself, or put it back):")
            lines += [f"  {label:<16} {link.name} -> {os.readlink(link)}" for label, link in broken]
        for source in sources:
            try:
                load_mapping(source.mapping)
            except LeadImportError as exc:
                lines.append(f"  {source.label:<16} waits: its mapping is broken: {str(exc).splitlines()[0]}")
        unmapped = unmapped_folders(resolved, sources) if resolved.is_dir() else []
        if unmapped:
            lines.append(f"Not watched (no mapping of the folder's name in {mappings_dir}):")
            for folder in unmapped:
                count = sum(1 for path in folder.iterdir() if path.is_file() and not is_ignored(path.name, marker))
                lines.append(f"  {folder.name + '/':<16} {count} file(s) not taken; add {folder.name}.yaml")
        processing = [
            (source.label, path) for source in sources if source.sub("processing").is_dir()
            for path in sorted(source.sub("processing").iterdir())
            if path.is_file() and not path.name.endswith((".report.xlsx", ".report.csv", ".result.json"))
        ]  # fmt: skip
        lines.append(f"In processing: {len(processing)}")
        for label, path in processing:
            record = drops.at_path(str(resolved), str(path))
            state = record.state if record else "left by a crash"
            why = f" ({record.message.strip().splitlines()[0]})" if record and record.message else ""
            lines.append(f"  {label:<16} {path.name}: {state}{why}")
        recent = drops.latest(str(resolved), limit=last)
        lines.append(f"Last {len(recent)} results:")
        for record in recent:
            counts = ", ".join(f"{n} {k}" for k, n in ((record.result or {}).get("counts") or {}).items() if n)
            run = f" run {record.run_id}" if record.run_id else ""
            detail = counts or (record.message or "").strip().split("\n", 1)[0]  # one line a file (the result has all)
            lines.append(f"  {record.updated_at[:19]} {record.state:<9} {record.name}{run}: {detail} -> {record.path}")
    finally:
        drops.close()
    return "".join(f"{one_line(line)}\n" for line in lines)  # a name with a line break is one line still
