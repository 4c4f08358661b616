"""CSV files Excel saved on a Central European (cp1250), Turkish (cp1254) or Baltic (cp1257) Windows keep their
names (``Łukasz``, ``Şükrü``, ``Rūta``), not cp1252's reading of them (``£ukasz``, ``Þükrü``, ``Rûta``); a file
in cp1252 (French, German, Spanish, Nordic names) stays cp1252; the streamed reader decides alike."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import importer
from tests.conftest import PROCESS, PROJECT

SHEETS = {
    # label: (code page, region, [(name, phone)])
    "polish": ("cp1250", "PL", [("Łukasz Wróbel", "601 234 567"), ("Katarzyna Żółkiewska", "+48 602 111 222"), ("Małgorzata Śliwińska", "603 000 111"), ("Zbigniew Kaczmarek", "604 555 666")]),
    "czech": ("cp1250", "CZ", [("Antonín Dvořák", "601 234 567"), ("Jiří Černý", "+420 602 111 222"), ("Věra Čáslavská", "603 000 111"), ("Petr Novák", "604 555 666")]),
    "hungarian": ("cp1250", "HU", [("Győző Kovács", "06 30 123 4567"), ("Erzsébet Szűcs", "+36 30 111 2222"), ("Ödön Tóth", "06 20 555 6666"), ("Réka Horváth", "06 70 333 4444")]),
    "turkish": ("cp1254", "TR", [("Şükrü Yılmaz", "0532 123 45 67"), ("Ayşe Güneş", "+90 533 111 22 22"), ("İsmail Çelik", "0534 000 11 11"), ("Gülşen Doğan", "0535 555 66 77")]),  # noqa: RUF001
    "lithuanian": ("cp1257", "LT", [("Jonas Žukauskas", "8 612 34567"), ("Rūta Šimkutė", "+370 612 11122"), ("Aušra Jėgėlienė", "8 612 00011"), ("Tomas Petraitis", "8 612 55566")]),
    "latvian": ("cp1257", "LV", [("Jānis Bērziņš", "29 123 456"), ("Līga Ozoliņa", "+371 26 111 222"), ("Andris Kalniņš", "27 555 666"), ("Ilze Liepiņa", "28 333 444")]),
    "french": ("cp1252", "FR", [("François Lefèvre", "06 12 34 56 78"), ("Hélène Dupré", "+33 6 11 22 33 44"), ("Jérôme Bœuf", "06 00 11 22 33"), ("Noël Garçon", "06 55 66 77 88")]),
    "german": ("cp1252", "DE", [("Jürgen Müller", "0171 1234567"), ("Gießen Straße", "+49 172 1112223"), ("Özlem Köhler", "0173 0001112"), ("Björn Schäfer", "0174 5556667")]),
    "spanish": ("cp1252", "ES", [("José Núñez", "612 345 678"), ("María Peña", "+34 611 222 333"), ("Íñigo Muñoz", "622 000 111"), ("Begoña Ibáñez", "633 555 666")]),
    "nordic": ("cp1252", "DK", [("Søren Ærø", "20 12 34 56"), ("Åse Bjørn", "+45 20 11 22 33"), ("Øystein Lærke", "22 40 11 22"), ("Mette Frølund", "31 55 66 77")]),
}  # fmt: skip


def _write(path: Path, label: str) -> list[str]:
    code_page, _, people = SHEETS[label]
    lines = ["Name;Phone;Email"] + [f"{name};{phone};lead{i}@example.com" for i, (name, phone) in enumerate(people)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(code_page))
    return [name for name, _ in people]


@pytest.mark.parametrize("label", sorted(SHEETS))
def test_a_sheet_in_a_latin_code_page_keeps_its_names(run_cli: Any, tmp_path: Path, label: str) -> None:
    """validate: every row valid with its name as typed; inspect names the code page."""
    code_page, region, _ = SHEETS[label]
    sheet = tmp_path / "leads.csv"
    names = _write(sheet, label)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {region}\n"
        "fields:\n  name: Name\n  phone: Phone\n  email: Email\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), "--no-ledger")
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [row["Name"] for row in checked.report] == names
    assert [row["status"] for row in checked.report] == ["valid"] * len(names)
    assert f"text file, {code_page}, semicolon-separated" in run_cli("inspect", str(sheet)).output


@pytest.mark.parametrize("label", sorted(SHEETS))
def test_the_streamed_reader_reads_a_latin_code_page_alike(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, label: str
) -> None:
    """Decoded 5 bytes at a time, the streamed reader names the same code page and reports byte for byte alike."""
    sheet = tmp_path / "leads.csv"
    _write(sheet, label)
    (tmp_path / "m.yaml").write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {SHEETS[label][1]}\n"
        "fields:\n  name: Name\n  phone: Phone\n  email: Email\n"
    )
    mapping = importer.load_mapping(tmp_path / "m.yaml")
    monkeypatch.setattr("importer.read.stream.CHUNK_ROWS", 2)
    monkeypatch.setattr("importer.read.transcode.BLOCK", 5)
    whole = importer.validate_file(sheet, mapping)
    whole_report = whole.write_report(tmp_path / "whole.csv").read_bytes()
    streamed = importer.validate_file(sheet, mapping, report=tmp_path / "streamed.csv")
    assert streamed.prepared.stream is not None
    assert streamed.table.encoding == whole.table.encoding == SHEETS[label][0]
    assert Path(str(streamed.report_path)).read_bytes() == whole_report


@pytest.mark.parametrize(
    ("code_page", "text"),
    [
        ("cp1252", "Name,Phone\nGuðrún Þórsdóttir,+354 611 1234\nSigurður Ólafsson,+354 622 2345\n"),
        ("cp1252", "Name,Phone\nJoão Gonçalves,+351 912 345 678\nInês Simões,+351 914 000 111\n"),
        ("cp1252", "Name,Phone\nJohn Smith,+1 212 555 0100\nPeña Lopez,+1 212 555 0101\n"),
        ("cp1252", "Name,Phone,Note\nJohn,+1 212 555 0100,€ 5000 «urgent» — ¿call?\nMary,+1 212 555 0101,£300 ± 2°\n"),
        (
            "cp1252",
            "Nom;Téléphone;Société\n" + "".join(f"Client{i} Lefèvre;06 12 34 56 {i:02d};Crédit\n" for i in range(40)),
        ),
        (
            "cp1250",
            "Name,Phone\nJohn Smith,+1 212 555 0100\nWojciech Łódź,+48 601 234 567\nMary Jones,+1 212 555 0102\n",
        ),
        (
            "cp1250",
            "Ime,Telefon\nMarija Kovačević,+385 92 111 2222\nŽeljko Šarić,+385 95 000 1111\nĐurđa Babić,+385 98 5\n",
        ),
        ("cp1250", "Meno,Telefón\nĽubomír Ďurčo,+421 901 234 567\nĽudovít Štúr,+421 903 000 111\n"),
    ],
)
def test_the_code_page_named_is_the_one_written(run_cli: Any, tmp_path: Path, code_page: str, text: str) -> None:
    """Icelandic, Portuguese, one Spanish name among English ones, currency and quote signs stay cp1252; one
    Polish name among English ones, Croatian and Slovak are cp1250, and inspect shows them as written."""
    sheet = tmp_path / "leads.csv"
    sheet.write_bytes(text.encode(code_page))
    inspected = run_cli("inspect", str(sheet))
    assert f"text file, {code_page}," in inspected.output
    assert text.splitlines()[2].split(",")[0].split(";")[0] in inspected.output
