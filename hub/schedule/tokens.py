"""Fire tokens: one `schedule_ticks` row per (tenant, schedule, tick). The daemon that
inserts it runs the tick; every other daemon's insert finds it there and stands aside."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.store import StateStore
from hub.store import tables as t


def _now() -> datetime:
    return datetime.now(UTC)


def claim_tick(store: StateStore, schedule: str, tick: datetime, owner: str) -> bool:
    """True when this daemon is the one to fire `tick`."""
    row = {"tenant": store.tenant, "schedule": schedule, "tick": tick, "owner": owner,
           "status": "running", "fired_at": _now()}
    with store.transaction() as tx:
        insert: Any = (postgresql.insert(t.schedule_ticks)
                       if tx.conn.dialect.name == "postgresql" else sqlite.insert(t.schedule_ticks))
        stmt = insert.values(row).on_conflict_do_nothing().returning(t.schedule_ticks.c.tick)
        return tx.conn.execute(stmt).first() is not None


def finish_tick(store: StateStore, schedule: str, tick: datetime, error: str | None) -> None:
    c = t.schedule_ticks.c
    with store.transaction() as tx:
        tx.conn.execute(sa.update(t.schedule_ticks).where(
            c.tenant == store.tenant, c.schedule == schedule, c.tick == tick).values(
            status="failed" if error else "done", finished_at=_now(), error=error))


def last_tick(store: StateStore, schedule: str) -> datetime | None:
    c = t.schedule_ticks.c
    with store.engine.connect() as conn:
        newest = sa.func.max(c.tick, type_=c.tick.type)
        last: datetime | None = conn.execute(sa.select(newest).where(
            c.tenant == store.tenant, c.schedule == schedule)).scalar()
    return last


def fired_ticks(store: StateStore, schedule: str) -> list[tuple[datetime, str, str]]:
    """(tick, owner, status) of every fired tick of the schedule, in tick order."""
    c = t.schedule_ticks.c
    with store.engine.connect() as conn:
        return [(r.tick, r.owner, r.status) for r in conn.execute(
            sa.select(c.tick, c.owner, c.status).where(
                c.tenant == store.tenant, c.schedule == schedule).order_by(c.tick))]
