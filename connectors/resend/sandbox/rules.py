"""Resend's rules at the sandbox's door: API keys, the team's rate limit, its headers and 429.

A missing key is 401 `missing_api_key`, an unknown one 403 `invalid_api_key`, both before any
limit is spent. Requests are counted per team (every key together) in a one-second window of
`requests_per_second`; every counted answer carries the IETF draft headers Resend sends
(`ratelimit-limit`, `ratelimit-remaining`, `ratelimit-reset` in seconds), and a refusal is
429 `rate_limit_exceeded` with `retry-after`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hub.testing.sandbox import Caller, RateDecision, Rules, Seen, Step, Window, json_step

from .config import SandboxConfig
from .errors import error_body

__all__ = ["TEAM", "WINDOW", "ResendRules"]

TEAM = "team"
WINDOW = "rate_limit"


class ResendRules(Rules):
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config

    def identify(self, seen: Seen) -> Caller | Step | None:
        scheme, _, key = seen.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return json_step(401, error_body(401, "missing_api_key",
                                             "Missing API key in the authorization header. "
                                             "Include the following header in the request: "
                                             "Authorization: Bearer YOUR_API_KEY"))
        key = key.strip()
        if key in self.config.api_keys:
            return Caller(TEAM, "full_access")
        if key in self.config.sending_keys:
            return Caller(TEAM, "sending_access")
        return json_step(403, error_body(403, "invalid_api_key", "API key is invalid"))

    def windows(self, seen: Seen, caller: Caller) -> tuple[Window, ...]:
        return (Window(WINDOW, self.config.requests_per_second, 1.0),)

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        usage = decision.windows[WINDOW]
        remaining = 0 if decision.forced else usage.remaining
        return {
            "ratelimit-limit": str(usage.window.limit),
            "ratelimit-remaining": str(remaining),
            "ratelimit-reset": str(math.ceil(usage.reset_s)),
        }

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        wait = decision.retry_after_s if decision.retry_after_s is not None else 1.0
        extra = {**headers, "retry-after": str(max(1, math.ceil(wait)))}
        return json_step(429, error_body(429, "rate_limit_exceeded",
                                         "Too many requests. You can only make "
                                         f"{self.config.requests_per_second} requests per "
                                         "second. See rate limit response headers for more "
                                         "information. Or contact support to increase rate "
                                         "limit."), extra)

    def server_error(self, status: int, headers: Mapping[str, str]) -> Step:
        return json_step(status, error_body(status, "internal_server_error",
                                            "An unexpected error occurred."), headers)
