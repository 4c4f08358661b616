"""An XML parser for files people give us: no document type, so no entity can expand (a "billion laughs" file) or
reach outside the file; every name in Clark's form (``{namespace}local``) whatever prefix the file spells it with."""

from __future__ import annotations

from xml.parsers import expat

from importer.errors import SourceError

__all__ = ["NAMESPACE_SEPARATOR", "safe_parser"]

NAMESPACE_SEPARATOR = "}"
"""What separates a name's namespace from its local part in the handlers' names: ``urn:x}Row`` (prefix ``{``
left out)."""


def safe_parser(where: str) -> expat.XMLParserType:
    """An expat parser that reads names with their namespace (``urn:...}Row``) and refuses a document type
    declaration (the only place entities are declared), naming ``where``."""
    parser = expat.ParserCreate(namespace_separator=NAMESPACE_SEPARATOR)
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)

    def refuse(*_: object) -> None:
        raise SourceError(
            f"{where}: the XML declares a document type (<!DOCTYPE ...>), which no spreadsheet needs and which could "
            "make it expand without end; it is not read. Open it in Excel and save it as .xlsx or .csv."
        )

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    parser.ExternalEntityRefHandler = refuse  # type: ignore[assignment]
    return parser
