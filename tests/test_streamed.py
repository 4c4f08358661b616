"""The dry run of a text file a chunk of rows at a time: the same report as reading the file whole, and memory
that does not grow with the file (a CSV larger than the memory allowed validates)."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

import importer
from tests.test_report_golden import GOLDEN, _sheets

ROOT = Path(__file__).resolve().parent.parent
IDS = "project_id: 64f0c0ffee0000000000aaaa\nprocess_id: 64f0c0ffee0000000000beef\n"
MAPPING = IDS + "default_region: IN\nfields:\n  name: Name\n  phone: Phone\n  email: Email\n"


def test_streamed_reports_hash_as_the_pinned_ones(tmp_path: Path) -> None:
    """Every pinned sheet validated with a report path (its text files read a chunk at a time) gives the
    report the golden test pins for the whole-file reading, byte for byte."""
    golden = json.loads(GOLDEN.read_text())
    streamed = []
    for name, sheet, mapping in _sheets(tmp_path):
        outcome = importer.validate_file(sheet, importer.load_mapping(mapping), report=tmp_path / f"{name}.r.csv")
        assert outcome.report_path is not None
        assert hashlib.sha256(outcome.report_path.read_bytes()).hexdigest() == golden[name], name
        if outcome.prepared.stream is not None:
            streamed.append(name)
    # every text file streamed, the cp1252 sample too (#21); the workbooks are read whole
    assert "bench-leads-20000-s11-v2.csv" in streamed and "world-IN.csv" in streamed
    assert "event_leads.csv" in streamed and not any(n.endswith(".xlsx") for n in streamed)


def _whole_and_streamed(sheet: Path, mapping: importer.LeadMapping, tmp: Path) -> tuple[bytes, bytes]:
    whole = importer.validate_file(sheet, mapping).write_report(tmp / "whole.csv")
    streamed = importer.validate_file(sheet, mapping, report=tmp / "streamed.csv")
    assert streamed.prepared.stream is not None
    return whole.read_bytes(), Path(str(streamed.report_path)).read_bytes()


def test_a_sheet_read_in_many_chunks_reports_as_read_whole(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The 20,000-row bench sheet read 3,000 rows at a time (seven chunks): the same report, duplicates of rows
    in earlier chunks included, as reading it whole."""
    _name, sheet, mapping = next(s for s in _sheets(tmp_path) if s[0].startswith("bench-") and s[0].endswith(".csv"))
    monkeypatch.setattr("importer.read.stream.CHUNK_ROWS", 3_000)
    whole, streamed = _whole_and_streamed(sheet, importer.load_mapping(mapping), tmp_path)
    assert streamed == whole
    assert b'"duplicate"' in streamed


