"""Refuse a workbook whose parts would unpack to more than any lead sheet needs, before a reader parses it.

A 3 MB XLSX whose sheet part inflates to 3 GiB (a zip bomb) drives a reader to many gigabytes of memory,
and its ``<dimension>`` may still claim ``A1:E5``. So every part of a zip-based workbook (XLSX, XLSM,
XLSB, ODS) is checked for its declared size, its real size (inflated, counting only, up to the limit)
and its compression ratio; the streams of an XLS (an OLE compound file) for sizes the file cannot hold.

The limits are sized for real lead sheets: 1,000,000 rows x 50 columns is 50 million cells; a cell of
a sheet part takes about 40 bytes of XML (``<c r="AX1000000" t="s"><v>1234567</v></c>``), so 2 GiB holds
such a sheet, and its shared strings fit in the same. Real sheet XML deflates about 5-30 to 1; a
bomb reaches 1,000 to 1.
"""

from __future__ import annotations

import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from importer.errors import SourceError
from importer.read.ole import Damaged, check_compound_file

__all__ = ["WorkbookLimits", "check_memory", "check_workbook", "human_size", "memory_available"]


@dataclass(frozen=True, slots=True)
class WorkbookLimits:
    """What a workbook's parts may unpack to."""

    part_bytes: int = 2 << 30
    """Largest unpacked part: a 1,000,000 x 50 sheet's XML."""
    total_bytes: int = 4 << 30
    """All parts together: the sheet, its shared strings and styles."""
    ratio: int = 200
    """Highest compression ratio of a part larger than ``ratio_floor`` unpacked."""
    ratio_floor: int = 64 << 20
    """Parts smaller than this unpacked may compress as well as they like (an empty styles part does)."""
    members: int = 20_000
    """Parts in one archive (sheets, drawings, images): a real workbook has a few dozen to a few thousand."""


DEFAULT_LIMITS = WorkbookLimits()

_ZIP_MAGIC = b"PK\x03\x04"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_DEFLATE_MAX_RATIO = 1032
"""Deflate never expands more than this: a part whose compressed size times this is under every limit needs no inflating."""
_CHUNK = 1 << 20


def check_workbook(path: Path, limits: WorkbookLimits | None = None) -> None:
    """Raise :class:`SourceError` naming the part and its size when a workbook would unpack past ``limits``
    (default :data:`DEFAULT_LIMITS`)."""
    limits = limits or DEFAULT_LIMITS
    try:
        with path.open("rb") as handle:
            head = handle.read(8)
    except OSError:
        return  # the reader says what is wrong with the file
    if head.startswith(_ZIP_MAGIC):
        _check_zip(path, limits)
    elif head.startswith(_OLE_MAGIC):
        _check_ole(path, limits)


def human_size(size: int) -> str:
    """A byte count as a person reads it: 3.0 GiB, 512 KiB, 17 bytes."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            return f"{int(value)} bytes" if unit == "bytes" else f"{value:.1f} {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover


def _refuse(path: Path, part: str, what: str) -> SourceError:
    return SourceError(
        f"{path}: the part {part!r} {what}, more than any lead sheet needs (1,000,000 rows x 50 columns); "
        "the file looks damaged or built to exhaust memory (a zip bomb), so it is not read. If it is a real "
        "export, open it in Excel and save it as .csv."
    )


def _check_zip(path: Path, limits: WorkbookLimits) -> None:
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # not a readable archive: the reader says so
    with archive, path.open("rb") as raw:
        infos = archive.infolist()
        if len(infos) > limits.members:
            raise SourceError(
                f"{path}: the archive holds {len(infos):,} parts (a workbook has at most a few thousand); "
                "it looks damaged or built to exhaust memory, so it is not read."
            )
        total = 0
        sizes: dict[str, int] = {}
        for info in infos:
            if info.file_size > limits.part_bytes:
                raise _refuse(path, info.filename, f"declares {human_size(info.file_size)} unpacked")
            size = _inflated_size(raw, info, min(limits.part_bytes, limits.total_bytes - total) + 1)
            if size is None:
                continue  # not inflatable here (damaged, or another method): the reader says what is wrong
            if size > limits.part_bytes:
                declared = f" (it declares {human_size(info.file_size)})" if info.file_size != size else ""
                raise _refuse(path, info.filename, f"unpacks to more than {human_size(limits.part_bytes)}{declared}")
            if total + size > limits.total_bytes:
                raise _refuse(
                    path,
                    info.filename,
                    f"brings the parts unpacked to more than {human_size(limits.total_bytes)} together",
                )
            if size >= limits.ratio_floor and size > limits.ratio * max(info.compress_size, 1):
                raise _refuse(
                    path,
                    info.filename,
                    f"unpacks from {human_size(info.compress_size)} to {human_size(size)} "
                    f"({size // max(info.compress_size, 1):,} to 1)",
                )
            if size != info.file_size:
                raise _refuse(
                    path, info.filename, f"unpacks to {human_size(size)} but declares {human_size(info.file_size)}"
                )
            total += size
            sizes[info.filename] = size
    sheet = max((size for name, size in sizes.items() if _is_sheet_part(name)), default=0)
    strings = sum(size for name, size in sizes.items() if "sharedstrings" in name.lower())
    check_memory(path, sheet + strings, "its largest sheet")


def _is_sheet_part(name: str) -> bool:
    lowered = name.lower()
    return lowered.startswith(("xl/worksheets/", "xl/chartsheets/")) or lowered == "content.xml"


MEMORY_PER_BYTE = 3
"""Memory a reader takes per byte of the sheet it parses (with its shared strings): cells become values,
then text; measured at about 2.5 for a sheet of short text cells."""
_ALWAYS_FITS = 64 << 20


def check_memory(path: Path, part_bytes: int, what: str, *, per_byte: int = MEMORY_PER_BYTE) -> None:
    """Refuse before parsing a sheet that cannot fit in the memory this process may still use: a native
    reader that runs out of memory aborts the whole process (exit 134) instead of raising an error (``per_byte``:
    the memory the reader takes per byte parsed)."""
    needed = per_byte * part_bytes
    if needed < _ALWAYS_FITS:
        return
    available = memory_available()
    if available is not None and needed > available:
        raise SourceError(
            f"{path} ({human_size(path.stat().st_size)}): reading {what} ({human_size(part_bytes)} unpacked) "
            f"needs about {human_size(needed)} of memory, and this process can use only {human_size(available)} "
            "more; nothing was sent. Split the file, save it as .csv (read with far less memory), or run it "
            "on a machine with more memory."
        )


def memory_available() -> int | None:
    """Bytes this process may still allocate, as far as the system says: its address-space limit, its
    cgroup's limit and the memory the kernel has available (None when none is known)."""
    known: list[int] = []
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            used = _status_kib("VmSize")
            known.append(soft - (used or 0) * 1024)
    except (ImportError, OSError, ValueError):
        pass
    limit, usage = _read_int("/sys/fs/cgroup/memory.max"), _read_int("/sys/fs/cgroup/memory.current")
    if limit is not None and usage is not None:
        known.append(limit - usage)
    meminfo = _meminfo()
    if "MemAvailable" in meminfo:
        known.append((meminfo["MemAvailable"] + meminfo.get("SwapFree", 0)) * 1024)
    return max(min(known), 0) if known else None


