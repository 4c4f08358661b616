"""The ``leadimport`` command: thin commands over the library, and the process settings of a CLI run."""

from __future__ import annotations

import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence

import click

from importer.cli.runtime import tune_process

tune_process()  # before pandas and pyarrow load: the command is a process of its own, a library caller is not

from importer.cli.commands import main as commands  # noqa: E402
from importer.cli.failures import end_process  # noqa: E402
from importer.log_lines import OneLineFormatter  # noqa: E402

__all__ = ["commands", "main"]

DEBUG_ENV = "LEADIMPORT_DEBUG"
"""Set to 1 to see the traceback of an internal error."""


def main(args: Sequence[str] | None = None, prog_name: str = "leadimport") -> None:
    """Run ``leadimport ARGS`` and end the process with its exit code (0-3), never with a traceback."""
    words = list(args) if args is not None else sys.argv[1:]
    if logging.lastResort is not None:  # the warnings of a command without the watcher's log: one line each
        logging.lastResort.setFormatter(OneLineFormatter())
    try:
        result = commands.main(args=words, prog_name=prog_name, standalone_mode=False)
        code = result if isinstance(result, int) else 0  # --help, --version
    except click.ClickException as exc:  # a usage error: as click says it, and as JSON for a script that asked
        exc.show()
        if "--json" in words:
            error = {"code": "usage", "message": exc.format_message(), "file": None, "row": None, "column": None}
            print(json.dumps({"error": error}, indent=2, ensure_ascii=False))
        code = exc.exit_code
    except click.exceptions.Abort:
        print("Aborted!", file=sys.stderr)
        code = 1
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
        code = 3 if words[:1] in (["run"], ["watch"], ["serve"]) else 2  # a run may have sent: resume it
    end_process(code)
