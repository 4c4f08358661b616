"""A text file's encoding decided as :func:`importer.read.text.decode` decides it, but reading the file a block at
a time; and its text handed on as UTF-8 a block at a time (for the streamed reader, :mod:`importer.read.stream`).

Deciding needs the whole file (whether every byte is UTF-8, how many are not), so it is a pass of its own over
the file: decoding only, nothing kept but counts. Its errors are :func:`decode`'s, word for word.
"""

from __future__ import annotations

import codecs
import io
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from importer.errors import SourceError
from importer.read.latin_codepage import latin_code_page
from importer.read.legacy_codepage import MacRomanVote
from importer.read.script_codepage import ScriptSample, script_code_page
from importer.read.text import _bomless_utf16, code_page_errors, stray_label

BLOCK = 1 << 20
"""Bytes decoded at a time."""

_ESCAPED_CP1252 = {0xDC00 + b: bytes([b]).decode("cp1252", errors="latin1fallback") for b in range(0x80, 0x100)}
"""A byte that is not UTF-8, escaped by ``surrogateescape``, → the character cp1252 (or Latin-1) reads it as:
what :func:`importer.read.text.decode`'s ``cp1252fallback`` makes of it."""


@dataclass(frozen=True, slots=True)
class Decoding:
    """How a text file's bytes become its text."""

    label: str
    """The encoding as the summary names it (:attr:`SourceTable.encoding`)."""
    codec: str | None
    """The codec; None: the bytes after ``offset`` are UTF-8 already and are parsed as they are."""
    offset: int = 0
    """Bytes before the text (a UTF-8 byte-order mark)."""
    errors: str = "strict"
    strip_bom: bool = False
    """Whether one U+FEFF opening the text is dropped (a second byte-order mark, or one a named codec keeps)."""
    mixed: bool = False
    """UTF-8 whose stray bytes read as cp1252 (decoded with ``surrogateescape``, the escapes then replaced)."""
    failure: str = ""
    """How a decoding error is told: ``named`` (``--encoding``), or the name of the byte-order mark's encoding."""

    def head(self, data: bytes, *, final: bool) -> str:
        """The text of the file's opening ``data`` (all of the file when ``final``)."""
        decoder = self._decoder()
        text = decoder.decode(data[self.offset :], final=final)
        return self._finish(text, first=True)

    def pieces(self, path: Path, *, check: bool = False) -> Iterator[tuple[str, int]]:
        """The file's text a block at a time, each with the bytes of the file read so far.

        A decoding error is a :class:`SourceError` worded as :func:`decode` words it when ``check``, else
        :class:`UnicodeDecodeError` (the file was checked before, so it changed since).
        """
        decoder = self._decoder()
        first = True
        consumed = self.offset
        try:
            with path.open("rb") as handle:
                handle.seek(self.offset)
                while True:
                    block = handle.read(BLOCK)
                    final = not block
                    pending = len(decoder.getstate()[0])
                    try:
                        text = decoder.decode(block, final=final)
                    except UnicodeDecodeError as exc:
                        if not check:
                            raise
                        raise self._error(path, consumed - pending + exc.start - self._base(), exc.reason) from None
                    consumed += len(block)
                    if text:
                        yield self._finish(text, first=first), consumed
                        first = False
                    if final:
                        return
        except OSError as exc:
            raise SourceError(f"{path}: cannot read: {exc.strerror}.") from None

    def _decoder(self) -> codecs.IncrementalDecoder:
        return codecs.getincrementaldecoder(self.codec or "utf-8")(errors=self.errors)

    def _base(self) -> int:
        """Where :func:`decode`'s error positions count from: after a skipped byte-order mark, as
        ``bytes.decode("utf-8-sig")`` counts."""
        return self.offset

    def _finish(self, text: str, *, first: bool) -> str:
        if first and self.strip_bom and text.startswith("\ufeff"):
            text = text[1:]
        if self.mixed:
            text = text.translate(_ESCAPED_CP1252)
        return text

    def _error(self, path: Path, at: int, reason: str) -> SourceError:
        if self.failure == "named":
            return SourceError(f"{path}: cannot be decoded as {self.label} at byte {at}: {reason}.")
        return SourceError(f"{path}: starts with a {self.failure} byte-order mark but byte {at} is not {self.failure}.")


UTF8 = Decoding("utf-8", None)