def _read_int(path: str) -> int | None:
    try:
        text = Path(path).read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None
    return int(text) if text.isdecimal() else None


def _status_kib(field: str) -> int | None:
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError, UnicodeDecodeError):
        return None
    return None


def _meminfo() -> dict[str, int]:
    try:
        lines = Path("/proc/meminfo").read_text(encoding="ascii").splitlines()
    except (OSError, UnicodeDecodeError):
        return {}
    out = {}
    for line in lines:
        name, _, rest = line.partition(":")
        parts = rest.split()
        if parts and parts[0].isdecimal():
            out[name] = int(parts[0])
    return out


def _inflated_size(raw: BinaryIO, info: zipfile.ZipInfo, cap: int) -> int | None:
    """How many bytes a part really unpacks to (counted, never kept), up to ``cap``; None when unknown."""
    if info.compress_type == zipfile.ZIP_STORED:
        return info.compress_size
    if info.compress_type != zipfile.ZIP_DEFLATED:
        return None
    if info.compress_size * _DEFLATE_MAX_RATIO < cap and info.compress_size * _DEFLATE_MAX_RATIO < (64 << 20):
        return info.file_size  # cannot unpack to anything worth counting
    try:
        raw.seek(info.header_offset)
        local = raw.read(30)
        if len(local) < 30 or local[:4] != _ZIP_MAGIC:
            return None
        name_length, extra_length = struct.unpack("<HH", local[26:30])
        raw.seek(info.header_offset + 30 + name_length + extra_length)
        inflater = zlib.decompressobj(-15)
        left, produced = info.compress_size, 0
        while left > 0 and produced < cap:
            chunk = raw.read(min(_CHUNK, left))
            if not chunk:
                break
            left -= len(chunk)
            produced += len(inflater.decompress(chunk, _CHUNK))
            while inflater.unconsumed_tail and produced < cap:
                produced += len(inflater.decompress(inflater.unconsumed_tail, _CHUNK))
        if produced < cap:
            produced += len(inflater.flush())
        return produced
    except (OSError, zlib.error):
        return None


# -- XLS: an OLE compound file ----------------------------------------------------------------------


def _check_ole(path: Path, limits: WorkbookLimits) -> None:
    """Each stream's declared size must fit in the file (a stream's bytes are the file's own sectors), and
    the file's structure must be one a reader can walk without exhausting memory."""
    try:
        streams = check_compound_file(path)
    except Damaged as exc:
        raise SourceError(
            f"{path}: this XLS file is damaged ({exc}); it is not read, since reading it could exhaust memory. "
            "Open it in Excel and save it again as .xlsx or .csv."
        ) from None
    except (OSError, struct.error, UnicodeDecodeError):
        return  # the reader says what is wrong with it
    file_size = path.stat().st_size
    for stream in streams:
        if stream.size > file_size or stream.size > limits.part_bytes:
            raise SourceError(
                f"{path}: the stream {stream.name!r} declares {human_size(stream.size)}, but the file holds only "
                f"{human_size(file_size)}; the file is damaged or built to exhaust memory, so it is not read. "
                "If it is a real export, open it in Excel and save it as .xlsx or .csv."
            )
    check_memory(path, max((stream.size for stream in streams), default=0), "its workbook stream")
