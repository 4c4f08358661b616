"""The watcher waits for a text file that stops in the middle of its last row without a quote open: a last line
short of the header's cells, with no line break after it, the row before it whole (a sender paused mid-row)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from importer.watch.settle import BROKEN_ZIP_FACTOR, Settler
from tests.conftest import CliRun, by_row
from tests.sandbox_util import MAPPING
from tests.waiting import ManualClock

WHOLE = "Name,Phone,Email,City\nA One,9845012345,a.one@gmail.com,Pune\nB Two,9845012346,b.two@gmail.com,Delhi\n"
PAUSED = WHOLE + "C Three,98450"  # the sender stopped inside the third row's phone
QUOTED = WHOLE.replace("Pune", '"Pune, MH"') + '"Three, C",98450'  # quoted cells holding the delimiter


def test_the_watcher_waits_for_a_csv_paused_mid_row(
    tmp_path: Path, mapping_file: Callable[..., Path], run_cli: Callable[..., CliRun]
) -> None:
    """Such a file is not taken while it may still be written (the status says why; the reader would report its
    last row cut-off-row, and the lead was lost to the finished copy, already taken); finished, it is; one that
    stays so is taken after several settle periods, as a file that ends inside a quoted cell is."""
    path = tmp_path / "leads.csv"
    path.write_text(PAUSED, encoding="utf-8", newline="")
    checked = run_cli("validate", str(path), "-m", str(mapping_file(MAPPING)), "--report", str(tmp_path / "r.csv"))
    assert by_row(checked.report)[4]["reason"].startswith("cut-off-row")  # what taking it now would do
    clock = ManualClock()
    settler = Settler(1.0, clock=clock)
    settler.check(path)
    clock.advance(1.5)
    verdict = settler.check(path)
    assert not verdict.ready and "stops in the middle of its last row" in verdict.waiting_for
    with path.open("a", encoding="utf-8", newline="") as handle:
        handle.write("12347,c.three@gmail.com,Mumbai")  # whole now, though with no line break after it
    settler.check(path)
    clock.advance(1.5)
    assert settler.check(path).ready
    path.write_text(PAUSED, encoding="utf-8", newline="")
    settler.check(path)
    clock.advance(1.0 * BROKEN_ZIP_FACTOR + 0.5)
    assert settler.check(path).ready


def test_files_that_end_whole_are_taken_at_once(tmp_path: Path) -> None:
    """Rows an exporter writes without their trailing empty cells on many lines, a last row ending with a line
    break, a UTF-16 file whose last row is whole, and a tab-separated one: none is held back."""
    clock = ManualClock()
    settler = Settler(1.0, clock=clock)
    files = {
        "trailing.csv": "Name,Phone,Email,City\nA One,9845012345\nB Two,9845012346\nC Three,9845012347",
        "broken.csv": PAUSED + "\n",
        "whole.csv": WHOLE.rstrip("\n"),
        "tabs.tsv": WHOLE.replace(",", "\t").rstrip("\n"),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8", newline="")
    (tmp_path / "fb.csv").write_bytes(WHOLE.replace(",", "\t").rstrip("\n").encode("utf-16"))
    for path in tmp_path.iterdir():
        settler.check(path)
    clock.advance(1.5)
    assert {path.name: settler.check(path).waiting_for for path in tmp_path.iterdir()} == dict.fromkeys(
        [*files, "fb.csv"], ""
    )


def test_a_utf16_or_quoted_export_paused_mid_row_is_waited_for(tmp_path: Path) -> None:
    """The same in a UTF-16 tab-separated export (Facebook's), and in a CSV whose cells are quoted."""
    clock = ManualClock()
    settler = Settler(1.0, clock=clock)
    (tmp_path / "fb.csv").write_bytes(PAUSED.replace(",", "\t").encode("utf-16"))
    (tmp_path / "quoted.csv").write_text(QUOTED, encoding="utf-8", newline="")
    for path in tmp_path.iterdir():
        settler.check(path)
    clock.advance(1.5)
    for path in tmp_path.iterdir():
        assert "stops in the middle of its last row" in settler.check(path).waiting_for, path.name
