"""The scheduler: due ticks in the schedule's zone, the missed-run policy, and three daemons
over one store firing each tick exactly once (a driven clock: no timing involved)."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from hub.schedule import Daemon, Entry, due_ticks
from hub.schedule.tokens import claim_tick, finish_tick, fired_ticks
from hub.store import StateStore

T0 = datetime(2026, 1, 5, 7, 0, tzinfo=UTC)
EVERY_MINUTE = "* * * * *"


def test_the_cron_is_read_in_the_schedules_time_zone() -> None:
    # 09:00 in Paris is 08:00 UTC in January
    now = T0 + timedelta(hours=1, seconds=30)
    assert due_ticks("0 9 * * *", "Europe/Paris", T0, now, "skip") == [
        datetime(2026, 1, 5, 8, 0, tzinfo=UTC)]


@pytest.mark.parametrize(("missed", "fired"), [
    ("skip", [T0 + timedelta(minutes=10)]),
    ("catch_up_once", [T0 + timedelta(minutes=9), T0 + timedelta(minutes=10)]),
])
def test_ticks_missed_while_no_daemon_ran(missed: str, fired: list[datetime]) -> None:
    now = T0 + timedelta(minutes=10)
    assert due_ticks(EVERY_MINUTE, "UTC", T0, now, missed, timedelta(seconds=60)) == fired  # type: ignore[arg-type]


def test_a_tick_has_one_fire_token(store: StateStore) -> None:
    assert claim_tick(store, "nightly", T0, "a")
    assert not claim_tick(store, "nightly", T0, "b")
    finish_tick(store, "nightly", T0, None)
    assert fired_ticks(store, "nightly") == [(T0, "a", "done")]


class DrivenClock:
    def __init__(self) -> None:
        self.now = T0

    def __call__(self) -> datetime:
        return self.now


async def test_three_daemons_fire_each_tick_exactly_once(store_url: str) -> None:
    ticks = 20
    clock, runs = DrivenClock(), Counter[datetime]()
    stores = [StateStore(store_url) for _ in range(3)]
    stores[0].ensure_schema()
    entry = Entry("often", EVERY_MINUTE, ("report",))
    daemons = [Daemon(s, [entry], lambda _t: runs.update([clock.now]), clock=clock)
               for s in stores]
    stop, wakes = asyncio.Event(), [asyncio.Event() for _ in daemons]
    tasks = [asyncio.ensure_future(d.run(stop, wake=w))
             for d, w in zip(daemons, wakes, strict=True)]
    await asyncio.sleep(0)  # a yield, not a wait: each daemon reads the clock as it starts
    try:
        for n in range(1, ticks + 1):
            clock.now = T0 + timedelta(minutes=n)
            for wake in wakes:
                wake.set()
            while sum(d.fired for d in daemons) < n:  # the tick's run has ended
                assert not any(t.done() for t in tasks), [t.result() for t in tasks if t.done()]
                await asyncio.sleep(0.01)
    finally:
        stop.set()
        await asyncio.gather(*tasks)
        for s in stores:
            s.close()
    assert runs == Counter({T0 + timedelta(minutes=n): 1 for n in range(1, ticks + 1)})
    check = StateStore(store_url)
    fired = fired_ticks(check, "often")
    check.close()
    assert [f[0] for f in fired] == [T0 + timedelta(minutes=n) for n in range(1, ticks + 1)]
    assert {f[2] for f in fired} == {"done"}
