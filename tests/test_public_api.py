"""The public API is complete: every public name is in `importer.__all__` and importable, and a typed caller
is checked by mypy against the real types behind the lazy names."""

from __future__ import annotations

import inspect
import re
import subprocess
import sys
from pathlib import Path

import importer
from importer import errors
from tests.conftest import ROOT

# What the issue and the front doors (CLI, watcher, upload page) need from `import importer`.
REQUIRED = {
    "load_mapping",
    "validate_file",
    "import_file",
    "rebuild_report",
    "Outcome",
    "Ledger",
    "default_ledger_path",
    "Sandbox",
    "SandboxSettings",
    "ReadOptions",
    "DEFAULT_BASE_URL",
    "Issue",
    "issues",
}


def test_all_lists_every_public_name_once_sorted_and_each_resolves() -> None:
    """__all__ holds the required names and every error class, each once, sorted; each resolves from `importer`."""
    names = importer.__all__
    error_classes = {
        name
        for name, value in vars(errors).items()
        if inspect.isclass(value) and issubclass(value, errors.LeadImportError)
    }
    assert REQUIRED | error_classes <= set(names), sorted(REQUIRED | error_classes - set(names))
    assert len(names) == len(set(names))
    assert names == sorted(names, key=lambda n: (not n.isupper(), n[:1].islower(), n))
    for name in names:
        assert getattr(importer, name) is not None, name
    assert sorted(dir(importer)) == sorted(names)


def test_issues_are_reached_through_the_api() -> None:
    """The catalogue is importer.issues, and its entries are importer.Issue."""
    assert importer.issues.lookup("invalid-phone") == importer.issues.INVALID_PHONE
    assert isinstance(importer.issues.INVALID_PHONE, importer.Issue)


def _mypy(*paths: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"), *map(str, paths)]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


MISUSE = """
import importer

importer.import_file("a.csv", "m.yaml")
importer.validate_file("a.csv", "m.yaml", progress=1)
code: str = importer.validate_file("a.csv", "m.yaml").exit_code
issue: importer.Issue = importer.issues.lookup("invalid-phone")
"""


def test_a_typed_caller_passes_mypy_and_misuse_is_caught(tmp_path: Path) -> None:
    """tests/typed/api_example.py type-checks under strict mypy; the same API misused fails on each bad line
    (the lazy names are not Any)."""
    good = _mypy(ROOT / "tests" / "typed" / "api_example.py")
    assert good.returncode == 0, good.stdout + good.stderr
    bad_file = tmp_path / "misuse.py"
    bad_file.write_text(MISUSE, encoding="utf-8")
    bad = _mypy(bad_file)
    # by file name: mypy may report a module's errors from its cache under the path it had then
    flagged = {int(line) for line in re.findall(r"misuse\.py:(\d+): error", bad.stdout)}
    assert flagged >= {4, 5, 6, 7}, bad.stdout
