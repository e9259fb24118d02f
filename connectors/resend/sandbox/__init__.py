"""A local emulator of Resend's email API, faithful to its shapes, limits, errors and webhooks.

    from connectors.resend.sandbox import SandboxConfig, SandboxServer

    with SandboxServer(SandboxConfig(webhook_url=receiver_url)) as sandbox:
        ...  # a connection with base_url=sandbox.base_url, api_key="re_sandbox_key"
        sandbox.state.emails.by_recipient()            # what was sent, counted
        sandbox.state.contract.assert_clean()          # every request kept resend.yaml

It serves `POST /emails`, `POST /emails/batch` (≤ 100, strict or permissive validation),
`GET /emails/{id}`, `GET /domains` and `GET /api-keys` on loopback with Resend's error bodies,
its idempotency rules (24 h; same key and body: same answer; other body: 409), its team rate
limit (2 requests per second by default, `ratelimit-*` and `retry-after` headers), a daily
email quota (429 `daily_quota_exceeded`), and Svix-signed webhooks at configurable rates.

What is not Resend's (the gateway, request log, limits, faults, webhook delivery, serving) is
the harness in `hub.testing.sandbox`.
"""

from __future__ import annotations

from .app import create_app
from .config import DEFAULT_WEBHOOK_SECRET, SandboxConfig
from .errors import ResendError
from .server import SandboxServer, serve
from .state import SandboxState
from .store import EmailStore, SentEmail
from .webhooks import DeliveryAttempt, ResendWebhooks, svix_headers

__all__ = [
    "DEFAULT_WEBHOOK_SECRET",
    "DeliveryAttempt",
    "EmailStore",
    "ResendError",
    "ResendWebhooks",
    "SandboxConfig",
    "SandboxServer",
    "SandboxState",
    "SentEmail",
    "create_app",
    "serve",
    "svix_headers",
]
