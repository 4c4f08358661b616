"""Settling the leads an interrupted run left ``in-flight``, before a run sends anything: each is looked up in
the CRM (found → accepted, else pending, sent again by the claim that follows).

The interrupted run's last request may still be running at the CRM, so a lead it sent less than the grace
ago and not found yet is looked up again once the grace has passed. That wait is only made for leads the
run at hand is about to send: a lead of some other file is left in flight for the run that holds it (a
watcher's other files go on at once).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from datetime import UTC, datetime

from importer.crm.client import CrmClient
from importer.errors import CrmError, LeadImportError, StopKind
from importer.ledger.store import Ledger

__all__ = ["LOOKUP_WORKERS", "Reconcile"]

log = logging.getLogger(__name__)

LOOKUP_WORKERS = 32
"""Lookups of an interrupted run's leads in flight at once (all within the shared rate budget): enough to
use the whole budget against a CRM that takes a couple of seconds per answer."""

Progress = Callable[[str, int, "int | None"], None]


@dataclass(slots=True)
class Reconcile:
    """One run's settling of the in-flight leads of interrupted runs into its project and process."""

    client: CrmClient
    ledger: Ledger
    run_id: int
    project_id: str
    process_id: str
    grace: float
    concurrency: int
    progress: Progress | None
    holds: Callable[[Collection[str]], set[str]]
    """Which of these referenceIds the run is about to send."""
    stopped: Callable[[], bool]
    stop_for: Callable[[LeadImportError], None]
    stop_on: Callable[[str, StopKind], None]

    def run(self) -> None:
        """Settle leads interrupted runs left in flight: found in the CRM → accepted, else pending.

        A lead sent less than ``grace`` seconds ago and not found yet is looked up again once that much time
        has passed, and only then counts as not stored; when this run does not hold it, it is left in flight
        (not waited for). Stopped meanwhile (Ctrl-C, SIGTERM), what was found is kept and the rest stays in
        flight for the next run to check.
        """
        ledger, run_id = self.ledger, self.run_id
        stale = ledger.stale_in_flight(self.project_id, self.process_id)
        if not stale:
            return
        since = {k.reference_id: k.since for k in stale}
        waitable = {ref for ref, at in since.items() if _age(at) < self.grace}
        if waitable:
            # Leads whose request the CRM answered (leaving them out) are not being stored by it any more.
            answered = ledger.unanswered(self.project_id, self.process_id, sorted(waitable))
            owner = {k.reference_id: k.run_id for k in stale}
            waitable = {r for r in waitable if r not in answered or answered[r].last_run != owner[r]}
        # A young lead this run does not send is left to the run that does: looking it up now would only be
        # repeated after a wait nobody needs here.
        others = waitable - self.holds(waitable) if waitable else set()
        mine = [k.reference_id for k in stale if k.reference_id not in others]
        if not mine:
            return
        adopted = ledger.adopt(run_id, self.project_id, self.process_id, mine)
        found: dict[str, str | None] = {}
        young: set[str] = set()
        try:
            self._look_up(adopted, found, sorted({k.run_id for k in stale if k.reference_id not in others}))
            young = {ref for ref, lead_id in found.items() if lead_id is None and ref in waitable}
            if young and not self.stopped():
                # A clock set back since those leads were sent makes them look younger than they can be: the
                # wait is never longer than the grace itself.
                wait_s = min(self.grace, self.grace - min(_age(since[ref]) for ref in young))
                log.warning(
                    "%d leads an interrupted run sent less than %g s ago are not in the CRM (yet): it may still be "
                    "storing them. Checking them again in %.0f s, before sending anything.",
                    len(young),
                    self.grace,
                    wait_s,
                )
                time.sleep(max(0.0, wait_s))
                again: dict[str, str | None] = {}
                try:
                    self._look_up(sorted(young), again)
                finally:
                    found.update(again)
                    young -= again.keys()
        except KeyboardInterrupt:
            self.stop_on(
                "interrupted while checking the leads of an interrupted run with the CRM; nothing was sent. "
                "Run the same command to resume.",
                StopKind.INTERRUPTED,
            )
        # Leads not looked up again after the grace stay in flight: the next run checks them.
        ledger.resolve(run_id, self.project_id, self.process_id, {r: i for r, i in found.items() if r not in young})

    def _look_up(self, refs: Sequence[str], found: dict[str, str | None], runs: Sequence[int] = ()) -> None:
        """Put in ``found`` the CRM _id of each of ``refs`` (None: not found); a failed lookup stops the run.

        One lookup per lead, many at once within the shared rate budget, with progress (``checking``).
        On Ctrl-C the lookups not started are dropped, those under way finish, and the interrupt goes on.
        """
        if not refs:
            return
        if runs:
            which = ", ".join(str(r) for r in runs)
            log.warning("checking %s leads of run %s that may have reached the CRM", f"{len(refs):,}", which)
        progress = self.progress
        if progress:
            progress("checking", 0, len(refs))
        pool = ThreadPoolExecutor(max_workers=max(1, min(len(refs), max(self.concurrency, LOOKUP_WORKERS))))
        futures = {pool.submit(self.client.find, ref): ref for ref in refs}
        done = 0
        try:
            for future in as_completed(futures):
                done += 1
                if progress:
                    progress("checking", done, len(refs))
                try:
                    found[futures[future]] = future.result()
                except CrmError as exc:
                    self.stop_for(exc)
        except KeyboardInterrupt:
            self.client.stop_sending()  # lookups retrying after a failure give up at once
            pool.shutdown(wait=True, cancel_futures=True)
            for future, ref in futures.items():
                if future.done() and not future.cancelled() and future.exception() is None:
                    found[ref] = future.result()
            raise
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _age(since: str) -> float:
    """Seconds since an ISO timestamp of the ledger (a missing or unreadable one counts as long ago)."""
    try:
        return (datetime.now(UTC) - datetime.fromisoformat(since)).total_seconds()
    except ValueError:
        return float("inf")
