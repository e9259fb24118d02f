"""A Message resource as Twilio stores and answers it: snake_case JSON, counts as strings,
dates in RFC 2822 (`Thu, 24 Aug 2023 05:01:45 +0000`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from email.utils import format_datetime
from typing import Any

from connectors.twilio.segments import count_segments

__all__ = ["API_VERSION", "Message", "new_sid", "rfc2822"]

API_VERSION = "2010-04-01"


def new_sid(prefix: str) -> str:
    """A Twilio SID: two letters and 32 hex digits."""
    return prefix + uuid.uuid4().hex


def rfc2822(when: datetime | None) -> str | None:
    return None if when is None else format_datetime(when.replace(microsecond=0))


@dataclass
class Message:
    """One message of the account, outbound or inbound; `sequence` orders the list."""

    sid: str
    sequence: int
    account_sid: str
    to: str
    from_: str
    body: str
    status: str
    direction: str
    date_created: datetime
    date_sent: datetime | None
    date_updated: datetime
    messaging_service_sid: str | None = None
    status_callback: str | None = None
    error_code: int | None = None
    error_message: str | None = None

    @property
    def uri(self) -> str:
        return f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{self.sid}.json"

    def to_json(self) -> dict[str, Any]:
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": self.body,
            "date_created": rfc2822(self.date_created),
            "date_sent": rfc2822(self.date_sent),
            "date_updated": rfc2822(self.date_updated),
            "direction": self.direction,
            "error_code": self.error_code,
            "error_message": self.error_message,
            "from": self.from_,
            "messaging_service_sid": self.messaging_service_sid,
            "num_media": "0",
            "num_segments": str(count_segments(self.body).count),
            "price": None,
            "price_unit": "USD",
            "sid": self.sid,
            "status": self.status,
            "subresource_uris": {"media": self.uri.removesuffix(".json") + "/Media.json"},
            "to": self.to,
            "uri": self.uri,
        }
