"""One live run per pipeline: the engine's side of the store's run leases.

A run takes its pipeline's lease in the transaction that records its start, so a refused run
leaves no row in the ledger. While it works a background task renews the lease, and every page
commit renews it too: a run that was thought dead and taken over (it hung past its lease) finds
out at its next commit and stops there, before it can move a checkpoint the new holder owns.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import timedelta

from hub.errors import ConfigError
from hub.store import Holder, LeaseLostError, PipelineBusyError, StateStore, Tx
from hub.store.leases import DEFAULT_TTL

log = logging.getLogger(__name__)

OnWait = Callable[[PipelineBusyError], None]


def lease_ttl_from_env() -> timedelta:
    """`HUB_RUN_LEASE_SECONDS`: how long a silent run keeps its lease (default 60)."""
    raw = os.environ.get("HUB_RUN_LEASE_SECONDS")
    if not raw:
        return DEFAULT_TTL
    try:
        seconds = float(raw)
    except ValueError:
        seconds = 0
    if seconds < 1:
        raise ConfigError(f"HUB_RUN_LEASE_SECONDS must be a number of seconds ≥ 1, not {raw!r}")
    return timedelta(seconds=seconds)


@dataclass
class RunLease:
    """The lease one run holds on its pipeline."""

    store: StateStore
    pipeline: str
    ttl: timedelta = DEFAULT_TTL
    holder: Holder = field(default_factory=Holder.this_process)
    lost: bool = False

    def take(self, tx: Tx, run_id: int) -> None:
        """In the run's start transaction: take the lease or raise PipelineBusyError."""
        stale = tx.ledger.acquire_lease(self.pipeline, run_id, self.holder, self.ttl)
        if stale is not None:
            log.warning("%s: run %d was interrupted (pid %d on %s stopped); run %d resumes "
                        "from its checkpoint", self.pipeline, stale.run_id, stale.pid,
                        stale.host, run_id)

    def check(self, tx: Tx) -> None:
        """In a commit transaction: renew, or refuse to commit for a run that lost its lease."""
        if self.lost or not tx.ledger.renew_lease(self.pipeline, self.holder.owner, self.ttl):
            self.lost = True
            raise LeaseLostError(f"{self.pipeline}: this run's lease was taken over by another "
                                 f"run (it was silent for over {self.ttl.total_seconds():.0f} s);"
                                 f" it stops without committing more")

    def give_back(self, tx: Tx) -> None:
        if not self.lost:
            tx.ledger.release_lease(self.pipeline, self.holder.owner)

    def _renew(self) -> None:
        with self.store.transaction() as tx:
            if not tx.ledger.renew_lease(self.pipeline, self.holder.owner, self.ttl):
                self.lost = True

    @contextlib.asynccontextmanager
    async def heartbeat(self) -> AsyncIterator[None]:
        """Renew the lease in the background while the body runs."""

        async def beat() -> None:
            while not self.lost:
                await asyncio.sleep(self.ttl.total_seconds() / 3)
                try:
                    await asyncio.to_thread(self._renew)
                except Exception as exc:  # the store is briefly away: the next beat retries
                    log.debug("%s: lease renewal failed: %s", self.pipeline, exc)

        task = asyncio.ensure_future(beat())
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def start_run(lease: RunLease, begin: Callable[[Tx], int], *, wait: bool = False,
                    poll: float = 1.0, on_wait: OnWait | None = None) -> int:
    """Record a run's start with `begin(tx)` and take the lease in the same transaction.

    Busy: raise PipelineBusyError, or with `wait` poll until the holder is done (or dead).
    """
    told = False
    while True:
        try:
            with lease.store.transaction() as tx:
                tx.ledger.reap_interrupted(lease.pipeline)  # before this run's own row exists
                run_id = begin(tx)
                lease.take(tx, run_id)
                return run_id
        except PipelineBusyError as busy:
            if not wait:
                raise
            if on_wait is not None and not told:
                on_wait(busy)
                told = True
            await asyncio.sleep(poll)

