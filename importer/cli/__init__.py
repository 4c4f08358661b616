"""The ``leadimport`` command: thin commands over the library, and the process settings of a CLI run."""

from importer.cli.runtime import tune_process

tune_process()  # before pandas and pyarrow load: the command is a process of its own, a library caller is not

from importer.cli.commands import main  # noqa: E402

__all__ = ["main"]
