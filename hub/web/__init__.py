"""The hub's ASGI surfaces: the webhook receiver (more to come: ops API, metrics)."""

from __future__ import annotations

from hub.web.webhooks import (
    WebhookHandler,
    create_webhook_app,
    inbound_handler,
    verifiers_from_config,
    webhook_connections,
)

__all__ = ["WebhookHandler", "create_webhook_app", "inbound_handler", "verifiers_from_config",
           "webhook_connections"]
