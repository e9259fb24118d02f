"""What a Twilio sandbox can be told: the account, its senders, limits, callbacks and faults.

Every field can be set from the command line (`hub sandbox twilio --set name=value`); the rates
and fault knobs are read at each use, so a test or benchmark may retune a running sandbox.
"""

from __future__ import annotations

from dataclasses import dataclass

from hub.testing.sandbox import FaultSettings, check_knobs

__all__ = ["SandboxConfig"]


@dataclass
class SandboxConfig(FaultSettings):
    """Knobs of one sandbox account; the defaults accept the README's example connection. The
    harness's fault knobs (`latency_s`, `latency_jitter_s`, `error_rate`) are inherited."""

    # The account and its credentials: Basic auth as the account SID and auth token, or as an
    # API key SID and its secret (`api_keys` holds `SK…:secret` pairs).
    account_sid: str = "AC" + "0" * 31 + "1"
    auth_token: str = "sandbox-auth-token"
    api_keys: tuple[str, ...] = ("SK" + "0" * 31 + "1:sandbox-api-secret",)
    friendly_name: str = "Marketing Hub sandbox"

    # Senders the account owns: long codes or short codes, Messaging Services (which send from
    # the first number) and alphanumeric sender ids.
    phone_numbers: tuple[str, ...] = ("+15005550006", "+14155550100")
    messaging_services: tuple[str, ...] = ("MG" + "0" * 31 + "1",)
    alphanumeric_senders: tuple[str, ...] = ("HUBSHOP",)
    # Countries (ISO codes) the account's SMS geo permissions enable; others answer 21408.
    enabled_countries: tuple[str, ...] = ("US", "CA")
    # Numbers (E.164) the carrier lookup calls landlines: a send to one answers 21614.
    landline_numbers: tuple[str, ...] = ()

    # Limits: at most `rate_limit` message creates per `rate_interval_s` and `max_concurrent`
    # requests in flight per account (each held `processing_s`); beyond, 429 with code 20429.
    rate_limit: int = 100
    rate_interval_s: float = 1.0
    max_concurrent: int = 100
    processing_s: float = 0.0
    forced_429s: int = 0

    # What becomes of a sent message, drawn per message (the rest are delivered); the status
    # callbacks report it. `duplicate_rate` of the callbacks are posted twice; with
    # `out_of_order` each message's final status is posted before its `sent`.
    undelivered_rate: float = 0.0
    failed_rate: float = 0.0
    duplicate_rate: float = 0.0
    out_of_order: bool = False
    # Where callbacks go: a message's own StatusCallback, else `status_callback_url` (as a
    # Messaging Service's would); inbound messages (a texted STOP) go to `inbound_url`.
    status_callback_url: str | None = None
    inbound_url: str | None = None
    # With Advanced Opt-Out, an inbound keyword carries `OptOutType` (STOP, START).
    advanced_opt_out: bool = False
    webhook_max_attempts: int = 5
    webhook_retry_base_s: float = 0.5
    webhook_retry_max_s: float = 30.0
    webhook_timeout_s: float = 5.0

    # Faults, for fault tests and benchmarks; `fault_seed` makes the random draws repeatable.
    fault_seed: int = 0

    # Every request is checked against Twilio's official OpenAPI (`openapi.json`); violations
    # are counted in `state.contract`. The last `request_log_size` requests are kept.
    validate_contract: bool = True
    request_log_size: int = 1000
    page_size: int = 50

    def __post_init__(self) -> None:
        check_knobs(
            self, "Twilio",
            positive=("rate_limit", "rate_interval_s", "max_concurrent", "webhook_max_attempts",
                      "request_log_size", "page_size"),
            rates=("undelivered_rate", "failed_rate", "duplicate_rate", "error_rate"),
            not_negative=("latency_s", "latency_jitter_s", "processing_s", "forced_429s"),
            broken={
                "undelivered_rate + failed_rate must not exceed 1":
                    self.undelivered_rate + self.failed_rate > 1.0,
                "account_sid must be AC followed by 32 hex digits":
                    not (self.account_sid.startswith("AC") and len(self.account_sid) == 34),
                "api_keys are SK…:secret pairs": any(":" not in pair for pair in self.api_keys),
            })

    @property
    def api_secrets(self) -> dict[str, str]:
        """API key SID → secret."""
        return dict(pair.split(":", 1) for pair in self.api_keys)
