"""`hub daemon`, composed: hub.yaml's schedules and pipeline crons, their targets, and the
outbox relay beside them.

A target is a pipeline (run through the run lease: never twice at once) or a job:
`rfm-snapshot`, `segments-refresh`, `triggers-run`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING

from hub.config.schema import JOBS
from hub.errors import ConfigError

if TYPE_CHECKING:
    from hub.app.core import Hub
    from hub.schedule import Entry


def schedule_entries(hub: Hub) -> list[Entry]:
    """hub.yaml's schedules, then each pipeline's own `schedule:` as `pipeline:NAME`."""
    from hub.schedule import Entry

    config = hub.config().config
    entries = [Entry(name, s.cron, tuple(s.run), s.timezone, s.missed)
               for name, s in config.schedules.items()]
    entries += [Entry(f"pipeline:{name}", p.schedule, (name,))
                for name, p in config.pipelines.items() if p.schedule]
    return entries


def run_target(hub: Hub) -> Callable[[str], None]:
    jobs: dict[str, Callable[[], object]] = {
        "rfm-snapshot": lambda: hub.rfm_snapshot(refresh_segments=True),
        "segments-refresh": lambda: hub.segments().refresh_all(),
        "triggers-run": hub.fire_triggers,
    }
    assert set(jobs) == set(JOBS)

    def run(target: str) -> None:
        if target in jobs:
            jobs[target]()
        elif target in hub.config().config.pipelines:
            hub.pipelines.sync(target)
        else:
            raise ConfigError(f"schedule target {target!r} is neither a pipeline nor a job")

    return run


async def run_daemon(hub: Hub, stop: asyncio.Event) -> None:
    """Fire the schedules and relay the outbox until `stop`; the tick in hand finishes and
    records its end, the relay's batch in hand is marked, then both return."""
    from hub.schedule import Daemon

    daemon = Daemon(hub.store(), schedule_entries(hub), run_target(hub))
    relay = hub.streams.relay()
    try:
        await asyncio.gather(daemon.run(stop), relay.run(stop))
    finally:
        await relay.aclose()
