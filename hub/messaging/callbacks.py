"""What providers report back: delivery statuses, engagement and opt-outs.

`Callbacks.apply` takes what a connector's `parse_callback` made of a verified webhook. Each
event is applied once (its provider event id is claimed in `processed_events`, and
`engagement_events` is unique on it), in a transaction of its own:

- a `DeliveryEvent` becomes an engagement event of the message it names (found by the
  provider's message id in the send ledger); a hard bounce or a complaint also suppresses
  the contact on the channel at once (listmonk's policy: hard = 1, complaint = 1);
- an `OptOut` updates the contact's consent at once (STOP: opted out and suppressed;
  START: opted back in, the unsubscribe suppression lifted).

Statuses arrive out of order: all are kept, and `delivery_status` derives the current one by
precedence (`DELIVERY_PRECEDENCE`), never by the last write. An event naming a message the
hub does not know (yet: a provider may call back before the send's answer is recorded) is
neither claimed nor recorded, and the handler answers it 503 so that the provider delivers it
again; an opt-out from an address the hub does not know is counted and answered 2xx.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from hub.connector.inbound import FieldChange, WebhookPayloadError
from hub.connector.messaging import CallbackParser, DeliveryEvent, OptOut
from hub.engine.inbound import InboundChanges
from hub.errors import TransientError
from hub.messaging.consent import contact_by_address, set_consent, suppress
from hub.model.messaging import DELIVERY_PRECEDENCE, EngagementType
from hub.model.people import Suppression
from hub.store import StateStore, Tx
from hub.store import tables as t

WebhookParser = Callable[[Any], list[FieldChange]]
_NAMESPACE = uuid.UUID("8d0c2a4e-51f3-4f7e-b7a8-2a6e9d1c4b3f")
SUPPRESSING = {EngagementType.BOUNCED_HARD: Suppression.HARD_BOUNCED,
               EngagementType.COMPLAINED: Suppression.COMPLAINED}


@dataclass
class Applied:
    recorded: int = 0
    duplicates: int = 0
    unknown: int = 0  # opt-outs from an address the hub does not know
    unmatched: int = 0  # delivery events naming no message the hub knows (yet): not claimed
    suppressed: int = 0
    consent_changes: int = 0


class Callbacks:
    def __init__(self, store: StateStore, *, tenant: str | None = None,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self.store, self.tenant, self.clock = store, tenant, clock

    def apply(self, items: Iterable[DeliveryEvent | OptOut]) -> Applied:
        applied = Applied()
        for item in items:
            with self.store.transaction() as tx:
                if isinstance(item, OptOut):
                    if self._claim(tx, item, applied):
                        self._opt_out(tx, item, applied)
                    continue
                sent = self._sent(tx, item)
                if sent is None:
                    applied.unmatched += 1  # unclaimed: delivered again, it applies then
                elif self._claim(tx, item, applied):
                    self._event(tx, item, sent, applied)
        return applied

    def _claim(self, tx: Tx, item: DeliveryEvent | OptOut, applied: Applied) -> bool:
        """Claim the event once; False (counted a duplicate) when it was applied before."""
        if tx.outbox.claim_event(f"messaging:{item.provider}", item.event_id):
            return True
        applied.duplicates += 1
        return False

    def _sent(self, tx: Tx, event: DeliveryEvent) -> Mapping[str, Any] | None:
        sent = tx.sends.by_provider_id(event.provider_message_id)
        if sent is None or (self.tenant is not None and sent["tenant"] != self.tenant):
            return None
        return sent

    def _event(self, tx: Tx, event: DeliveryEvent, sent: Mapping[str, Any],
               applied: Applied) -> None:
        m = t.messages.c
        variant = tx.conn.execute(sa.select(m.variant).where(
            m.tenant == sent["tenant"], m.id == sent["message_id"])).scalar()
        tx.conn.execute(t.engagement_events.insert().values(
            tenant=sent["tenant"], id=str(uuid.uuid5(_NAMESPACE, f"{event.provider}:"
                                                                  f"{event.event_id}")),
            type=event.type.value, channel=sent["channel"], contact_id=sent["contact_id"],
            message_id=sent["message_id"], campaign_id=sent["campaign_id"], variant=variant,
            provider=event.provider, provider_event_id=event.event_id, url=event.url,
            reason=event.reason, occurred_at=event.occurred_at))
        applied.recorded += 1
        reason = SUPPRESSING.get(event.type)
        if reason is not None:
            suppress(tx.conn, sent["tenant"], sent["contact_id"], sent["channel"], reason,
                     event.occurred_at)
            applied.suppressed += 1

    def _opt_out(self, tx: Tx, opt: OptOut, applied: Applied) -> None:
        found = contact_by_address(tx.conn, self.tenant, opt.channel, opt.address)
        if found is None:
            applied.unknown += 1
            return
        tenant, contact_id = found
        set_consent(tx.conn, tenant, contact_id, opt.channel, subscribed=opt.subscribed,
                    source=f"{opt.provider} {opt.keyword or 'opt-out'}", at=opt.occurred_at)
        applied.consent_changes += 1
        if not opt.subscribed:
            record_unsubscribe(tx.conn, tenant, contact_id, opt.channel, opt.provider,
                               opt.event_id, opt.occurred_at)


def delivery_handler(callbacks: Callbacks, parsers: Mapping[str, CallbackParser],
                     inbound: Mapping[str, tuple[WebhookParser, InboundChanges]] | None = None,
                     ) -> Callable[[str, Any], Applied | None]:
    """A webhook handler (hub.web's `create_webhook_app`) for providers' callbacks: each
    connection's verified payload, through its connector's `parse_callback`, applied; and,
    for a connection in `inbound`, its field changes (`parse_webhook`) fed to its inbound path,
    so one receiver serves both. A failure raises out of the handler (a 5xx), so the provider
    delivers again; what was applied before it is claimed and is not applied twice. So does
    an event naming a message not known yet (TransientError: the receiver answers 503)."""
    changes = inbound or {}

    def handle(connection: str, payload: Any) -> Applied | None:
        parse = parsers.get(connection)
        if parse is not None:
            applied = callbacks.apply(parse(payload))
            if applied.unmatched:
                raise TransientError(f"{applied.unmatched} event(s) name a message not known "
                                     "(yet): deliver them again")
            return applied
        path = changes.get(connection)
        if path is None:
            raise WebhookPayloadError(f"no delivery callbacks or webhooks for {connection!r}")
        parse_webhook, into = path
        into.handle(parse_webhook(payload))
        return None

    return handle


def record_unsubscribe(conn: sa.Connection, tenant: str, contact_id: str, channel: str,
                       provider: str, event_id: str, at: datetime,
                       message_id: str | None = None) -> None:
    """The engagement event of an unsubscribe, credited to the message (its campaign and
    variant) whose link it was: the KPIs' unsubscribe rate counts them."""
    m = t.messages.c
    sent = conn.execute(sa.select(m.campaign_id, m.variant).where(
        m.tenant == tenant, m.id == message_id)).first() if message_id else None
    conn.execute(t.engagement_events.insert().values(
        tenant=tenant, id=str(uuid.uuid5(_NAMESPACE, f"{provider}:{event_id}")),
        type=EngagementType.UNSUBSCRIBED.value, channel=channel, contact_id=contact_id,
        message_id=message_id if sent else None, campaign_id=sent.campaign_id if sent else None,
        variant=sent.variant if sent else None, provider=provider, provider_event_id=event_id,
        occurred_at=at))


def delivery_status(conn: sa.Connection, tenant: str, message_id: str) -> EngagementType | None:
    """The message's delivery state: the highest-ranked status reported, whatever the order
    the reports arrived in."""
    e = t.engagement_events.c
    found = conn.execute(sa.select(e.type).where(e.tenant == tenant,
                                                 e.message_id == message_id)).scalars()
    ranked: list[tuple[int, Any]] = [(DELIVERY_PRECEDENCE[EngagementType(v)], v) for v in found
                                     if EngagementType(v) in DELIVERY_PRECEDENCE]
    return EngagementType(max(ranked)[1]) if ranked else None
