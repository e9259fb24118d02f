"""Everything one sandbox holds: the emails, the idempotency keys, the webhooks, and the
harness's log, limits, faults and contract checks."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any

from hub.testing.sandbox import FaultInjector, Harness, OpenAPIContract

from .config import SandboxConfig
from .rules import ResendRules
from .store import EmailStore, SentEmail
from .webhooks import ResendWebhooks

__all__ = ["CONTRACT", "SandboxState", "resend_contract"]

# Resend's official OpenAPI document (v1.5.0), as published.
CONTRACT = Path(__file__).with_name("resend.yaml")


@functools.cache
def resend_contract() -> OpenAPIContract:
    """Resend's published contract, read once per process (it takes seconds)."""
    return OpenAPIContract(CONTRACT)


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.harness = Harness(
            ResendRules(config),
            faults=FaultInjector(config, seed=config.fault_seed,
                                 forced_refusals=config.forced_429s),
            contract=resend_contract() if config.validate_contract else None,
            keep=config.request_log_size,
        )
        self.faults = self.harness.faults
        self.contract = self.harness.contract
        self.log = self.harness.log
        self.emails = EmailStore(ttl_s=config.idempotency_ttl_s,
                                 daily_quota=lambda: config.daily_quota)
        self.webhooks = ResendWebhooks(config)

    def start(self) -> None:
        """Start background work (webhook delivery); called when the server starts."""
        self.webhooks.start()

    def stop(self) -> None:
        self.webhooks.stop()

    def accepted(self, emails: list[SentEmail]) -> None:
        self.webhooks.publish(emails)

    @property
    def send_calls(self) -> int:
        """Requests to send (`POST /emails` and `POST /emails/batch`), refused ones included."""
        routes = self.log.routes()
        return routes["POST /emails"] + routes["POST /emails/batch"]

    @property
    def rate_limited(self) -> int:
        return self.log.outcomes("refused")

    def summary(self) -> dict[str, Any]:
        """What was served, in plain numbers (a benchmark's or a person's view)."""
        recipients = self.emails.by_recipient()
        return {
            "emails": self.emails.count,
            "recipients": len(recipients),
            "recipients_sent_twice": sum(1 for n in recipients.values() if n > 1),
            "send_calls": self.send_calls,
            "rate_limited_429s": self.rate_limited,
            "requests_checked": self.contract.checked,
            "contract_violations": self.contract.count,
            "statuses": self.log.stats()["statuses"],
        }
