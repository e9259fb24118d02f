"""The send ledger: one row per idempotency key, reserved before a provider is called.

Each reserved row names its batch (`batch_id`, `batch_pos`): a batch whose outcome a crash
lost is sent again with exactly the same messages in the same order, so an idempotent
provider (Resend) recognises it. Providers without an idempotency key of their own (Twilio)
are reconciled against this ledger before any resend, so a message is never sent twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.store import tables as t

#: ledger statuses that hold a frequency-cap slot
COUNTED = ("pending", "retry", "sent")


def _now() -> datetime:
    return datetime.now(UTC)


class SendLedger:
    def __init__(self, conn: sa.Connection) -> None:
        self.conn = conn

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

    # -- batches ----------------------------------------------------------------------------
    def reserve(self, values: dict[str, Any]) -> bool:
        """Reserve one message of a batch (`batch_id`, `batch_pos`, `payload` …); False if its
        idempotency key was already reserved (another worker got there first)."""
        ts = _now()
        row = {"status": "pending", "created_at": ts, "updated_at": ts, **values}
        insert: Any = (postgresql.insert(t.send_ledger) if self.conn.dialect.name == "postgresql"
                       else sqlite.insert(t.send_ledger))
        done = self.conn.execute(insert.values(**row).on_conflict_do_nothing(
            index_elements=["idempotency_key"]).returning(t.send_ledger.c.idempotency_key))
        return done.first() is not None

    def unresolved_batches(self, tenant: str, provider: str) -> list[str]:
        """Batches reserved whose outcome was never recorded (a crash, a stop), oldest first."""
        ledger = t.send_ledger.c
        rows = self.conn.execute(
            sa.select(ledger.batch_id, sa.func.min(ledger.created_at).label("first"))
            .where(ledger.tenant == tenant, ledger.provider == provider,
                   ledger.status == "pending", ledger.batch_id.is_not(None))
            .group_by(ledger.batch_id).order_by("first", ledger.batch_id)).all()
        return [row.batch_id for row in rows]

    def batch(self, batch_id: str) -> list[dict[str, Any]]:
        """The still-pending messages of a batch, in the order they were sent."""
        ledger = t.send_ledger
        rows = self.conn.execute(sa.select(ledger).where(
            ledger.c.batch_id == batch_id, ledger.c.status == "pending")
            .order_by(ledger.c.batch_pos))
        return [row._asdict() for row in rows]

    def rebatch(self, idempotency_key: str, batch_id: str, batch_pos: int) -> None:
        """Move a message to retry into a new batch (it was refused for now, not sent)."""
        ledger = t.send_ledger
        self.conn.execute(sa.update(ledger).where(ledger.c.idempotency_key == idempotency_key)
                          .values(status="pending", batch_id=batch_id, batch_pos=batch_pos,
                                  updated_at=_now()))

    def record(self, idempotency_key: str, status: str, *, provider_message_id: str | None = None,
               error: str | None = None, attempt: bool = True) -> None:
        """A message's outcome: sent, retry, failed or suppressed."""
        ledger = t.send_ledger
        values: dict[str, Any] = {"status": status, "updated_at": _now(), "error": error}
        if provider_message_id:
            values["provider_message_id"] = provider_message_id
        if attempt:
            values["attempts"] = ledger.c.attempts + 1
        self.conn.execute(sa.update(ledger).where(ledger.c.idempotency_key == idempotency_key)
                          .values(**values))

    def counted_since(self, tenant: str, contact_id: str, channel: str,
                      since: datetime) -> list[dict[str, Any]]:
        """The contact's sends on a channel since `since` that count against caps: reserved,
        awaiting a retry, or sent."""
        ledger = t.send_ledger.c
        rows = self.conn.execute(
            sa.select(ledger.created_at, ledger.campaign_id, ledger.offer_group).where(
                ledger.tenant == tenant, ledger.contact_id == contact_id,
                ledger.channel == channel, ledger.created_at > since,
                ledger.status.in_(COUNTED)))
        return [row._asdict() for row in rows]

    def by_provider_id(self, provider_message_id: str) -> dict[str, Any] | None:
        ledger = t.send_ledger
        row = self.conn.execute(sa.select(ledger).where(
            ledger.c.provider_message_id == provider_message_id)).first()
        return row._asdict() if row else None
