"""HubSpot connector: CRM contacts, companies, deals, lists and signed webhooks.

`connectors.hubspot.sandbox` is a local emulator of HubSpot's API used by tests, benchmarks and
the demo; `connectors.hubspot.signature` computes and checks HubSpot's webhook signatures.
`HubSpotConnector` needs HubSpot's SDK (the `hubspot` extra) and is imported on first use, so
the settings, the webhook verifier and parser and the sandbox work without it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from connectors.hubspot.settings import HubSpotSettings
from connectors.hubspot.webhooks import HubSpotWebhookVerifier, webhook_changes

if TYPE_CHECKING:
    from connectors.hubspot.connector import HubSpotConnector

__all__ = [
    "HubSpotConnector",
    "HubSpotSettings",
    "HubSpotWebhookVerifier",
    "webhook_changes",
]


def __getattr__(name: str) -> Any:
    if name == "HubSpotConnector":
        from connectors.hubspot.sdk import require_sdk

        require_sdk()
        from connectors.hubspot.connector import HubSpotConnector

        return HubSpotConnector
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
