"""Firing triggers: guards, idempotency, the message intent and its event.

`fire` is the one place an occasion becomes an execution. In one transaction it checks, in
this order:

1. the idempotency key: an occasion already fired, skipped or ended fires never again;
2. expiry: a due occasion older than the trigger's `expires` is dropped;
3. reachability: the contact exists, has an address on the channel, is not suppressed and
   has opted in (the segment audience rule, applied again at firing time);
4. frequency: the same trigger reached the customer within its cooldown (at least 24 h), or
   a high-value offer of the same group within 14 days: *deferred*, nothing recorded, so a
   later run may fire it once the cooldown has passed;

then records the execution (`trigger_executions`, keyed by the idempotency key: concurrent
workers cannot both insert it), appends a `trigger.fired` event carrying the message intent
(a `hub.model.Message`) and queues that intent for the send path (hub.messaging), which
gates, renders and sends it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

import sqlalchemy as sa

from hub.marketing.common.clock import Clock, system_clock
from hub.marketing.common.dialect import insert_or_ignore
from hub.marketing.triggers.config import Trigger, TriggerSet
from hub.marketing.triggers.occasions import Occasion, detect, idempotency_key
from hub.marketing.triggers.recommend import Recommender, order_categories
from hub.messaging.intents import enqueue, from_message
from hub.model import Message
from hub.model.events import DomainEvent
from hub.store import StateStore, Tx
from hub.store import tables as t

TRIGGER_FIRED: Final = "trigger.fired"
_MESSAGE_NAMESPACE = uuid.UUID("5b0f6a52-6f1c-4d0e-9a53-7c2a7e1d9b11")

# statuses of trigger_executions rows
PENDING, FIRED, SKIPPED, CANCELLED, EXPIRED = "pending", "fired", "skipped", "cancelled", "expired"


@dataclass(frozen=True)
class Firing:
    """The outcome of one occasion: fired, skipped, deferred, duplicate, expired or cancelled."""

    trigger: str
    contact_id: str
    key: str
    outcome: str
    reason: str = ""
    message: Message | None = None


class TriggerEngine:
    def __init__(self, store: StateStore, triggers: TriggerSet, *, tenant: str,
                 clock: Clock = system_clock) -> None:
        self.store, self.triggers, self.tenant, self.clock = store, triggers, tenant, clock

    # -- batch: "what fires now" --------------------------------------------------------------
    def occasions(self, conn: sa.Connection, now: datetime) -> list[tuple[Trigger, Occasion]]:
        found = []
        for trigger in self.triggers:
            if trigger.spec.enabled:
                found += [(trigger, o) for o in detect(conn, trigger, self.tenant, now)]
        return found

    def preview(self, *, messages: bool = False) -> list[Firing]:
        """What a run would do now, without writing anything; with `messages`, the message
        intents that would go out as well."""
        now = self.clock()
        out = []
        with self.store.engine.connect() as conn:
            tx = Tx(conn)
            for trigger, occasion in self.occasions(conn, now):
                firing, contact = self.verdict(tx, trigger, occasion, now)
                if messages and contact is not None:
                    message = self.compose(conn, trigger, occasion, contact, firing.key, now)
                    firing = Firing(firing.trigger, firing.contact_id, firing.key,
                                    firing.outcome, message=message)
                out.append(firing)
        return out

    def run(self) -> list[Firing]:
        """Fire every occasion due now, read from the store; each in its own transaction."""
        now = self.clock()
        with self.store.engine.connect() as conn:
            found = self.occasions(conn, now)
        outcomes = []
        for trigger, occasion in found:
            with self.store.transaction() as tx:
                outcomes.append(self.fire(tx, trigger, occasion, now))
        return outcomes

    # -- one occasion ----------------------------------------------------------------------
    def verdict(self, tx: Tx, trigger: Trigger, occasion: Occasion,
                now: datetime) -> tuple[Firing, dict[str, Any] | None]:
        """Whether the occasion may fire now, and the contact it would reach."""
        key = idempotency_key(self.tenant, trigger, occasion.contact_id, occasion.due_at)

        def outcome(kind: str, reason: str = "") -> Firing:
            return Firing(trigger.name, occasion.contact_id, key, kind, reason)

        existing = _execution(tx.conn, key)
        if existing is not None and existing["status"] != PENDING:
            return outcome("duplicate", f"already {existing['status']}"), None
        if trigger.expires is not None and occasion.due_at < now - trigger.expires:
            return outcome(EXPIRED, f"due {occasion.due_at:%Y-%m-%d %H:%M}"), None
        contact = self._reachable(tx.conn, trigger, occasion.contact_id)
        if isinstance(contact, str):
            return outcome(SKIPPED, contact), None
        recent = self._fired_since(tx.conn, [trigger.name], occasion.contact_id,
                                   now - trigger.cooldown)
        if recent:
            return outcome("deferred", f"{trigger.name} reached them {recent:%Y-%m-%d %H:%M}; "
                                       f"cooldown {trigger.cooldown}"), None
        group = self.triggers.same_offer_group(trigger)
        if group:
            offered = self._fired_since(tx.conn, group, occasion.contact_id,
                                        now - trigger.cooldown)
            if offered:
                return outcome("deferred", f"a similar high-value offer reached them "
                                           f"{offered:%Y-%m-%d}"), None
        return outcome(FIRED), contact

    def fire(self, tx: Tx, trigger: Trigger, occasion: Occasion, now: datetime,
             correlation_id: str | None = None) -> Firing:
        firing, contact = self.verdict(tx, trigger, occasion, now)
        if firing.outcome in (SKIPPED, EXPIRED):
            self._record(tx, trigger, occasion, firing.key, firing.outcome, now,
                         {"reason": firing.reason})
        if firing.outcome != FIRED or contact is None:
            return firing
        message = self.compose(tx.conn, trigger, occasion, contact, firing.key, now)
        intent = message.model_dump(mode="json")
        if not self._record(tx, trigger, occasion, firing.key, FIRED, now, {"message": intent}):
            return Firing(trigger.name, occasion.contact_id, firing.key, "duplicate",
                          "recorded by another worker")
        tx.outbox.append_events([DomainEvent(
            type=TRIGGER_FIRED, tenant=self.tenant, key=occasion.contact_id, occurred_at=now,
            correlation_id=correlation_id, payload={
                "trigger": trigger.name, "kind": trigger.kind, "reference": occasion.reference,
                "idempotency_key": firing.key, "message": intent})])
        expires = occasion.due_at + trigger.expires if trigger.expires is not None else None
        enqueue(tx.conn, self.tenant, [from_message(
            message, kind=trigger.kind, priority=occasion.priority,
            offer_group=trigger.offer_group, expires_at=expires)], now)
        return Firing(trigger.name, occasion.contact_id, firing.key, FIRED, message=message)

    def compose(self, conn: sa.Connection, trigger: Trigger, occasion: Occasion,
                contact: dict[str, Any], key: str, now: datetime) -> Message:
        """The message intent: a Message whose id and idempotency key derive from the
        execution's key, so a retried send can never become a second message."""
        variables = {**occasion.variables, **self._extras(conn, trigger, occasion, now)}
        return Message(
            id=str(uuid.uuid5(_MESSAGE_NAMESPACE, key)), tenant=self.tenant,
            channel=trigger.spec.channel, contact_id=occasion.contact_id,
            to=contact["email"] if trigger.spec.channel == "email" else contact["phone"],
            campaign_id=trigger.name, template=trigger.spec.template or trigger.name,
            subject=trigger.spec.subject, variables=variables, idempotency_key=key,
            created_at=now)

    def _extras(self, conn: sa.Connection, trigger: Trigger, occasion: Occasion,
                now: datetime) -> dict[str, Any]:
        extras: dict[str, Any] = {"trigger": trigger.name}
        if trigger.spec.offer is not None:
            extras["offer_code"] = trigger.spec.offer.code
        if trigger.kind == "post_purchase" and "order_id" in occasion.variables:
            categories, skus = order_categories(conn, self.tenant,
                                                occasion.variables["order_id"])
            # an order known from its event carries its lines; the store may lag behind
            categories = categories or occasion.variables.get("categories", [])
            skus = skus or occasion.variables.get("skus", [])
            recommender = Recommender(conn, self.tenant, now)
            picks = recommender.for_purchase(occasion.contact_id, categories, skus,
                                             limit=trigger.spec.recommendations)
            extras["recommendations"] = [p.as_variable() for p in picks]
        return extras

    def _record(self, tx: Tx, trigger: Trigger, occasion: Occasion, key: str, status: str,
                now: datetime, detail: dict[str, Any]) -> bool:
        """Insert the execution, or turn its pending row final; False if another got there."""
        payload = {**detail, "occasion": occasion.to_json()}
        ex = t.trigger_executions
        done = tx.conn.execute(sa.update(ex).where(ex.c.idempotency_key == key,
                                                   ex.c.status == PENDING)
                               .values(status=status, payload=payload, fired_at=now))
        if done.rowcount:
            return True
        return insert_new(tx.conn, {
            "idempotency_key": key, "tenant": self.tenant, "trigger": trigger.name,
            "contact_id": occasion.contact_id, "status": status, "payload": payload,
            "fired_at": now})

    def _reachable(self, conn: sa.Connection, trigger: Trigger,
                   contact_id: str) -> dict[str, Any] | str:
        """The contact's row when it may be messaged on the channel, else the reason."""
        c, s, cs = t.contacts, t.suppressions, t.consents
        channel = trigger.spec.channel
        row = conn.execute(sa.select(c.c.email, c.c.phone).where(
            c.c.tenant == self.tenant, c.c.id == contact_id)).first()
        if row is None:
            return "unknown contact"
        address = row.email if channel == "email" else row.phone
        if not address:
            return f"no {channel} address"
        suppressed = conn.execute(sa.select(s.c.reason).where(
            s.c.tenant == self.tenant, s.c.contact_id == contact_id,
            s.c.channel == channel)).scalar()
        if suppressed:
            return f"suppressed on {channel} ({suppressed})"
        consent = conn.execute(sa.select(cs.c.status).where(
            cs.c.tenant == self.tenant, cs.c.contact_id == contact_id,
            cs.c.channel == channel, cs.c.topic == "")).scalar()
        if consent != "opted_in":
            return f"no {channel} consent ({consent or 'unknown'})"
        return dict(row._mapping)

    def _fired_since(self, conn: sa.Connection, names: list[str], contact_id: str,
                     since: datetime) -> datetime | None:
        ex = t.trigger_executions.c
        found = conn.execute(sa.select(sa.func.max(ex.fired_at)).where(
            ex.tenant == self.tenant, ex.trigger.in_(names), ex.contact_id == contact_id,
            ex.status == FIRED, ex.fired_at > since)).scalar()
        return found if isinstance(found, datetime) else None


def _execution(conn: sa.Connection, key: str) -> dict[str, Any] | None:
    ex = t.trigger_executions
    row = conn.execute(sa.select(ex).where(ex.c.idempotency_key == key)).first()
    return dict(row._mapping) if row else None


def insert_new(conn: sa.Connection, values: dict[str, Any]) -> bool:
    """Insert an execution unless its key exists; True when this call inserted it (the key
    is the arbiter between concurrent workers: exactly one insert counts)."""
    return insert_or_ignore(conn, t.trigger_executions, values, "idempotency_key")
