"""What a vendor's webhook says changed, in the shape the core's inbound path takes.

A connector's `parse_webhook(payload)` (hub.connector.base.Connector) turns a verified webhook
payload into `FieldChange`s, one per field of one record; the core (`hub.engine.inbound`)
drops redelivered events by their id and changes older than a field's applied one, settles a
two-way sync's conflicts field by field and applies the rest. A vendor writes only its parser.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

__all__ = ["FieldChange", "WebhookPayloadError"]


@dataclass(frozen=True)
class FieldChange:
    """One field of one record changed at the vendor, as one of its webhook events says."""

    provider: str  # the vendor, e.g. "hubspot"
    event_id: str  # the vendor's id of the event: a redelivery repeats it
    object_type: str  # the vendor's object type, e.g. "contacts"
    external_id: str  # the record's id at the vendor
    field: str
    value: Any
    occurred_at: datetime
    source: str | None = None  # what made the change, when the vendor says (its UI, its API …)


class WebhookPayloadError(ValueError):
    """A verified payload that is not what the vendor's webhooks send: answered 400."""

