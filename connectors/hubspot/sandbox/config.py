"""What a sandbox run can be told: credentials, limits, webhook target and fault knobs.

Defaults mirror a HubSpot Professional portal. The fault knobs (latency, error rate) are read on
every request, so a test or benchmark may change them on a running sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.testing.sandbox import FaultSettings, WebhookSettings, check_knobs

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
class SandboxConfig(WebhookSettings, FaultSettings):
    """Knobs of one sandbox; every limit HubSpot enforces is a field here. The harness's
    webhook delivery knobs (`webhook_url`, `webhook_max_attempts`, …) and fault knobs
    (`latency_s`, `latency_jitter_s`, `error_rate`) are inherited."""

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

    # Webhooks: POSTed, signed with `client_secret`, to `webhook_url` (inherited, as are the
    # delivery's retry knobs) when it is set.
    webhook_subscriptions: tuple[str, ...] = DEFAULT_WEBHOOK_SUBSCRIPTIONS
    webhook_properties: tuple[str, ...] | None = None

    # Faults, for fault tests and benchmarks; `fault_seed` makes the random ones repeatable.
    fault_seed: int = 0
    forced_429s: int = 0

    # Every request is checked against HubSpot's published contract (openapi.yaml); violations
    # are counted in `state.contract`. The last `request_log_size` requests are kept.
    validate_contract: bool = True
    request_log_size: int = 1000

    def __post_init__(self) -> None:
        check_knobs(
            self, "HubSpot",
            positive=("burst_limit", "search_limit", "daily_limit", "search_result_cap",
                      "search_max_limit", "list_max_limit", "batch_max_inputs",
                      "webhook_max_attempts", "webhook_batch_size", "request_log_size",
                      "burst_interval_s", "search_interval_s", "access_token_ttl_s"),
            rates=("error_rate",), not_negative=("latency_s", "latency_jitter_s", "forced_429s"))
