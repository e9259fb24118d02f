"""The status table, vendor messages, Retry-After parsing and SDK exception mapping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest

from hub.errors import (
    AuthError,
    HubError,
    PermanentError,
    QuotaExhaustedError,
    RateLimitedError,
    RecordError,
    TransientError,
)
from hub.http import (
    DEFAULT_POLICY,
    Action,
    Policy,
    Reply,
    body_mentions_rate_limit,
    classify,
    next_midnight,
    parse_retry_after,
    raise_for_policy,
    vendor_message,
)


def response(
    status: int, body: Any = None, headers: dict[str, str] | None = None
) -> httpx.Response:
    if body is None or isinstance(body, str):
        return httpx.Response(status, text=body or "", headers=headers)
    return httpx.Response(status, json=body, headers=headers)


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (200, Action.OK),
        (201, Action.OK),
        (204, Action.OK),
        (207, Action.OK),
        (304, Action.OK),
        (400, Action.FAIL_RECORD),
        (404, Action.FAIL_RECORD),
        (409, Action.FAIL_RECORD),
        (422, Action.FAIL_RECORD),
        (401, Action.REFRESH_AUTH),
        (403, Action.FAIL_RUN),
        (408, Action.RETRY),
        (425, Action.RETRY),
        (429, Action.RATE_LIMITED),
        (500, Action.RETRY),
        (502, Action.RETRY),
        (503, Action.RETRY),
        (504, Action.RETRY),
        (501, Action.FAIL_RUN),
        (599, Action.RETRY),
    ],
)
def test_default_table(status: int, action: Action) -> None:
    assert classify(response(status)) is action


@pytest.mark.parametrize(
    ("status", "error", "not_error"),
    [
        (400, RecordError, TransientError),
        (401, AuthError, TransientError),
        (403, AuthError, TransientError),
        (429, RateLimitedError, PermanentError),
        (500, TransientError, RateLimitedError),
        (501, PermanentError, AuthError),
    ],
)
def test_raise_for_policy_picks_the_error_branch(
    status: int, error: type[HubError], not_error: type[HubError]
) -> None:
    with pytest.raises(error) as caught:
        raise_for_policy(response(status, {"message": "nope"}))
    assert not isinstance(caught.value, not_error)
    assert "nope" in str(caught.value)


def test_ok_response_raises_nothing() -> None:
    raise_for_policy(response(200, {"id": "1"}))  # returning is the assertion
    assert classify(response(207, {"errors": [{"message": "one record"}]})) is Action.OK


def test_record_error_carries_the_vendor_message() -> None:
    body = {
        "status": "error",
        "message": "Property values were not valid",
        "category": "VALIDATION_ERROR",
    }
    with pytest.raises(
        RecordError, match=r"400: Property values were not valid \[VALIDATION_ERROR\]"
    ):
        raise_for_policy(response(400, body), Policy(vendor="HubSpot"))


def test_403_says_what_to_check() -> None:
    with pytest.raises(AuthError, match="scopes or permissions"):
        raise_for_policy(response(403, {"message": "MISSING_SCOPES"}))


def test_429_carries_retry_after() -> None:
    with pytest.raises(RateLimitedError) as caught:
        raise_for_policy(response(429, {"message": "slow down"}, {"Retry-After": "7"}))
    assert caught.value.retry_after == 7.0


def test_503_with_retry_after_is_waited_like_a_rate_limit() -> None:
    verdict = DEFAULT_POLICY.judge(Reply.of(response(503, "", {"Retry-After": "3"})))
    assert verdict.action is Action.RETRY
    assert isinstance(verdict.error, RateLimitedError)
    assert verdict.error.retry_after == 3.0


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (
            {"status": "error", "message": "Contact already exists", "category": "CONFLICT"},
            "Contact already exists [CONFLICT]",
        ),
        (
            [
                {
                    "message": "Required fields are missing: [LastName]",
                    "errorCode": "REQUIRED_FIELD_MISSING",
                }
            ],
            "Required fields are missing: [LastName] [REQUIRED_FIELD_MISSING]",
        ),
        (
            {"statusCode": 422, "message": "Invalid `from` field.", "name": "validation_error"},
            "Invalid `from` field. [validation_error]",
        ),
        (
            {"code": 21211, "message": "The 'To' number is not valid.", "status": 400},
            "The 'To' number is not valid. [21211]",
        ),
        (
            {"type": "about:blank", "title": "Bad Request", "detail": "To is invalid"},
            "To is invalid",
        ),
        (
            {"error": "invalid_grant", "error_description": "refresh token expired"},
            "refresh token expired [invalid_grant]",
        ),
        ({"errors": [{"message": "a"}, {"message": "b"}]}, "a; b"),
        ({"error": {"message": "nested"}}, "nested"),
        ({"id": "no message here"}, None),
        ("plain", None),
    ],
)
def test_vendor_message_shapes(body: Any, message: str | None) -> None:
    assert vendor_message(body) == message


def test_reply_message_falls_back_to_text_then_reason() -> None:
    assert Reply.of(httpx.Response(400, text="Bad things")).message == "Bad things"
    assert Reply.of(httpx.Response(400)).message == "Bad Request"
    assert len(Reply.of(httpx.Response(400, text="x" * 5000)).message) == 300


NOW = datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("headers", "seconds"),
    [
        ({"Retry-After": "2"}, 2.0),
        ({"Retry-After": " 0.25 "}, 0.25),
        ({"Retry-After": format_datetime(NOW + timedelta(seconds=3), usegmt=True)}, 3.0),
        ({"Retry-After": format_datetime(NOW - timedelta(seconds=30), usegmt=True)}, 0.0),
        ({"Retry-After": "soon"}, None),
        ({"ratelimit-remaining": "0", "ratelimit-reset": "4"}, 4.0),
        ({"ratelimit-remaining": "3", "ratelimit-reset": "4"}, None),
        ({"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "9"}, 9.0),
        ({}, None),
    ],
)
def test_parse_retry_after(headers: dict[str, str], seconds: float | None) -> None:
    assert parse_retry_after(httpx.Headers(headers), now=NOW) == seconds


def hubspot_daily_limit(reply: Reply) -> HubError | None:
    """What a connector writes: the daily policy stops the run until the next reset."""
    body = reply.json
    if reply.status == 429 and isinstance(body, dict) and body.get("policyName") == "DAILY":
        return QuotaExhaustedError(body.get("message", "daily limit"), resume_at=next_midnight(UTC))
    return None


def test_classifier_turns_daily_429_into_quota_exhausted() -> None:
    policy = Policy(vendor="HubSpot").with_classifier(hubspot_daily_limit)
    daily = {
        "status": "error",
        "message": "You have reached your daily limit.",
        "policyName": "DAILY",
    }
    with pytest.raises(QuotaExhaustedError) as caught:
        raise_for_policy(response(429, daily), policy)
    assert caught.value.resume_at == next_midnight(UTC)
    assert classify(response(429, daily), policy) is Action.FAIL_RUN
    rolling = {**daily, "policyName": "TEN_SECONDLY_ROLLING"}
    assert classify(response(429, rolling), policy) is Action.RATE_LIMITED


def test_body_mentions_rate_limit_classifier() -> None:
    policy = Policy().with_classifier(body_mentions_rate_limit)
    limited = response(400, {"message": "You have exceeded the Rate Limit for this endpoint"})
    assert classify(limited, policy) is Action.RATE_LIMITED
    with pytest.raises(RateLimitedError):
        raise_for_policy(limited, policy)
    assert classify(response(400, {"message": "email is invalid"}), policy) is Action.FAIL_RECORD
    assert classify(limited) is Action.FAIL_RECORD  # opt-in only


def test_overrides_do_not_touch_the_shared_default() -> None:
    policy = DEFAULT_POLICY.with_actions({409: Action.OK, 500: Action.FAIL_RUN})
    assert classify(response(409), policy) is Action.OK
    assert classify(response(500), policy) is Action.FAIL_RUN
    assert classify(response(409)) is Action.FAIL_RECORD
    assert classify(response(500)) is Action.RETRY


def test_subclass_can_override_classify_body() -> None:
    class EmptyBodyIsRetry(Policy):
        def classify_body(self, reply: Reply) -> Action | HubError | None:
            return Action.RETRY if reply.status == 200 and not reply.text else None

    policy = EmptyBodyIsRetry(vendor="Flaky")
    assert classify(response(200), policy) is Action.RETRY
    assert classify(response(200, {"ok": True}), policy) is Action.OK


class FakeApiException(Exception):
    """Shaped like a vendor SDK's error: status, headers and a raw body."""

    def __init__(self, status: int, body: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(f"HTTP {status}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def read_fake(exc: BaseException) -> Reply | HubError | None:
    if isinstance(exc, FakeApiException):
        return Reply.from_parts(exc.status, exc.headers, exc.body)
    return None


def test_sdk_exception_gets_the_same_table() -> None:
    judge = DEFAULT_POLICY.judge_exception
    limited = judge(FakeApiException(429, "{}", {"Retry-After": "5"}), read_fake)
    assert limited is not None
    assert limited.action is Action.RATE_LIMITED
    assert isinstance(limited.error, RateLimitedError)
    assert limited.error.retry_after == 5.0

    bad = judge(FakeApiException(400, '{"message": "bad email"}'), read_fake)
    assert bad is not None
    assert isinstance(bad.error, RecordError)
    assert "bad email" in str(bad.error)


@pytest.mark.parametrize(
    "exc",
    [
        httpx.ConnectError("refused"),
        httpx.ReadTimeout("slow"),
        httpx.RemoteProtocolError("closed"),
        httpx.ReadError("reset"),
        ConnectionResetError("reset by peer"),
        TimeoutError(),
    ],
)
def test_transport_failures_are_transient(exc: BaseException) -> None:
    verdict = DEFAULT_POLICY.judge_exception(exc)
    assert verdict is not None
    assert verdict.action is Action.RETRY
    assert type(verdict.error) is TransientError


def test_unknown_exceptions_are_left_alone() -> None:
    assert DEFAULT_POLICY.judge_exception(ValueError("a bug in our code"), read_fake) is None


def test_reader_may_answer_with_a_ready_error() -> None:
    ready = AuthError("token revoked")
    verdict = DEFAULT_POLICY.judge_exception(KeyError("x"), lambda _: ready)
    assert verdict is not None
    assert verdict.error is ready
    assert verdict.action is Action.FAIL_RUN


def test_reply_from_parts_accepts_parsed_bodies() -> None:
    reply = Reply.from_parts(
        400, [("X-Id", "1")], [{"message": "dup", "errorCode": "DUPLICATE_VALUE"}]
    )
    assert reply.message == "dup [DUPLICATE_VALUE]"
    assert reply.headers["x-id"] == "1"
    assert Reply.from_parts(500, None, b"\xff oops").message.endswith("oops")
