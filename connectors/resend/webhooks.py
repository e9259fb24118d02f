"""Resend's webhooks: Svix signatures checked on the raw body, events turned into the core's
delivery events and opt-outs.

    verifier = ResendWebhookVerifier("whsec_…")    # on the raw body, before parsing
    parse_events(json.loads(body))                  # -> [DeliveryEvent | OptOut]

The `svix` library verifies: HMAC-SHA256 over `svix-id.svix-timestamp.body`, refusing a
timestamp more than five minutes from now (a stale or replayed-later delivery).

Event ids: a delivery's `svix-id` is in its headers, which the receiver does not hand the
parser, and Resend's payload carries no id of its own. So the id is made from the payload:
its type, email id and a digest of the whole event. A redelivery (Svix retrying, or the same
delivery replayed within the five minutes) repeats the body byte for byte, so it repeats the
id and the core drops it; two different events never share type, email and timestamp.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from hub.connector import WebhookVerifier
from hub.connector.inbound import WebhookPayloadError
from hub.connector.messaging import DeliveryEvent, OptOut
from hub.errors import AuthError, ConfigError
from hub.model.messaging import EngagementType
from hub.model.people import Channel

__all__ = ["PROVIDER", "ResendWebhookVerifier", "event_id", "parse_events"]

PROVIDER = "resend"

_TYPES = {
    "email.sent": EngagementType.SENT,
    "email.delivered": EngagementType.DELIVERED,
    "email.delivery_delayed": EngagementType.DEFERRED,
    "email.opened": EngagementType.OPENED,
    "email.clicked": EngagementType.CLICKED,
    "email.complained": EngagementType.COMPLAINED,
    "email.failed": EngagementType.FAILED,
    "email.suppressed": EngagementType.FAILED,  # Resend kept it back: a previous bounce …
}
# A Transient bounce may clear; Undetermined is not reason enough to suppress an address.
_BOUNCES = {"Permanent": EngagementType.BOUNCED_HARD}


class ResendWebhookVerifier(WebhookVerifier):
    """Svix's signature with the webhook's signing secret; older than five minutes is refused."""

    def __init__(self, secret: str) -> None:
        from svix.webhooks import Webhook

        self._webhook = Webhook(secret)

    @classmethod
    def from_settings(cls, settings: Any) -> ResendWebhookVerifier:
        if settings.webhook_secret is None:
            raise ConfigError("set the connection's `webhook_secret` (the whsec_… signing "
                              "secret of the Resend webhook) to receive Resend's webhooks")
        return cls(settings.webhook_secret.get_secret_value())

    def verify(self, method: str, url: str, headers: Mapping[str, str], body: bytes) -> None:
        lowered = {k.lower(): v for k, v in headers.items()}
        if not lowered.get("svix-id") or not lowered.get("svix-signature"):
            raise AuthError("a Resend webhook without Svix's svix-id and svix-signature "
                            "headers is refused")
        try:
            self._webhook.verify(body, lowered)
        except Exception as exc:  # svix raises binascii.Error too, for a non-base64 signature
            raise AuthError(f"a Resend webhook failed Svix verification: {exc or type(exc)}"
                            ) from None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


def event_id(event: Mapping[str, Any]) -> str:
    """The event's id, the same for every redelivery of it (see the module's docstring)."""
    digest = hashlib.sha256(json.dumps(event, sort_keys=True, separators=(",", ":"))
                            .encode()).hexdigest()[:32]
    return f"{event.get('type')}:{event['data'].get('email_id')}:{digest}"


def _when(text: Any) -> datetime:
    try:
        return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        raise WebhookPayloadError(f"a Resend event's created_at {text!r} is no ISO time"
                                  ) from None


def parse_events(payload: Any) -> list[DeliveryEvent | OptOut]:
    """What a verified Resend event reports: one delivery event, and for a complaint also the
    recipient's opt-out. Events that are not about a sent email (contacts, domains,
    received mail, scheduling) report nothing."""
    if not isinstance(payload, dict) or not isinstance(payload.get("data"), dict):
        raise WebhookPayloadError("a Resend webhook body is an object {type, created_at, data}")
    kind, data = str(payload.get("type") or ""), payload["data"]
    if kind == "email.bounced":
        bounce = data.get("bounce") if isinstance(data.get("bounce"), dict) else {}
        engagement = _BOUNCES.get(str(bounce.get("type")), EngagementType.BOUNCED_SOFT)
        reason = bounce.get("message")
    elif kind in _TYPES:
        engagement, reason = _TYPES[kind], None
        if kind == "email.failed":
            reason = (data.get("failed") or {}).get("reason")
        elif kind == "email.suppressed":
            reason = (data.get("suppressed") or {}).get("message")
    else:
        return []
    if not data.get("email_id"):
        raise WebhookPayloadError(f"a Resend {kind} event without data.email_id")
    to = data.get("to") or []
    recipient = str(to[0]) if isinstance(to, list) and to else None
    click = data.get("click") if isinstance(data.get("click"), dict) else {}
    occurred = _when(payload.get("created_at"))
    found: list[DeliveryEvent | OptOut] = [DeliveryEvent(
        provider=PROVIDER, event_id=event_id(payload), provider_message_id=str(data["email_id"]),
        type=engagement, occurred_at=occurred, recipient=recipient, url=click.get("link"),
        reason=None if reason is None else str(reason))]
    if engagement is EngagementType.COMPLAINED and recipient is not None:
        found.append(OptOut(provider=PROVIDER, event_id=event_id(payload), channel=Channel.EMAIL,
                            address=recipient, subscribed=False, occurred_at=occurred))
    return found
