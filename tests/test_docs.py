"""The docs stay true: the Python API example runs against the sandbox, and what the README names exists."""

from __future__ import annotations

import inspect
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import click
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
    assert "'accepted': 8" in done.stdout and "'already-imported': 8" in done.stdout
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


# Programs other than leadimport whose options the docs show (systemctl --now, ruff format --check, the bench).
OTHER_PROGRAMS = ("systemctl", "make", "ruff", "mypy", "python", "pip", "git", "journalctl", "curl")


def _every_help() -> str:
    """The --help of leadimport and of each of its commands and subcommands."""
    helps = []

    def walk(command: click.Command, words: tuple[str, ...]) -> None:
        helps.append(_help(*words))
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                walk(sub, (*words, name))

    walk(main, ())
    return "\n".join(helps)


def _command_texts(page: Path) -> list[str]:
    """The inline code spans and the lines of code blocks of a page: where it shows commands and options."""
    text = page.read_text(encoding="utf-8")
    blocks = re.findall(r"```[a-z]*\n(.*?)```", text, flags=re.S)
    prose = re.sub(r"```[a-z]*\n.*?```", "", text, flags=re.S)
    lines = [line for block in blocks for line in block.splitlines()]
    return lines + re.findall(r"`([^`\n]+)`", prose)


def test_every_option_the_docs_name_exists() -> None:
    """Each --option shown in the README or a docs/ page (in code, not run by another program) is one of the
    CLI's: a renamed or removed option cannot linger in the docs."""
    helps = _every_help()
    missing = []
    for page in [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]:
        for text in _command_texts(page):
            first = text.split("#")[0].split()[:1]
            if first and Path(first[0]).name.split(".")[0] in OTHER_PROGRAMS:
                continue
            for option in re.findall(r"(?<![\w-])(--[a-z][a-z-]+)", text.split("#")[0] if first else text):
                if not re.search(rf"{re.escape(option)}(?![\w-])", helps):
                    missing.append(f"{page.name}: {option}")
    assert sorted(set(missing)) == []


def test_the_api_page_names_resolve_after_import_importer() -> None:
    """Every `importer.NAME...` the README and docs/python-api.md write resolves after a bare `import importer`
    (in a fresh interpreter, so that no other test's imports make a submodule reachable), and every public name
    is on the page."""
    pages = [ROOT / "README.md", DOCS / "python-api.md"]
    names = sorted(
        {m for page in pages for m in re.findall(r"importer\.([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)", _text(page))}
    )
    assert "tools.inspect_file" in names and "issues.lookup" in names
    probe = "import functools, importer, sys\n" + "".join(
        f"functools.reduce(getattr, {name.split('.')!r}, importer)\n" for name in names
    )
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    import importer

    page = _text(DOCS / "python-api.md")
    assert [name for name in importer.__all__ if not re.search(rf"\b{re.escape(name)}\b", page)] == []


def test_the_keywords_the_api_page_gives_exist() -> None:
    """Each keyword of a signature docs/python-api.md writes out (`importer.f(path, *, a=..., b=...) -> T`) is a
    parameter of that function, so a renamed or removed one cannot linger on the page."""
    import importer

    page = " ".join(_text(DOCS / "python-api.md").split())
    signatures = re.findall(r"`importer\.(\w+)\(([^`]*?)\) ->", page)
    assert {"load_mapping", "validate_file", "import_file", "rebuild_report"} <= {name for name, _ in signatures}
    wrong = []
    for name, arguments in signatures:
        written = {m.strip() for m in re.findall(r"(?:^|,)\s*\*?\s*,?\s*(\w+)\s*(?==|,|$)", arguments)}
        wrong += [
            f"{name}: {word}" for word in written if word not in inspect.signature(getattr(importer, name)).parameters
        ]
    assert wrong == []


