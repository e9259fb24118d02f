"""Outgoing webhooks: each accepted email's events, Svix-signed and POSTed as Resend does.

An email yields `email.sent`, then `email.delivered` (sometimes after `email.delivery_delayed`)
or `email.bounced` (Permanent or Transient), then perhaps `email.complained`, `email.opened`
and `email.clicked`, drawn at the configured rates from a seeded generator. Each event is one
POST with Resend's envelope `{type, created_at, data}` and Svix's headers (`svix-id`,
`svix-timestamp`, `svix-signature`) made with the `svix` library. A retry resends the same
`svix-id` and body, signed afresh; `duplicate_rate` delivers some events twice the same way,
and `out_of_order` shuffles each email's events.

The harness's dispatcher delivers them (retried with backoff up to `webhook_max_attempts`).
"""

from __future__ import annotations

import json
import random
import re
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from svix.webhooks import Webhook

from hub.testing.sandbox import DeliveryAttempt, WebhookDispatcher

from .config import SandboxConfig
from .store import SentEmail

__all__ = ["DeliveryAttempt", "ResendWebhooks", "svix_headers"]

_LINK = re.compile(r'href="(https?://[^"]+)"')  # the link a click event reports


def svix_headers(secret: str, message_id: str, body: bytes,
                 at: datetime | None = None) -> dict[str, str]:
    """Svix's three headers for `body`, signed with `secret` (whsec_…) at `at` (now)."""
    when = at or datetime.now(UTC)
    signature = Webhook(secret).sign(message_id, when, body.decode("utf-8"))
    return {"svix-id": message_id, "svix-timestamp": str(int(when.timestamp())),
            "svix-signature": signature}


def _stamp(at: datetime) -> str:
    return at.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class ResendWebhooks(WebhookDispatcher):
    """Turns accepted emails into Resend's events and delivers them."""

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(config, sign=self._sign, render=self._render,
                         event_id=lambda item: item["svix_id"], name="resend-sandbox-webhooks")
        self._config = config
        self._random = random.Random(config.webhook_seed)
        self._lock = threading.Lock()
        self._ids: dict[bytes, str] = {}
        self.published: list[dict[str, Any]] = []  # every event planned, once each

    def publish(self, emails: Sequence[SentEmail]) -> None:
        """Plan and queue the events of newly accepted emails; each email's `last_event` is
        the last one planned."""
        if self._config.webhook_url is None:
            return
        queued: list[dict[str, Any]] = []
        with self._lock:
            for email in emails:
                items: list[dict[str, Any]] = [
                    {"svix_id": f"msg_{uuid.uuid4().hex}", "payload": event}
                    for event in self._events(email)]
                email.last_event = items[-1]["payload"]["type"].removeprefix("email.")
                self.published.extend(item["payload"] for item in items)
                if self._config.out_of_order:
                    self._random.shuffle(items)
                for item in items:
                    queued.append(item)
                    if self._random.random() < self._config.duplicate_rate:
                        queued.append(item)
        self.enqueue(queued)

    def _events(self, email: SentEmail) -> list[dict[str, Any]]:
        cfg, draw = self._config, self._random.random
        events = [self._event("email.sent", email)]
        if draw() >= cfg.delivered_rate:
            hard = draw() < cfg.hard_bounce_share
            events.append(self._event("email.bounced", email, bounce={
                "type": "Permanent" if hard else "Transient",
                "subType": "General" if hard else "MailboxFull",
                "message": ("The recipient's email address does not exist." if hard else
                            "The recipient's mailbox is full."),
                "diagnosticCode": ["smtp; 550 5.1.1 user unknown" if hard else
                                   "smtp; 452 4.2.2 mailbox full"]}))
            return events
        if draw() < cfg.delivery_delayed_rate:
            events.append(self._event("email.delivery_delayed", email))
        events.append(self._event("email.delivered", email))
        if draw() < cfg.complained_rate:
            events.append(self._event("email.complained", email))
        if draw() < cfg.opened_rate:
            events.append(self._event("email.opened", email))
            if draw() < cfg.clicked_rate:
                found = _LINK.search(email.html or "")
                link = found.group(1) if found else "https://example.com/"
                events.append(self._event("email.clicked", email, click={
                    "ipAddress": "192.0.2.1", "link": link,
                    "timestamp": _stamp(datetime.now(UTC)), "userAgent": "Mozilla/5.0"}))
        return events

    @staticmethod
    def _event(kind: str, email: SentEmail, **extra: Any) -> dict[str, Any]:
        data: dict[str, Any] = {
            "email_id": email.id, "created_at": _stamp(email.created_at),
            "from": email.sender, "to": email.to, "subject": email.subject, **extra}
        if email.tags:
            data["tags"] = dict(email.tags)
        if email.headers:
            data["headers"] = [{"name": k, "value": v} for k, v in email.headers.items()]
        return {"type": kind, "created_at": _stamp(datetime.now(UTC)), "data": data}

    def _render(self, items: Sequence[Any], attempt: int) -> bytes:
        (item,) = items  # Svix posts one event per request (webhook_batch_size is 1)
        body = json.dumps(item["payload"], separators=(",", ":")).encode("utf-8")
        with self._lock:
            self._ids[body] = item["svix_id"]
        return body

    def _sign(self, url: str, body: bytes) -> dict[str, str]:
        with self._lock:
            message_id = self._ids.pop(body)
        return svix_headers(self._config.webhook_secret, message_id, body)
