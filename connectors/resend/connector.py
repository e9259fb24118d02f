"""The Resend connector: a channel provider that sends email and reads Resend's webhooks.

Built on the kit's HttpConnector: the connection's limiter (Resend's team limit, 2 requests
per second unless `rate_limit` says more, corrected by the `ratelimit-*` headers of every
answer) keeps 429s rare, and the policy reads Resend's error names (`errors.py`). `sender()`
sends (`sender.py`); `webhook_verifier()` and `parse_callback()` receive (`webhooks.py`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx

from hub.connector import CheckResult, HttpConnector, RateLimit
from hub.connector.messaging import DeliveryEvent, MessageSender, OptOut
from hub.errors import ConfigError
from hub.http import BearerToken, Policy

from .errors import resend_policy
from .sender import ResendSender
from .settings import DEFAULT_RATE_LIMIT, RESEND_API, ResendSettings
from .webhooks import ResendWebhookVerifier, parse_events

__all__ = ["ResendConnector"]


class ResendConnector(HttpConnector[ResendSettings]):
    id: ClassVar[str] = "resend"
    settings_model = ResendSettings
    description = "Resend: email sent in batches of 100, and its delivery and engagement webhooks"
    default_base_url: ClassVar[str] = RESEND_API
    policy: ClassVar[Policy] = resend_policy()
    default_rate_limit: ClassVar[RateLimit | None] = DEFAULT_RATE_LIMIT
    # the cheapest authenticated read (a sending-only key is refused it: see check())
    check_path: ClassVar[str] = "/domains"
    webhook_verifier_class = ResendWebhookVerifier
    # The local emulator `hub sandbox resend` runs; named, never imported, by the connector.
    sandbox: ClassVar[str | None] = "connectors.resend.sandbox"

    def auth(self) -> httpx.Auth:
        return BearerToken(self.settings.api_key.get_secret_value())

    def sender(self) -> MessageSender:
        if not self.settings.from_address:
            raise ConfigError(f"connection {self.name!r}: set `from_address` (e.g. "
                              '"Shop <news@shop.example>", on a domain verified at Resend) '
                              "to send email")
        return ResendSender(self, self.settings.from_address)

    def parse_callback(self, payload: Any) -> list[DeliveryEvent | OptOut]:
        return parse_events(payload)

    async def check(self) -> CheckResult:
        """The kit's check; a key restricted to sending is refused `/domains` but can send."""
        result = await super().check()
        if not result.ok and "restricted_api_key" in result.message:
            return CheckResult(True, f"Resend at {self.base_url} accepted a sending-only API "
                               "key: it can send email but not read domains", {
                                   "base_url": self.base_url, "access": "sending"})
        return result
