"""What a sandbox run can be told: credentials, limits, webhook target and fault knobs.

Defaults mirror a HubSpot Professional portal. The fault knobs (latency, error rate) are read on
every request, so a test or benchmark may change them on a running sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.errors import ConfigError

__all__ = ["DEFAULT_WEBHOOK_SUBSCRIPTIONS", "SandboxConfig"]

DEFAULT_WEBHOOK_SUBSCRIPTIONS: tuple[str, ...] = (
    "contact.creation",
    "contact.propertyChange",
    "contact.deletion",
    "company.creation",
    "company.propertyChange",
    "company.deletion",
    "deal.creation",
    "deal.propertyChange",
    "deal.deletion",
)


@dataclass
class SandboxConfig:
    """Knobs of one sandbox; every limit HubSpot enforces is a field here."""

    portal_id: int = 62515
    app_id: int = 54321

    # Credentials: private-app tokens never expire; OAuth access tokens last `access_token_ttl_s`.
    tokens: tuple[str, ...] = ("sandbox-token",)
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    refresh_tokens: tuple[str, ...] = ("sandbox-refresh-token",)
    authorization_codes: tuple[str, ...] = ("sandbox-auth-code",)
    access_token_ttl_s: float = 1800.0
    rotate_refresh_tokens: bool = False

    # Rate limits, counted per token.
    burst_limit: int = 190
    burst_interval_s: float = 10.0
    search_limit: int = 5
    search_interval_s: float = 1.0
    daily_limit: int = 500_000
    send_retry_after: bool = False

    # Request shape limits.
    search_result_cap: int = 10_000
    search_max_limit: int = 200
    list_max_limit: int = 100
    batch_max_inputs: int = 100

    # Webhooks: POSTed, signed with `client_secret`, to `webhook_url` when it is set.
    webhook_url: str | None = None
    webhook_subscriptions: tuple[str, ...] = DEFAULT_WEBHOOK_SUBSCRIPTIONS
    webhook_properties: tuple[str, ...] | None = None
    webhook_max_attempts: int = 10
    webhook_retry_base_s: float = 1.0
    webhook_retry_max_s: float = 60.0
    webhook_timeout_s: float = 5.0
    webhook_batch_size: int = 100

    # Faults, for fault tests and benchmarks; `fault_seed` makes the random ones repeatable.
    latency_s: float = 0.0
    latency_jitter_s: float = 0.0
    error_rate: float = 0.0
    fault_seed: int = 0
    forced_429s: int = 0

    # Every request is checked against HubSpot's published contract (openapi.yaml); violations
    # are counted in `state.contract`. The last `request_log_size` requests are kept.
    validate_contract: bool = True
    request_log_size: int = 1000

    def __post_init__(self) -> None:
        problems = [
            f"{name} must be positive"
            for name in (
                "burst_limit",
                "search_limit",
                "daily_limit",
                "search_result_cap",
                "search_max_limit",
                "list_max_limit",
                "batch_max_inputs",
                "webhook_max_attempts",
                "webhook_batch_size",
                "request_log_size",
            )
            if getattr(self, name) <= 0
        ]
        problems += [
            f"{name} must be positive"
            for name in ("burst_interval_s", "search_interval_s", "access_token_ttl_s")
            if getattr(self, name) <= 0
        ]
        if not 0.0 <= self.error_rate <= 1.0:
            problems.append("error_rate must be between 0 and 1")
        if self.latency_s < 0 or self.latency_jitter_s < 0:
            problems.append("latency_s and latency_jitter_s must not be negative")
        if self.forced_429s < 0:
            problems.append("forced_429s must not be negative")
        if problems:
            raise ConfigError("invalid HubSpot sandbox configuration: " + "; ".join(problems))
