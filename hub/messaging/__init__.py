"""The send path: message intents, the consent gate, templates, the send worker, callbacks.

    intents (triggers, campaign sends) → render → gate → ledger reserve (batch) → provider
    → recorded outcome; provider callbacks → engagement events, suppressions, consent.

Consent is absolute and the caps hold across concurrent workers: both are decided in the
database, in the transaction that reserves the message (see `gate`).
"""

from __future__ import annotations

from hub.messaging.callbacks import Applied, Callbacks, delivery_handler, delivery_status
from hub.messaging.config import MessagingSettings, messaging_from_config
from hub.messaging.intents import Intent, enqueue, intent_key
from hub.messaging.report import SendFunnel, send_funnel
from hub.messaging.templates import Rendered, Templates
from hub.messaging.worker import SendReport, SendWorker

__all__ = ["Applied", "Callbacks", "Intent", "MessagingSettings", "Rendered", "SendFunnel",
           "SendReport", "SendWorker", "Templates", "delivery_handler", "delivery_status",
           "enqueue", "intent_key", "messaging_from_config", "send_funnel"]
