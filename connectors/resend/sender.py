"""Sending email through Resend: batches of up to 100 on `POST /emails/batch`, each request
under an idempotency key, paced by the team's rate limit.

A batch's key is `batch_key(messages)`: the core resends a batch whose answer a crash lost
with the same messages in the same order, so Resend answers the replay from its 24-hour
idempotency memory and creates nothing twice. A lone message goes to `POST /emails` under its
own key. Batches are sent with `x-batch-validation: permissive`, so one refused email (a bad
address) is reported by its index while the others go out.

Emails are sent with the kit's HTTP client, not Resend's SDK: the SDK's calls are blocking
(each would need a worker thread), its errors drop the response headers the hub's limiter
paces by, and its module-level `api_key`/`api_url` globals would be shared by every
connection of the process. The client shares the connection's limiter and policy; like every
sender it does not retry: a 429 or 5xx raises for the whole call and the engine retries it.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, ClassVar

from hub.connector.messaging import MessageSender, OutboundMessage, SendResult, batch_key
from hub.errors import PermanentError
from hub.model.people import Channel

from .errors import ResendRefusal

if TYPE_CHECKING:
    from .connector import ResendConnector

__all__ = ["BATCH_SIZE", "ResendSender", "email_payload", "resend_tag"]

BATCH_SIZE = 100
_TAG_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")
_MAX_KEY = 256


def resend_tag(text: str) -> str:
    """`text` in the charset Resend allows in a tag's name or value (ASCII letters, digits,
    `_` and `-`, at most 256 characters): anything else becomes `_`."""
    return _TAG_UNSAFE.sub("_", text)[:256]


def request_key(key: str) -> str:
    """An idempotency key Resend takes (1 to 256 characters): a longer one is hashed."""
    if 1 <= len(key) <= _MAX_KEY:
        return key
    return "sha256-" + hashlib.sha256(key.encode()).hexdigest()


def email_payload(message: OutboundMessage, default_sender: str) -> dict[str, Any]:
    """One email as Resend's `SendEmailRequest`."""
    email: dict[str, Any] = {"from": message.sender or default_sender, "to": [message.to],
                             "subject": message.subject, "text": message.text}
    if message.html:
        email["html"] = message.html
    if message.reply_to:
        email["reply_to"] = message.reply_to
    if message.headers:
        email["headers"] = dict(message.headers)  # List-Unsubscribe and its -Post, as given
    tags = [{"name": resend_tag(name), "value": resend_tag(value)}
            for name, value in message.tags.items() if name and value]
    if tags:
        email["tags"] = tags
    return email


class ResendSender(MessageSender):
    channel: ClassVar[Channel] = Channel.EMAIL
    batch_size: ClassVar[int] = BATCH_SIZE
    idempotent: ClassVar[bool] = True

    def __init__(self, connector: ResendConnector, default_sender: str) -> None:
        self._connector = connector
        self._default_sender = default_sender

    async def send(self, messages: Sequence[OutboundMessage]) -> list[SendResult]:
        if len(messages) > BATCH_SIZE:
            raise ValueError(f"Resend takes at most {BATCH_SIZE} emails a batch, "
                             f"got {len(messages)}")
        results: dict[int, SendResult] = {}
        ready: dict[int, dict[str, Any]] = {}
        for index, message in enumerate(messages):
            if not message.subject:
                results[index] = SendResult.rejected("an email needs a subject",
                                                     "missing_required_field")
            else:
                ready[index] = email_payload(message, self._default_sender)
        if len(ready) == 1 and len(messages) == 1:
            results[0] = await self._send_one(messages[0], ready[0])
        elif ready:
            results.update(await self._send_batch(messages, ready))
        return [results[index] for index in range(len(messages))]

    async def _send_one(self, message: OutboundMessage, email: dict[str, Any]) -> SendResult:
        headers = {"Idempotency-Key": request_key(message.idempotency_key)}
        try:
            answer = await self._connector.request("POST", "/emails", json=email,
                                                   headers=headers)
        except ResendRefusal as refused:
            return SendResult.rejected(refused.message, refused.name)
        return SendResult.accepted(str(answer.json()["id"]))

    async def _send_batch(self, messages: Sequence[OutboundMessage],
                          ready: Mapping[int, dict[str, Any]]) -> dict[int, SendResult]:
        # The key covers the whole batch as the core made it, refused messages included, so
        # that a resend of the same batch finds it again.
        headers = {"Idempotency-Key": batch_key(messages),
                   "x-batch-validation": "permissive"}
        indexes = list(ready)
        try:
            answer = await self._connector.request("POST", "/emails/batch",
                                                   json=[ready[i] for i in indexes],
                                                   headers=headers)
        except ResendRefusal as refused:
            return {i: SendResult.rejected(refused.message, refused.name) for i in indexes}
        body = answer.json()
        refused_at = {int(e["index"]): str(e.get("message") or "refused")
                      for e in body.get("errors") or ()}
        ids = [str(item["id"]) for item in body.get("data") or ()]
        if len(ids) + len(refused_at) != len(indexes):
            raise PermanentError(f"Resend answered {len(ids)} ids and {len(refused_at)} "
                                 f"refusals for a batch of {len(indexes)} emails")
        found = iter(ids)
        return {index: (SendResult.rejected(refused_at[position], "validation_error")
                        if position in refused_at else SendResult.accepted(next(found)))
                for position, index in enumerate(indexes)}
