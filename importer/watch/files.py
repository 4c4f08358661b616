"""One taken file, start to end: its content hash, the same bytes seen before, the import, and where it goes.

Built on the library's import entry point (:func:`importer.import_file`), never on the CLI. A file the
import cannot read or map goes to ``failed/``; one whose bytes were imported before goes to
``duplicate/`` and sends nothing; one whose rows all have their answer goes to ``done/``. A file whose
run stopped with rows pending stays in ``processing/`` (state ``pending``) for the next attempt, which
the ledger makes exactly-once like any resumed run.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

import importer
from importer.crm.client import SETTLE_WAIT, RetryPolicy
from importer.crm.dup_budget import DuplicateBudget
from importer.crm.limiter import RateLimit
from importer.errors import ConfigError, LeadImportError, LedgerError, SourceError
from importer.report.rows import summarize
from importer.send.pending import PendingKind
from importer.send.submit import SendOptions
from importer.watch.claims import Claimed, Claims
from importer.watch.lanes import Lanes, Turn
from importer.watch.preparer import Preparer
from importer.watch.results import FileResult, write_result
from importer.watch.stops import Verdict, classify

log = logging.getLogger("importer.watch")

__all__ = ["Attempt", "FileImporter", "ImportSettings", "content_hash", "retry_policy"]


def content_hash(path: Path) -> str:
    """SHA-256 of the file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True, slots=True)
class ImportSettings:
    """What every import of the watcher shares."""

    token: str
    base_url: str
    ledger: Path
    rate: RateLimit
    send: SendOptions = SendOptions()
    retry: RetryPolicy | None = None
    report_format: str = "xlsx"
    mask_pii: bool = False
    force: bool = False
    command: str = ""
    files_at_once: int = 3
    """Files that send side by side (the rest wait, read and checked, for their turn)."""
    helper_process: bool = False
    """Read and check files in a helper process while earlier files send (see :mod:`importer.watch.preparer`)."""
    settle: float = 0.0
    """Seconds a file that changed after it was taken must stay unchanged before it is read again."""
    poll: float = 1.0


@dataclass(frozen=True, slots=True)
class Attempt:
    """How one attempt at a file ended: its result, and what the stop (if any) asks of the watcher."""

    result: FileResult
    stop: Verdict
    stop_message: str | None = None
    blocked_until: float | None = None
    """When the CRM's key block can have lifted (epoch seconds), when it blocked the key."""

    @property
    def finished(self) -> bool:
        return self.result.state != "pending"


