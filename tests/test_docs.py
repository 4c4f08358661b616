"""The docs stay true: the Python API example runs against the sandbox, and what the README names exists."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from importer.cli.commands import main
from tests.conftest import ROOT

DOCS = ROOT / "docs"


def _code_blocks(path: Path, language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", path.read_text(encoding="utf-8"), flags=re.S)


def test_python_api_example_runs_against_the_sandbox(tmp_path: Path) -> None:
    """The example of docs/python-api.md, run as written from a copy of the repository's samples: it imports
    into the sandbox, imports again without sending anything twice, and writes its report."""
    (example,) = _code_blocks(DOCS / "python-api.md", "python")
    for folder in ("sample_data", "mappings"):
        shutil.copytree(ROOT / folder, tmp_path / folder)
    script = tmp_path / "example.py"
    script.write_text(example, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "'accepted': 7" in done.stdout and "'already-imported': 7" in done.stdout
    assert (tmp_path / "demo_output" / "event_leads.report.xlsx").exists()
    assert "damaged-phone: Excel turned the phone number" in done.stdout


def _help(*words: str) -> str:
    result = CliRunner().invoke(main, [*words, "--help"])
    assert result.exit_code == 0, (words, result.output)
    return result.output


def test_every_command_and_option_the_readme_names_exists() -> None:
    """Each `leadimport ...` command line in the README is a command, and each --option it names is one of the
    CLI's (in some command's --help)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    commands = set()
    for block in _code_blocks(ROOT / "README.md", "sh"):
        for line in block.splitlines():
            words = line.split("#")[0].split()
            if words[:1] == ["leadimport"]:
                command = tuple(w for w in words[1:3] if re.fullmatch(r"[a-z]+", w))
                commands.add(command[:2] if command[:1] == ("mapping",) else command[:1])
    assert {("validate",), ("run",), ("history",), ("show",), ("sandbox",), ("inspect",), ("issues",)} <= commands
    helps = "\n".join(_help(*command) for command in sorted(commands))
    usage = readme.split("## Development")[0]  # below it: make, ruff and mypy, not leadimport
    options = set(re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", usage))
    assert options, "the README names options"
    missing = sorted(option for option in options if option not in helps and option != "--help")
    assert not missing


def test_links_in_readme_and_docs_resolve() -> None:
    """Every relative link of the README and docs/ points at a file of the repository."""
    broken = []
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text(encoding="utf-8")):
            if "://" not in target and not (page.parent / target).exists():
                broken.append(f"{page.name}: {target}")
    assert not broken


def test_environment_variables_the_readme_names_are_read() -> None:
    """Each variable of the README's environment table is read somewhere in importer/ (or its mappings)."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme[readme.index("## Environment") :].split("\n## ")[0]
    names = set(re.findall(r"`([A-Z][A-Z_]+)`", table))
    assert {"VOX_API_TOKEN", "VOX_BASE_URL", "LEADIMPORT_LEDGER"} <= names
    source = "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "importer").rglob("*.py"))
    source += "\n".join(p.read_text(encoding="utf-8") for p in (ROOT / "mappings").glob("*.yaml"))
    assert sorted(n for n in names if n not in source) == []


def test_docs_the_code_cites_exist() -> None:
    """Each docs/*.md page named in a comment or docstring of importer/ or tests/ is in the repository, and the
    code cites no document outside it (DESIGN.md, vox-crm-api.md)."""
    cited: set[str] = set()
    outside: list[str] = []
    for path in [*(ROOT / "importer").rglob("*.py"), *(ROOT / "tests").rglob("*.py")]:
        text = path.read_text(encoding="utf-8")
        cited |= set(re.findall(r"docs/[a-z-]+\.md", text))
        if path.name != "test_docs.py":
            outside += [f"{path.name}: {name}" for name in re.findall(r"DESIGN\.md|vox-crm-api\.md", text)]
    assert "docs/crm-contract.md" in cited
    assert sorted(name for name in cited if not (ROOT / name).exists()) == []
    assert outside == []
