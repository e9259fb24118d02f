"""Twilio's rules at the sandbox's door: Basic auth, the account's limits, Twilio's error bodies.

A request must authenticate as the account (SID and auth token) or with one of its API keys
(SID and secret), else 401 with code 20003 and nothing is counted. Limits are the account's:
message creates beyond `rate_limit` per `rate_interval_s` answer 429 with code 20429, which
Twilio says was never processed. Twilio sends no rate-limit headers. The sandbox's own routes
(`/sandbox/...`, e.g. texting the account) are public and outside every limit.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Mapping, Sequence

from hub.testing.sandbox import Caller, RateDecision, Rules, Seen, Step, Window, json_step

from .config import SandboxConfig
from .errors import error_body

__all__ = ["MESSAGES_WINDOW", "SANDBOX_PREFIX", "TwilioRules", "twilio_step"]

MESSAGES_WINDOW = "messages"
SANDBOX_PREFIX = "/sandbox/"


def twilio_step(status: int, body: object, headers: Mapping[str, str] | None = None) -> Step:
    return json_step(status, body, headers, content_type="application/json")


def _basic(header: str | None) -> tuple[str, str] | None:
    scheme, _, encoded = (header or "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return (user, password) if sep else None


class TwilioRules(Rules):
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config

    def identify(self, seen: Seen) -> Caller | Step | None:
        if seen.path.startswith(SANDBOX_PREFIX):
            return None
        cfg = self.config
        credentials = _basic(seen.headers.get("authorization"))
        if credentials is not None:
            user, password = credentials
            if (user, password) == (cfg.account_sid, cfg.auth_token):
                return Caller(cfg.account_sid, "auth_token")
            if user in cfg.api_secrets and cfg.api_secrets[user] == password:
                return Caller(cfg.account_sid, "api_key")
        return twilio_step(401, error_body(20003, 401),
                           {"WWW-Authenticate": 'Basic realm="Twilio API"'})

    def windows(self, seen: Seen, caller: Caller) -> Sequence[Window]:
        if seen.method == "POST" and seen.path.endswith("/Messages.json"):
            return (Window(MESSAGES_WINDOW, self.config.rate_limit, self.config.rate_interval_s),)
        return ()

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        return twilio_step(429, error_body(20429, 429), headers)

    def server_error(self, status: int, headers: Mapping[str, str]) -> Step:
        return twilio_step(status, error_body(20500, status), headers)
