"""Seed a store with what the send path records: sent messages, their engagement events (as
`hub.messaging.Callbacks` writes them) and the orders that follow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hub.store import StateStore
from hub.store import tables as t

SENT_AT = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)
TENANT = "default"


class Seeder:
    def __init__(self, store: StateStore, campaign: str = "sale") -> None:
        self.store, self.campaign, self.serial = store, campaign, 0

    def _next(self) -> int:
        self.serial += 1
        return self.serial

    def message(self, contact: str, variant: str | None = None, *, channel: str = "email",
                status: str = "sent", events: tuple[tuple[str, timedelta], ...] = ()) -> str:
        """A message to `contact`, and each (type, delay after the send) event of it (after
        the provider's `sent`, when the message was sent)."""
        mid = f"{self.campaign}-m{self._next()}"
        with self.store.transaction() as tx:
            if tx.conn.execute(t.contacts.select().where(
                    t.contacts.c.tenant == TENANT, t.contacts.c.id == contact)).first() is None:
                tx.conn.execute(t.contacts.insert().values(
                    tenant=TENANT, id=contact, email=f"{contact}@example.com", properties={},
                    external_ids={}))
            tx.conn.execute(t.messages.insert().values(
                tenant=TENANT, id=mid, channel=channel, contact_id=contact,
                campaign_id=self.campaign, variant=variant, status=status,
                idempotency_key=f"{TENANT}:{self.campaign}:{contact}:{mid}", created_at=SENT_AT))
            accepted = (("sent", timedelta(0)),) if status == "sent" else ()
            for kind, delay in (*accepted, *events):
                self.event(tx.conn, mid, contact, kind, SENT_AT + delay, variant, channel)
        return mid

    def event(self, conn: object, mid: str, contact: str, kind: str, at: datetime,
              variant: str | None, channel: str = "email") -> None:
        eid = f"{self.campaign}-e{self._next()}"
        conn.execute(t.engagement_events.insert().values(  # type: ignore[attr-defined]
            tenant=TENANT, id=eid, type=kind, channel=channel, contact_id=contact,
            message_id=mid, campaign_id=self.campaign, variant=variant, provider="resend",
            provider_event_id=eid, occurred_at=at))

    def order(self, contact: str, after: timedelta, *, status: str = "completed",
              total: str = "50") -> None:
        with self.store.transaction() as tx:
            tx.conn.execute(t.orders.insert().values(
                tenant=TENANT, id=f"{self.campaign}-o{self._next()}", contact_id=contact,
                status=status, currency="USD", total=Decimal(total), discount=Decimal(0),
                placed_at=SENT_AT + after))
