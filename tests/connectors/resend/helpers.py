"""Building a Resend connection to a sandbox, and messages to send through it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from connectors.resend import ResendConnector, ResendSettings
from connectors.resend.sandbox import DEFAULT_WEBHOOK_SECRET, SandboxServer
from hub.connector.messaging import OutboundMessage
from hub.model.people import Channel

from .conftest import API_KEY

FROM = "Shop <news@shop.example>"


def connect(sandbox: SandboxServer, **settings: Any) -> ResendConnector:
    raw: dict[str, Any] = {"api_key": API_KEY, "base_url": sandbox.base_url,
                           "from_address": FROM, "webhook_secret": DEFAULT_WEBHOOK_SECRET,
                           **settings}
    return ResendConnector(ResendSettings.model_validate(raw), name="mail")


def message(i: int, *, to: str | None = None, tags: Mapping[str, str] | None = None,
            **fields: Any) -> OutboundMessage:
    values: dict[str, Any] = {"subject": "Your cart misses you", "text": f"Hello {i}",
                              "html": f"<p>Hello {i}</p>", **fields}
    return OutboundMessage(
        idempotency_key=f"cart:{i}:2026-12-07", channel=Channel.EMAIL,
        to=to or f"person{i}@example.com",
        tags=dict(tags if tags is not None else {"campaign_id": "cart", "message_id": f"m{i}"}),
        **values)


def messages(count: int, start: int = 0) -> list[OutboundMessage]:
    return [message(i) for i in range(start, start + count)]
