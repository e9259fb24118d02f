"""`hub daemon`'s scheduler: fire each schedule's due ticks, each exactly once across daemons.

Every daemon computes the same due ticks; the one whose fire token goes in first runs the
tick's targets, the others stand aside. A daemon starts from the last tick any daemon fired
(so ticks missed while none ran fall under the schedule's missed-run policy) or, for a
schedule never fired, from now. Stopping lets the tick in hand finish and record its end.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hub.schedule.ticks import GRACE, Missed, due_ticks, next_tick
from hub.schedule.tokens import claim_tick, finish_tick, last_tick
from hub.store import StateStore

log = logging.getLogger(__name__)

Clock = Callable[[], datetime]
RunTarget = Callable[[str], None]  # runs one pipeline or job by name; raises when it fails
MAX_NAP = 1.0  # seconds between looks at the clock, at most


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class Entry:
    name: str
    cron: str
    run: tuple[str, ...]
    timezone: str = "UTC"
    missed: Missed = "skip"


@dataclass
class Daemon:
    store: StateStore
    entries: list[Entry]
    run_target: RunTarget
    clock: Clock = system_clock
    grace: timedelta = GRACE
    owner: str = field(default_factory=lambda: uuid.uuid4().hex)
    fired: int = 0

    async def run(self, stop: asyncio.Event, *, wake: asyncio.Event | None = None) -> None:
        """Fire due ticks until `stop` is set. `wake` (for a driven clock) cuts a nap short."""
        start = self.clock()
        cursors = {e.name: last_tick(self.store, e.name) or start for e in self.entries}
        while not stop.is_set():
            now = self.clock()
            for entry in self.entries:
                for tick in due_ticks(entry.cron, entry.timezone, cursors[entry.name], now,
                                      entry.missed, self.grace):
                    if stop.is_set():
                        return
                    await self._fire(entry, tick)
                cursors[entry.name] = max(cursors[entry.name], now)
            await _nap(stop, wake, self._until_next(cursors, now))

    async def _fire(self, entry: Entry, tick: datetime) -> None:
        if not await asyncio.to_thread(claim_tick, self.store, entry.name, tick, self.owner):
            return
        error = None
        for target in entry.run:
            try:
                await asyncio.to_thread(self.run_target, target)
            except Exception as exc:  # recorded on the tick; the next targets still run
                log.error("schedule %s, tick %s: %s failed: %s", entry.name, tick, target, exc)
                error = f"{target}: {type(exc).__name__}: {exc}"
        await asyncio.to_thread(finish_tick, self.store, entry.name, tick, error)
        self.fired += 1

    def _until_next(self, cursors: dict[str, datetime], now: datetime) -> float:
        nearest = min((next_tick(e.cron, e.timezone, cursors[e.name]) for e in self.entries),
                      default=now + timedelta(seconds=MAX_NAP))
        return min(max((nearest - now).total_seconds(), 0.01), MAX_NAP)


async def _nap(stop: asyncio.Event, wake: asyncio.Event | None, seconds: float) -> None:
    waits = [asyncio.ensure_future(stop.wait())]
    if wake is not None:
        waits.append(asyncio.ensure_future(wake.wait()))
    _done, pending = await asyncio.wait(waits, timeout=seconds,
                                        return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    if wake is not None:
        wake.clear()
