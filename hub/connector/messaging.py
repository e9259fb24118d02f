"""What a channel provider (an email or SMS vendor) implements so the hub can send through it.

The send path of the core (`hub.messaging`) decides who gets what: it renders, gates on
consent, caps and quiet hours, reserves each message in the send ledger and only then hands
the provider an `OutboundMessage`. A provider connector turns that into its API's calls and
answers one `SendResult` per message; it never decides whether a message may go.

The provider also turns its verified callbacks (delivery statuses, opens, clicks, bounces,
inbound STOP replies) into `DeliveryEvent`s and `OptOut`s; the core deduplicates them by
`event_id`, orders delivery statuses by precedence and updates consent and suppressions.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, ClassVar

from hub.model.messaging import EngagementType
from hub.model.people import Channel

__all__ = [
    "CallbackParser",
    "DeliveryEvent",
    "MessageSender",
    "OptOut",
    "OutboundMessage",
    "SendResult",
    "SendStatus",
    "batch_key",
]


@dataclass(frozen=True)
class OutboundMessage:
    """One rendered message to one recipient, already allowed by the gate."""

    idempotency_key: str  # stable across retries and reruns: the provider's dedup key
    channel: Channel
    to: str  # an email address, or an E.164 number
    text: str  # the plain-text body (the whole body of an SMS)
    sender: str | None = None  # from-address or sender id; None: the connection's default
    subject: str | None = None
    html: str | None = None
    reply_to: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe
    tags: Mapping[str, str] = field(default_factory=dict)  # campaign_id, message_id, variant
    created_at: datetime | None = None  # when the hub reserved it (bounds a reconciliation)


class SendStatus(StrEnum):
    ACCEPTED = "accepted"  # the provider took it; `provider_message_id` names it
    REJECTED = "rejected"  # refused for this message alone: dead-lettered with `error`
    SUPPRESS = "suppress"  # the recipient cannot receive (opted out, invalid): suppress it
    RETRY = "retry"  # a transient refusal of this message alone: the engine retries it


@dataclass(frozen=True)
class SendResult:
    status: SendStatus
    provider_message_id: str | None = None
    error: str | None = None  # the provider's own words, for the dead letter or the log
    code: str | None = None  # the provider's error code (e.g. "21610", "validation_error")

    @classmethod
    def accepted(cls, provider_message_id: str) -> SendResult:
        return cls(SendStatus.ACCEPTED, provider_message_id=provider_message_id)

    @classmethod
    def rejected(cls, error: str, code: str | None = None) -> SendResult:
        return cls(SendStatus.REJECTED, error=error, code=code)

    @classmethod
    def suppress(cls, error: str, code: str | None = None) -> SendResult:
        return cls(SendStatus.SUPPRESS, error=error, code=code)

    @classmethod
    def retry(cls, error: str, code: str | None = None) -> SendResult:
        return cls(SendStatus.RETRY, error=error, code=code)


class MessageSender(ABC):
    """Sends rendered messages on one channel. Built by a connector's `sender()`.

    - `channel`: the channel it sends on.
    - `batch_size`: the most messages one `send` call takes (Resend's batch: 100; SMS: 1).
    - `idempotent`: the provider drops a repeated `idempotency_key` itself (Resend's
      `Idempotency-Key`). When False (Twilio), the core reconciles a message reserved but
      never confirmed by calling `find_sent` before it sends again.

    A batch whose outcome a crash lost is sent again with exactly the same messages in the
    same order (the send ledger records each message's batch), so an idempotent provider's
    request key may be derived from the messages' keys (`batch_key`).

    Like a sink, a sender does not retry: it raises `TransientError`/`RateLimitedError` for
    a whole call the engine may repeat, `QuotaExhaustedError` when a daily quota is spent
    (the send stops and resumes later), `AuthError` when credentials are refused.
    """

    channel: ClassVar[Channel]
    batch_size: ClassVar[int] = 1
    idempotent: ClassVar[bool] = False

    @abstractmethod
    async def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        """Send one batch; one SendResult per message, in order."""

    async def find_sent(self, message: OutboundMessage) -> str | None:
        """The provider's id of `message` if it was already sent (None: it was not).

        Called only for a non-idempotent provider, for a message reserved in the send ledger
        whose outcome a crash lost. Match on what the provider keeps (recipient, body, time
        at or after `message.created_at`)."""
        raise NotImplementedError(f"{type(self).__name__} cannot look up sent messages")

    async def aclose(self) -> None:  # noqa: B027  (optional: most senders hold nothing)
        """Release clients."""


def batch_key(messages: Sequence[OutboundMessage]) -> str:
    """One request key for a batch: the same messages in the same order give the same key."""
    digest = hashlib.sha256("\n".join(m.idempotency_key for m in messages).encode())
    return digest.hexdigest()


@dataclass(frozen=True)
class DeliveryEvent:
    """A provider's callback about one message it sent: a status or an engagement."""

    provider: str
    event_id: str  # the provider's id of this event: a redelivery repeats it
    provider_message_id: str
    type: EngagementType
    occurred_at: datetime
    recipient: str | None = None
    url: str | None = None  # the clicked link
    reason: str | None = None  # a bounce's or failure's reason, in the provider's words


@dataclass(frozen=True)
class OptOut:
    """A recipient withdrew (or gave back) consent on a channel at the provider: an SMS
    "STOP"/"START" reply, a one-click unsubscribe the provider handled, a complaint."""

    provider: str
    event_id: str
    channel: Channel
    address: str  # the email address or E.164 number
    subscribed: bool  # False: opted out; True: opted back in (START, UNSTOP)
    occurred_at: datetime
    keyword: str | None = None  # what the recipient sent, e.g. "STOP"


#: a connector's callback parser: a verified callback (JSON-decoded, or the form fields of a
#: form-encoded one) → what it reports. Raise `WebhookPayloadError` for a malformed one.
CallbackParser = Callable[[Any], list[DeliveryEvent | OptOut]]
