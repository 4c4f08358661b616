"""Files → a table of text cells with each row's sheet_row: sniffing, header matching, text files, workbooks, HTML tables."""

from importer.read.source import ReadOptions, SourceTable, read_source

__all__ = ["ReadOptions", "SourceTable", "read_source"]
