"""What a command line (or the upload page) says of how to read a file, and what a mapping adds to it."""

from __future__ import annotations

import codecs
from dataclasses import dataclass, replace

from importer.config import LeadMapping
from importer.errors import ConfigError


@dataclass(frozen=True, slots=True)
class ReadOptions:
    """Overrides from the command line; ``None`` means detect."""

    sheet: str | None = None
    header_row: int | None = None
    encoding: str | None = None
    delimiter: str | None = None
    all_sheets: bool = False
    """Read every sheet of a workbook whose header fits the mapping, as one table (:func:`read_all_sheets`)."""
    code_page: str | None = None
    """A text file's code page where it is neither UTF-8 nor marked as UTF-16 (a mapping's ``encoding``): instead
    of the one its bytes would be guessed to be."""

    def __post_init__(self) -> None:
        """Values a caller of the library could give that the command line cannot, refused as a ConfigError (a
        sheet's number given as an int is taken as the command line's ``--sheet 2``)."""
        sheet: object = self.sheet
        if isinstance(sheet, int) and not isinstance(sheet, bool):
            object.__setattr__(self, "sheet", str(sheet))
        elif sheet is not None and not isinstance(sheet, str):
            raise ConfigError(f"ReadOptions(sheet=...) is a sheet's name or 1-based number, not {sheet!r}.")
        row: object = self.header_row
        if row is not None and (not isinstance(row, int) or isinstance(row, bool) or row < 1):
            raise ConfigError(f"ReadOptions(header_row=...) is the header's 1-based row number, not {row!r}.")
        page: object = self.code_page  # (an unknown ``encoding`` is refused naming the file, as --encoding's)
        try:
            known = page is None or (isinstance(page, str) and bool(codecs.lookup(page)))
        except LookupError:
            known = False
        if not known:
            raise ConfigError(f"ReadOptions(code_page=...) names no code page Python knows: {page!r} (try cp1252).")


def with_mapping(options: ReadOptions, mapping: LeadMapping) -> ReadOptions:
    """``options`` with the mapping's header row and encoding where the command line gave none. A mapping's code
    page (cp1252, cp1251, ...) does not override a byte-order mark or a file valid as UTF-8 (next month's export
    saved as UTF-8 would be garbled by it); a Unicode encoding (utf-8, utf-16) is taken as ``--encoding`` is."""
    if options.header_row is None and mapping.header_row is not None:
        options = replace(options, header_row=mapping.header_row)
    if options.encoding is None and options.code_page is None and mapping.encoding is not None:
        unicode = codecs.lookup(mapping.encoding).name.startswith("utf")
        chosen = mapping.encoding
        options = replace(options, encoding=chosen) if unicode else replace(options, code_page=chosen)
    return options
