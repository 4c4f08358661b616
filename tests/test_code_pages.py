"""CSV files Excel saved on a Russian, Arabic, Greek, Hebrew, Thai, Japanese, Chinese or Korean Windows (its "CSV"
is the system's code page, not UTF-8) keep their names: they reach the report and the CRM as written, not as
cp1252 mojibake (``Åëåíà Ñìèðíîâ``). Latin files in cp1252 and Mac Roman stay as they were read."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import given
from hypothesis import strategies as st

from importer.read import script_codepage
from tests.conftest import PROCESS, PROJECT

ENV = {"VOX_PROJECT_ID": PROJECT, "VOX_PROCESS_ID": PROCESS}

SHEETS = {
    # code page: (region, header, [(name, phone)]), each as people there type them
    "cp1251": ("RU", "ФИО;Телефон;Email;Город", [("Елена Смирнова", "8 (916) 123-45-67"), ("Сергей Лебедев", "+7 903 765-43-21"), ("Анна Соколова", "8 926 555 12 34"), ("Дмитрий Попов", "89031112233")]),
    "cp1256": ("SA", "الاسم;الجوال;البريد الإلكتروني;المدينة", [("فيصل الغامدي", "050 418 7181"), ("سارة الحربي", "+966 50 008 9162"), ("ريم القحطاني", "0551234567"), ("تركي العتيبي", "0509876543")]),
    "cp1253": ("GR", "Ονοματεπώνυμο;Κινητό;Email;Πόλη", [("Γιώργος Παπαδόπουλος", "691 234 5678"), ("Μαρία Νικολάου", "+30 697 123 4567"), ("Νίκος Γεωργίου", "6944123456"), ("Ελένη Δημητρίου", "693 765 4321")]),
    "cp1255": ("IL", "שם מלא;נייד;אימייל;עיר", [("דוד כהן", "050-234-5678"), ("שרה לוי", "+972 52 765 4321"), ("יוסי מזרחי", "0547654321"), ("רחל אברהם", "053-987-6543")]),  # noqa: RUF001
    "cp874": ("TH", "ชื่อ;มือถือ;อีเมล;จังหวัด", [("สมชาย ใจดี", "081 234 5678"), ("สมหญิง รักไทย", "+66 89 765 4321"), ("วิชัย สุขสันต์", "0861234567"), ("มาลี ศรีสุข", "092-345-6789")]),
    "cp932": ("JP", "氏名;携帯電話;メールアドレス;都道府県", [("山田 太郎", "090-1234-5678"), ("佐藤 花子", "+81 80-2345-6789"), ("鈴木 一郎", "07012345678"), ("高橋 美咲", "090-8765-4321")]),
    "gb18030": ("CN", "姓名;手机;邮箱;城市", [("王 小明", "138 0013 8000"), ("李 华", "+86 139 1234 5678"), ("张 伟", "13612345678"), ("陈 静", "150-1234-5678")]),
    "cp950": ("TW", "姓名;手機;電子郵件;縣市", [("陳 大文", "0912-345-678"), ("林 美玲", "+886 933 123 456"), ("黃 志明", "0987215468"), ("張 淑芬", "0920-123-456")]),
    "cp949": ("KR", "이름;휴대폰;이메일;지역", [("김민준", "010-1234-5678"), ("이서연", "+82 10-2345-6789"), ("박지훈", "01098765432"), ("최하은", "010-5555-1234")]),
}  # fmt: skip


def _write(path: Path, code_page: str) -> list[str]:
    """The sheet in ``code_page``, as Excel saves it (semicolons, CRLF); the names it holds."""
    _, header, people = SHEETS[code_page]
    lines = [header] + [f"{name};{phone};lead{i}@example.com;X" for i, (name, phone) in enumerate(people)]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(code_page))
    return [name for name, _ in people]


@pytest.mark.parametrize("code_page", sorted(SHEETS))
def test_a_sheet_in_a_non_latin_code_page_keeps_its_names(run_cli: Any, tmp_path: Path, code_page: str) -> None:
    """validate with a hand-written mapping: every row valid, its name in the report as typed; inspect names the
    code page."""
    region, header, _ = SHEETS[code_page]
    columns = header.split(";")
    sheet = tmp_path / "leads.csv"
    names = _write(sheet, code_page)
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: {region}\n"
        f"fields:\n  name: {columns[0]}\n  phone: {columns[1]}\n  email: {columns[2]}\n",
        encoding="utf-8",
    )
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), "--no-ledger")
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [row[columns[0]] for row in checked.report] == names
    assert [row["status"] for row in checked.report] == ["valid"] * len(names)
    inspected = run_cli("inspect", str(sheet))
    assert f"text file, {code_page}, semicolon-separated" in inspected.output
    assert names[0] in inspected.output


@pytest.mark.parametrize("code_page", ["cp1251", "cp932", "gb18030", "cp1256"])
def test_mapping_suggest_finds_the_name_of_a_non_latin_code_page_sheet(
    run_cli: Any, tmp_path: Path, code_page: str
) -> None:
    """mapping suggest reads the headers as written, so its mapping names the sheet's own columns and validates."""
    columns = SHEETS[code_page][1].split(";")
    sheet = tmp_path / "leads.csv"
    names = _write(sheet, code_page)
    mapping = tmp_path / "m.yaml"
    suggested = run_cli("mapping", "suggest", str(sheet), "--out", str(mapping), env=ENV)
    assert suggested.exit_code == 0, suggested.output + suggested.stderr
    assert f"name: {columns[0]}" in mapping.read_text(encoding="utf-8")
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), env=ENV)
    assert checked.exit_code == 0, checked.output + checked.stderr
    assert [row[columns[0]] for row in checked.report] == names