def test_a_duplicate_in_a_later_chunk_names_the_first_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A lead repeated 9 chunks later (same phone written another way) is a duplicate of its first row, and the
    kept row takes the email only the copy has; a control character is removed in a later chunk too."""
    sheet = tmp_path / "leads.csv"
    with sheet.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["Name", "Phone", "Email", "Notes"])
        for i in range(40):
            writer.writerow([f"Lead {i}", f"98200{i:05d}", "", "first" if i == 0 else ""])
        writer.writerow(["Lead Zero", "+91 98200 00000", "zero@example.com", "copy"])
        writer.writerow(["Lead Nul", "9820099999", "", "a\x00b"])
    (tmp_path / "m.yaml").write_text(MAPPING)
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    monkeypatch.setattr("importer.read.stream.CHUNK_ROWS", 4)
    whole, streamed = _whole_and_streamed(sheet, mapping, tmp_path)
    assert streamed == whole
    report = list(csv.DictReader(streamed.decode("utf-8-sig").splitlines()))
    assert report[0]["email"] == "zero@example.com" and "email-from-duplicate" in report[0]["warnings"]
    assert (report[40]["status"], report[40]["duplicate_of"]) == ("duplicate", "2")
    assert report[41]["Notes"] == "ab" and "control-characters" in report[41]["warnings"]


def test_rows_sharing_only_a_derived_reference_id_without_project_ids_stay_apart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without project and process ids no referenceId is derived, so two people typing the same address (dedupe on
    phone only) are two leads, in any chunk: dedupe does not go by the ids the rows had before they were blanked."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text(
        "Name,Phone,Email\nAsha,,family@example.com\nRavi,9820011111,r@example.com\nMeena,,family@example.com\n"
        "Asha K,9820022222,\nAsha K,+91 98200 22222,\n",
        encoding="utf-8",
    )
    (tmp_path / "m.yaml").write_text(
        "default_region: IN\nfields:\n  name: Name\n  phone: Phone\n  email: Email\ndedupe: [phone]\n"
    )
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    monkeypatch.setattr("importer.read.stream.CHUNK_ROWS", 2)
    whole, streamed = _whole_and_streamed(sheet, mapping, tmp_path)
    assert streamed == whole
    report = list(csv.DictReader(streamed.decode("utf-8-sig").splitlines()))
    assert [(r["status"], r["duplicate_of"], r["referenceId"]) for r in report] == [
        ("valid", "", ""),
        ("valid", "", ""),
        ("valid", "", ""),
        ("valid", "", ""),
        ("duplicate", "5", ""),
    ]


NAMES = {
    "cp1252": ["José Núñez", "Zoë Brontë", "Øystein Ærø", "François Œuvre"],
    "mac_roman": ["José Núñez", "Zoë Brontë", "Jürgen Müller", "François Dupré"],
    "shift_jis": ["山田 太郎", "佐藤 花子", "ｶﾀｶﾅ ﾀﾛｳ", "鈴木 一郎"],
    "gbk": ["王 小明", "李 华", "张 伟", "陈 静"],
    "cp1251": ["Елена Смирнова", "Сергей Лебедев", "Анна Соколова", "Дмитрий Попов"],
    "unicode": ["José Núñez", "山田 太郎", "Łukasz Żak", "राहुल शर्मा"],
}


def _ragged_sheet(names: list[str], rows: int = 30) -> str:
    """Leads with every shape the whole reader repairs: short rows, a cell split by a typed comma, a blank line,
    a quoted line break, a control character, a lead repeated chunks later, a stray value far right."""
    lines = ["Name,Phone,Email,City"]
    for i in range(rows):
        name = names[i % len(names)]
        lines.append(f"{name} {i},98200{i:05d},l{i}@example.com,Pune")
    lines[3] = f"{names[1]},9820012345"  # short: no email, no city
    lines[5] = f"{names[2]},Navi Mumbai, MH,9820055555,split@example.com"  # a comma typed in a cell... misplaced
    lines[6] = f"{names[3]},9820066666,six@example.com,Navi Mumbai, MH"  # ... and where it can be mended
    lines[8] = ""
    lines[10] = f'"{names[0]}",9820010101,ten@example.com,"Line 1\nLine 2"'
    lines[12] = f"{names[1]}\x00,9820012121,nul@example.com,Goa"
    lines[20] = f"{names[0]} again,+91 98200 00000,,Pune,,,,far right"
    return "\r\n".join(lines) + "\r\n"


@pytest.mark.parametrize(
    ("encoding", "names", "prefix", "option", "label"),
    [
        ("cp1252", "cp1252", b"", None, "cp1252"),
        ("mac_roman", "mac_roman", b"", None, "mac_roman"),
        ("utf-8", "unicode", codecs.BOM_UTF8, None, "utf-8-sig"),
        ("utf-8", "unicode", codecs.BOM_UTF8 * 2, None, "utf-8-sig"),
        ("utf-16-le", "unicode", codecs.BOM_UTF16_LE, None, "utf-16"),
        ("utf-16-be", "unicode", codecs.BOM_UTF16_BE, None, "utf-16"),
        ("utf-16-le", "unicode", b"", None, "utf-16-le"),
        ("shift_jis", "shift_jis", b"", "shift_jis", "shift_jis"),
        ("gbk", "gbk", b"", "GBK", "GBK"),
        ("latin-1", "cp1252", b"", "latin-1", "latin-1"),
        ("shift_jis", "shift_jis", b"", None, "cp932"),  # not named: told by how its words read, alike
        ("cp1251", "cp1251", b"", None, "cp1251"),
        ("gbk", "gbk", b"", None, "gb18030"),
        ("utf-8", "unicode", b"", None, "utf-8"),
    ],
)
def test_files_in_any_encoding_and_of_any_shape_stream_as_read_whole(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    encoding: str,
    names: str,
    prefix: bytes,
    option: str | None,
    label: str | None,
) -> None:
    """A sheet in another encoding than UTF-8 (detected, or named with --encoding), with short and long rows, a
    blank line and a line break in a cell, read 4 rows at a time and decoded 7 bytes at a time: the report is
    the whole reader's byte for byte, with the same encoding named and the same rows warned about."""
    sheet = tmp_path / "leads.csv"
    text = _ragged_sheet(NAMES[names])
    sheet.write_bytes(prefix + text.encode(encoding, errors="replace" if encoding == "latin-1" else "strict"))
    (tmp_path / "m.yaml").write_text(MAPPING)
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    read = importer.ReadOptions(encoding=option)
    monkeypatch.setattr("importer.read.stream.CHUNK_ROWS", 4)
    monkeypatch.setattr("importer.read.transcode.BLOCK", 7)
    whole = importer.validate_file(sheet, mapping, read=read)
    whole_report = whole.write_report(tmp_path / "whole.csv").read_bytes()
    streamed = importer.validate_file(sheet, mapping, read=read, report=tmp_path / "streamed.csv")
    assert streamed.prepared.stream is not None
    assert Path(str(streamed.report_path)).read_bytes() == whole_report
    assert streamed.table.encoding == whole.table.encoding and streamed.table.notes == whole.table.notes
    if label is not None:
        assert streamed.table.encoding == label
    report = list(csv.DictReader(whole_report.decode("utf-8-sig").splitlines()))
    assert "short-row" in report[2]["warnings"]
    assert any("joined again" in note for note in whole.table.notes), whole.table.notes
    assert report[19]["duplicate_of"] == "2" and report[19]["Column H"] == "far right"


