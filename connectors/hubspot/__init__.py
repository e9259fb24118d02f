"""HubSpot connector: CRM contacts, companies, deals, lists and signed webhooks.

`connectors.hubspot.sandbox` is a local emulator of HubSpot's API used by tests, benchmarks and
the demo; `connectors.hubspot.signature` computes and checks HubSpot's webhook signatures.
"""

from __future__ import annotations

from connectors.hubspot.connector import HubSpotConnector
from connectors.hubspot.settings import HubSpotSettings
from connectors.hubspot.webhooks import (
    Authority,
    ConflictPolicy,
    HubSpotWebhookVerifier,
    InboundChanges,
    InboundUpdate,
)

__all__ = [
    "Authority",
    "ConflictPolicy",
    "HubSpotConnector",
    "HubSpotSettings",
    "HubSpotWebhookVerifier",
    "InboundChanges",
    "InboundUpdate",
]
