"""Outgoing webhooks: record changes become HubSpot's event arrays, signed and POSTed.

The harness's dispatcher delivers them (batches of `webhook_batch_size`, retried with backoff up
to `webhook_max_attempts` times); HubSpot's part is the events, the `attemptNumber` stamped on
each attempt, and the signatures: v3, and the legacy v1 header HubSpot still sends.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Sequence
from typing import Any

from connectors.hubspot.signature import sign_v1, sign_v3
from hub.testing.sandbox import DeliveryAttempt, WebhookDispatcher

from .config import SandboxConfig
from .records import Change
from .schema import OBJECT_TYPES
from .timeutil import epoch_ms

__all__ = ["DeliveryAttempt", "HubSpotWebhooks"]

_CHANGE_FLAGS = {"creation": "NEW", "deletion": "DELETED"}


class HubSpotWebhooks(WebhookDispatcher):
    """Turns `Change`s into HubSpot's events and delivers them."""

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(
            config,
            sign=self._sign,
            render=self._render,
            event_id=lambda event: int(event["eventId"]),
            name="hubspot-sandbox-webhooks",
        )
        self._config = config
        self._event_ids = itertools.count(1)

    def publish(self, changes: list[Change]) -> None:
        """Queue the events the configured subscriptions select from `changes`."""
        if self._config.webhook_url is None:
            return
        self.enqueue([event for change in changes if (event := self._event(change)) is not None])

    def _event(self, change: Change) -> dict[str, Any] | None:
        cfg = self._config
        subscription = f"{OBJECT_TYPES[change.object_type].singular}.{change.kind}"
        if subscription not in cfg.webhook_subscriptions:
            return None
        if (
            change.kind == "propertyChange"
            and cfg.webhook_properties is not None
            and change.property_name not in cfg.webhook_properties
        ):
            return None
        event: dict[str, Any] = {
            "eventId": next(self._event_ids),
            "subscriptionId": 1000 + cfg.webhook_subscriptions.index(subscription),
            "portalId": cfg.portal_id,
            "appId": cfg.app_id,
            "occurredAt": epoch_ms(change.occurred_at),
            "subscriptionType": subscription,
            "attemptNumber": 0,
            "objectId": int(change.object_id),
            "changeSource": change.source,
        }
        if change.kind == "propertyChange":
            event["propertyName"] = change.property_name
            event["propertyValue"] = change.property_value
        else:
            event["changeFlag"] = _CHANGE_FLAGS[change.kind]
        return event

    @staticmethod
    def _render(events: Sequence[Any], attempt: int) -> bytes:
        stamped = [{**event, "attemptNumber": attempt} for event in events]
        return json.dumps(stamped, separators=(",", ":")).encode("utf-8")

    def _sign(self, url: str, body: bytes) -> dict[str, str]:
        secret = self._config.client_secret
        timestamp = str(int(time.time() * 1000))
        return {
            "X-HubSpot-Signature-v3": sign_v3(secret, "POST", url, body, timestamp),
            "X-HubSpot-Request-Timestamp": timestamp,
            "X-HubSpot-Signature": sign_v1(secret, body),
            "X-HubSpot-Signature-Version": "v1",
        }