class FileImporter:
    """Imports taken files one attempt at a time and moves each finished one on."""

    def __init__(
        self,
        claims: Claims,
        settings: ImportSettings,
        http: httpx.Client,
        *,
        stopping: Callable[[], bool],
        importing: Callable[[bool], None],
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.claims, self.settings, self.http = claims, settings, http
        self._clock = clock
        self._wait = wait or (lambda seconds: threading.Event().wait(seconds) or stopping())
        """Wait up to the given seconds; True when the watcher is stopping."""
        self._stopping = stopping
        self._importing = importing
        """Told when an import starts (True) and ends (False): SIGTERM interrupts only an import."""
        self._budget_lock = threading.Lock()
        self.preparer = Preparer(enabled=settings.helper_process)
        """Reads and checks files in a second process while this one sends (a drop of several files)."""
        self.halted: tuple[Verdict, str] | None = None
        """Why files that have not started sending yet are not sent (a key block, a failing CRM, a refusal met
        by an earlier file), until the watcher has waited it out (it sets this back to None)."""
        self.lanes = Lanes(settings.files_at_once, stopping, lambda: 2 if self.preparer.ready else 1)
        """Files are read and checked one at a time (two, one of them by the helper), and start sending, in the
        order they were taken."""
        self._duplicates = DuplicateBudget(rule=settings.send.duplicate_rule)

    def duplicates(self) -> DuplicateBudget:
        """The duplicate budget every file of this watcher shares (the CRM's block is the API key's): the
        probe and ramp-up happen once, and the ledger keeps what it learned. A new one after a key block,
        which starts from the ledger's memory of the block, cautiously."""
        with self._budget_lock:
            if self._duplicates.was_blocked:
                self._duplicates = DuplicateBudget(rule=self.settings.send.duplicate_rule)
            return self._duplicates

    def attempt(
        self, claimed: Claimed, mapping: Any, *, interruptible: bool = True, turn: Turn | None = None
    ) -> Attempt:
        """One attempt at the file: imported and moved on, or left pending with the reason.

        ``interruptible``: run in the main thread, where SIGTERM may interrupt the import (as Ctrl-C does a
        run); in a worker thread the import ends through the shared transport refusing further requests.
        ``turn``: the file's place among those imported side by side (drawn from :attr:`lanes` as it was taken).
        """
        turn = turn or self.lanes.turn()
        try:
            return self._attempt(claimed, mapping, interruptible, turn)
        finally:
            turn.close()

    def _attempt(self, claimed: Claimed, mapping: Any, interruptible: bool, turn: Turn) -> Attempt:
        drops = self.claims.drops
        record = claimed.record
        project, process = mapping.project_id or "", mapping.process_id or ""
        try:
            sha = record.sha256 or content_hash(claimed.path)
        except OSError as exc:  # not readable (permission denied ...): failed, saying what to do
            unread = FileResult(file=record.name, source=claimed.source.name, state="failed", path=str(claimed.path),
                                exit_status=2, mapping=str(claimed.source.mapping), taken_at=record.created_at)  # fmt: skip
            unread.reason = (
                f"{record.name}: cannot be read ({exc.strerror or exc}). Let the user the watcher runs as read it "
                "(e.g. chmod a+r), then drop it again."
            )
            return self._finish(claimed, unread, "failed")
        if record.sha256 is None:
            drops.update(record.file_id, sha256=sha, project_id=project, process_id=process)
        base = FileResult(
            file=record.name,
            source=claimed.source.name,
            state="pending",
            path=str(claimed.path),
            sha256=sha,
            mapping=str(claimed.source.mapping),
            taken_at=record.created_at,
        )
        earlier = None if self.settings.force else drops.earlier_import(sha, project, process, besides=record.file_id)
        if earlier is not None:
            base.state = "duplicate"
            base.duplicate_of = {"run_id": earlier.run_id, "date": earlier.ended_at, "file": earlier.name}
            base.reason = f"already imported in run {earlier.run_id} on {_day(earlier.ended_at)} (from {earlier.name}); nothing was sent"
            return self._finish(claimed, base, "duplicate")
        twin = None if self.settings.force else drops.twin_under_way(sha, project, process, taken_before=record.file_id)
        if twin is not None:  # the same bytes dropped in two folders at once: the second is that one's duplicate
            base.stop_reason, base.exit_status = f"the same file is being imported as {twin}; this one waits for it", 3
            return self._pending(claimed, base, Verdict.BUSY, base.stop_reason)
        if not turn.prepare():
            base.stop_reason, base.exit_status = "stopped before the file was read; it is read next time", 3
            return self._pending(claimed, base, Verdict.INTERRUPTED, base.stop_reason)
        if interruptible:
            self._importing(True)
        try:
            read_as = _look(claimed.path)
            prepared, read_as = self._read(claimed, mapping, base, read_as, helper=True)
            if read_as is None:
                return self._stopped_while_written(claimed, base)
            if not turn.send():
                base.stop_reason, base.exit_status = "stopped before the file was sent; it is sent next time", 3
                return self._pending(claimed, base, Verdict.INTERRUPTED, base.stop_reason)
            halted = self.halted
            if halted is not None:  # an earlier file met a key block or a failing CRM: this one waits with it
                base.stop_reason, base.exit_status = f"not sent yet: {halted[1]}", 3
                return self._pending(claimed, base, halted[0], halted[1])
            while True:
                outcome = self._import(claimed, mapping, prepared)
                pending = int(outcome.summary.counts.get("pending", 0))
                kind = classify(outcome.stop_kind, pending=pending, why=outcome.pending, stopping=self._stopping())
                if kind in _HALTS:  # said before the next file may send
                    self.halted = (kind, outcome.stop_message or "")
                if pending or _look(claimed.path) in (read_as, None):  # None: removed by hand meanwhile
                    break
                # Written to after it was taken (its sender paused longer than the settle time): what was
                # added is read and sent too; the per-row ledger sends no row that got in already.
                read_as = self._settle_again(claimed, base)
                if read_as is not None:
                    prepared, read_as = self._read(claimed, mapping, base, read_as, helper=False)
                if read_as is None:
                    return self._stopped_while_written(claimed, base)
        except (SourceError, ConfigError) as exc:
            base.state, base.exit_status, base.reason = "failed", 2, _named(str(exc), claimed)
            return self._finish(claimed, base, "failed")
        except LedgerError as exc:
            base.stop_reason, base.exit_status = str(exc), 3
            return self._pending(claimed, base, Verdict.FATAL, str(exc))
        except KeyboardInterrupt:
            base.stop_reason, base.exit_status = "interrupted while reading the file; it is read again next time", 3
            return self._pending(claimed, base, Verdict.INTERRUPTED, base.stop_reason)
        except LeadImportError as exc:
            base.stop_reason, base.exit_status = str(exc), exc.exit_code
            kind = classify(exc.stop_kind, pending=1, why=(PendingKind.NOT_SENT,), stopping=self._stopping())
            return self._pending(claimed, base, kind, str(exc))
        finally:
            turn.close()  # the next file may send: it need not wait for this one's report
            if interruptible:
                self._importing(False)
        base.run_id = outcome.run_id
        base.runs = drops.runs_of_file(str(claimed.path.resolve()))
        outcome = _as_one_import(outcome, base.runs)
        base.counts = {str(k): int(v) for k, v in outcome.summary.counts.items()}
        base.exit_status = outcome.exit_code
        base.stop_reason = _named(outcome.stop_message, claimed) if outcome.stop_message else None
        if kind is Verdict.UNCONFIRMED and not base.stop_reason:
            base.stop_reason = (
                f"{pending} row(s) were sent but the CRM has not confirmed them (its answer left them out, and they "
                "are not found there yet); they are looked up again before anything is sent again"
            )
        if kind is Verdict.BUSY and not base.stop_reason:
            base.stop_reason = (
                f"{pending} row(s) were being sent by another import at the same moment (a file with the same "
                "leads); the file is taken up again once that is done"
            )
        drops.update(record.file_id, run_id=outcome.run_id)
        # A finished file's report is written where it will stay (the ledger notes that place for `show`).
        place = self.claims.destination(claimed, "done") if not pending else claimed.path
        report = place.with_name(f"{place.name}.report.{self.settings.report_format}")
        beside = claimed.path.with_name(f"{claimed.path.name}.report.{self.settings.report_format}")
        try:
            try:
                outcome.write_report(report, format=self.settings.report_format, mask_pii=self.settings.mask_pii)
            except LeadImportError:
                if report == beside:
                    raise
                report = beside  # done/ cannot be written: the report stays (and later moves) with the file
                outcome.write_report(report, format=self.settings.report_format, mask_pii=self.settings.mask_pii)
            base.report = str(report)
        except LeadImportError as exc:
            again = f"`leadimport show {outcome.run_id} --report FILE`"
            said = _named(str(exc), claimed).replace("(--report PATH)", f"with {again}")  # run's option; none here
            base.report_error = f"{said} Once that is fixed, {again} writes it again."
            log.warning("%s: the report could not be written: %s", record.name, base.report_error)
        if pending:
            attempt = self._pending(claimed, base, kind, outcome.stop_message or base.stop_reason)
            until = outcome.blocked_until if kind is Verdict.KEY_BLOCKED else None
            return replace(attempt, blocked_until=until.timestamp()) if until is not None else attempt
        done = self._finish(claimed, base, "done", target=place)
        return Attempt(done.result, kind, outcome.stop_message)

    def _read(
        self, claimed: Claimed, mapping: Any, base: FileResult, read_as: _Look, *, helper: bool
    ) -> tuple[Any, _Look]:
        """The file read and checked, and how it looked before; a file that could not be read because it was still
        being written is read again once it stops changing (how it looked then None: stopped meanwhile)."""
        while True:
            try:
                prepared = (self.preparer.prepare(claimed.path, mapping) if helper else None) or _prepare(
                    claimed.path, mapping
                )
                return prepared, read_as
            except (SourceError, ConfigError):
                if self._stopping() or _look(claimed.path) in (read_as, None):
                    raise
            helper = False
            read_as = self._settle_again(claimed, base)
            if read_as is None:
                return None, None

    def _import(self, claimed: Claimed, mapping: Any, prepared: Any) -> Any:
        return importer.import_file(
            claimed.path,
            mapping,
            token=self.settings.token,
            base_url=self.settings.base_url,
            ledger=self.settings.ledger,
            http=self.http,
            rate=self.settings.rate,
            send=replace(self.settings.send, duplicates=self.duplicates()),
            retry=self.settings.retry,
            command=self.settings.command,
            prepared=prepared,
        )

    def _settle_again(self, claimed: Claimed, base: FileResult) -> _Look:
        """Say the file changed after it was taken, wait until it has not changed for the settle time, and note its
        new content hash; how it looks then (None when the watcher stops meanwhile)."""
        base.read_again += 1
        log.warning(
            "%s changed after it was taken (its sender paused longer than the settle time, %g s); it is read again "
            "once it stops changing, and rows already sent are not sent again",
            claimed.record.name,
            self.settings.settle,
        )
        step = max(min(self.settings.settle, self.settings.poll), 0.01)
        seen, since = _look(claimed.path), self._clock()
        while self._clock() - since < self.settings.settle:
            if self._wait(step):
                return None
            if (now := _look(claimed.path)) != seen:
                seen, since = now, self._clock()
        if self._stopping():
            return None
        with contextlib.suppress(OSError):
            base.sha256 = content_hash(claimed.path)
            self.claims.drops.update(claimed.record.file_id, sha256=base.sha256, size=claimed.path.stat().st_size)
        return seen

    def _stopped_while_written(self, claimed: Claimed, base: FileResult) -> Attempt:
        base.stop_reason = "stopped while the file was still being written to; it is read again next time"
        base.exit_status = 3
        return self._pending(claimed, base, Verdict.INTERRUPTED, base.stop_reason)

    def _pending(self, claimed: Claimed, result: FileResult, kind: Verdict, message: str | None) -> Attempt:
        if kind in _HALTS:
            self.halted = (kind, message or "")
        result.state = "pending"
        masked = result.masked(self.settings.mask_pii)
        _write_beside(masked, claimed)
        self.claims.drops.update(
            claimed.record.file_id, state="pending", message=masked.stop_reason, result=masked.as_dict()
        )
        return Attempt(masked, kind, message)

    def _finish(self, claimed: Claimed, result: FileResult, state: str, *, target: Path | None = None) -> Attempt:
        """Write the result beside the file with its final place, commit the state, move the file on."""
        result.state = state
        target = target or self.claims.destination(claimed, state)
        result.path = str(target)
        result.finished_at = datetime.now(UTC).isoformat(timespec="seconds")
        masked = result.masked(self.settings.mask_pii)
        _write_beside(masked, claimed)
        try:
            self.claims.move(
                claimed, state, target, result=masked.as_dict(), message=masked.reason or masked.stop_reason
            )
        except OSError as exc:  # the state is committed; the file stays where it is, or was removed meanwhile
            if not claimed.path.exists():
                log.error(
                    "%s could not be moved to %s/ (%s); the ledger has its result", claimed.name, state, exc.strerror
                )
                return Attempt(masked, Verdict.NONE)
            result.path = str(claimed.path)
            result.move_error = (
                f"{state}: it could not be moved to {state}/ ({exc.strerror or exc}), so it stays in processing/ as "
                f"{claimed.path.name} and is not taken again. Let the user the watcher runs as write in "
                f"{target.parent}; it is moved there then."
            )
            masked = result.masked(self.settings.mask_pii)
            _write_beside(masked, claimed)
            self.claims.drops.update(
                claimed.record.file_id, path=str(claimed.path), result=masked.as_dict(), message=masked.move_error
            )
            log.error("%s: %s", claimed.name, masked.move_error)
        return Attempt(masked, Verdict.NONE)


_HALTS = frozenset({Verdict.KEY_BLOCKED, Verdict.TRANSIENT, Verdict.FATAL})
"""Stops after which the files waiting for their turn are not sent either."""


_Look = tuple[int, int] | None
"""A file's size and modification time (None: it is gone)."""


def _look(path: Path) -> _Look:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _prepare(path: Path, mapping: Any) -> Any:
    from importer.pipeline import prepare  # the library loads only when a file comes

    return prepare(path, mapping)


def _as_one_import(outcome: Any, runs: list[int]) -> Any:
    """The outcome as one import of the file: rows an earlier, interrupted attempt at this same file got into
    the CRM are ``accepted`` (with their lead id), not ``already-imported`` from another run."""
    earlier = {str(run) for run in runs if run != outcome.run_id}
    rows = outcome.rows
    if not earlier or "imported_in_run" not in rows.columns:
        return outcome
    ours = (rows["status"] == "already-imported") & rows["imported_in_run"].isin(earlier)
    if not ours.any():
        return outcome
    rows = rows.copy()
    rows.loc[ours, "status"] = "accepted"
    rows.loc[ours, "imported_in_run"] = ""
    return replace(outcome, rows=rows, summary=summarize(rows))


def _named(message: str, claimed: Claimed) -> str:
    """A message about the file naming it as it was dropped, not by its place in ``processing/``."""
    return message.replace(str(claimed.path), claimed.record.name)


def _write_beside(result: FileResult, claimed: Claimed) -> None:
    """Write the result JSON beside the file; when that fails (a full disk), say so: the ledger holds the result
    (``leadimport watch INBOX --status``) and the file moves on all the same."""
    try:
        write_result(result, _result_path(claimed.path))
    except OSError as exc:
        log.warning(
            "%s: its result file could not be written beside it (%s); the ledger has it: leadimport watch %s --status",
            claimed.record.name,
            exc.strerror or exc,
            claimed.record.inbox,
        )


def _result_path(path: Path) -> Path:
    return path.with_name(f"{path.name}.result.json")


def _day(stamp: str) -> str:
    return stamp[:10] if stamp else "an earlier day"


IMPORT_ATTEMPTS = 3
"""Tries of a failing request within one import. Fewer than a run's: the watcher backs off and takes the file up
again itself, and a stopping watcher's imports in worker threads end within about a second and a half."""


def retry_policy(send: SendOptions) -> RetryPolicy:
    """How a watched import retries a failing request."""
    # outage=0: the watcher waits out a CRM that is down itself (it takes the file up again), not in a worker
    return RetryPolicy(attempts=IMPORT_ATTEMPTS, settle_wait=min(send.inflight_grace, SETTLE_WAIT), outage=0)
