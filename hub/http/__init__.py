"""HTTP plumbing every connector shares: failure policy, rate limiting, client, auth, retry.

A connector on the kit (`hub.connector.HttpConnector`) gets all of it built from its settings.
By hand, one client per connection, sending through the policy:

    limiter = limiter_for(credential_key(token, "acme"), Rate.parse("190/10s"))
    client = build_client("https://api.acme.test", BearerToken(token), limiter=limiter,
                          policy=Policy(vendor="Acme").with_classifier(read_daily_limit))
    response = await request_with_policy(client, "POST", "/contacts/batch", json=batch)

Vendor SDK calls go through `call_sdk_async` to get the same limiter and policy. Both send
once: retrying is `retry_call`'s, used once by the owner of the operation (the engine).
"""

from __future__ import annotations

from hub.http.auth import ApiKeyHeader, BearerToken, OAuth2RefreshToken, OAuth2Token
from hub.http.client import (
    DEFAULT_TIMEOUT,
    HubClient,
    build_client,
    call_sdk_async,
    request_with_policy,
    user_agent,
)
from hub.http.policy import (
    DEFAULT_ACTIONS,
    DEFAULT_POLICY,
    Action,
    BodyClassifier,
    ExceptionReader,
    Policy,
    Reply,
    Verdict,
    body_mentions_rate_limit,
    classify,
    parse_retry_after,
    raise_for_policy,
    vendor_message,
)
from hub.http.ratelimit import (
    LimiterRegistry,
    Rate,
    RateHeaders,
    RateLimiter,
    credential_key,
    limiter_for,
    next_midnight,
)
from hub.http.retry import DEFAULT_RETRY, RetryPolicy, retry_call

__all__ = [
    "DEFAULT_ACTIONS",
    "DEFAULT_POLICY",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "Action",
    "ApiKeyHeader",
    "BearerToken",
    "BodyClassifier",
    "ExceptionReader",
    "HubClient",
    "LimiterRegistry",
    "OAuth2RefreshToken",
    "OAuth2Token",
    "Policy",
    "Rate",
    "RateHeaders",
    "RateLimiter",
    "Reply",
    "RetryPolicy",
    "Verdict",
    "body_mentions_rate_limit",
    "build_client",
    "call_sdk_async",
    "classify",
    "credential_key",
    "limiter_for",
    "next_midnight",
    "parse_retry_after",
    "raise_for_policy",
    "request_with_policy",
    "retry_call",
    "user_agent",
    "vendor_message",
]