def test_line_breaks_in_cells_and_a_blank_line_stream_as_read_whole(tmp_path: Path) -> None:
    """A UTF-16 file whose every row holds an address typed on two lines (some cut where the fast parser cuts its
    blocks), and a UTF-8 one with a blank line and a short row after its opening megabytes: read again the way
    the whole reader reads them, the same report."""
    (tmp_path / "m.yaml").write_text(MAPPING)
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    notes = "n" * 1000
    quoted = "".join(f'Lead {i},98{i:08d},l{i}@example.com,"Flat {i},\nMG Road {notes}"\n' for i in range(5_000))
    plain = "".join(f"Lead {i},98{i:08d},l{i}@example.com,{notes}\n" for i in range(5_000))
    for name, text, encoding in (
        ("quoted.csv", "Name,Phone,Email,Notes\n" + quoted, "utf-16"),
        (
            "short.csv",
            "Name,Phone,Email,Notes\n" + plain + "\nShort,9899999990\nLast,9812345678,l@example.com,x\n",
            "utf-8",
        ),
    ):
        sheet = tmp_path / name
        sheet.write_bytes(text.encode(encoding))
        assert sheet.stat().st_size > 4 << 20, name
        whole = importer.validate_file(sheet, mapping).write_report(tmp_path / "whole.csv").read_bytes()
        streamed = importer.validate_file(sheet, mapping, report=tmp_path / "streamed.csv")
        assert streamed.prepared.stream is not None, name
        assert Path(str(streamed.report_path)).read_bytes() == whole, name
        assert streamed.rows["status"].iloc[-1] == "valid", name
    assert "short-row" in streamed.rows["warnings"].iloc[-2]


