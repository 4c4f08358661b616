"""``python -m importer``."""

from importer.cli import main

if __name__ == "__main__":  # not when a worker process the watcher spawns imports this module as its main
    main(prog_name="leadimport")
