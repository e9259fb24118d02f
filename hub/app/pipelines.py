"""Pipelines: run one now, replay its dead letters, read its runs and letters.

A run or a replay verifies what the pipeline names in the live systems before anything is
recorded, and closes the connectors in the event loop their clients were made in.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, TypeVar

from hub.engine import Plan, ReplayResult, RunResult, build_plan, replay

if TYPE_CHECKING:
    from hub.app.core import Hub
    from hub.engine.lease import OnWait
    from hub.engine.sync import Progress
    from hub.store import DeadLetter, RunRecord

T = TypeVar("T")


class Pipelines:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def plan(self, name: str) -> Plan:
        """The pipeline's plan; a bad mapping stops here, before anything is opened."""
        return build_plan(self.hub.config(), name)

    def sync(self, name: str, *, dry_run: bool = False, full_refresh: bool = False,
             wait: bool = False, on_start: Callable[[], None] | None = None,
             progress: Progress | None = None, on_wait: OnWait | None = None) -> RunResult:
        """Run the pipeline now: read, map, validate, dedup, diff, write, checkpoint.

        `on_start` is called once what the pipeline names is verified, as the run begins;
        `progress` with the counts so far after each page; `on_wait` when `wait` waits for
        another run of the pipeline to end."""
        plan = self.plan(name)
        engine = self.hub.sync_engine

        async def run() -> RunResult:
            if on_start is not None:
                on_start()
            return await engine.run(plan, dry_run=dry_run, full_refresh=full_refresh, wait=wait,
                                    progress=progress, on_wait=on_wait)

        return _verified(plan, run)

    def replay(self, name: str, ids: Iterable[int] | None = None) -> ReplayResult:
        """Re-map the open letters' original records with the current mapping and write them."""
        plan = self.plan(name)
        engine = self.hub.sync_engine
        return _verified(plan, lambda: replay(engine, plan, ids))

    def runs(self, pipeline: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Recent runs, newest first."""
        return self.hub.store().runs(pipeline, limit)

    def dead_letters(self, pipeline: str | None = None, *, status: str | None = "open",
                     ids: Iterable[int] | None = None, limit: int | None = None
                     ) -> list[DeadLetter]:
        return self.hub.store().dead_letters(pipeline, status=status, ids=ids, limit=limit)

    def discard(self, pipeline: str, ids: Iterable[int] | None = None) -> int:
        """Close the pipeline's open letters (`ids`, default all) without writing them."""
        store = self.hub.store()
        chosen = [d.id for d in store.dead_letters(pipeline, ids=ids)]
        with store.transaction() as tx:
            return tx.ledger.set_dead_letter_status(chosen, "discarded")


def _verified(plan: Plan, work: Callable[[], Awaitable[T]]) -> T:
    async def run() -> T:
        try:
            await plan.verify()  # a missing table or column is refused before a run is recorded
            return await work()
        finally:
            await plan.aclose()  # in the loop the connectors' clients were made in

    return asyncio.run(run())
