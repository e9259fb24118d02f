"""Twilio's callbacks, verified, turned into what the core records: delivery events and opt-outs.

A status callback (`MessageStatus`) becomes one `DeliveryEvent` whose id is
`<MessageSid>:<MessageStatus>`: Twilio posts each status of a message once, so a redelivered
or duplicated callback repeats the id and the core drops it, while the core's precedence
(delivered < bounced < failed) settles callbacks that arrive out of order. An inbound message
whose whole text is an opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, and
Twilio's newer OPTOUT, REVOKE) becomes an `OptOut(subscribed=False)`; START, UNSTOP and YES
(Twilio resubscribes on each) one with `subscribed=True`; its id is the inbound MessageSid.
With Advanced Opt-Out, Twilio's own `OptOutType` decides. Other inbound texts report nothing.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from hub.connector import DeliveryEvent, OptOut
from hub.connector.inbound import WebhookPayloadError
from hub.model.messaging import EngagementType
from hub.model.people import Channel

__all__ = ["OPT_IN", "OPT_OUT", "PROVIDER", "STATUS_TYPES", "form_fields", "parse_callback"]

log = logging.getLogger(__name__)

PROVIDER = "twilio"
OPT_OUT = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "OPTOUT",
                     "REVOKE"})
OPT_IN = frozenset({"START", "UNSTOP", "YES"})

STATUS_TYPES: dict[str, EngagementType] = {
    "accepted": EngagementType.SENT,
    "scheduled": EngagementType.SENT,
    "queued": EngagementType.SENT,
    "sending": EngagementType.SENT,
    "sent": EngagementType.SENT,
    "delivered": EngagementType.DELIVERED,
    "undelivered": EngagementType.BOUNCED_SOFT,
    "failed": EngagementType.FAILED,
    "canceled": EngagementType.FAILED,
    "read": EngagementType.OPENED,
}
# Undelivered because the number cannot take SMS at all (unknown destination, a landline):
# a hard bounce, so the core suppresses the number instead of trying it again.
HARD_BOUNCE_CODES = frozenset({"30005", "30006"})


def form_fields(payload: Any) -> dict[str, str]:
    """A callback's fields as one value each, from a mapping (of values or lists of values)
    or from (name, value) pairs."""
    items: Iterable[tuple[Any, Any]]
    if isinstance(payload, Mapping):
        items = payload.items()
    elif isinstance(payload, list | tuple):
        items = payload
    else:
        raise WebhookPayloadError("a Twilio callback is form fields, not "
                                  f"{type(payload).__name__}")
    fields: dict[str, str] = {}
    for name, value in items:
        if isinstance(value, list | tuple):
            value = value[0] if value else ""
        fields[str(name)] = str(value)
    return fields


def parse_callback(payload: Any, account_sid: str | None = None,
                   now: datetime | None = None) -> list[DeliveryEvent | OptOut]:
    """What one verified callback reports; WebhookPayloadError for one Twilio never sends."""
    fields = form_fields(payload)
    sid = fields.get("MessageSid") or fields.get("SmsSid")
    if not sid:
        raise WebhookPayloadError("a Twilio callback without MessageSid")
    if account_sid is not None and fields.get("AccountSid") != account_sid:
        raise WebhookPayloadError(f"a callback of account {fields.get('AccountSid')!r}, "
                                  f"not this connection's {account_sid}")
    at = now or datetime.now(UTC)
    status = fields.get("MessageStatus") or fields.get("SmsStatus") or ""
    if status and status not in ("received", "receiving"):
        return _status_event(sid, status, fields, at)
    return _inbound(sid, fields, at)


def _status_event(sid: str, status: str, fields: dict[str, str],
                  at: datetime) -> list[DeliveryEvent | OptOut]:
    kind = STATUS_TYPES.get(status)
    if kind is None:  # Twilio adds statuses without notice: note it, refuse nothing
        log.info("Twilio status %r of %s has no engagement type; ignored", status, sid)
        return []
    code = fields.get("ErrorCode") or None
    if status == "undelivered" and code in HARD_BOUNCE_CODES:
        kind = EngagementType.BOUNCED_HARD
    reason = None
    if code is not None:
        reason = f"Twilio error {code}" + (f": {fields['ErrorMessage']}"
                                           if fields.get("ErrorMessage") else "")
    return [DeliveryEvent(PROVIDER, f"{sid}:{status}", sid, kind, _done_at(fields) or at,
                          recipient=fields.get("To"), reason=reason)]


def _done_at(fields: dict[str, str]) -> datetime | None:
    """The carrier's delivery time (`RawDlrDoneDate`, YYMMDDhhmm in UTC), when it says."""
    raw = fields.get("RawDlrDoneDate", "")
    try:
        return datetime.strptime(raw, "%y%m%d%H%M").replace(tzinfo=UTC) if raw else None
    except ValueError:
        return None


def _inbound(sid: str, fields: dict[str, str], at: datetime) -> list[DeliveryEvent | OptOut]:
    keyword = fields.get("Body", "").strip().rstrip(".!").strip().upper()
    said = fields.get("OptOutType", "").upper()
    if said in ("STOP", "START"):
        subscribed = said == "START"
    elif keyword in OPT_OUT or keyword in OPT_IN:
        subscribed = keyword in OPT_IN
    else:
        return []
    sender = fields.get("From")
    if not sender:
        raise WebhookPayloadError(f"inbound message {sid} names no sender (From)")
    return [OptOut(PROVIDER, sid, Channel.SMS, sender, subscribed, at, keyword=keyword or said)]
