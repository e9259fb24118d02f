"""Automation triggers (seed table): abandoned cart, churn risk, VIP milestone, post-purchase
upsell and segment entry. Each produces a message intent and a `trigger.fired` event, at
most once per idempotency key (customer + trigger + date bucket), from the store in batch
(`TriggerEngine.run`) or from domain events (`TriggerEvents`)."""

from __future__ import annotations

from hub.marketing.triggers.config import Trigger, TriggerSet, triggers_from_config
from hub.marketing.triggers.engine import TRIGGER_FIRED, Firing, TriggerEngine
from hub.marketing.triggers.events import TriggerEvents
from hub.marketing.triggers.occasions import Occasion, idempotency_key

__all__ = ["TRIGGER_FIRED", "Firing", "Occasion", "Trigger", "TriggerEngine", "TriggerEvents",
           "TriggerSet", "idempotency_key", "triggers_from_config"]
