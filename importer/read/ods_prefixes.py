"""An OpenDocument spreadsheet whose ``content.xml`` names the ODF namespaces with other prefixes than LibreOffice's
(``<t:table-row>`` for ``<table:table-row>``, or a default namespace): valid ODF, as a prefix is only a name for its
namespace, but the workbook reader matches the prefixes LibreOffice writes and finds no sheet in it. Such a file is
given to the reader with its ``content.xml`` written again in those prefixes; every other part is copied as it is."""

from __future__ import annotations

import io
import re
import zipfile
from typing import IO
from xml.parsers import expat

from importer.errors import SourceError
from importer.read.safe_xml import NAMESPACE_SEPARATOR, safe_parser

__all__ = ["odf_with_usual_prefixes"]

_ODF = "urn:oasis:names:tc:opendocument:xmlns:"
_SPELLED = {
    "urn:oasis:names:tc:opendocument:xmlns:drawing:1.0": "draw",
    "urn:oasis:names:tc:opendocument:xmlns:datastyle:1.0": "number",
    "urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0": "fo",
    "urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0": "svg",
}
"""ODF namespaces whose usual prefix is not the word in their name."""
_XML = "http://www.w3.org/XML/1998/namespace"
_NEEDED = (b"office", b"table", b"text")
"""The prefixes the reader matches: an ODS whose root element binds them as LibreOffice does is read as it is."""
_DECLARATION = re.compile(rb'xmlns(?::([\w.-]+))?\s*=\s*["\']([^"\']*)["\']')
_HEAD = 1 << 16
_CHUNK = 1 << 20
_ESCAPE_TEXT = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ESCAPE_VALUE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}
)


def odf_with_usual_prefixes(archive: zipfile.ZipFile, where: str) -> io.BytesIO | None:
    """The ODS in ``archive`` with its ``content.xml`` in LibreOffice's prefixes, as an in-memory file; None when
    it already uses them (or is no ODS)."""
    if "content.xml" not in archive.NameToInfo or "[Content_Types].xml" in archive.NameToInfo:
        return None
    with archive.open("content.xml") as part:
        head = part.read(_HEAD)
    if _usual(head):
        return None
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy:
        for info in archive.infolist():
            if info.filename == "content.xml":
                with archive.open(info) as part, copy.open("content.xml", "w", force_zip64=True) as target:
                    _rewrite(part, target, f"{where} (content.xml)")
            else:
                copy.writestr(info, archive.read(info))
    out.seek(0)
    return out


def _usual(head: bytes) -> bool:
    """Whether the root element binds ``office``, ``table`` and ``text`` to their namespaces, and no element
    rebinds a namespace the reader needs (seen in the part's opening bytes)."""
    root = re.search(rb"<(?![?!])[^>]*>", head)
    if root is None:
        return False
    bound = {(prefix or b""): namespace for prefix, namespace in _DECLARATION.findall(root.group())}
    if any(bound.get(p) != (_ODF + p.decode() + ":1.0").encode() for p in _NEEDED):
        return False
    later = {(prefix or b""): namespace for prefix, namespace in _DECLARATION.findall(head[root.end() :])}
    return not any(later.get(p, bound[p]) != bound[p] for p in _NEEDED) and b"" not in later


def _prefix(namespace: str, known: dict[str, str]) -> str:
    """The prefix a namespace is written with: LibreOffice's for an ODF namespace, ``ns1``, ``ns2`` ... otherwise."""
    if namespace not in known:
        word = namespace.removeprefix(_ODF).removesuffix(":1.0") if namespace.startswith(_ODF) else ""
        usual = _SPELLED.get(namespace, word)
        taken = set(known.values())
        if not re.fullmatch(r"[a-z][a-z0-9-]*", usual) or usual in taken or usual == "xml":
            usual = f"ns{len(known) + 1}"
            while usual in taken:
                usual += "_"
        known[namespace] = usual
    return known[namespace]


def _rewrite(part: IO[bytes], target: IO[bytes], where: str) -> None:
    """Write the XML read from ``part`` to ``target`` with every namespace in its usual prefix (declared where the
    file declared it), text and attribute values escaped again; comments and processing instructions left out."""
    known: dict[str, str] = {_XML: "xml"}
    pending: list[str] = []
    out: list[str] = ['<?xml version="1.0" encoding="UTF-8"?>\n']

    def name(clark: str) -> str:
        namespace, _, local = clark.rpartition(NAMESPACE_SEPARATOR)
        return f"{_prefix(namespace, known)}:{local}" if namespace else local

    def declare(_prefix_given: str | None, namespace: str | None) -> None:
        if namespace and namespace != _XML:
            pending.append(f' xmlns:{_prefix(namespace, known)}="{namespace.translate(_ESCAPE_VALUE)}"')

    def start(element: str, attributes: list[str]) -> None:
        out.append(f"<{name(element)}")
        out.extend(pending)
        pending.clear()
        for i in range(0, len(attributes), 2):
            out.append(f' {name(attributes[i])}="{attributes[i + 1].translate(_ESCAPE_VALUE)}"')
        out.append(">")

    parser = safe_parser(where)
    parser.ordered_attributes = True
    parser.buffer_text = True
    parser.StartNamespaceDeclHandler = declare
    parser.StartElementHandler = start
    parser.EndElementHandler = lambda element: out.append(f"</{name(element)}>")
    parser.CharacterDataHandler = lambda data: out.append(data.translate(_ESCAPE_TEXT))
    write = target.write
    try:
        while chunk := part.read(_CHUNK):
            parser.Parse(chunk, False)
            write("".join(out).encode("utf-8"))
            out.clear()
        parser.Parse(b"", True)
    except expat.ExpatError as exc:
        raise SourceError(
            f"{where}: the XML is broken at line {exc.lineno}, column {exc.offset}: {expat.ErrorString(exc.code)}. "
            "Open the file in LibreOffice or Excel and save it again (as .ods, .xlsx or .csv), then run again.",
            file=where.removesuffix(" (content.xml)"),
        ) from None
    write("".join(out).encode("utf-8"))
