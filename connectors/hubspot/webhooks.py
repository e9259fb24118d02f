"""HubSpot's webhooks: signatures checked, and events turned into the core's field changes.

    verifier = HubSpotWebhookVerifier(client_secret)      # on the raw body, before parsing
    inbound = InboundChanges(store, "hubspot", ConflictPolicy({"email": "hub"}), apply=save)
    inbound.handle(webhook_changes(json.loads(body)))     # hub.engine.inbound

`HubSpotConnector.parse_webhook` is `webhook_changes`: the hub's receiver (`hub.web`) finds it
through the connector, as it finds any connector's.

Only HubSpot's shapes live here: the core's inbound path drops redelivered events by their
`eventId` (kept in the store, so also after a restart) and settles conflicts field by field.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from connectors.hubspot.signature import MAX_AGE_SECONDS, SignatureError, verify_v3
from hub.connector import WebhookVerifier
from hub.connector.inbound import FieldChange, WebhookPayloadError
from hub.errors import ConfigError

__all__ = [
    "PROVIDER",
    "HubSpotWebhookVerifier",
    "SignatureError",
    "changes_from_events",
    "parse_events",
    "webhook_changes",
]

log = logging.getLogger(__name__)

PROVIDER = "hubspot"
OBJECT_TYPES = {"contact": "contacts", "company": "companies", "deal": "deals"}


class HubSpotWebhookVerifier(WebhookVerifier):
    """X-HubSpot-Signature-v3 with the app's client secret; older than five minutes is refused."""

    def __init__(self, client_secret: str, *, max_age: float = MAX_AGE_SECONDS,
                 clock: Callable[[], float] = time.time) -> None:
        self._secret = client_secret
        self._max_age = max_age
        self._clock = clock

    @classmethod
    def from_settings(cls, settings: Any) -> HubSpotWebhookVerifier:
        """The verifier of a connection: HubSpot signs an app's webhooks with its client secret."""
        if settings.client_secret is None:
            raise ConfigError("set the connection's `client_secret` (the app's client secret) "
                              "to verify HubSpot's webhooks")
        return cls(settings.client_secret.get_secret_value())

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        verify_v3(self._secret, method, url, body, lowered.get("x-hubspot-signature-v3"),
                  lowered.get("x-hubspot-request-timestamp"), now=self._clock(),
                  window=self._max_age)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(max_age={self._max_age:g})"


def parse_events(body: bytes | str) -> list[dict[str, Any]]:
    """HubSpot's event array from a (verified) raw body."""
    try:
        payload = json.loads(body)
    except ValueError as exc:
        raise WebhookPayloadError("a HubSpot webhook body is JSON") from exc
    return _event_array(payload)


def webhook_changes(payload: Any) -> list[FieldChange]:
    """The field changes of a verified, JSON-decoded delivery (the receiver's parser)."""
    return changes_from_events(_event_array(payload))


def changes_from_events(events: Iterable[Mapping[str, Any]]) -> list[FieldChange]:
    """The property changes among HubSpot's events; other subscriptions are not field changes."""
    changes = []
    for event in events:
        kind, _, action = str(event.get("subscriptionType", "")).partition(".")
        object_type = OBJECT_TYPES.get(kind)
        if object_type is None or action != "propertyChange" or not event.get("propertyName"):
            continue
        if event.get("eventId") is None:
            # without its id a redelivery could not be told apart, so it is not applied
            log.warning("a HubSpot %s event of %s %s without an eventId is ignored",
                        event.get("subscriptionType"), object_type, event.get("objectId"))
            continue
        value = event.get("propertyValue")
        changes.append(FieldChange(
            provider=PROVIDER, event_id=str(event["eventId"]), object_type=object_type,
            external_id=str(event.get("objectId")), field=str(event["propertyName"]),
            value=None if value is None else str(value),
            occurred_at=datetime.fromtimestamp(int(event.get("occurredAt", 0)) / 1000, UTC),
            source=event.get("changeSource")))
    return changes


def _event_array(payload: Any) -> list[dict[str, Any]]:
    if not isinstance(payload, list) or not all(isinstance(e, dict) for e in payload):
        raise WebhookPayloadError("a HubSpot webhook body is a JSON array of event objects")
    return payload
