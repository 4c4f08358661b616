"""The per-row report and its summary: CSV, XLSX, and masking of phones and emails."""

from importer.report.mask import mask_frame, mask_text
from importer.report.rows import Summary, default_report_path, report_frame, summarize, write_csv_report

__all__ = ["Summary", "default_report_path", "mask_frame", "mask_text", "report_frame", "summarize", "write_csv_report"]
