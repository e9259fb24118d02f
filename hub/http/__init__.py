"""HTTP plumbing every connector shares: failure policy, retry, rate limiting, client, auth.

A connector builds one client per connection and sends through the policy:

    limiter = limiter_for(credential_key(token, "acme"), Rate.parse("190/10s"))
    client = build_client("https://api.acme.test", BearerToken(token), limiter=limiter,
                          policy=Policy(vendor="Acme").with_classifier(read_daily_limit))
    response = await request_with_policy(client, "POST", "/contacts/batch", json=batch)

Vendor SDK calls go through `call_sdk` / `call_sdk_async` to get the same limiter, policy
and retry.
"""

from __future__ import annotations

from hub.http.auth import ApiKeyHeader, BearerToken, OAuth2RefreshToken, OAuth2Token
from hub.http.client import (
    DEFAULT_TIMEOUT,
    HubClient,
    LimitedTransport,
    build_client,
    call_sdk,
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
    classify_exception,
    parse_retry_after,
    raise_for_policy,
    vendor_message,
)
from hub.http.ratelimit import (
    REGISTRY,
    LimiterRegistry,
    Rate,
    RateHeaders,
    RateLimiter,
    credential_key,
    limiter_for,
    next_midnight,
)
from hub.http.retry import (
    DEFAULT_RETRY,
    RetryPolicy,
    async_retrying,
    retry_call,
    retry_call_sync,
    retrying,
    retrying_sync,
    sync_retrying,
)

__all__ = [
    "DEFAULT_ACTIONS",
    "DEFAULT_POLICY",
    "DEFAULT_RETRY",
    "DEFAULT_TIMEOUT",
    "REGISTRY",
    "Action",
    "ApiKeyHeader",
    "BearerToken",
    "BodyClassifier",
    "ExceptionReader",
    "HubClient",
    "LimitedTransport",
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
    "async_retrying",
    "body_mentions_rate_limit",
    "build_client",
    "call_sdk",
    "call_sdk_async",
    "classify",
    "classify_exception",
    "credential_key",
    "limiter_for",
    "next_midnight",
    "parse_retry_after",
    "raise_for_policy",
    "request_with_policy",
    "retry_call",
    "retry_call_sync",
    "retrying",
    "retrying_sync",
    "sync_retrying",
    "user_agent",
    "vendor_message",
]
