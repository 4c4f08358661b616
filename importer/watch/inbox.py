"""The watcher: serve one inbox, take each settled file oldest first, import it, and keep going.

On start it takes the inbox in the ledger (a second watcher is refused), finishes what a crash left
(files in ``processing/`` are resumed first, through the ledger, exactly once), then polls. A key block,
a failing CRM or an unreachable one pause it with the file kept in ``processing/``: a key block until it
can have lifted (``block_wait`` from the block), the others with growing backoff; then the same file is
taken up again. A refusal no wait can cure (HTTP 403: bad token, wrong project) stops it with exit 3.
``stop()`` (SIGTERM, SIGINT) ends the import under way as ``leadimport run`` ends on Ctrl-C (requests in
flight waited for and recorded, the report written) and returns 0; the file stays for the next start.

Time is read from ``clock`` and waited with ``wait`` (both injectable): the settle time is measured on
the watcher's own clock, never against a file's mtime.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_for_any
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from importer.crm.limiter import DEFAULT_RATE, RateLimit
from importer.errors import ConfigError
from importer.filenames import message_line
from importer.ledger.drops import DropLedger
from importer.report.mask import mask_text
from importer.send.gc_pause import fewer_collections
from importer.send.submit import SendOptions
from importer.watch.claims import HEARTBEAT_SECONDS, STALE_AFTER, Claimed, Claims, InboxLock
from importer.watch.events import EventSource, Wake
from importer.watch.files import Attempt, FileImporter, ImportSettings, retry_policy
from importer.watch.lanes import AHEAD_FILES, has_room
from importer.watch.layout import Source, find_sources, is_companion, prune_done, unwritable
from importer.watch.mappings import Mappings
from importer.watch.notify import Notifier, NotifySettings
from importer.watch.pacing import paced_client
from importer.watch.settle import Settler, is_ignored
from importer.watch.stops import Verdict
from importer.watch.tally import Tally, exit_of
from importer.watch.untaken import Untaken

log = logging.getLogger("importer.watch")

__all__ = ["WatchSettings", "Watcher"]

BACKOFF_FIRST = 30.0
BACKOFF_MAX = 900.0
STATUS_EVERY = 600.0
"""Seconds between the daemon's heartbeat lines in the log."""
PRUNE_EVERY = 3600.0


@dataclass(frozen=True, slots=True)
class WatchSettings:
    """How a watcher serves its inbox."""

    inbox: Path
    ledger: Path
    token: str
    base_url: str
    mapping: Path | None = None
    mappings_dir: Path = Path("mappings")
    settle: float = 30.0
    marker: str | None = None
    once: bool = False
    force: bool = False
    report_format: str = "xlsx"
    mask_pii: bool = False
    keep_days: float | None = None
    block_wait: float = 3600.0
    backoff_first: float = BACKOFF_FIRST
    backoff_max: float = BACKOFF_MAX
    poll: float = 1.0
    events: bool = True
    """Also watch for file-system events (``watchfiles``), so that a dropped file is noticed at once; polling
    every ``poll`` seconds goes on behind them (events do not fire on network shares)."""
    files_at_once: int = 3
    """Newly dropped files imported side by side (one request budget for all); resumed files go one by one.
    Small files are taken further ahead, to be read while the ones before them send (see :func:`has_room`)."""
    rate: RateLimit = DEFAULT_RATE
    send: SendOptions = SendOptions()
    heartbeat: float = HEARTBEAT_SECONDS
    stale_after: float = STALE_AFTER
    status_every: float = STATUS_EVERY
    notify: NotifySettings = NotifySettings()
    command: str = ""
    tune_gc: bool = False
    """Leave what exists at the start (the loaded modules) out of Python's garbage collections and collect young
    objects less often while serving: every file's payloads and answers would otherwise make the collector
    walk them all again. It changes the process, so the CLI asks for it; a library caller may not."""
    helper_process: bool = False
    """When several files are under way, read and check them in a helper process (a second processor core)
    while this one sends; the CLI asks for it (a library caller's main module would be run again by it)."""


