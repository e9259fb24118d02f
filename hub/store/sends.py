"""The send ledger: one row per idempotency key, reserved before a provider is called.

Providers without an idempotency key of their own (Twilio) are reconciled against this
ledger before any resend, so a message is never sent twice.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.store import tables as t


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
