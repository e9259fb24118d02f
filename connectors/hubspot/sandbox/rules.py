"""HubSpot's rules at the sandbox's door: tokens, rate limits, and HubSpot's headers and bodies.

The order follows HubSpot: a request with a bad token gets 401 without touching the rate limits;
an admitted request spends a slot even if it then fails with an injected 5xx. Limits are counted
per token: a rolling burst window, a per-second window for CRM search, and a daily quota. Every
authenticated answer, errors included, carries HubSpot's `X-HubSpot-RateLimit-*` headers; OAuth
tokens get no daily headers, as in HubSpot. A refusal is a 429 whose body names the policy
(`TEN_SECONDLY_ROLLING`, `SECONDLY` for search, `DAILY`). HubSpot does not promise
`Retry-After`, so it is only sent when `send_retry_after` is on.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from hub.testing.sandbox import (
    Caller,
    Daily,
    RateDecision,
    Rules,
    Seen,
    Step,
    Window,
    json_step,
)

from .auth import HubSpotTokens
from .config import SandboxConfig
from .errors import HubSpotError, rate_limit_body, server_error_body

__all__ = ["BURST", "DAILY", "SEARCH", "HubSpotRules", "is_write"]

BURST, SEARCH, DAILY = "TEN_SECONDLY_ROLLING", "SECONDLY", "DAILY"
_PUBLIC_PREFIXES = ("/oauth/",)
_READ_ONLY_POSTS = ("/search", "/batch/read")


def is_write(route: str) -> bool:
    """Whether a request counted under `route` (`METHOD /path`) changes data."""
    method, _, path = route.partition(" ")
    path = path.removeprefix("(unmatched) ")
    if path.startswith(_PUBLIC_PREFIXES) or method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not (method == "POST" and path.rstrip("/").endswith(_READ_ONLY_POSTS))


class HubSpotRules(Rules):
    # Path parameters that name an object type stay in route keys; ids are left templated.
    literal_params = frozenset(
        {"object_type", "from_type", "to_type", "to_object_type", "object_type_id"}
    )

    def __init__(self, config: SandboxConfig, tokens: HubSpotTokens) -> None:
        self.config = config
        self.tokens = tokens

    def identify(self, seen: Seen) -> Caller | Step | None:
        if seen.path.startswith(_PUBLIC_PREFIXES):
            return None
        try:
            token = self.tokens.authenticate(seen.headers.get("authorization"))
        except HubSpotError as exc:
            return json_step(exc.status_code, exc.body(), exc.headers)
        return Caller(token.token, token.kind)

    def windows(self, seen: Seen, caller: Caller) -> tuple[Window, ...]:
        cfg = self.config
        burst = Window(BURST, cfg.burst_limit, cfg.burst_interval_s)
        path = seen.path.rstrip("/")
        if path.startswith("/crm/v3/objects/") and path.endswith("/search"):
            return (Window(SEARCH, cfg.search_limit, cfg.search_interval_s), burst)
        return (burst,)

    def daily(self, seen: Seen, caller: Caller) -> Daily:
        return Daily(DAILY, self.config.daily_limit)

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        cfg = self.config
        burst = decision.windows[BURST]
        secondly = max(1, int(cfg.burst_limit / cfg.burst_interval_s))
        headers = {
            "X-HubSpot-RateLimit-Max": str(cfg.burst_limit),
            "X-HubSpot-RateLimit-Remaining": "0" if decision.forced else str(burst.remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(cfg.burst_interval_s * 1000)),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(
                max(0, secondly - burst.used_within(1.0))
            ),
        }
        if caller.kind == "fixed":  # private-app tokens; OAuth calls get no daily headers
            headers["X-HubSpot-RateLimit-Daily"] = str(cfg.daily_limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(decision.daily_remaining)
        return headers

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        extra = dict(headers)
        if self.config.send_retry_after and decision.retry_after_s is not None:
            extra["Retry-After"] = str(max(1, math.ceil(decision.retry_after_s)))
        return json_step(429, rate_limit_body(decision.policy or BURST), extra)

    def server_error(self, status: int, headers: Mapping[str, str]) -> Step:
        return json_step(status, server_error_body(status), headers)
