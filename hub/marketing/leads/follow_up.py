"""The follow-up trigger of a new lead (seed 003 step 6): fired once per lead, as the
automation triggers fire (hub.marketing.triggers): a `trigger_executions` row keyed by the
trigger and the lead, a `trigger.fired` event, and a message intent queued for the send path
(hub.messaging), all in the transaction that stored the lead. A lead processed again finds
its execution and queues nothing more.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from hub.marketing.leads.pipeline import ProcessedLead
from hub.marketing.triggers.engine import FIRED, TRIGGER_FIRED, insert_new
from hub.messaging.intents import enqueue, from_message
from hub.model import DomainEvent, Message
from hub.store.state import Tx

_NAMESPACE = uuid.UUID("7c1d1f0e-4f55-4a51-9d3e-5b0c6f1e2a77")


@dataclass(frozen=True)
class FollowUp:
    """`trigger` names the execution; the intent goes out as `template` by email."""

    trigger: str = "lead_follow_up"
    template: str = "lead-follow-up"

    def key(self, tenant: str, lead_id: str) -> str:
        return f"{tenant}:{self.trigger}:{lead_id}"

    def __call__(self, tx: Tx, done: ProcessedLead, now: datetime) -> None:
        lead = done.lead
        assert lead.id is not None
        key = self.key(lead.tenant, lead.id)
        message = Message(
            id=str(uuid.uuid5(_NAMESPACE, key)), tenant=lead.tenant, channel="email",
            contact_id=lead.id, to=lead.email, campaign_id=self.trigger,
            template=self.template, idempotency_key=key, created_at=now,
            variables={"first_name": lead.first_name, "company": lead.company,
                       "owner": lead.owner, "score": lead.score, "trigger": self.trigger})
        intent = message.model_dump(mode="json")
        if not insert_new(tx.conn, {"idempotency_key": key, "tenant": lead.tenant,
                                    "trigger": self.trigger, "contact_id": lead.id,
                                    "status": FIRED, "payload": {"message": intent},
                                    "fired_at": now}):
            return  # fired already, by an earlier run or another worker
        tx.outbox.append_events([DomainEvent(
            type=TRIGGER_FIRED, tenant=lead.tenant, key=lead.id, occurred_at=now, payload={
                "trigger": self.trigger, "kind": "lead_follow_up", "reference": lead.id,
                "idempotency_key": key, "message": intent})])
        enqueue(tx.conn, lead.tenant, [from_message(message, kind="lead_follow_up")], now)