def _text(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_layout_table_names_every_module_and_package() -> None:
    """docs/design.md's layout table has a row for each module and package directly under importer/."""
    table = _text(DOCS / "design.md").split("## Layout")[1]
    parts = [p for p in (ROOT / "importer").iterdir() if p.suffix == ".py" or (p / "__init__.py").exists()]
    names = [f"importer/{p.name}" + ("/" if p.is_dir() else "") for p in parts if p.name != "__main__.py"]
    assert sorted(name for name in names if f"`{name}`" not in table) == []


def test_the_report_columns_are_those_report_md_lists(tmp_path: Path, run_cli: Any) -> None:
    """A dry run's report starts with the columns docs/report.md lists, then the sheet's own columns."""
    listed = re.search(r"First the report's own columns.*?\n\n`([^`]+)`", _text(DOCS / "report.md"), flags=re.S)
    assert listed is not None
    columns = [name.strip() for name in listed.group(1).split(",")]
    report = tmp_path / "event.report.csv"
    result = run_cli(
        "validate", str(ROOT / "sample_data" / "event_leads.csv"), "--mapping", str(ROOT / "mappings" / "event_leads.yaml"),
        "--no-ledger", "--report", str(report),
        env={"VOX_PROJECT_ID": "p", "VOX_PROCESS_ID": "q"},
    )  # fmt: skip
    assert result.exit_code == 1, result.stderr
    header = report.read_text(encoding="utf-8-sig").splitlines()[0].replace('"', "").split(",")
    assert header[: len(columns)] == columns
    assert header[len(columns)] == "Lead ID"


def test_readme_python_example_runs(tmp_path: Path) -> None:
    """The README's Python example, run as written beside a copy of a sample sheet named as it names it,
    with no VOX_* variable set: the dry run needs no ids, and it writes the report it names."""
    (example,) = _code_blocks(ROOT / "README.md", "python")
    shutil.copytree(ROOT / "mappings", tmp_path / "mappings")
    shutil.copy(ROOT / "sample_data" / "dealer_leads.xlsx", tmp_path / "leads.xlsx")
    (tmp_path / "example.py").write_text(example, encoding="utf-8")
    env = {key: value for key, value in os.environ.items() if not key.startswith(("VOX_", "LEADIMPORT_"))}
    done = subprocess.run(
        [sys.executable, "example.py"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "leads.report.xlsx").stat().st_size > 0


def test_the_progress_stages_a_run_reports_are_on_the_api_page() -> None:
    """Every stage `progress` is called with in a dry run and an import is one docs/python-api.md names."""
    import importer

    stages_text = " ".join(_text(DOCS / "python-api.md").split("Stages:")[1].split("\n\n")[0].split())
    named = set(re.findall(r"`([a-z]+)`", stages_text))
    settings = importer.SandboxSettings()
    mapping = importer.load_mapping(
        ROOT / "mappings" / "event_leads.yaml", project_id=settings.project_id, process_id=settings.process_ids[0]
    )
    seen: list[str] = []
    sample = ROOT / "sample_data" / "event_leads.csv"
    importer.validate_file(sample, mapping, progress=lambda stage, done, total: seen.append(stage))
    with importer.Sandbox(settings) as crm:
        importer.import_file(
            sample,
            mapping,
            token=settings.token,
            base_url=crm.base_url,
            ledger=None,
            progress=lambda stage, done, total: seen.append(stage),
        )
    assert {"reading", "validating", "sending"} <= set(seen)
    assert sorted(set(seen) - named) == []


def test_mappings_md_names_every_key_a_mapping_may_hold() -> None:
    """Each top-level mapping key and each field a mapping may map is named in docs/mappings.md (in its prose or
    its example)."""
    from importer.config import FIELD_TARGETS, TOP_LEVEL_KEYS

    page = _text(DOCS / "mappings.md")
    named = set(re.findall(r"`(\w+)`", page)) | set(re.findall(r"^\s*(\w+):", page, flags=re.M))  # prose, YAML
    assert sorted(key for key in (*TOP_LEVEL_KEYS, *FIELD_TARGETS) if key not in named) == []