def test_a_short_row_early_in_a_large_cp1252_file(tmp_path: Path) -> None:
    """A 10 MB cp1252 file of long rows with a short row near its top, validated through the CLI a few times: the
    parser reading ahead in threads of its own when the short row stops it is no error (it was one run in four);
    every time the same report, the short row warned about."""
    sheet = tmp_path / "leads.csv"
    notes = "Réunion à Orléans café crème " * 860
    with sheet.open("w", encoding="cp1252", newline="") as out:
        out.write("Name,Phone,Email,Notes\r\n")
        out.write("Zoë Short,9812345670\r\n")
        out.write("".join(f"Frédéric {i},98{i:08d},l{i}@example.com,{notes}\r\n" for i in range(2, 400)))
    (tmp_path / "m.yaml").write_text(MAPPING)
    reports = set()
    for run in range(4):
        report = tmp_path / f"r{run}.csv"
        args = ["validate", str(sheet), "-m", str(tmp_path / "m.yaml"), "--report", str(report), "--no-ledger", "-q"]
        done = subprocess.run(
            [sys.executable, "-m", "importer", *args], cwd=ROOT, capture_output=True, text=True, timeout=600
        )
        assert done.returncode == 0, done.stderr[-2000:]
        reports.add(hashlib.sha256(report.read_bytes()).hexdigest())
    assert len(reports) == 1
    first = next(csv.DictReader(report.read_text(encoding="utf-8-sig").splitlines()[:2]))
    assert "short-row" in first["warnings"] and first["Name"] == "Zoë Short"


def test_the_transcoded_body_closes_after_a_read_another_thread_is_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Closing a decoded file while a thread of the parser is inside a read of it (the parser stopped early) waits
    for that read, and a read after it finds the end, rather than failing with 'generator already executing'."""
    import threading

    from importer.read import transcode

    sheet = tmp_path / "leads.csv"
    sheet.write_bytes("Name,Phone\nJosé,9812345670\n".encode("cp1252"))
    entered, release, closing = threading.Event(), threading.Event(), threading.Event()

    def slow_pieces(self: transcode.Decoding, path: Path, *, check: bool = False) -> Any:
        entered.set()
        release.wait(60)
        yield "Name,Phone\n", 11

    monkeypatch.setattr(transcode.Decoding, "pieces", slow_pieces)
    body = transcode.Utf8Body(sheet, transcode.Decoding("cp1252", "cp1252"), 0)

    class SeenLock:
        """The body's lock, saying when the closing thread waits for it."""

        def __init__(self) -> None:
            self.lock = threading.Lock()

        def __enter__(self) -> None:
            if threading.current_thread() is threading.main_thread():
                closing.set()
            self.lock.acquire()

        def __exit__(self, *exc: object) -> None:
            self.lock.release()

    body._lock = SeenLock()  # type: ignore[assignment]
    results: list[object] = []
    reader = threading.Thread(target=lambda: results.append(body.read(1 << 20)))
    reader.start()
    assert entered.wait(60)

    def release_once_closing() -> None:
        closing.wait(60)
        release.set()

    threading.Thread(target=release_once_closing).start()
    body.close()
    reader.join(60)
    assert results == [b"Name,Phone\n"] and body.read(10) == b""


def test_a_file_utf8_at_first_and_not_later_streams_as_read_whole(tmp_path: Path) -> None:
    """A file whose opening megabytes are UTF-8 and a later line cp1252 (two exports joined): read as the whole
    reader reads it (UTF-8, the stray bytes as cp1252, and so named), not given up on."""
    sheet = tmp_path / "joined.csv"
    notes = "n" * 1000
    with sheet.open("wb") as out:
        out.write(b"Name,Phone,Email,Notes\n")
        for i in range(5_000):
            out.write(f"Jos\u00e9 {i},98{i:08d},l{i}@example.com,{notes}\n".encode())
        out.write("Fran\u00e7ois,9899999999,f@example.com,late\n".encode("cp1252"))
    assert sheet.stat().st_size > 4 << 20  # beyond the opening bytes the encoding is first judged on
    (tmp_path / "m.yaml").write_text(MAPPING)
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    whole = importer.validate_file(sheet, mapping).write_report(tmp_path / "whole.csv").read_bytes()
    streamed = importer.validate_file(sheet, mapping, report=tmp_path / "streamed.csv")
    assert streamed.prepared.stream is not None and streamed.table.encoding == "utf-8 (1 byte read as cp1252)"
    assert Path(str(streamed.report_path)).read_bytes() == whole
    assert '"François","9899999999"' in whole.decode("utf-8-sig")


