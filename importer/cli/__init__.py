"""The ``leadimport`` command: thin commands over the library, and the process settings of a CLI run."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

from importer.cli.runtime import tune_process

tune_process()  # before pandas and pyarrow load: the command is a process of its own, a library caller is not

from importer.cli.commands import main as commands  # noqa: E402
from importer.cli.failures import end_process  # noqa: E402

__all__ = ["commands", "main"]

DEBUG_ENV = "LEADIMPORT_DEBUG"
"""Set to 1 to see the traceback of an internal error."""


def main(args: Sequence[str] | None = None, prog_name: str = "leadimport") -> None:
    """Run ``leadimport ARGS`` and end the process with its exit code (0-3), never with a traceback."""
    try:
        commands.main(args=list(args) if args is not None else None, prog_name=prog_name, standalone_mode=True)
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
        if isinstance(exc.code, str):
            print(exc.code, file=sys.stderr)
    except Exception as exc:  # a bug: said in one line (the traceback on request), not a crash
        if os.environ.get(DEBUG_ENV):
            traceback.print_exc()
        detail = str(exc).splitlines()[0][:300] if str(exc) else ""
        print(
            f"error: internal error ({type(exc).__name__}{': ' + detail if detail else ''}). Please report it; "
            f"set {DEBUG_ENV}=1 to see where it happened.",
            file=sys.stderr,
        )
        words = list(args) if args is not None else sys.argv[1:]
        code = 3 if words[:1] in (["run"], ["watch"], ["serve"]) else 2  # a run may have sent: resume it
    end_process(code)
