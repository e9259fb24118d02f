"""Streaming and messaging state: the transactional outbox, processed event ids, send ledger.

Mixed into the store's transaction object, so that an event is appended in the same
transaction as the state change it announces.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.model.events import DomainEvent
from hub.store import tables as t


def _now() -> datetime:
    return datetime.now(UTC)


class MessagingState:
    conn: sa.Connection

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

    # -- send ledger ------------------------------------------------------------------------
    def ledger_entry(self, idempotency_key: str) -> dict[str, Any] | None:
        row = self.conn.execute(
            sa.select(t.send_ledger).where(t.send_ledger.c.idempotency_key == idempotency_key)
        ).first()
        return row._asdict() if row else None

    def ledger_reserve(self, idempotency_key: str, *, tenant: str, channel: str, provider: str,
                       contact_id: str) -> bool:
        """Reserve a send before calling the provider; False if the key was already used."""
        if self.ledger_entry(idempotency_key) is not None:
            return False
        ts = _now()
        self.conn.execute(t.send_ledger.insert().values(
            idempotency_key=idempotency_key, tenant=tenant, channel=channel, provider=provider,
            contact_id=contact_id, status="pending", created_at=ts, updated_at=ts))
        return True

    def ledger_update(self, idempotency_key: str, status: str,
                      provider_message_id: str | None = None) -> None:
        values: dict[str, Any] = {"status": status, "updated_at": _now()}
        if provider_message_id:
            values["provider_message_id"] = provider_message_id
        ledger = t.send_ledger
        self.conn.execute(sa.update(ledger)
                          .where(ledger.c.idempotency_key == idempotency_key).values(**values))
