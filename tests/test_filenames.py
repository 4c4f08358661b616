"""Names made from someone else's file name still fit the file system."""

from __future__ import annotations

import pytest

from importer.filenames import NAME_MAX, fit_name


def test_a_short_name_is_kept() -> None:
    assert fit_name("leads.csv", reserve=40) == "leads.csv"


@pytest.mark.parametrize("name", ["लीड्स" * 40 + ".csv", "a" * 300 + ".xlsx", "ü" * 200, "x" * 100 + "." + "y" * 200])
def test_a_long_name_is_cut_in_the_middle_to_fit_keeping_its_type(name: str) -> None:
    short = fit_name(name, reserve=46)
    assert len(short.encode("utf-8")) + 46 <= NAME_MAX
    assert "…" in short
    if name.endswith((".csv", ".xlsx")):
        assert short.endswith("…" + name[name.rindex(".") :])
    assert name.startswith(short.split("…")[0])


def test_one_line_escapes_what_would_break_or_hide_a_log_line_and_keeps_every_script() -> None:
    """Line breaks, ESC, C1 controls and bidi overrides are shown escaped; letters, accents and joiners stay."""
    from importer.filenames import one_line

    assert one_line("a\nb\r\tc\x1b[0m\x85\u2028\u202e") == "a\\nb\\r\\tc\\x1b[0m\\x85\\u2028\\u202e"
    assert one_line("लीड्स Café क्‍ष.csv") == "लीड्स Café क्‍ष.csv"


@pytest.mark.parametrize(
    ("name", "code_page"),
    [
        ("Leads Café März.csv", "cp1252"),
        ("Müller Ääkkönen.csv", "cp1252"),
        ("Señoría São Tomé.xlsx", "cp1252"),
        ("Café Müller.csv", "cp850"),  # a zip made by Windows' "Compressed folder" (the OEM code page)
        ("テスト顧客リスト.csv", "cp932"),
        ("テスト.csv", "cp932"),
        ("/home/ops/inbox/リスト 3月.csv", "cp932"),
        ("顧客名簿.xlsx", "cp932"),
        ("ﾃｽﾄ.csv", "cp932"),
        ("고객 목록.csv", "cp949"),
        ("客户名单.csv", "gbk"),
        ("中文.csv", "gbk"),
        ("客戶名單.csv", "cp950"),
        ("Список клиентов.csv", "cp1251"),
        ("ЗАКАЗЫ.csv", "cp1251"),
        ("Łódź Žluťoučký kůň.csv", "cp1250"),
        ("東京支店リード.csv", "cp932"),
        ("営業部.csv", "cp932"),
        ("销售线索.csv", "gbk"),
        ("신규고객.xlsx", "cp949"),
        ("台北客戶.csv", "cp950"),
        ("Πελάτες 2024.xlsx", "cp1253"),
        ("לקוחות.csv", "cp1255"),
    ],
)
def test_a_name_that_is_not_utf8_is_read_in_the_code_page_it_was_written_in(name: str, code_page: str) -> None:
    """A name unzipped or copied in a Windows code page (its bytes kept as they were, not UTF-8) reads as written:
    a Japanese name in Shift-JIS is not "ƒeƒXƒg" (Windows-1252), a Russian one not "Ñïèñîê"."""
    import os

    from importer.filenames import readable_name

    assert readable_name(os.fsdecode(name.encode(code_page))) == name


def test_any_name_that_is_not_utf8_becomes_text_the_ledger_and_a_result_can_hold() -> None:
    """Bytes no code page makes sense of still give a name UTF-8 can write (SQLite and JSON refuse surrogates)."""
    import os
    import random

    from importer.filenames import readable_name

    rng = random.Random(5)
    for _ in range(300):
        raw = bytes(rng.randrange(0x80, 0x100) if rng.random() < 0.6 else rng.randrange(0x20, 0x7F) for _ in range(9))
        name = readable_name(os.fsdecode(raw))
        assert name and name.encode("utf-8")
