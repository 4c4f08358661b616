"""``python -m importer``."""

from importer.cli import main

main(prog_name="leadimport")
