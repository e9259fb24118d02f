"""The transactional outbox and the processed-event ids, in the caller's transaction.

An event is appended in the same transaction as the state change it announces; the relay
reads what is not relayed yet and marks it once the broker has it. A consumer claims an
event id before acting on it, so a redelivered event is handled once.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import sqlalchemy as sa

from hub.model.events import DomainEvent
from hub.store import tables as t

_RELAY_LOCK = 0x6875625F72656C  # the advisory lock id of the outbox relay ("hub_rel")


def _now() -> datetime:
    return datetime.now(UTC)


class Outbox:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

    # -- outbox -----------------------------------------------------------------------------
    def append_events(self, events: Iterable[DomainEvent]) -> int:
        rows = [{"event_id": e.id, "type": e.type, "tenant": e.tenant, "key": e.key,
                 "envelope": e.model_dump(mode="json"), "created_at": _now()} for e in events]
        if rows:
            self.conn.execute(t.outbox.insert(), rows)
        return len(rows)

    def pending_events(self, limit: int = 500) -> list[tuple[int, DomainEvent]]:
        """Unrelayed events in append order; the relay marks them once the broker has them."""
        o = t.outbox.c
        rows = self.conn.execute(
            sa.select(o.seq, o.envelope).where(o.relayed_at.is_(None)).order_by(o.seq).limit(limit)
        )
        return [(r.seq, DomainEvent.model_validate(r.envelope)) for r in rows]

    def lock_relay(self) -> None:
        """On PostgreSQL, make this transaction the only relay until it ends: two relays
        sending the same rows would duplicate them and could reorder one key's events."""
        self.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_RELAY_LOCK)))

    def unrelayed_count(self) -> int:
        return int(self.conn.execute(sa.select(sa.func.count()).select_from(t.outbox)
                                     .where(t.outbox.c.relayed_at.is_(None))).scalar_one())

    def mark_relayed(self, seqs: Iterable[int]) -> None:
        seqs = list(seqs)
        if seqs:
            self.conn.execute(
                sa.update(t.outbox).where(t.outbox.c.seq.in_(seqs)).values(relayed_at=_now())
            )

    # -- processed event ids (consumer-side dedup) -----------------------------------------
    def claim_event(self, consumer: str, event_id: str) -> bool:
        """Record that `consumer` handles `event_id`; False when it already did."""
        p = t.processed_events.c
        seen = self.conn.execute(
            sa.select(p.event_id).where(p.consumer == consumer, p.event_id == event_id)
        ).first()
        if seen:
            return False
        self.conn.execute(t.processed_events.insert().values(
            consumer=consumer, event_id=event_id, processed_at=_now()))
        return True