@pytest.mark.parametrize(
    ("data", "option", "message"),
    [
        ("Name,Phone\nJosé,9820012345\n".encode("cp1252"), "ascii", "cannot be decoded as ascii at byte 14"),
        (codecs.BOM_UTF16_LE + "Name,Phone\nA,1\n".encode("utf-16-le") + b"\x00", None, "is not utf-16"),
        (b"Name,Phone\n" + b"x" * (5 << 20) + "\nJosé,1\n".encode("cp1252"), "utf-8", "at byte 5242895"),
    ],
    ids=["named", "utf-16-bom", "named-late"],
)
def test_a_file_that_cannot_be_decoded_is_refused_as_read_whole(
    tmp_path: Path, data: bytes, option: str | None, message: str
) -> None:
    """Bytes that are not in the encoding named (or its byte-order mark says): the whole reader's error, naming
    the file and the byte, also when streamed, and no report."""
    sheet = tmp_path / "leads.csv"
    sheet.write_bytes(data)
    (tmp_path / "m.yaml").write_text(IDS + "fields:\n  name: Name\n  phone: Phone\n")
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    read = importer.ReadOptions(encoding=option)
    with pytest.raises(importer.SourceError) as whole:
        importer.validate_file(sheet, mapping, read=read)
    with pytest.raises(importer.SourceError) as streamed:
        importer.validate_file(sheet, mapping, read=read, report=tmp_path / "r.csv")
    assert str(streamed.value) == str(whole.value) and message in str(whole.value)
    assert str(sheet) in str(whole.value) and not (tmp_path / "r.csv").exists()


