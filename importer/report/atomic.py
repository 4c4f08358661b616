"""Reports are written whole or not at all: into a temporary file beside the target, then renamed.

A full disk or a killed process then leaves the earlier report (or none), never a truncated one that
looks complete. A failure to write says which disk and path, so it is never taken for the CRM's doing.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path

from importer.errors import ReportError
from importer.filenames import fit_name
from importer.read.guards import human_size

__all__ = ["report_error", "write_atomically"]


def write_atomically(path: Path, write: Callable[[Path], None]) -> None:
    """Call ``write`` on a temporary path beside ``path``, then move the result into place.

    Raises :class:`ReportError` (naming the path and its disk) when either step fails.
    """
    tail = f".{os.getpid()}.tmp"
    tmp = path.with_name(fit_name(f".{path.name}", reserve=len(tail)) + tail)  # a name near 255 bytes has no room
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write(tmp)
        os.replace(tmp, path)
    except OSError as exc:
        raise report_error(path, exc) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)


def report_error(path: Path, exc: OSError) -> ReportError:
    """What went wrong writing the report to ``path``, said about the disk and the path, not the CRM."""
    reason = exc.strerror or str(exc)
    hint = ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        hint = f" The disk holding {_mount_point(path)} is full ({_free(path)} free): free some space"
        hint += " or write the report elsewhere (--report PATH)."
    elif isinstance(exc, PermissionError):
        hint = (
            " Is it open in Excel, or is the folder read-only? Close it, or write the report elsewhere (--report PATH)."
        )
    elif exc.errno == errno.EROFS:
        hint = f" {_mount_point(path)} is mounted read-only: write the report elsewhere (--report PATH)."
    elif exc.errno == errno.EIO:
        hint = f" The disk holding {_mount_point(path)} reported an input/output error."
    return ReportError(f"cannot write the report to {path}: {reason}.{hint}")


def _existing(path: Path) -> Path:
    """The nearest existing folder of ``path``."""
    here = path.absolute()
    while not here.exists() and here != here.parent:
        here = here.parent
    return here


def _mount_point(path: Path) -> Path:
    here = _existing(path)
    while not os.path.ismount(here) and here != here.parent:
        here = here.parent
    return here


def _free(path: Path) -> str:
    try:
        return human_size(shutil.disk_usage(_existing(path)).free)
    except OSError:
        return "no"