class Watcher:
    """Serves one inbox until stopped (or, with ``once``, until the files there at its start are handled)."""

    def __init__(
        self,
        settings: WatchSettings,
        *,
        clock: Callable[[], float] = time.monotonic,
        wait: Callable[[float], bool] | None = None,
    ) -> None:
        self.settings = settings
        self.inbox = settings.inbox.resolve()
        self.clock = clock
        self._stop = threading.Event()
        self.wait = wait or self._stop.wait
        """Wait up to the given seconds; True when the watcher is stopping."""
        self._own_wait = wait is None
        self._wake = Wake()
        self.events: EventSource | None = None
        """The file-event source while the watcher runs with events on (``events.armed``: watching)."""
        self._importing = False
        self.exit_code = 0
        self.tally = Tally()
        self._stop_transport: Callable[[], None] | None = None
        self.fatal: str | None = None
        self._resumed: set[int] = set()
        self._later: set[Path] = set()
        """Files in processing/ that --once leaves for the next start (rows the CRM has not confirmed)."""
        self._running: dict[Future[Attempt], Claimed] = {}
        self._pause_due: tuple[Attempt, Claimed] | None = None
        self._halt = False
        self._backoff = settings.backoff_first
        self._mappings = Mappings()
        self._unwritable: set[Path] = set()
        """Folders the log has said this watcher may not write in."""
        self._untaken = Untaken(self.inbox, settings.mappings_dir, settings.marker)
        self._busy = 0.0
        """The last wait for rows another import held (see :meth:`_busy_delay`)."""
        self._gone = False
        """Whether the inbox was found gone at the last look (said once, until it is back)."""

    # -- control ---------------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop soon: an import under way ends as on Ctrl-C (the caller interrupts it); waits end at once;
        requests still waiting for a slot of the shared budget are not sent."""
        self._stop.set()
        self._wake.ring()
        if self._stop_transport is not None:
            self._stop_transport()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    @property
    def importing(self) -> bool:
        """Whether an import runs now (a signal then interrupts it, as Ctrl-C does a run)."""
        return self._importing

    def _set_importing(self, value: bool) -> None:
        self._importing = value

    # -- the loop --------------------------------------------------------------------------------

    def run(self) -> int:
        """Serve the inbox; the exit code (0 done, 1 rows invalid/rejected or files failed, 3 pending/stopped)."""
        settings = self.settings
        if not self.inbox.is_dir():
            why = "a file" if self.inbox.exists() else "not there: a typo, removed, or its network share is not mounted"
            raise ConfigError(f"the inbox {settings.inbox} is not a folder here ({why}).")
        sources = self._sources()
        if not sources:
            raise ConfigError(
                f"nothing to watch in {settings.inbox}: give --mapping for files dropped there, or make subfolders "
                f"named like the mappings in {settings.mappings_dir} (e.g. {settings.inbox}/dealer for dealer.yaml)."
            )
        for source in sources:
            self._mapping_of(source, strict=True)
        drops = DropLedger(settings.ledger)
        lock = InboxLock(drops, str(self.inbox), heartbeat=settings.heartbeat, stale_after=settings.stale_after)
        try:
            previous = lock.take()
        except BaseException:
            drops.close()
            raise
        if previous is not None:
            log.info("took over %s from a watcher that stopped without a word: %s", self.inbox, previous.describe())
        http, transport = paced_client(settings.rate)
        notifier = Notifier(settings.notify, wait=self.wait)
        self._notifier = notifier
        claims = self._claims = Claims(drops, str(self.inbox))
        importer_ = self._files = FileImporter(
            claims,
            ImportSettings(
                token=settings.token,
                base_url=settings.base_url,
                ledger=settings.ledger,
                rate=settings.rate,
                send=settings.send,
                retry=retry_policy(settings.send),
                report_format=settings.report_format,
                mask_pii=settings.mask_pii,
                force=settings.force,
                command=settings.command,
                files_at_once=settings.files_at_once,
                helper_process=settings.helper_process,
                settle=settings.settle,
                poll=settings.poll,
            ),
            http,
            stopping=lambda: self.stopping,
            importing=self._set_importing,
            clock=self.clock,
            wait=self.wait,
        )
        self._stop_transport = transport.stop
        try:
            with fewer_collections() if settings.tune_gc else contextlib.nullcontext():
                self._serve(claims, importer_, lock)
            if lock.lost.is_set():
                return 2
            if not settings.once:
                return 3 if self.fatal else 0
        finally:
            importer_.preparer.stop(wait=True)
            transport.stop()
            http.close()
            notifier.close()
            lock.release()
            drops.close()
        return self.exit_code

    def _serve(self, claims: Claims, importer_: FileImporter, lock: InboxLock) -> None:
        settings = self.settings
        sources = self._sources()
        snapshot = self._snapshot(sources) if settings.once else None  # before any folder shows we started
        for source in sources:
            try:
                source.make_folders()
            except (PermissionError, FileExistsError) as exc:
                raise ConfigError(unwritable(source.folder, exc)) from None
        claims.recover(sources)
        if len(snapshot if snapshot is not None else self._snapshot(sources)) > 1:
            importer_.preparer.start()  # a drop of several files: the helper loads while the first is read here
        settler = Settler(settings.settle, settings.marker, self.clock)
        log.info(
            "watching %s (%s)%s",
            self.inbox,
            ", ".join(s.label for s in sources),
            "; once: the files there now" if settings.once else "",
        )
        last_status = last_prune = -float("inf")
        if settings.events and self._own_wait and not settings.once:  # --once takes only the files there now
            self.events = EventSource(self.inbox, self._wake.ring)
            if not self.events.start():
                self.events = None
        workers = max(settings.files_at_once, AHEAD_FILES)
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="leadimport-file") as pool:
            try:
                while self._step(claims, importer_, lock, pool, settler, snapshot):
                    now = self.clock()
                    if settings.keep_days is not None and now - last_prune >= PRUNE_EVERY:
                        last_prune = now
                        for source in self._sources():
                            prune_done(source, settings.keep_days)
                    if not settings.once and now - last_status >= settings.status_every:
                        last_status = now
                        log.info("watching %s: %d file(s) being imported", self.inbox, len(self._running))
            finally:
                if self.events is not None:
                    self.events.stop()
                self._reap(block=True)

    def _step(
        self,
        claims: Claims,
        importer_: FileImporter,
        lock: InboxLock,
        pool: ThreadPoolExecutor,
        settler: Settler,
        snapshot: set[Path] | None,
    ) -> bool:
        """One turn of the loop: take what can be taken, or wait a little; False when the watcher is done."""
        settings = self.settings
        self._reap(block=False)
        if lock.lost.is_set():
            log.error("another watcher took %s over (this one's heartbeat had stopped); stopping", self.inbox)
            return False
        if self.stopping or self._halt:
            return False
        if self._running and (self._pause_due is not None or not self._room()):
            self._reap(block=True, timeout=settings.poll)
            return True
        if self._pause_due is not None:  # nothing runs any more: wait out the block or the outage
            attempt, claimed = self._pause_due
            self._pause_due = None
            return self._pause(attempt, claimed)
        try:
            sources = [source for source in self._sources() if self._folders_made(source)]
            self._untaken.tell(sources)
            sources = [s for s in sources if self._mapping_of(s, strict=False)]  # a broken one's files stay put
            left = self._left_in_processing(sources, claims)
        except FileNotFoundError:
            return self._inbox_gone()
        if self._gone:
            self._gone = False
            log.warning("the inbox %s is back; watching it again", self.inbox)
        if left is not None and self._running:
            self._reap(block=True, timeout=settings.poll)  # a file to resume goes first, on its own
            return True
        if left is not None:
            if left.record.file_id not in self._resumed:
                self._resumed.add(left.record.file_id)
                log.warning("%s was left in processing/ (%s); resuming it", _label(left), left.record.state)
                self._notifier.send(self._event("stuck", left, left.record.message or "left by an earlier start"))
            return self._see_through(left, importer_)
        try:
            ready, waiting = self._ready(sources, settler, snapshot)
        except FileNotFoundError:  # gone since the look above
            return self._inbox_gone()
        if ready is not None:
            try:
                taken = claims.take(*ready)
            except PermissionError as exc:  # the folder lets this user read, not rename: no waiting cures that
                self._say_unwritable(ready[0].folder, exc)
                if settings.once:
                    self.exit_code = max(self.exit_code, 2)
                return not settings.once
            if taken is not None:
                self._dispatch(taken, importer_, pool)
            return True
        if snapshot is not None and not waiting and not self._running:
            return False
        if self._running:
            self._reap(block=True, timeout=settings.poll, woken=True)
        else:
            importer_.preparer.stop()
            self._idle(settings.poll)
        return True

    def _folders_made(self, source: Source) -> bool:
        """Make the source's state folders; False (said once) when this user may not (its files are not taken)."""
        try:
            source.make_folders()
        except (PermissionError, FileExistsError) as exc:
            self._say_unwritable(source.folder, exc)
            return False
        self._unwritable.discard(source.folder)
        return True

    def _say_unwritable(self, folder: Path, exc: OSError) -> None:
        if folder not in self._unwritable:
            self._unwritable.add(folder)
            log.error("%s", unwritable(folder, exc))

    def _inbox_gone(self) -> bool:
        """The inbox (or a source's folder) vanished: removed, renamed, or its share unmounted. Nothing is made in
        its place; the watcher waits for it to come back (``--once`` stops, exit 2). False when it must stop."""
        if not self._gone:
            self._gone = True
            log.error(
                "the inbox %s is gone (deleted, renamed, or its network share unmounted)%s",
                self.inbox,
                ": stopping" if self.settings.once else "; waiting for it to come back (nothing is made in its place)",
            )
        if self.settings.once:
            self.exit_code = max(self.exit_code, 2)
            return False
        if self._running:
            self._reap(block=True, timeout=self.settings.poll)
        else:
            self._idle(self.settings.poll)
        return True

    def _busy_delay(self) -> float:
        """How long to wait before a file whose rows another import holds is tried again (growing, from a
        poll or a second up to the longest backoff)."""
        self._busy = min(max(self._busy * 2, self.settings.poll, 1.0), self.settings.backoff_max)
        return self._busy

    def _room(self) -> bool:
        return has_room([claimed.record.size for claimed in self._running.values()], self.settings.files_at_once)

    def _idle(self, seconds: float) -> None:
        """Wait until the next look at the inbox: ``seconds``, or less when a file event (or a stop) comes."""
        if not self._own_wait:
            self.wait(seconds)
            return
        wait_for_any([self._wake.future()], timeout=seconds)
        self._wake.clear()

    def _dispatch(self, claimed: Claimed, importer_: FileImporter, pool: ThreadPoolExecutor) -> None:
        """Import a newly taken file in a worker thread (files are imported side by side, one budget for all)."""
        mapping = self._mapping_of(claimed.source, strict=False)
        if mapping is None:
            return  # said in the log; the file waits in processing/ until the mapping is fixed
        log.info("taking %s", _label(claimed))
        self._resumed.add(claimed.record.file_id)
        if self._running:  # a drop of several files: the next ones are read in a helper process
            importer_.preparer.start()
        future = pool.submit(importer_.attempt, claimed, mapping, interruptible=False, turn=importer_.lanes.turn())
        self._running[future] = claimed

    def _reap(self, *, block: bool, timeout: float | None = None, woken: bool = False) -> None:
        """Take in the attempts the workers finished (``block``: wait for one, or all without ``timeout``;
        ``woken``: a file event, or a stop, ends the wait too)."""
        if not self._running:
            return
        if block:
            waited: list[Future[Any]] = list(self._running)
            if woken:
                waited.append(self._wake.future())
            wait_for_any(waited, timeout=timeout, return_when=FIRST_COMPLETED if timeout else ALL_COMPLETED)
            if woken:
                self._wake.clear()
        for future in [f for f in self._running if f.done()]:
            claimed = self._running.pop(future)
            attempt = future.result()  # a bug in a worker ends the watcher with its traceback
            verdict = self._record(attempt, claimed)
            if verdict == "pause" and self._pause_due is None:
                self._pause_due = (attempt, claimed)
            elif verdict == "stop":
                self._halt = True

    def _see_through(self, claimed: Claimed, importer_: FileImporter) -> bool:
        """Import a file in this thread, pausing and resuming it until it is finished; False when the watcher
        must stop."""
        while True:
            mapping = self._mapping_of(claimed.source, strict=False)
            if mapping is None:  # said in the log; the file waits in processing/ until the mapping is fixed
                return not self.settings.once
            log.info("taking %s", _label(claimed))
            self._resumed.add(claimed.record.file_id)
            attempt = importer_.attempt(claimed, mapping)
            verdict = self._record(attempt, claimed)
            if verdict == "busy":  # taken up again alone: what holds its rows is not this watcher's
                if self.wait(self._busy_delay()):
                    return False
                record = self._claims.drops.get(claimed.record.file_id) or claimed.record
                claimed = Claimed(record, claimed.source, claimed.path)
                continue
            if verdict != "pause":
                return verdict == "next"
            if not self._pause(attempt, claimed):
                return False
            if attempt.finished:
                return True
            record = self._claims.drops.get(claimed.record.file_id) or claimed.record
            claimed = Claimed(record, claimed.source, claimed.path)

    def _record(self, attempt: Attempt, claimed: Claimed) -> str:
        """Log, count and announce an attempt; what the watcher does next: "next", "busy" (the
        file stays in ``processing/``, to be taken up again on its own), "pause" or "stop"."""
        result = attempt.result
        if attempt.finished:
            self.tally.add(attempt)
            self.exit_code = max(self.exit_code, exit_of(result.state, result.exit_status))
            log.info("%s", result.text())
            self._notifier.send(result.as_dict(), _result_file(result.path))
        if attempt.stop is Verdict.INTERRUPTED or self.stopping:
            if not attempt.finished:
                log.info("stopped: %s stays in processing/ for the next start", _label(claimed))
            return "stop"
        if attempt.stop is Verdict.NONE:
            if attempt.finished:
                self._backoff = self.settings.backoff_first
                self._busy = 0.0
            return "next"
        message = self._masked(attempt.stop_message)
        said = message_line(message or "")  # the log's one line: the CRM's words quoted may be several
        if attempt.stop is Verdict.UNCONFIRMED and self.settings.once:  # looked up by the next start, not now
            self.exit_code = 3
            self._later.add(claimed.path)
            log.warning("%s stays in processing/ (pending): %s", _label(claimed), said)
            return "next"
        if attempt.stop in (Verdict.BUSY, Verdict.UNCONFIRMED):  # stays in processing/; taken up again later
            log.info("%s stays in processing/ for now: %s", _label(claimed), said)
            return "busy"
        if attempt.stop is Verdict.FATAL:
            self.exit_code = 3
            self.fatal = message
            log.error("stopped: %s", said)
            self._notifier.send(self._event("stopped", claimed, message))
            return "stop"
        if self.settings.once:
            self.exit_code = 3
            log.warning("%s stays in processing/ (pending): %s", _label(claimed), said)
            return "stop"
        return "pause"

    def _pause(self, attempt: Attempt, claimed: Claimed) -> bool:
        """Wait until a key block can have lifted, or back off from a failing CRM; False when stopped meanwhile."""
        settings = self.settings
        message = self._masked(attempt.stop_message)
        if attempt.stop is Verdict.KEY_BLOCKED:
            pause = settings.block_wait
            if attempt.blocked_until is not None:  # the CRM said when the block ends: no longer than that
                pause = min(pause, max(1.0, attempt.blocked_until - time.time()))
            log.warning(
                "paused: the CRM blocked the API key; %s stays in processing/ and is taken up again in %.0f s",
                _label(claimed),
                pause,
            )
            self._notifier.send(self._event("key-blocked", claimed, message, resume_in=pause))
        else:
            pause, self._backoff = self._backoff, min(self._backoff * 2, settings.backoff_max)
            said = message_line(message or "")
            log.warning("paused for %.0f s (%s stays in processing/): %s", pause, _label(claimed), said)
            self._notifier.send(self._event("paused", claimed, message, resume_in=pause))
        if self.wait(pause):
            return False
        self._files.halted = None  # the files left in processing/ are taken up again
        return True

    def _masked(self, message: str | None) -> str | None:
        return mask_text(message) if message and self.settings.mask_pii else message

    def _event(
        self, kind: str, claimed: Claimed, message: str | None, *, resume_in: float | None = None
    ) -> dict[str, Any]:
        """A notification about a file that is not finished (a key block, a pause, a stop)."""
        text = f"{_label(claimed)}: {kind}" + (f": {message_line(message)}" if message else "")
        if resume_in is not None:
            text += f"; taken up again in {resume_in:.0f} s"
        return {"event": kind, "file": claimed.name, "source": claimed.source.name, "path": str(claimed.path),
                "stop_reason": message, "resume_in": resume_in, "text": text}  # fmt: skip

    # -- what to take ----------------------------------------------------------------------------

    def _sources(self) -> list[Source]:
        return find_sources(self.inbox, self.settings.mapping, self.settings.mappings_dir)

    def _mapping_of(self, source: Source, *, strict: bool) -> Any:
        return self._mappings.of(source, strict=strict)

    def _snapshot(self, sources: list[Source]) -> set[Path]:
        """The files in the inbox at the start (``--once`` takes only these)."""
        return {
            path for source in sources for path in source.dropped() if not is_ignored(path.name, self.settings.marker)
        }

    def _left_in_processing(self, sources: list[Source], claims: Claims) -> Claimed | None:
        """The oldest file left in a ``processing/`` folder (by a crash or a stop), to resume before new ones."""
        left: list[tuple[str, Source, Path]] = []
        running = {claimed.path for claimed in self._running.values()} | self._later
        for source in sources:
            folder = source.sub("processing")
            for path in folder.iterdir() if folder.is_dir() else ():
                if (
                    path.is_file() and not is_companion(path) and not path.name.startswith(".") and path not in running
                    and not claims.finished_here(source, path)
                ):  # fmt: skip
                    left.append((path.name, source, path))
        if not left:
            return None
        _, source, path = min(left, key=lambda item: item[0])
        try:
            return claims.adopt(source, path)
        except OSError:  # moved away meanwhile (by a person): looked at again next time
            return None

    def _ready(
        self, sources: list[Source], settler: Settler, snapshot: set[Path] | None
    ) -> tuple[tuple[Source, Path] | None, int]:
        """The oldest settled file (with its source), and how many files are still settling."""
        seen: set[Path] = set()
        ready: list[tuple[float, str, Source, Path]] = []
        waiting = 0
        for source in sources:
            for path in source.dropped():
                if is_ignored(path.name, self.settings.marker) or (snapshot is not None and path not in snapshot):
                    continue
                seen.add(path)
                verdict = settler.check(path)
                if verdict.ready:
                    try:
                        ready.append((path.stat().st_mtime, path.name, source, path))
                    except OSError:
                        continue
                elif verdict.waiting_for != "gone":
                    waiting += 1
        settler.keep_only(seen)
        if snapshot is not None:
            snapshot &= seen
        if not ready:
            return None, waiting
        _, _, source, path = min(ready, key=lambda item: (item[0], item[1]))
        settler.forget(path)
        return (source, path), waiting + len(ready) - 1


def _result_file(path: str) -> Path:
    return Path(path).with_name(Path(path).name + ".result.json")


def _label(claimed: Claimed) -> str:
    return f"[{claimed.source.name}] {claimed.name}" if claimed.source.name else claimed.name