def test_an_xlsx_report_of_a_streamed_file_holds_every_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A streamed outcome's report written again as XLSX reads the cells again: every row, with its cells."""
    from openpyxl import load_workbook

    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\n" + "".join(f"Lead {i},98200{i:05d},l{i}@example.com\n" for i in range(9)))
    (tmp_path / "m.yaml").write_text(MAPPING)
    monkeypatch.setattr("importer.read.stream.CHUNK_ROWS", 4)
    outcome = importer.validate_file(sheet, importer.load_mapping(tmp_path / "m.yaml"), report=tmp_path / "r.csv")
    assert len(outcome.rows) == 9 and len(outcome.table.cells) == 0
    book = load_workbook(outcome.write_report(tmp_path / "r.xlsx"), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = list(rows[0])
    names = [row[header.index("Name")] for row in rows[1:] if row[header.index("Name")]]
    assert names == [f"Lead {i}" for i in range(9)]


LIMIT = 1 << 30
"""1 GiB of address space. A streamed validate takes some 0.8 GiB of it, whatever the file's size (about 0.35
the interpreter, its libraries and threads; on a 2-core machine it ran out under 0.75): the sheets below are
larger than all of it, not only than what is left."""


def test_a_csv_larger_than_the_memory_allowed_validates(tmp_path: Path) -> None:
    """A 1.6 GB CSV under a 1 GiB address-space limit (#21: a 2 GB CSV peaked at 19 GB): validated, every
    row in the report, exit 1 for its invalid row, no memory error."""
    free = shutil.disk_usage(tmp_path).free
    if free < 8 << 30:  # the sheet and its report take about 4 GB
        pytest.skip(f"needs 8 GB free where pytest writes its files, has {free >> 30} GB")
    sheet = tmp_path / "big.csv"
    notes = "x" * 24_000
    rows = 68_000
    with sheet.open("w", encoding="utf-8") as out:
        out.write("Name,Phone,Email,Notes\n")
        for i in range(rows - 1):
            out.write(f"Lead {i},98{i:08d},lead{i}@example.com,{notes}\n")
        out.write("Broken,12,,short\n")
    assert sheet.stat().st_size > 1.5 * LIMIT, sheet.stat().st_size
    (tmp_path / "m.yaml").write_text(MAPPING)
    report = tmp_path / "r.csv"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "importer",
            "validate",
            str(sheet),
            "-m",
            str(tmp_path / "m.yaml"),
            "--report",
            str(report),
            "--no-ledger",
            "--json",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=600,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["total"] == rows and summary["counts"]["valid"] >= rows - 2
    assert summary["counts"]["invalid"] >= 1
    with report.open("rb") as handle:
        lines = sum(1 for _ in handle)
    assert lines == rows + 1
    sheet.unlink()
    report.unlink()


def test_a_cp1252_file_with_ragged_rows_larger_than_the_memory_allowed_validates(tmp_path: Path) -> None:
    """A 1.15 GB CSV in cp1252 (not UTF-8: decoded on the way) with short and long rows (parsed as the whole reader
    parses ragged files), under a 1 GiB address-space limit, of which the interpreter and its libraries take
    about 0.35: validated, every row in the report, the short row warned about, the cell beyond the header kept,
    no memory error. Memory grows with the distinct leads,
    not the file. (Smaller than the UTF-8 test's file: this one is read four times, to keep CI short.)"""
    free = shutil.disk_usage(tmp_path).free
    if free < 6 << 30:  # the sheet and its report take about 3 GB
        pytest.skip(f"needs 6 GB free where pytest writes its files, has {free >> 30} GB")
    sheet = tmp_path / "big.csv"
    notes = "Réunion à Orléans café crème " * 860  # 24,940 characters, 5 in 29 beyond ASCII
    rows = 46_000
    with sheet.open("w", encoding="cp1252", newline="") as out:
        out.write("Name,Phone,Email,Notes\r\n")
        out.write("Zoë Short,9800000000\r\n")  # short: no email, no notes
        out.write(f"Jörg Long,9800000001,long@example.com,{notes},far right\r\n")
        for i in range(2, rows - 1):
            out.write(f"Frédéric {i},98{i:08d},lead{i}@example.com,{notes}\r\n")
        out.write("Broken,12,,short\r\n")
    assert sheet.stat().st_size > 1.05 * LIMIT, sheet.stat().st_size
    (tmp_path / "m.yaml").write_text(MAPPING)
    report = tmp_path / "r.csv"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (LIMIT, LIMIT))

    args = ["validate", str(sheet), "-m", str(tmp_path / "m.yaml"), "--report", str(report), "--no-ledger", "--json"]
    done = subprocess.run(
        [sys.executable, "-m", "importer", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        preexec_fn=limit,
        timeout=900,
    )
    assert done.returncode == 1, done.stderr[-2000:]
    summary = json.loads(done.stdout)
    assert summary["total"] == rows and summary["counts"]["valid"] >= rows - 3
    sheet.unlink()
    with report.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        short, long = next(reader), next(reader)
        assert "short-row" in short["warnings"] and short["Name"] == "Zoë Short"
        assert long["Column E"] == "far right" and long["Notes"] == notes
        assert sum(1 for _ in reader) == rows - 2
    report.unlink()


def test_every_corpus_text_sheet_reports_alike_streamed_and_whole(
    run_cli: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every CSV and TSV of the wild and world corpora (exports of many CRMs and countries; some in cp1252 or
    UTF-16, read whole), mapped by ``mapping suggest``: the report written while validating is byte for byte
    the one written from the whole file."""
    from tests import test_wild_corpus, test_world_corpus

    for key, value in test_wild_corpus.ENV.items():
        monkeypatch.setenv(key, value)
    sheets = [s for s in (*test_wild_corpus.SHEETS, *test_world_corpus.SHEETS) if s.suffix in (".csv", ".tsv")]
    streamed = 0
    for sheet in sheets:
        mapping_path = tmp_path / f"{sheet.stem}.yaml"
        assert run_cli("mapping", "suggest", str(sheet), "--out", str(mapping_path)).exit_code == 0, sheet.name
        mapping = importer.load_mapping(mapping_path)
        whole = importer.validate_file(sheet, mapping).write_report(tmp_path / "whole.csv").read_bytes()
        outcome = importer.validate_file(sheet, mapping, report=tmp_path / "streamed.csv")
        assert Path(str(outcome.report_path)).read_bytes() == whole, sheet.name
        streamed += outcome.prepared.stream is not None
    assert len(sheets) >= 60 and streamed >= len(sheets) // 2


def test_a_file_changed_before_its_report_is_written_again_is_refused(tmp_path: Path) -> None:
    """The report of a streamed file is written from the file again: rows added to it meanwhile stop that with
    an error saying the file changed, and no report is left."""
    sheet = tmp_path / "leads.csv"
    sheet.write_text("Name,Phone,Email\n" + "".join(f"Lead {i},98200{i:05d},l{i}@example.com\n" for i in range(5)))
    (tmp_path / "m.yaml").write_text(MAPPING)
    outcome = importer.validate_file(sheet, importer.load_mapping(tmp_path / "m.yaml"), report=tmp_path / "r.csv")
    with sheet.open("a") as handle:
        handle.write("Late,9820099999,late@example.com\n")
    with pytest.raises(importer.SourceError, match="changed while it was being validated"):
        outcome.write_report(tmp_path / "again.csv")
    assert not (tmp_path / "again.csv").exists()


def test_rows_regrouped_into_chunks_keep_every_row_in_order_and_mark_the_last() -> None:
    """However the parser's batches fall (empty ones too), the chunks hold every row once, in order, none
    longer than asked or empty, and only the last is marked last."""
    import random

    import pyarrow as pa

    from importer.read.stream import _row_chunks

    rng = random.Random(7)
    for _ in range(300):
        sizes = [rng.choice([0, 1, 2, 3, 5, 8]) for _ in range(rng.randint(0, 8))]
        rows, max_bytes = rng.randint(1, 7), rng.choice([10**9, 30, 60])
        batches: list[list[pa.Array]] = []
        values: list[str] = []
        for size in sizes:
            column = pa.array([f"v{len(values) + i}" for i in range(size)])
            values += column.to_pylist()
            batches.append([column, column])
        out = list(_row_chunks(iter(batches), 2, rows, max_bytes))
        assert [v for cells, _ in out for v in cells[0].to_pylist()] == values
        assert all(0 < len(cells[0]) <= rows for cells, _ in out)
        assert [last for _, last in out] == [False] * (len(out) - 1) + [True] * bool(out)


def test_lines_of_text_cut_anywhere_are_the_lines_of_the_whole_text() -> None:
    """However a ragged file's decoded text is cut into pieces (a CR LF cut in two included), its lines are those
    Python's csv module would be given for the whole text: the same records, the same line numbers in errors."""
    import io
    import random

    from importer.read.stream import _lines

    rng = random.Random(11)
    for _ in range(500):
        text = "".join(rng.choice(["a", ",", '"', "\r", "\n", "\r\n", "é"]) for _ in range(rng.randint(0, 40)))
        cuts = sorted(rng.sample(range(len(text) + 1), min(len(text) + 1, rng.randint(0, 6))))
        pieces = [text[a:b] for a, b in zip([0, *cuts], [*cuts, len(text)], strict=True)]
        read = [0]
        lines = list(_lines(((piece, i) for i, piece in enumerate(pieces)), read))
        assert lines == io.StringIO(text, newline="").readlines(), (text, pieces)
