"""Message intents: what triggers and campaign launches ask the send path to deliver.

An intent's idempotency key is customer + trigger or campaign + date bucket (seed 004 §6):
the same trigger firing twice for a customer on one day, or a campaign launched twice, lands
on the row that exists. The key is also the provider's idempotency key, so a retried send can
never become a second message.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from hub.model.messaging import Message
from hub.store import tables as t

_NAMESPACE = uuid.UUID("0c7f1e0e-2b7a-4f4c-8f44-3f7c2a9d6b15")


def intent_key(tenant: str, source: str, contact_id: str, bucket: date | str) -> str:
    """customer + trigger/campaign + date bucket, within a tenant."""
    return f"{tenant}:{source}:{contact_id}:{bucket}"


def message_id(key: str) -> str:
    return str(uuid.uuid5(_NAMESPACE, key))


@dataclass(frozen=True)
class Intent:
    contact_id: str
    channel: str
    source: str  # the campaign id, or the trigger's name
    template: str
    bucket: date | str
    kind: str = "campaign"  # or the trigger's kind: abandoned_cart, churn_risk …
    subject: str | None = None
    variant: str | None = None
    variables: Mapping[str, Any] = field(default_factory=dict)
    priority: float = 0.0  # higher first: a cart's value
    offer_group: str | None = None  # a high-value offer's group
    not_before: datetime | None = None
    expires_at: datetime | None = None
    key: str | None = None  # default: intent_key(tenant, source, contact_id, bucket)
    id: str | None = None  # default: derived from the key

    def row(self, tenant: str, now: datetime) -> dict[str, Any]:
        key = self.key or intent_key(tenant, self.source, self.contact_id, self.bucket)
        return {"tenant": tenant, "id": self.id or message_id(key), "idempotency_key": key,
                "channel": self.channel, "contact_id": self.contact_id,
                "campaign_id": self.source, "variant": self.variant, "kind": self.kind,
                "template": self.template, "subject": self.subject,
                "variables": dict(self.variables), "priority": self.priority,
                "offer_group": self.offer_group, "not_before": self.not_before,
                "expires_at": self.expires_at, "status": "queued", "created_at": now,
                "updated_at": now}


def from_message(message: Message, *, kind: str, priority: float = 0.0,
                 offer_group: str | None = None, expires_at: datetime | None = None) -> Intent:
    """A trigger's message intent (hub.model.Message) as a queued intent."""
    return Intent(contact_id=message.contact_id, channel=message.channel,
                  source=message.campaign_id or kind, template=message.template or kind,
                  bucket="", kind=kind, subject=message.subject, variant=message.variant,
                  variables=message.model_dump(mode="json")["variables"],  # JSON-safe
                  priority=priority, offer_group=offer_group,
                  expires_at=expires_at, key=message.idempotency_key, id=message.id)


def enqueue(conn: sa.Connection, tenant: str, intents: Iterable[Intent], now: datetime) -> int:
    """Queue intents in the caller's transaction; returns how many were new (a key that
    exists is left as it is)."""
    rows = [intent.row(tenant, now) for intent in intents]
    if not rows:
        return 0
    insert: Any = (postgresql.insert(t.messages) if conn.dialect.name == "postgresql"
                   else sqlite.insert(t.messages))
    new = 0
    for row in rows:  # one by one: RETURNING says which went in
        done = conn.execute(insert.values(**row).on_conflict_do_nothing(
            index_elements=["idempotency_key"]).returning(t.messages.c.id))
        new += done.first() is not None
    return new
