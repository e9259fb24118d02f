"""Sends SMS through Twilio, one message a call, at the sender's pace.

Each message is checked before any call: its recipient normalised to E.164 (an impossible
number is rejected, never sent) and its body counted in segments (one over `max_segments` is
rejected). The call waits for a slot of the sender's limiter, shared by every connection of
the process on the same sender (a number sends at its own rate whoever sends through it), so
paced sends do not meet Twilio's 429s; one that does is raised as RateLimitedError for the
engine to retry, and the limiter pauses everyone on that sender.

Twilio keeps no idempotency key (`idempotent = False`): after a crash the core asks
`find_sent` whether a reserved message went out before it sends it again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC
from typing import TYPE_CHECKING, Any, ClassVar

from hub.connector import MessageSender, OutboundMessage, SendResult
from hub.errors import RateLimitedError
from hub.http import RateLimiter, credential_key, limiter_for
from hub.model.people import Channel

from .client import call
from .errors import send_outcome
from .phone import InvalidNumber, to_e164
from .segments import count_segments
from .settings import TwilioSettings

if TYPE_CHECKING:
    from twilio.rest import Client

__all__ = ["TwilioSender", "sender_limiter"]

#: how many of a recipient's latest messages `find_sent` reads at most
RECONCILE_SCAN = 200


def sender_limiter(settings: TwilioSettings, sender: str) -> RateLimiter:
    """The process-wide limiter of one sender of one account."""
    key = credential_key(sender, f"twilio:{settings.account_sid}:{settings.api_url}")
    return limiter_for(key, settings.rate)


class TwilioSender(MessageSender):
    channel: ClassVar[Channel] = Channel.SMS
    batch_size: ClassVar[int] = 1
    idempotent: ClassVar[bool] = False

    def __init__(self, settings: TwilioSettings, client: Client) -> None:
        self.settings = settings
        self.client = client

    def _sender(self, message: OutboundMessage) -> dict[str, str]:
        sender = message.sender or self.settings.sender
        if sender.startswith("MG") and len(sender) == 34:
            return {"messaging_service_sid": sender}
        return {"from_": sender}

    def refusal(self, message: OutboundMessage) -> tuple[str | None, SendResult | None]:
        """The recipient in E.164, or the reason this message cannot go at all."""
        try:
            to = to_e164(message.to, self.settings.default_region)
        except InvalidNumber as exc:
            return None, SendResult.rejected(str(exc), "invalid_number")
        segments = count_segments(message.text)
        if segments.count > self.settings.max_segments:
            return None, SendResult.rejected(
                f"the body takes {segments.count} SMS segments ({segments.encoding}, "
                f"{segments.units} units), more than max_segments "
                f"{self.settings.max_segments}", "too_many_segments")
        return to, None

    async def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        return [await self._send_one(message) for message in messages]

    async def _send_one(self, message: OutboundMessage) -> SendResult:
        to, refused = self.refusal(message)
        if refused is not None or to is None:
            return refused or SendResult.rejected("no recipient")
        sender = self._sender(message)
        (identity,) = sender.values()
        params: dict[str, Any] = {"to": to, "body": message.text, **sender}
        if self.settings.status_callback is not None:
            params["status_callback"] = str(self.settings.status_callback)
        limiter = sender_limiter(self.settings, identity)
        async with limiter.acquire():
            try:
                created = await asyncio.to_thread(self.client.messages.create, **params)
            except Exception as exc:
                try:
                    return send_outcome(exc, to, identity, self.settings.api_url)
                except RateLimitedError as limited:
                    limiter.on_rate_limited(limited.retry_after)
                    raise
        return SendResult.accepted(str(created.sid))

    async def find_sent(self, message: OutboundMessage) -> str | None:
        """The SID of the message Twilio holds to the same recipient, from this sender, with
        the same body, created no earlier than the hub reserved it (to the second).

        Listed by recipient (and sender) newest first, reading back to the reservation,
        rather than by `DateSent>=`: a message still queued at Twilio has no date sent yet,
        and must be found all the same. Without `created_at` there is no telling an earlier
        message with the same body from this one: ValueError."""
        if message.created_at is None:
            raise ValueError(f"find_sent needs the time message {message.idempotency_key!r} "
                             "was reserved (created_at)")
        to, refused = self.refusal(message)
        if refused is not None or to is None:
            return None
        since = message.created_at.astimezone(UTC).replace(microsecond=0)
        sender = self._sender(message)
        filters: dict[str, Any] = {"to": to}
        if "from_" in sender:
            filters["from_"] = sender["from_"]

        def search() -> str | None:
            found = None
            for sent in self.client.messages.stream(page_size=50, limit=RECONCILE_SCAN,
                                                    **filters):
                if sent.date_created is not None and sent.date_created < since:
                    break  # newest first: everything further is older than the reservation
                service = sender.get("messaging_service_sid")
                if (sent.direction == "outbound-api" and sent.body == message.text
                        and (service is None or sent.messaging_service_sid == service)):
                    found = str(sent.sid)  # keep going: the oldest match is the original
            return found

        return await call(search, self.settings.api_url)
