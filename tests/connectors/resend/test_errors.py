"""Resend's error names read into the hub's errors, and the sandbox's idempotency memory."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from connectors.resend.errors import ResendRefusal, classify
from connectors.resend.sandbox import EmailStore, ResendError
from hub.errors import AuthError, PermanentError, QuotaExhaustedError, RateLimitedError
from hub.http import Reply


def reply(status: int, name: str, headers: dict[str, str] | None = None) -> Reply:
    return Reply.from_parts(status, headers, {"statusCode": status, "name": name,
                                              "message": f"said {name}"})


def test_a_monthly_quota_resumes_on_the_first_of_next_month() -> None:
    found = classify(reply(429, "monthly_quota_exceeded"))

    assert isinstance(found, QuotaExhaustedError)
    assert found.resume_at is not None
    assert found.resume_at.day == 1
    assert found.resume_at > datetime.now(UTC)


def test_a_daily_quota_resumes_when_resend_says() -> None:
    found = classify(reply(429, "daily_quota_exceeded", {"retry-after": "3600"}))

    assert isinstance(found, QuotaExhaustedError)
    assert found.resume_at is not None
    assert 3590 < (found.resume_at - datetime.now(UTC)).total_seconds() <= 3600


@pytest.mark.parametrize(("status", "name", "kind"), [
    (429, "rate_limit_exceeded", RateLimitedError),
    (409, "concurrent_idempotent_requests", RateLimitedError),
    (409, "invalid_idempotent_request", PermanentError),
    (401, "missing_api_key", AuthError),
    (403, "invalid_api_key", AuthError),
    (401, "restricted_api_key", AuthError),
    (403, "validation_error", PermanentError),
    (422, "validation_error", ResendRefusal),
    (422, "missing_required_field", ResendRefusal),
    (400, "invalid_idempotency_key", ResendRefusal),
])
def test_each_name_reads_as_the_hub_error_it_means(status: int, name: str,
                                                   kind: type[Exception]) -> None:
    found = classify(reply(status, name))

    assert type(found) is kind
    assert f"said {name}" in str(found)


def test_a_server_error_is_left_to_the_status_table() -> None:
    assert classify(reply(500, "internal_server_error")) is None


def test_a_key_in_flight_is_refused_409_concurrent_and_free_once_forgotten() -> None:
    store = EmailStore(ttl_s=60, daily_quota=lambda: 10)
    assert store.claim("k", "body-1") is None

    with pytest.raises(ResendError) as busy:
        store.claim("k", "body-1")
    store.forget("k")

    assert busy.value.name == "concurrent_idempotent_requests"
    assert store.claim("k", "body-2") is None


def test_a_remembered_key_expires_after_its_ttl() -> None:
    now = [0.0]
    store = EmailStore(ttl_s=60, daily_quota=lambda: 10, clock=lambda: now[0])
    store.claim("k", "body-1")
    store.remember("k", (200, {"id": "e-1"}))

    assert store.claim("k", "body-1") == (200, {"id": "e-1"})
    now[0] = 61.0
    assert store.claim("k", "body-2") is None  # a day later the key is new again
