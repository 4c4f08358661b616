"""The structure of an OLE compound file (an XLS), checked before the native reader walks it.

The reader sizes its buffers from the header's counts and the directory's stream sizes, and follows
sector chains until their end mark: a count or size larger than the file makes it ask for gigabytes, and
a chain that loops makes it grow a buffer forever; either aborts the whole process. So every count and
size is checked against the file, and every chain the reader follows is walked here first, once.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from pathlib import Path

__all__ = ["Damaged", "OleStream", "check_compound_file", "read_stream"]

_FREE, _END_OF_CHAIN = 0xFFFFFFFF, 0xFFFFFFFE
_SPECIAL = 0xFFFFFFFA  # ids from here up are markers (DIFAT, FAT, end of chain, free), not sectors
_MINI_CUTOFF = 4096
"""Streams smaller than this live in the mini stream, in 64-byte mini sectors."""
_MINI = 64


class Damaged(ValueError):
    """The compound file's structure cannot be what a real file holds."""


@dataclass(frozen=True, slots=True)
class OleStream:
    """A stream (or the root's mini stream) of the file: its name and declared size."""

    name: str
    size: int


def check_compound_file(path: Path) -> list[OleStream]:
    """The streams of the compound file at ``path``; :class:`Damaged` when a count, a size or a chain could
    make a reader allocate more than the file holds or loop forever."""
    return _walk(path.read_bytes(), ())[0]


def read_stream(path: Path, names: tuple[str, ...]) -> bytes | None:
    """The bytes of the first stream of ``names`` the compound file at ``path`` holds (None when it holds none);
    :class:`Damaged` as :func:`check_compound_file`."""
    kept = _walk(path.read_bytes(), names)[1]
    return next((kept[name] for name in names if name in kept), None)


def _walk(data: bytes, keep: tuple[str, ...]) -> tuple[list[OleStream], dict[str, bytes]]:
    """The streams of a compound file, and the bytes of those named in ``keep``."""
    if len(data) < 512:
        raise Damaged("the header is cut short")
    shift = struct.unpack_from("<H", data, 0x1E)[0]
    if shift not in (9, 12):
        raise Damaged(f"its sector size (2^{shift}) is not 512 or 4096 bytes")
    sector = 1 << shift
    sectors = max(-(-(len(data) - sector) // sector), 0)  # a last sector cut short still counts
    dir_count, fat_count, dir_start = struct.unpack_from("<III", data, 0x28)
    mini_start, mini_count, difat_start, difat_count = struct.unpack_from("<IIII", data, 0x3C)
    for what, count in (
        ("directory", dir_count),
        ("FAT", fat_count),
        ("mini FAT", mini_count),
        ("DIFAT", difat_count),
    ):
        if count > sectors + 1:
            raise Damaged(f"its header counts {count:,} {what} sectors in a file of {sectors:,}")

    def read(number: int) -> bytes:
        if number >= sectors:
            raise Damaged(f"a chain points at sector {number:,}, past the end of the file ({sectors:,} sectors)")
        start = (number + 1) * sector
        return data[start : start + sector].ljust(sector, b"\xff")

    per_sector = sector // 4
    fat_ids = [n for n in struct.unpack_from("<109I", data, 0x4C) if n < _SPECIAL]
    seen_difat: set[int] = set()
    current = difat_start
    while current < _SPECIAL:
        if current in seen_difat:
            raise Damaged("its DIFAT chain loops")
        seen_difat.add(current)
        entries = struct.unpack(f"<{per_sector}I", read(current))
        fat_ids += [n for n in entries[:-1] if n < _SPECIAL]
        current = entries[-1]
    fat: list[int] = []
    for number in fat_ids:
        fat.extend(struct.unpack(f"<{per_sector}I", read(number)))

    def chain(start: int, table: list[int], limit: int, what: str) -> list[int]:
        """The sector numbers of the chain from ``start`` (at most ``limit`` of them)."""
        out: list[int] = []
        seen: set[int] = set()
        current = start
        while current != _END_OF_CHAIN:
            if current >= len(table) or current in seen:
                why = "loops" if current in seen else "leaves the allocation table"
                raise Damaged(f"the sector chain of {what} {why}")
            if len(out) > limit:
                raise Damaged(f"the sector chain of {what} is longer than the file")
            seen.add(current)
            out.append(current)
            current = table[current]
        return out

    directory = b"".join(read(n) for n in chain(dir_start, fat, sectors, "the directory"))
    records = [directory[i : i + 128] for i in range(0, len(directory) - 127, 128)]
    if not records:
        raise Damaged("it has no directory")
    streams: list[OleStream] = []
    kept: dict[str, bytes] = {}
    top = _top_level(records) if keep else set()  # (an embedded object's storage may hold a "Workbook" too)
    mini_fat: list[int] | None = None
    mini_stream = b""
    for index, entry in enumerate(records):
        name_length, kind = struct.unpack_from("<HB", entry, 64)
        if kind not in (1, 2, 5):  # storage, stream, root (0: unused)
            continue
        start = struct.unpack_from("<I", entry, 116)[0]
        size = struct.unpack_from("<Q", entry, 120)[0]
        if sector == 512:
            size &= 0xFFFFFFFF  # version 3 keeps only the low 32 bits
        name = entry[: max(min(name_length, 64) - 2, 0)].decode("utf-16-le", errors="replace") or f"entry {index}"
        if size > len(data):
            streams.append(OleStream(name, size))  # named by the caller, with the file's size
            continue
        if kind == 1:
            continue
        if kind == 5 or size >= _MINI_CUTOFF:
            if size or start < _SPECIAL:
                numbers = chain(start, fat, sectors, repr(name))
                if kind == 5 and keep:  # the root's: the mini stream small streams live in
                    mini_stream = b"".join(read(n) for n in numbers)[:size]
                elif name in keep and index in top:
                    kept[name] = b"".join(read(n) for n in numbers)[:size]
        elif size:
            if mini_fat is None:
                mini_ids = chain(mini_start, fat, sectors, "the mini FAT") if mini_start < _SPECIAL else []
                mini_fat = [v for n in mini_ids for v in struct.unpack(f"<{per_sector}I", read(n))]
            numbers = chain(start, mini_fat, len(mini_fat), repr(name))
            if name in keep and index in top:
                kept[name] = b"".join(mini_stream[n * _MINI : (n + 1) * _MINI] for n in numbers)[:size]
        streams.append(OleStream(name, size))
    return streams, kept


def _top_level(records: list[bytes]) -> set[int]:
    """The directory entries in the root storage itself: the root's child and its siblings (left and right in the
    storage's tree), not what the storages among them hold."""
    out: set[int] = set()
    todo = [struct.unpack_from("<I", records[0], 76)[0]]
    while todo:
        index = todo.pop()
        if index >= len(records) or index in out:  # (no entry, or a loop: not followed)
            continue
        out.add(index)
        todo.extend(struct.unpack_from("<II", records[index], 68))
    return out
