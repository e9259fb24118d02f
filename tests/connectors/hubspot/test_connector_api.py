"""The HubSpot connector's pieces: settings, the failure policy, the shared limiter, and the
upsert sink's keys and per-record refusals."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from pydantic import ValidationError

from connectors.hubspot import HubSpotConnector, HubSpotSettings
from connectors.hubspot.errors import hubspot_policy, standard_error_message
from connectors.hubspot.sandbox import SandboxServer
from connectors.hubspot.sinks import batches_without_repeats, property_value
from hub.connector import Outcome, WriteMode
from hub.errors import AuthError, QuotaExhaustedError, RateLimitedError
from hub.http import Action, Reply

PROPERTIES = Path(__file__).resolve().parents[3] / "mappings" / "hubspot" / "properties.json"

# -- settings ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("tier", "rate", "daily"), [
    ("starter", "100/10s", 250_000),
    ("professional", "190/10s", 625_000),
    ("enterprise", "190/10s", 1_000_000),
])
def test_the_tier_sets_the_default_limits(tier: str, rate: str, daily: int) -> None:
    settings = HubSpotSettings(access_token="pat-na1-x", tier=tier)  # type: ignore[arg-type]

    assert (str(settings.burst), settings.daily_budget) == (rate, daily)


def test_an_explicit_rate_limit_wins_over_the_tier() -> None:
    settings = HubSpotSettings.model_validate({
        "access_token": "pat-na1-x", "tier": "enterprise",
        "rate_limit": {"requests": 50, "per_seconds": 10, "daily": 1000}})

    assert (str(settings.burst), settings.daily_budget) == ("50/10s", 1000)


@pytest.mark.parametrize(("given", "problem"), [
    ({}, "give `access_token`"),
    ({"client_id": "id", "client_secret": "s"}, "give `access_token`"),
    ({"access_token": "t", "client_id": "id", "client_secret": "s", "refresh_token": "r"},
     "not both"),
    ({"access_token": "t", "portal_time_zone": "Mars/Olympus"}, "not an IANA time zone"),
    ({"access_token": "t", "concurrency": 0}, "greater than or equal to 1"),
], ids=["nothing", "oauth-without-refresh-token", "both", "time-zone", "concurrency"])
def test_bad_settings_are_refused_with_the_reason(given: dict[str, Any], problem: str) -> None:
    with pytest.raises(ValidationError, match=problem):
        HubSpotSettings.model_validate(given)


# -- the failure policy -----------------------------------------------------------------------


def reply(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Reply:
    return Reply.from_parts(status, headers or {}, body)


def test_a_daily_429_is_a_quota_that_resumes_at_the_portals_midnight() -> None:
    policy = hubspot_policy("America/New_York")

    verdict = policy.judge(reply(429, {"status": "error", "policyName": "DAILY",
                                       "message": "You have reached your daily limit."}))

    assert isinstance(verdict.error, QuotaExhaustedError)
    assert verdict.error.resume_at is not None
    assert verdict.error.resume_at > datetime.now(UTC)
    local = verdict.error.resume_at.astimezone(ZoneInfo("America/New_York"))
    assert (local.hour, local.minute) == (0, 0)


def test_rolling_and_search_429s_are_waits() -> None:
    policy = hubspot_policy()

    rolling = policy.judge(reply(429, {"policyName": "TEN_SECONDLY_ROLLING"},
                                 {"Retry-After": "2"}))
    search = policy.judge(reply(429, {"policyName": "SECONDLY"}))

    assert rolling.action is Action.RATE_LIMITED
    assert isinstance(rolling.error, RateLimitedError)
    assert rolling.error.retry_after == 2.0
    assert isinstance(search.error, RateLimitedError)
    assert search.error.retry_after == 1.0


def test_a_401_says_which_token_to_replace_and_where() -> None:
    verdict = hubspot_policy().judge(reply(401, {
        "category": "EXPIRED_AUTHENTICATION",
        "message": "The OAuth token used to make this call expired 3 minute(s) ago. More."}))

    assert verdict.action is Action.REFRESH_AUTH  # a refresh is tried first, where possible
    assert isinstance(verdict.error, AuthError)
    assert "401 EXPIRED_AUTHENTICATION: The OAuth token used to make this call expired" in str(
        verdict.error)
    assert "Private Apps" in str(verdict.error)


def test_a_batch_error_keeps_hubspots_own_words() -> None:
    error = {"category": "VALIDATION_ERROR",
             "message": 'Property values were not valid: [{"message":"Email address x is '
                        'invalid","error":"INVALID_EMAIL"}]',
             "errors": [{"message": "Email address x is invalid", "code": "INVALID_EMAIL",
                         "context": {"propertyName": ["email"]}}]}
    bare = {"category": "CONFLICT", "message": "Contact already exists. Existing ID: 7"}

    assert standard_error_message(error) == (
        "HubSpot refused it (VALIDATION_ERROR): Email address x is invalid "
        "[email, INVALID_EMAIL]")
    assert standard_error_message(bare) == (
        "HubSpot refused it (CONFLICT): Contact already exists. Existing ID: 7")


# -- values and batches -----------------------------------------------------------------------


@pytest.mark.parametrize(("value", "text"), [
    (None, ""), (True, "true"), (12, "12"), (Decimal("10.50"), "10.5"),
    (datetime(2025, 5, 1, 9, 30, 0, 123456, tzinfo=UTC), "2025-05-01T09:30:00.123Z"),
    (date(2025, 5, 1), "2025-05-01"), (["a", "b"], "a;b"),
])
def test_values_become_the_strings_hubspot_stores(value: Any, text: str) -> None:
    assert property_value(value) == text


def test_a_batch_never_names_one_record_twice() -> None:
    items = [(0, "a"), (1, "b"), (2, "a"), (3, "c"), (4, "a")]

    batches = batches_without_repeats(items, size=2)

    assert batches == [[(0, "a"), (1, "b")], [(2, "a"), (3, "c")], [(4, "a")]]


# -- the shared limiter and the sink ----------------------------------------------------------


def test_connections_on_one_credential_share_one_limiter(hubspot_sandbox: SandboxServer) -> None:
    raw = {"access_token": "sandbox-token", "base_url": hubspot_sandbox.base_url}
    first, second = (HubSpotConnector(HubSpotSettings.model_validate(raw), name=n)
                     for n in ("a", "b"))
    other = HubSpotConnector(HubSpotSettings.model_validate({**raw, "access_token": "pat-other"}))

    assert first.api.limiter is second.api.limiter
    assert other.api.limiter is not first.api.limiter


def test_the_limiter_learns_the_portals_limit_from_its_headers(
        hubspot_sandbox: SandboxServer) -> None:
    raw = {"access_token": "sandbox-token", "base_url": hubspot_sandbox.base_url,
           "rate_limit": {"requests": 500, "per_seconds": 10}, "properties_file": None}
    hub = HubSpotConnector(HubSpotSettings.model_validate(raw))

    async def check_and_close() -> bool:
        try:
            return (await hub.check()).ok
        finally:
            rate = str(hub.api.limiter.rate)
            await hub.aclose()
            learnt.append(rate)

    learnt: list[str] = []
    assert asyncio.run(check_and_close())
    assert learnt == ["190/10s"]  # the sandbox's stricter limit is adopted


def test_contacts_keyed_by_a_custom_property_and_a_conflict_per_record(
        hubspot_sandbox: SandboxServer) -> None:
    hubspot_sandbox.state.create("contacts", {"email": "taken@example.com"})

    async def work() -> list[Any]:
        hub = HubSpotConnector(HubSpotSettings.model_validate(
            {"access_token": "sandbox-token", "base_url": hubspot_sandbox.base_url,
             "properties_file": str(PROPERTIES)}))
        sink = hub.sink("contacts", {"id_property": "marketing_platform_id"})
        try:
            first = await sink.write([{"marketing_platform_id": "c-1", "email": "a@example.com"},
                                      {"marketing_platform_id": "c-2",
                                       "email": "taken@example.com"},
                                      {"email": "no-key@example.com"}], WriteMode.UPSERT)
            moved = await sink.write([{"marketing_platform_id": "c-1",
                                       "email": "a.new@example.com"}], WriteMode.UPSERT)
            return [*first, *moved]
        finally:
            await hub.aclose()

    ok, conflict, keyless, moved = asyncio.run(work())

    assert ok.outcome is Outcome.WRITTEN
    assert ok.created
    assert conflict.outcome is Outcome.FAILED
    assert "(CONFLICT): Contact already exists" in (conflict.error or "")
    assert keyless.outcome is Outcome.FAILED
    assert "no marketing_platform_id" in (keyless.error or "")
    assert (moved.outcome, moved.created, moved.external_id) == (Outcome.WRITTEN, False,
                                                                 ok.external_id)
