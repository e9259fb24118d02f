"""What a Resend sandbox run can be told: API keys, the team's limits, webhook rates, faults.

Defaults mirror a new Resend team: 2 requests per second across all keys, batches of up to
100 emails. Fault knobs and webhook rates are read on every use, so a test or benchmark may
change them on a running sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.testing.sandbox import FaultSettings, WebhookSettings, check_knobs

__all__ = ["DEFAULT_WEBHOOK_SECRET", "SandboxConfig"]

# A signing secret in Svix's form: `whsec_` and the key in base64.
DEFAULT_WEBHOOK_SECRET = "whsec_c2FuZGJveC1yZXNlbmQtd2ViaG9vay1rZXk="


@dataclass
class SandboxConfig(WebhookSettings, FaultSettings):
    """Knobs of one sandbox; every limit Resend enforces is a field here. The harness's
    webhook delivery knobs (`webhook_max_attempts`, `webhook_retry_base_s`, …) and fault knobs
    (`latency_s`, `latency_jitter_s`, `error_rate`) are inherited."""

    # Credentials: full-access keys, and keys restricted to sending (`sending_access`).
    api_keys: tuple[str, ...] = ("re_sandbox_key",)
    sending_keys: tuple[str, ...] = ("re_sandbox_sending_key",)

    # Limits, counted per team (all keys together), as Resend does.
    requests_per_second: int = 2
    daily_quota: int = 1_000_000  # emails per UTC day; over it, 429 daily_quota_exceeded
    batch_max_emails: int = 100
    max_recipients: int = 50
    idempotency_ttl_s: float = 86_400.0

    # Webhooks: each accepted email yields `email.sent`, then delivered or bounced, then maybe
    # opened, clicked, complained; Svix-signed with `webhook_secret` and POSTed to `webhook_url`
    # (inherited, as are the delivery's retry knobs).
    webhook_secret: str = DEFAULT_WEBHOOK_SECRET
    delivered_rate: float = 0.97  # the rest bounce
    hard_bounce_share: float = 0.7  # of bounces: Permanent; the rest Transient
    opened_rate: float = 0.4  # of delivered
    clicked_rate: float = 0.25  # of opened
    complained_rate: float = 0.001  # of delivered
    delivery_delayed_rate: float = 0.0  # of delivered: an `email.delivery_delayed` first
    duplicate_rate: float = 0.0  # events delivered twice (same svix-id, same body)
    out_of_order: bool = False  # deliver each email's events in random order
    webhook_seed: int = 0
    webhook_batch_size: int = 1  # Svix posts one event per request

    # Faults, for fault tests and benchmarks; `fault_seed` makes the random ones repeatable.
    fault_seed: int = 0
    forced_429s: int = 0

    # Every request is checked against Resend's OpenAPI document (resend.yaml); violations are
    # counted in `state.contract`. The last `request_log_size` requests are kept.
    validate_contract: bool = True
    request_log_size: int = 1000

    def __post_init__(self) -> None:
        check_knobs(
            self, "Resend",
            positive=("requests_per_second", "daily_quota", "batch_max_emails",
                      "max_recipients", "idempotency_ttl_s", "webhook_max_attempts",
                      "request_log_size"),
            rates=("delivered_rate", "hard_bounce_share", "opened_rate", "clicked_rate",
                   "complained_rate", "delivery_delayed_rate", "duplicate_rate", "error_rate"),
            not_negative=("latency_s", "latency_jitter_s", "forced_429s"),
            broken={
                "webhook_batch_size must be 1: Svix posts one event per request":
                    self.webhook_batch_size != 1,
                "webhook_secret must look like whsec_<base64>":
                    not self.webhook_secret.startswith("whsec_"),
            })
