"""The Resend connector: email in batches of 100 with idempotency keys, paced by the team's
rate limit, and Svix-signed delivery and engagement webhooks."""

from __future__ import annotations

from connectors.resend.connector import ResendConnector
from connectors.resend.settings import ResendSettings

__all__ = ["ResendConnector", "ResendSettings"]