@pytest.mark.parametrize(
    ("encoding", "names"),
    [
        ("cp1252", ["Rappeler à 10h", "Où est Zoë", "José Müller"]),  # words of accented letters alone
        ("cp1252", ["JOSÉ PEÑA", "ÁNGEL ÑÚÑEZ", "AÑO ÉXITO"]),
        ("cp1252", ["Ångström Øre", "Æsa Ødegård", "Über Öl"]),
        ("mac_roman", ["José Núñez", "Zoë Brontë", "Jürgen Müller"]),
    ],
)
def test_latin_files_are_not_taken_for_another_script(
    run_cli: Any, tmp_path: Path, encoding: str, names: list[str]
) -> None:
    """A Latin file whose accented words a Cyrillic or Greek code page would also decode stays cp1252 / Mac Roman."""
    sheet = tmp_path / "leads.csv"
    lines = ["Name,Phone"] + [f"{name},98200{i:05d}" for i, name in enumerate(names)]
    sheet.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    mapping = tmp_path / "m.yaml"
    mapping.write_text(
        f"project_id: {PROJECT}\nprocess_id: {PROCESS}\ndefault_region: IN\nfields:\n  name: Name\n  phone: Phone\n"
    )
    report = tmp_path / "r.csv"
    checked = run_cli("validate", str(sheet), "--mapping", str(mapping), "--report", str(report), "--no-ledger")
    assert [row["Name"] for row in checked.report] == names
    assert f"text file, {encoding}," in run_cli("inspect", str(sheet)).output


@given(
    data=st.lists(st.sampled_from([b"a", b",", b"\n", b"\xe9", b"\xd0"]), max_size=300).map(b"".join),
    cuts=st.lists(st.integers(min_value=0, max_value=300), max_size=6),
    size=st.sampled_from([5, 40, 1000]),
)
def test_the_sample_weighed_is_the_same_whatever_the_blocks(data: bytes, cuts: list[int], size: int) -> None:
    """The streamed reader feeds the file a block at a time, the whole reader at once: both weigh the same lines
    (those holding a byte over 0x7F, up to the sample's size), so both read the file in the same code page."""
    with patch.object(script_codepage, "SAMPLE", size):
        whole, blocks = script_codepage.ScriptSample(), script_codepage.ScriptSample()
        whole.feed(data, final=True)
        edges = [0, *sorted(c for c in cuts if c <= len(data)), len(data)]
        for start, stop in itertools.pairwise(edges):
            blocks.feed(data[start:stop], final=False)
        blocks.feed(b"", final=True)
    lines = b"".join(line for line in data.splitlines(keepends=True) if not line.isascii())
    assert whole.data() == blocks.data() == lines[:size]
