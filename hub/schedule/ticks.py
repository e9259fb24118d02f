"""Which cron ticks to fire now, read in the schedule's time zone, and the missed-run policy.

A tick is on time while it is younger than the grace period; older ones were missed (no
daemon was running). `skip` forgets missed ticks; `catch_up_once` fires the latest of them,
once, however many there were.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from croniter import croniter

Missed = Literal["skip", "catch_up_once"]
GRACE = timedelta(seconds=60)


def ticks_between(cron: str, zone: str, after: datetime, until: datetime) -> list[datetime]:
    """The cron's ticks in (after, until], as UTC-aware datetimes."""
    tz = ZoneInfo(zone)
    it = croniter(cron, after.astimezone(tz))
    ticks = []
    while (tick := it.get_next(datetime)) <= until:
        ticks.append(tick.astimezone(after.tzinfo))
    return ticks


def next_tick(cron: str, zone: str, after: datetime) -> datetime:
    tick: datetime = croniter(cron, after.astimezone(ZoneInfo(zone))).get_next(datetime)
    return tick.astimezone(after.tzinfo)


def due_ticks(cron: str, zone: str, after: datetime, now: datetime, missed: Missed,
              grace: timedelta = GRACE) -> list[datetime]:
    """The ticks in (after, now] to fire now, under the missed-run policy."""
    ticks = ticks_between(cron, zone, after, now)
    late = [t for t in ticks if t <= now - grace]
    on_time = ticks[len(late):]
    if late and missed == "catch_up_once":
        return [late[-1], *on_time]
    return on_time
