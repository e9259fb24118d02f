"""Reserving a batch: gate, render and ledger, one transaction per batch.

The transaction locks every contact of the batch (in id order, so two workers cannot
deadlock), claims each queued intent (`queued` → `reserved`: a second worker's claim finds it
gone), drops an abandoned-cart reminder whose cart was ordered or cleared since, judges the
rest at the gate, renders what passes and reserves it in the send ledger under one batch id.
Refusals are recorded with their reason; deferred intents get their new `not_before`. Only
after the commit does anything reach a provider.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.errors import ConfigError
from hub.messaging.config import MessagingSettings
from hub.messaging.gate import Gate, Verdict, address, lock_contact
from hub.messaging.templates import Templates
from hub.messaging.unsubscribe import Subscriber, UnsubscribeLinks
from hub.model.people import Channel
from hub.store import tables as t
from hub.store.sends import SendLedger

CONTACT_FIELDS = ("id", "email", "phone", "first_name", "last_name", "time_zone",
                  "lifecycle_stage")


@dataclass
class Reservation:
    batch_id: str
    rows: list[dict[str, Any]] = field(default_factory=list)  # ledger rows, in batch order
    refused: dict[str, int] = field(default_factory=dict)
    deferred: int = 0
    claimed: int = 0  # intents this worker took (reserved, refused or deferred)


class Reserver:
    def __init__(self, settings: MessagingSettings, templates: Templates,
                 links: UnsubscribeLinks, *, tenant: str, provider: str) -> None:
        self.settings, self.templates, self.links = settings, templates, links
        self.tenant, self.provider = tenant, provider
        self.gate = Gate(settings, tenant)

    def candidates(self, conn: sa.Connection, channel: str, now: datetime,
                   limit: int) -> list[dict[str, Any]]:
        """Queued intents due now, the most valuable first (seed 004 §C)."""
        m = t.messages.c
        rows = conn.execute(sa.select(t.messages).where(
            m.tenant == self.tenant, m.channel == channel, m.status == "queued",
            sa.or_(m.not_before.is_(None), m.not_before <= now))
            .order_by(m.priority.desc(), m.created_at, m.id).limit(limit))
        return [dict(row._mapping) for row in rows]

    def reserve(self, conn: sa.Connection, intents: Sequence[dict[str, Any]],
                now: datetime, batch_id: str | None = None) -> Reservation:
        out = Reservation(batch_id or uuid.uuid4().hex)
        contacts = {cid: lock_contact(conn, self.tenant, cid)
                    for cid in sorted({i["contact_id"] for i in intents})}
        for intent in intents:
            if not _claim(conn, intent, now):
                continue  # another worker reserved it first
            out.claimed += 1
            contact = contacts[intent["contact_id"]]
            verdict = self._verdict(conn, intent, contact, now)
            if verdict.defer_until is not None:
                _set_status(conn, intent, "queued", now, not_before=verdict.defer_until)
                out.deferred += 1
                continue
            row = None
            if verdict.allowed:
                assert contact is not None
                try:
                    row = self._ledger_row(intent, contact, out.batch_id, len(out.rows), now)
                except ConfigError as exc:
                    verdict = Verdict("template", str(exc).splitlines()[0])
            if row is None or not SendLedger(conn).reserve(row):
                reason = verdict.reason or "duplicate"
                refuse(conn, self.tenant, intent, reason, verdict.detail, now)
                out.refused[reason] = out.refused.get(reason, 0) + 1
                continue
            _set_status(conn, intent, "reserved", now)
            out.rows.append(row)
        return out

    def _verdict(self, conn: sa.Connection, intent: dict[str, Any],
                 contact: dict[str, Any] | None, now: datetime) -> Verdict:
        if intent["kind"] == "abandoned_cart":
            ended = cart_ended(conn, self.tenant, intent)
            if ended:
                return Verdict("goal_reached", ended)
        return self.gate.judge(conn, intent, contact, now)

    def data(self, intent: dict[str, Any], contact: dict[str, Any]) -> dict[str, Any]:
        """What the message's templates see."""
        who = Subscriber(self.tenant, contact["id"], intent["channel"], intent["id"])
        person = {k: contact.get(k) for k in CONTACT_FIELDS}
        person["properties"] = dict(contact.get("properties") or {})
        return {**intent["variables"], "contact": person,
                "campaign": {"id": intent["campaign_id"], "variant": intent["variant"]},
                "unsubscribe_url": self.links.link(who)}

    def _ledger_row(self, intent: dict[str, Any], contact: dict[str, Any], batch_id: str,
                    position: int, now: datetime) -> dict[str, Any]:
        channel = intent["channel"]
        template = self.templates.get(intent["template"])
        rendered = template.render(self.data(intent, contact))
        unlinked = template.check_unsubscribe() if channel == Channel.EMAIL else []
        if unlinked:
            raise ConfigError(unlinked[0].message)
        headers = (self.links.headers(Subscriber(self.tenant, contact["id"], channel,
                                                 intent["id"]))
                   if channel == Channel.EMAIL else {})
        tags = {k: v for k, v in (("campaign_id", intent["campaign_id"]),
                                  ("message_id", intent["id"]),
                                  ("variant", intent["variant"])) if v}
        payload = {"channel": channel, "to": address(contact, channel),
                   "text": rendered.text, "html": rendered.html_with_preheader(),
                   "subject": intent["subject"] or rendered.subject,
                   "sender": self.settings.from_.get(Channel(channel)), "headers": headers,
                   "tags": tags}
        return {"idempotency_key": intent["idempotency_key"], "tenant": self.tenant,
                "channel": channel, "provider": self.provider, "contact_id": contact["id"],
                "message_id": intent["id"], "campaign_id": intent["campaign_id"],
                "offer_group": intent["offer_group"], "batch_id": batch_id,
                "batch_pos": position, "payload": payload, "created_at": now,
                "updated_at": now}


