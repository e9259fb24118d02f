"""What a Salesforce sandbox run can be told: the org's credentials, its daily API allocation,
session lifetime, request shape limits and fault knobs.

Defaults mirror a small Enterprise org. The fault knobs (latency, error rate) and the daily
allocation are read on every request, so a test or benchmark may change them mid-run.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.testing.sandbox import FaultSettings, check_knobs

__all__ = ["SandboxConfig"]


@dataclass
class SandboxConfig(FaultSettings):
    """Knobs of one sandbox org; every limit it enforces is a field here. The harness's fault
    knobs (`latency_s`, `latency_jitter_s`, `error_rate`) are inherited."""

    org_id: str = "00D000000000001EAA"
    user_id: str = "005000000000001AAA"
    api_versions: tuple[str, ...] = ("58.0", "59.0", "60.0", "61.0", "62.0")

    # Credentials of the connected app and its integration user. Every grant issues a fresh
    # session; `session_ttl_s` is how long one lasts (Salesforce's default: two hours).
    client_id: str = "sandbox-client-id"
    client_secret: str = "sandbox-client-secret"
    refresh_tokens: tuple[str, ...] = ("sandbox-refresh-token",)
    username: str = "integration@example.com"
    password: str = "sandbox-password"
    security_token: str = "sandbox-security-token"
    # A PEM public key: JWT bearer assertions signed by its private key are accepted.
    jwt_public_key: str | None = None
    session_ttl_s: float = 7200.0
    # A session ends after this many calls (0: never), to expire sessions mid-run on demand.
    session_call_limit: int = 0
    sessions: tuple[str, ...] = ("sandbox-session",)

    # The org's daily API allocation (a rolling 24 h in Salesforce; a UTC day here).
    daily_limit: int = 100_000

    # Request shape limits.
    collection_max_records: int = 200
    query_batch_size: int = 2000

    # Faults, for fault tests and benchmarks; `fault_seed` makes the random ones repeatable.
    fault_seed: int = 0

    # Every request is checked against the documented shapes (`contract.py`); violations are
    # counted in `state.contract`. The last `request_log_size` requests are kept.
    validate_contract: bool = True
    request_log_size: int = 1000

    def __post_init__(self) -> None:
        check_knobs(
            self, "Salesforce",
            positive=("daily_limit", "collection_max_records", "query_batch_size",
                      "request_log_size", "session_ttl_s"),
            rates=("error_rate",), not_negative=("latency_s", "latency_jitter_s"),
            broken={"query_batch_size must be between 200 and 2000, as in Salesforce":
                    not 200 <= self.query_batch_size <= 2000})