def decoding_of(path: Path, head: bytes, encoding: str | None, *, code_page: str | None = None) -> Decoding:
    """The file's decoding, as :func:`importer.read.text.decode` decides it (``head``: its opening bytes, at least
    4 KiB of them; ``code_page`` as there); its errors for a file that cannot be decoded as a byte-order mark or
    ``encoding`` says."""
    if encoding:
        try:
            info = codecs.lookup(encoding)
            if not getattr(info, "_is_text_encoding", True):  # bytes to bytes (base64, ...): bytes.decode refuses it
                raise LookupError(encoding)
        except LookupError:
            raise SourceError(
                f"{path}: unknown encoding {encoding!r} (try utf-8, utf-16, cp1252, mac_roman)."
            ) from None
        if info.name == "utf-8-sig" and head.startswith(codecs.BOM_UTF8):  # bytes.decode counts after the mark
            named = Decoding(encoding, "utf-8", offset=len(codecs.BOM_UTF8), strip_bom=True, failure="named")
        else:
            named = Decoding(encoding, encoding, strip_bom=True, failure="named")
        return _checked(path, named)
    if head.startswith(codecs.BOM_UTF8):
        try:
            sig = _checked(path, Decoding("utf-8-sig", "utf-8", offset=3, strip_bom=True, failure="utf-8-sig"))
        except SourceError:  # bytes that are not UTF-8 after the mark: read as cp1252, as decode() reads them
            label = stray_label("utf-8-sig", _census(path)[0])
            return Decoding(label, "utf-8", offset=3, errors="surrogateescape", strip_bom=True, mixed=True)
        return sig if head.startswith(codecs.BOM_UTF8 * 2) else Decoding("utf-8-sig", None, offset=3)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _checked(path, Decoding("utf-16", "utf-16", strip_bom=True, failure="utf-16"))
    guessed = _bomless_utf16(head)
    if guessed:
        try:
            return _checked(path, Decoding(guessed, guessed))
        except UnicodeDecodeError:
            pass
    stray, beyond_ascii, mac, sample = _census(path)
    if not stray:
        return UTF8
    if beyond_ascii - stray > stray:  # more real UTF-8 characters than stray bytes
        return Decoding(stray_label("utf-8", stray), "utf-8", errors="surrogateescape", mixed=True)
    if code_page is not None:
        return Decoding(code_page, code_page, errors=code_page_errors(code_page))
    guessed_page = script_code_page(sample.data()) or latin_code_page(sample.data())
    if guessed_page is not None:
        return Decoding(guessed_page, guessed_page, errors="replace")
    if mac:
        return Decoding("mac_roman", "mac_roman")
    return Decoding("cp1252", "cp1252", errors="latin1fallback")


def _checked(path: Path, decoding: Decoding) -> Decoding:
    """``decoding`` once the whole file decodes with it: its error otherwise (a UnicodeDecodeError when it has
    no wording of its own, a guess that did not hold)."""
    if decoding.failure:
        for _ in decoding.pieces(path, check=True):
            pass
        return decoding
    for _ in decoding.pieces(path):
        pass
    return decoding


def _census(path: Path) -> tuple[int, int, bool, ScriptSample]:
    """Bytes that are not UTF-8, characters beyond ASCII when those bytes are read as cp1252, whether
    the file reads better as Mac Roman than as cp1252, and the lines a non-Latin code page is told by: what
    :func:`decode` weighs, counted a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")
    vote = MacRomanVote()
    sample = ScriptSample()
    stray = beyond = 0
    try:
        with path.open("rb") as handle:
            while True:
                block = handle.read(BLOCK)
                vote.feed(block, final=not block)
                sample.feed(block, final=not block)
                text = decoder.decode(block, final=not block)
                if text and not text.isascii():
                    beyond += len(text) - len(text.encode("ascii", errors="ignore"))
                    stray += len(text) - len(text.encode("utf-8", errors="ignore").decode("utf-8"))
                if not block:
                    break
    except OSError as exc:
        raise SourceError(f"{path}: cannot read: {exc.strerror}.") from None
    return stray, beyond, vote.verdict(), sample


class Utf8Body(io.RawIOBase):
    """The text of a file from character ``skip`` on, read as UTF-8 bytes (what the CSV parsers read)."""

    def __init__(self, path: Path, decoding: Decoding, skip: int) -> None:
        super().__init__()
        self._pieces = decoding.pieces(path)
        self._skip = skip
        self._buffer = b""
        self._at = 0
        self.consumed = 0
        """Bytes of the file read so far."""
        self._lock = threading.Lock()

    def readable(self) -> bool:
        return True

    def peek_any(self) -> bool:
        """Whether any text is left to read."""
        with self._lock:
            return self._fill(1)

    def _fill(self, wanted: int) -> bool:
        """Decode until ``wanted`` bytes are buffered, or the file ends; whether any are."""
        while len(self._buffer) - self._at < wanted:
            piece = next(self._pieces, None)
            if piece is None:
                break
            text, self.consumed = piece
            if self._skip:
                cut = min(self._skip, len(text))
                text, self._skip = text[cut:], self._skip - cut
            self._buffer = self._buffer[self._at :] + text.encode("utf-8")
            self._at = 0
        return self._at < len(self._buffer)

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def read(self, size: int | None = -1) -> bytes:
        wanted = size if size is not None and size >= 0 else 1 << 62
        with self._lock:  # Arrow's threaded reader reads ahead from threads of its own
            self._fill(wanted)
            out = self._buffer[self._at : self._at + wanted]
            self._at += len(out)
        return out

    def close(self) -> None:
        with self._lock:  # after a read Arrow's thread is still in, if any; later reads find the end
            self._pieces.close()  # type: ignore[attr-defined]
            self._buffer, self._at = b"", 0
            self._pieces = iter(())
        super().close()
