"""An OpenDocument spreadsheet is read whatever prefixes its XML gives the ODF namespaces (``<t:table-row>``, a
default namespace): a prefix is only a name for its namespace, and such files are valid ODF."""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from importer.sandbox.server import Sandbox
from tests.conftest import CliRun
from tests.sandbox_util import MAPPING, good_phones, run_env
from tests.test_xml_scans import write_ods


def _leads(tmp_path: Path, phones: list[str], *, prefix: str) -> Path:
    rows: list[tuple[list[str], dict[str, str]]] = [(["Leads export"], {}), (["Name", "Phone", "Email", "City"], {})]
    rows += [([f"Lead {i}", phone, f"l{i}@example.com", "Pune"], {}) for i, phone in enumerate(phones)]
    rows[3] = (rows[3][0], {"visibility": "filter"})
    return write_ods(
        tmp_path / f"leads_{prefix}.ods", {"Notes": [(["nothing here"], {})], "Leads": rows}, prefix=prefix
    )


def _default_namespace(path: Path, *, all_prefixes: bool = False) -> Path:
    """The same file with its table elements in the default namespace (``<table-row>``), attributes still prefixed;
    ``all_prefixes``: instead, the office and text namespaces also named otherwise (``o:value-type``, ``tx:p``)."""
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    content = parts["content.xml"].decode()
    if all_prefixes:
        for usual, other in (("office", "o"), ("text", "tx")):
            content = re.sub(rf"(?<=[<\s/]){usual}:", f"{other}:", content).replace(
                f"xmlns:{usual}=", f"xmlns:{other}="
            )
    else:
        content = content.replace("<t:", "<").replace("</t:", "</")
        content = content.replace("xmlns:t=", 'xmlns="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:t=')
    parts["content.xml"] = content.encode()
    out = path.with_name("other_ns.ods")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return out


@pytest.mark.parametrize("default", ["", "default", "all"], ids=["prefix-t", "default-namespace", "every-prefix"])
def test_an_ods_with_other_namespace_prefixes_is_imported(
    tmp_path: Path,
    sandbox: Sandbox,
    mapping_file: Callable[..., Path],
    run_cli: Callable[..., CliRun],
    default: str,
) -> None:
    """Every lead of an ODS written with ``t:`` for ``table:`` (or a default namespace) goes in with its number,
    and its filtered-out row is named, as in LibreOffice's own spelling."""
    phones = good_phones(3, seed=505)
    path = _leads(tmp_path, phones, prefix="t")
    if default:
        path = _default_namespace(path, all_prefixes=default == "all")
    env = run_env(sandbox.base_url, tmp_path / "ledger.sqlite3")
    result = run_cli(
        "run", str(path), "--mapping", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"), env=env
    )
    assert result.exit_code == 0, result.output + result.stderr
    assert [r["status"] for r in result.report] == ["accepted"] * 3
    assert sorted(str(lead["phone"]) for lead in sandbox.leads()) == sorted(f"+91{p}" for p in phones)
    assert "rows 4" in result.output
    shown = run_cli("inspect", str(path))
    assert shown.exit_code == 0 and "Sheet 'Leads': header on row 2; 3 data rows" in shown.output


def test_an_ods_with_broken_xml_in_other_prefixes_is_refused_with_where(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """A cut-short content.xml is refused naming the file, the part and the line, never a traceback."""
    path = _leads(tmp_path, good_phones(2, seed=506), prefix="t")
    with zipfile.ZipFile(path) as archive:
        parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["content.xml"] = parts["content.xml"][:-200]
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    result = run_cli("validate", str(path), "--mapping", str(mapping_file(MAPPING)), "--no-ledger")
    assert result.exit_code == 2
    assert f"{path} (content.xml): the XML is broken at line 1" in result.stderr
