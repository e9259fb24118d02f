"""Salesforce's rules at the sandbox's door: sessions, the org's daily API allocation and its
`Sforce-Limit-Info` header, and Salesforce's bodies for refusals.

The token endpoint and the version list are public. Any other call without a live session gets
401 INVALID_SESSION_ID and spends nothing. Every admitted call counts against the org's daily
allocation, shared by all its sessions; every answer carries `Sforce-Limit-Info:
api-usage=USED/LIMIT` (the format simple-salesforce parses). Past the allocation Salesforce
answers 403 REQUEST_LIMIT_EXCEEDED, not 429, and sends no Retry-After.
"""

from __future__ import annotations

from collections.abc import Mapping

from hub.testing.sandbox import Caller, Daily, RateDecision, Rules, Seen, Step, json_step

from .auth import Sessions
from .config import SandboxConfig
from .errors import SalesforceError, error_body

__all__ = ["DAILY", "SalesforceRules", "is_public"]

DAILY = "TotalRequests"


def is_public(path: str) -> bool:
    return path.startswith("/services/oauth2/") or path.rstrip("/") == "/services/data"


class SalesforceRules(Rules):
    literal_params = frozenset({"sobject", "field"})

    def __init__(self, config: SandboxConfig, sessions: Sessions) -> None:
        self.config = config
        self.sessions = sessions

    def identify(self, seen: Seen) -> Caller | Step | None:
        if is_public(seen.path):
            return None
        try:
            token = self.sessions.authenticate(seen.headers.get("authorization"))
        except SalesforceError as exc:
            return json_step(exc.status_code, exc.body())
        # the allocation is the org's: every session counts against one
        return Caller(self.config.org_id, token)

    def daily(self, seen: Seen, caller: Caller) -> Daily:
        return Daily(DAILY, self.config.daily_limit)

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        return {"Sforce-Limit-Info": f"api-usage={decision.daily_used}/{self.config.daily_limit}"}

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        return json_step(403, error_body("REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded."),
                         headers)

    def server_error(self, status: int, headers: Mapping[str, str]) -> Step:
        return json_step(status, error_body(
            "UNKNOWN_EXCEPTION", "An unexpected error occurred. Please include this ErrorId if "
            "you contact support: 1234567890-12345 (-1234567890)"), headers)
