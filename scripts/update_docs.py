"""Rewrite the generated parts of docs/: the issue table of docs/report.md, from importer/issues.py.

Run after changing the catalogue: ``python scripts/update_docs.py``; tests/test_issues.py fails while
the docs are stale.
"""

from __future__ import annotations

import sys
from pathlib import Path

from importer.cli.catalogue import markdown_table

ROOT = Path(__file__).resolve().parent.parent
START, END = "<!-- issues:start -->\n", "<!-- issues:end -->"


def main() -> int:
    path = ROOT / "docs" / "report.md"
    text = path.read_text(encoding="utf-8")
    if START not in text or END not in text:
        print(f"{path}: the markers {START.strip()} and {END} are missing", file=sys.stderr)
        return 2
    head, rest = text.split(START, 1)
    _, tail = rest.split(END, 1)
    updated = f"{head}{START}{markdown_table()}{END}{tail}"
    if updated != text:
        path.write_text(updated, encoding="utf-8")
        print(f"updated {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
