"""HubSpot's rate limits: a rolling burst window, a per-second search limit, a daily quota.

Counted per token. Every admitted or refused API response carries HubSpot's
`X-HubSpot-RateLimit-*` headers; OAuth tokens get no daily headers, as in HubSpot. A refusal is
a 429 whose body names the policy (`TEN_SECONDLY_ROLLING`, `SECONDLY` for search, `DAILY`).
HubSpot does not promise `Retry-After`, so it is only sent when `send_retry_after` is on.
"""

from __future__ import annotations

import math
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .config import SandboxConfig

__all__ = ["RateDecision", "RateLimiter", "rate_limit_body"]

_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "DAILY": "You have reached your daily limit.",
}


def rate_limit_body(policy: str) -> dict[str, Any]:
    """HubSpot's 429 body for `policy`."""
    return {
        "status": "error",
        "message": _MESSAGES.get(policy, f"You have reached your {policy.lower()} limit."),
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
        "requestId": str(uuid.uuid4()),
    }


@dataclass
class RateDecision:
    """Whether a request may run, which policy refused it, and the headers to send."""

    allowed: bool
    policy: str | None = None
    retry_after_s: float | None = None
    headers: dict[str, str] = field(default_factory=dict)


class _Window:
    """Timestamps of admitted requests within the last `interval_s` seconds."""

    def __init__(self) -> None:
        self.stamps: deque[float] = deque()

    def prune(self, now: float, interval_s: float) -> None:
        while self.stamps and self.stamps[0] <= now - interval_s:
            self.stamps.popleft()

    def count_since(self, since: float) -> int:
        return sum(1 for stamp in self.stamps if stamp > since)


class RateLimiter:
    """Thread-safe limiter; reads its limits from the config on every call."""

    def __init__(self, config: SandboxConfig, clock: Callable[[], float] = time.monotonic) -> None:
        self._config = config
        self._clock = clock
        self._lock = threading.Lock()
        self._burst: dict[str, _Window] = {}
        self._search: dict[str, _Window] = {}
        self._daily: dict[tuple[str, str], int] = {}

    def admit(self, token: str, *, search: bool, daily_headers: bool) -> RateDecision:
        """Count one request for `token` if every applicable limit allows it."""
        cfg = self._config
        now = self._clock()
        today = datetime.now(UTC).date().isoformat()
        with self._lock:
            burst = self._burst.setdefault(token, _Window())
            burst.prune(now, cfg.burst_interval_s)
            searches = self._search.setdefault(token, _Window())
            searches.prune(now, cfg.search_interval_s)
            used_today = self._daily.get((token, today), 0)
            policy: str | None = None
            retry_after: float | None = None
            if used_today >= cfg.daily_limit:
                policy = "DAILY"
            elif search and len(searches.stamps) >= cfg.search_limit:
                policy = "SECONDLY"
                retry_after = searches.stamps[0] + cfg.search_interval_s - now
            elif len(burst.stamps) >= cfg.burst_limit:
                policy = "TEN_SECONDLY_ROLLING"
                retry_after = burst.stamps[0] + cfg.burst_interval_s - now
            else:
                burst.stamps.append(now)
                if search:
                    searches.stamps.append(now)
                used_today += 1
                self._daily[(token, today)] = used_today
            headers = self._headers(burst, now, used_today, daily_headers)
        if policy is None:
            return RateDecision(True, headers=headers)
        if cfg.send_retry_after and retry_after is not None:
            headers["Retry-After"] = str(max(1, math.ceil(retry_after)))
        return RateDecision(False, policy, retry_after, headers)

    def headers_for(self, token: str, *, daily_headers: bool) -> dict[str, str]:
        """The current headers for `token` without counting a request (used on forced 429s)."""
        now = self._clock()
        today = datetime.now(UTC).date().isoformat()
        with self._lock:
            burst = self._burst.setdefault(token, _Window())
            burst.prune(now, self._config.burst_interval_s)
            return self._headers(burst, now, self._daily.get((token, today), 0), daily_headers)

    def _headers(
        self, burst: _Window, now: float, used_today: int, daily_headers: bool
    ) -> dict[str, str]:
        cfg = self._config
        secondly = max(1, int(cfg.burst_limit / cfg.burst_interval_s))
        headers = {
            "X-HubSpot-RateLimit-Max": str(cfg.burst_limit),
            "X-HubSpot-RateLimit-Remaining": str(max(0, cfg.burst_limit - len(burst.stamps))),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(int(cfg.burst_interval_s * 1000)),
            "X-HubSpot-RateLimit-Secondly": str(secondly),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(
                max(0, secondly - burst.count_since(now - 1.0))
            ),
        }
        if daily_headers:
            headers["X-HubSpot-RateLimit-Daily"] = str(cfg.daily_limit)
            headers["X-HubSpot-RateLimit-Daily-Remaining"] = str(
                max(0, cfg.daily_limit - used_today)
            )
        return headers