def cart_ended(conn: sa.Connection, tenant: str, intent: dict[str, Any]) -> str | None:
    """Why an abandoned-cart reminder should no longer go (None: the cart still waits)."""
    cart_id = intent["variables"].get("cart_id")
    o = t.orders.c
    since = o.placed_at >= intent["created_at"]
    ordered = conn.execute(sa.select(o.id).where(
        o.tenant == tenant, o.contact_id == intent["contact_id"],
        sa.or_(o.cart_id == cart_id, since) if cart_id else since).limit(1)).scalar()
    if ordered:
        return f"order {ordered} was created since"
    if cart_id:
        c = t.carts.c
        status = conn.execute(sa.select(c.status).where(c.tenant == tenant,
                                                        c.id == cart_id)).scalar()
        if status is not None and status != "active":
            return f"the cart is {status}"
    return None


def refuse(conn: sa.Connection, tenant: str, intent: dict[str, Any], reason: str, detail: str,
           now: datetime) -> None:
    """Record why an intent will not be sent; it is final."""
    _set_status(conn, intent, "refused", now)
    r = t.message_refusals.c
    conn.execute(sa.delete(t.message_refusals).where(r.tenant == tenant,
                                                     r.message_id == intent["id"]))
    conn.execute(t.message_refusals.insert().values(
        tenant=tenant, message_id=intent["id"], campaign_id=intent["campaign_id"],
        contact_id=intent["contact_id"], channel=intent["channel"], reason=reason,
        detail=detail[:2000], recorded_at=now))


def _claim(conn: sa.Connection, intent: dict[str, Any], now: datetime) -> bool:
    m = t.messages.c
    done = conn.execute(sa.update(t.messages).where(
        m.tenant == intent["tenant"], m.id == intent["id"], m.status == "queued")
        .values(status="reserved", updated_at=now))
    return bool(done.rowcount)


def _set_status(conn: sa.Connection, intent: dict[str, Any], status: str, now: datetime,
                **values: Any) -> None:
    set_message_status(conn, intent["tenant"], intent["id"], status, now, **values)


def set_message_status(conn: sa.Connection, tenant: str, message_id: str, status: str,
                       now: datetime, **values: Any) -> None:
    """Move a message intent to `status` (with any other columns given)."""
    m = t.messages.c
    conn.execute(sa.update(t.messages).where(m.tenant == tenant, m.id == message_id)
                 .values(status=status, updated_at=now, **values))
