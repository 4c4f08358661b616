"""A mapping's ``encoding`` (written by the upload page or ``mapping suggest --encoding``): the command line reads
files like the one it was made for alike, instead of guessing again."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import yaml

from tests.conftest import PROCESS, PROJECT, CliRun, by_row
from tests.sandbox_util import good_phones
from tests.test_web import Page, _columns_form

MAPPING = f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n"


def _cyrillic(path: Path) -> None:
    """One Russian name among English ones, in Windows' Cyrillic code page: too few letters for the reader to tell
    cp1251 from the Central European cp1250, so Олег reads as Îëĺă by itself."""
    phones = good_phones(3, seed=91)
    lines = ["Name,Phone", f"Олег,{phones[0]}", f"John Smith,{phones[1]}", f"Priya Shah,{phones[2]}"]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1251"))


def _names(result: CliRun) -> list[str]:
    return [row["Name"] for row in by_row(result.report).values()]


def test_suggest_with_encoding_writes_it_and_validate_reads_with_it(
    tmp_path: Path, run_cli: Callable[..., CliRun]
) -> None:
    """mapping suggest --encoding cp1251 writes encoding: cp1251; validate with that mapping reads Олег, as it did
    not without it."""
    sheet = tmp_path / "webinar.csv"
    _cyrillic(sheet)
    out = tmp_path / "m.yaml"
    made = run_cli("mapping", "suggest", str(sheet), "--encoding", "cp1251", "--region", "IN", "--out", str(out))
    assert made.exit_code == 0, made.output + made.stderr
    written = yaml.safe_load(out.read_text(encoding="utf-8"))
    assert written["encoding"] == "cp1251"
    env = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
    checked = run_cli("validate", str(sheet), "-m", str(out), "--report", str(tmp_path / "r.csv"), env=env)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert _names(checked)[0] == "Олег"
    guessed = run_cli("mapping", "suggest", str(sheet), "--region", "IN")  # no --encoding: none written
    assert "encoding" not in yaml.safe_load(guessed.output)


def test_a_mapping_code_page_never_garbles_a_utf8_file(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """The same mapping on next month's export saved as UTF-8 (or UTF-16) reads it as such: a code page is what a
    file is read in when it is neither; --encoding on the command line still wins over the mapping."""
    mapping = mapping_file(MAPPING + "encoding: cp1251\n")
    phones = good_phones(2, seed=92)
    oleg = "\u041e\u043b\u0435\u0433"
    text = f"Name,Phone\nJosé Núñez,{phones[0]}\n{oleg},{phones[1]}\n"
    for name, data in (("utf8.csv", text.encode("utf-8")), ("utf16.csv", text.encode("utf-16"))):
        sheet = tmp_path / name
        sheet.write_bytes(data)
        result = run_cli("validate", str(sheet), "-m", str(mapping), "--report", str(tmp_path / f"{name}.r.csv"))
        assert result.exit_code == 0, result.output + result.stderr
        assert _names(result) == ["José Núñez", oleg], name
    sheet = tmp_path / "webinar.csv"
    _cyrillic(sheet)
    ours = run_cli("validate", str(sheet), "-m", str(mapping), "--report", str(tmp_path / "a.csv"))
    assert _names(ours)[0] == "Олег"
    theirs = run_cli(
        "validate", str(sheet), "-m", str(mapping), "--encoding", "cp1252", "--report", str(tmp_path / "b.csv")
    )
    assert _names(theirs)[0] == "Îëåã"


def test_an_unknown_encoding_in_a_mapping_is_refused(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """encoding: a name Python does not decode with (a typo, base64) stops before the file is read (exit 2), naming
    the key and what it takes."""
    sheet = tmp_path / "webinar.csv"
    _cyrillic(sheet)
    for wrong in ("cp-1251x", "base64"):
        mapping = mapping_file(MAPPING + f"encoding: {wrong}\n")
        result = run_cli("validate", str(sheet), "-m", str(mapping), "--report", str(tmp_path / "r.csv"))
        assert result.exit_code == 2, result.output
        assert f"'encoding' '{wrong}' is no text encoding" in result.stderr and "cp1252" in result.stderr


def test_the_upload_page_saves_the_encoding_chosen(tmp_path: Path, run_cli: Callable[..., CliRun]) -> None:
    """A mapping saved on the upload page after choosing cp1251 keeps it: the command line's run of the same file
    reads Олег (it guessed again and read Îëĺă)."""
    sheet = tmp_path / "webinar.csv"
    _cyrillic(sheet)
    page = Page(tmp_path)
    upload = page.upload(sheet)
    page.post(f"/u/{upload.id}/sheet", {"encoding": "cp1251", "header_row": "1"})
    assert upload.task is not None and upload.task.wait(60)
    page.post(f"/u/{upload.id}/columns", _columns_form(page, upload, region="IN", action="save", mapping_name="ru"))
    saved = page.settings.mappings_dir / "ru.yaml"
    assert yaml.safe_load(saved.read_text(encoding="utf-8"))["encoding"] == "cp1251"
    env = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}
    checked = run_cli("validate", str(sheet), "-m", str(saved), "--report", str(tmp_path / "r.csv"), env=env)
    assert _names(checked)[0] == "Олег", checked.output + checked.stderr
