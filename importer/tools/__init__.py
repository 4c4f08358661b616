"""Help before a mapping exists: describe a file (inspect) and suggest a mapping for it."""

from importer.tools.describe import inspect_file, render_inspection
from importer.tools.suggest import render_yaml, suggest_mapping

__all__ = ["inspect_file", "render_inspection", "render_yaml", "suggest_mapping"]
