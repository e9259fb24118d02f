"""Auth, OAuth refresh, rate limits with HubSpot's 429 bodies and headers, injected faults."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import httpx
import hubspot
import pytest
from hubspot.crm.contacts import PublicObjectSearchRequest
from hubspot.crm.contacts.exceptions import ApiException
from hubspot.oauth.exceptions import ApiException as OAuthApiException

from connectors.hubspot.sandbox import SandboxConfig, SandboxServer
from hub.errors import ConfigError

TOKEN = SandboxConfig().tokens[0]
AUTH = {"Authorization": f"Bearer {TOKEN}"}
MakeClient = Callable[..., hubspot.HubSpot]


def _get(
    sandbox: SandboxServer, path: str = "/crm/v3/objects/contacts", token: str = TOKEN
) -> httpx.Response:
    return httpx.get(sandbox.base_url + path, headers={"Authorization": f"Bearer {token}"})


def _refresh(client: hubspot.HubSpot, refresh_token: str = "sandbox-refresh-token") -> Any:
    return client.oauth.tokens_api.create(
        grant_type="refresh_token",
        client_id="sandbox-client-id",
        client_secret="sandbox-client-secret",
        refresh_token=refresh_token,
    )


def test_a_bad_token_gets_hubspots_401(
    hubspot_sandbox: SandboxServer, make_hubspot_client: MakeClient
) -> None:
    client = make_hubspot_client(hubspot_sandbox, token="pat-na1-wrong")

    with pytest.raises(ApiException) as raised:
        client.crm.contacts.basic_api.get_page()

    body = json.loads(raised.value.body)
    assert raised.value.status == 401
    assert body["status"] == "error"
    assert body["category"] == "INVALID_AUTHENTICATION"
    assert body["message"].startswith("Authentication credentials not found")
    assert "X-HubSpot-RateLimit-Remaining" not in raised.value.headers
    assert hubspot_sandbox.state.counters.auth_failures == 1


def test_a_missing_authorization_header_gets_401(hubspot_sandbox: SandboxServer) -> None:
    response = httpx.get(hubspot_sandbox.base_url + "/crm/v3/objects/contacts")

    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


@pytest.mark.parametrize("hubspot_sandbox", [{"burst_limit": 3}], indirect=True)
def test_the_burst_limit_answers_429_with_hubspots_body_and_headers(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    remaining = [_get(hubspot_sandbox).headers["X-HubSpot-RateLimit-Remaining"] for _ in range(3)]

    with pytest.raises(ApiException) as raised:
        hubspot_client.crm.contacts.basic_api.get_page()

    assert remaining == ["2", "1", "0"]
    error = raised.value
    body = json.loads(error.body)
    assert error.status == 429
    assert body["status"] == "error"
    assert body["errorType"] == "RATE_LIMIT"
    assert body["policyName"] == "TEN_SECONDLY_ROLLING"
    assert body["message"] == "You have reached your ten_secondly_rolling limit."
    assert error.headers["X-HubSpot-RateLimit-Max"] == "3"
    assert error.headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert error.headers["X-HubSpot-RateLimit-Interval-Milliseconds"] == "10000"
    assert error.headers["X-HubSpot-RateLimit-Daily"] == "500000"
    assert "Retry-After" not in error.headers  # HubSpot does not promise one
    assert hubspot_sandbox.state.counters.rate_limited == 1


@pytest.mark.parametrize(
    "hubspot_sandbox", [{"burst_limit": 1, "send_retry_after": True}], indirect=True
)
def test_retry_after_is_sent_only_when_asked_for(hubspot_sandbox: SandboxServer) -> None:
    _get(hubspot_sandbox)

    refused = _get(hubspot_sandbox)

    assert refused.status_code == 429
    assert 1 <= int(refused.headers["Retry-After"]) <= 10


@pytest.mark.parametrize(
    "hubspot_sandbox", [{"search_limit": 2, "search_interval_s": 60.0}], indirect=True
)
def test_search_has_its_own_per_second_limit(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    search = hubspot_client.crm.contacts.search_api.do_search
    search(PublicObjectSearchRequest(limit=1))
    search(PublicObjectSearchRequest(limit=1))

    with pytest.raises(ApiException) as raised:
        search(PublicObjectSearchRequest(limit=1))

    assert raised.value.status == 429
    assert json.loads(raised.value.body)["policyName"] == "SECONDLY"
    assert _get(hubspot_sandbox).status_code == 200  # other endpoints are unaffected


@pytest.mark.parametrize("hubspot_sandbox", [{"daily_limit": 2}], indirect=True)
def test_the_daily_limit_answers_429_daily(hubspot_sandbox: SandboxServer) -> None:
    first, second, third = (_get(hubspot_sandbox) for _ in range(3))

    assert [first.status_code, second.status_code] == [200, 200]
    assert second.headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert third.status_code == 429
    assert third.json()["policyName"] == "DAILY"
    assert third.json()["message"] == "You have reached your daily limit."


@pytest.mark.parametrize("hubspot_sandbox", [{"forced_429s": 2}], indirect=True)
def test_forced_429s_refuse_the_next_requests_then_stop(hubspot_sandbox: SandboxServer) -> None:
    statuses = [_get(hubspot_sandbox).status_code for _ in range(3)]
    hubspot_sandbox.state.faults.force_refusal()
    statuses.append(_get(hubspot_sandbox).status_code)

    assert statuses == [429, 429, 200, 429]
    assert hubspot_sandbox.state.counters.rate_limited == 3


@pytest.mark.parametrize("hubspot_sandbox", [{"error_rate": 1.0}], indirect=True)
def test_an_error_rate_of_one_breaks_every_call_with_500_or_503(
    hubspot_sandbox: SandboxServer,
) -> None:
    responses = [_get(hubspot_sandbox) for _ in range(6)]

    assert {r.status_code for r in responses} <= {500, 503}
    assert all(r.json()["status"] == "error" for r in responses)
    assert all("X-HubSpot-RateLimit-Remaining" in r.headers for r in responses)
    assert hubspot_sandbox.state.counters.server_errors == 6


def test_the_random_faults_repeat_for_the_same_seed(
    start_hubspot_sandbox: Callable[..., SandboxServer],
) -> None:
    runs = []
    for _ in range(2):
        sandbox = start_hubspot_sandbox(error_rate=0.5, fault_seed=7)
        runs.append([_get(sandbox).status_code for _ in range(12)])

    assert runs[0] == runs[1]
    assert {200} < set(runs[0])  # some calls fail, some succeed


def test_the_error_rate_can_change_while_running(hubspot_sandbox: SandboxServer) -> None:
    before = _get(hubspot_sandbox).status_code
    hubspot_sandbox.config.error_rate = 1.0
    during = _get(hubspot_sandbox).status_code
    hubspot_sandbox.config.error_rate = 0.0

    assert (before, _get(hubspot_sandbox).status_code) == (200, 200)
    assert during in (500, 503)


def test_oauth_refresh_issues_a_token_that_works_and_then_expires(
    hubspot_sandbox: SandboxServer, make_hubspot_client: MakeClient
) -> None:
    anonymous = make_hubspot_client(hubspot_sandbox, token="unused")

    tokens = _refresh(anonymous)
    access_token = tokens.access_token
    fresh = _get(hubspot_sandbox, token=access_token)
    hubspot_sandbox.state.tokens.expire(access_token)
    expired = _get(hubspot_sandbox, token=access_token)

    assert tokens.token_type == "bearer"
    assert tokens.expires_in == 1800
    assert fresh.status_code == 200
    assert "X-HubSpot-RateLimit-Daily" not in fresh.headers  # OAuth calls get no daily headers
    assert expired.status_code == 401
    assert expired.json()["category"] == "EXPIRED_AUTHENTICATION"


def test_oauth_refuses_an_unknown_refresh_token(hubspot_client: hubspot.HubSpot) -> None:
    with pytest.raises(OAuthApiException) as raised:
        _refresh(hubspot_client, refresh_token="stolen")

    assert raised.value.status == 400
    assert json.loads(raised.value.body)["status"] == "BAD_REFRESH_TOKEN"


@pytest.mark.parametrize("hubspot_sandbox", [{"rotate_refresh_tokens": True}], indirect=True)
def test_rotated_refresh_tokens_retire_the_old_one(hubspot_client: hubspot.HubSpot) -> None:
    client = hubspot_client

    rotated = _refresh(client).refresh_token

    assert rotated != "sandbox-refresh-token"
    assert _refresh(client, rotated).access_token
    with pytest.raises(OAuthApiException):
        _refresh(client)


def test_counters_tell_writes_from_reads(
    hubspot_sandbox: SandboxServer, hubspot_client: hubspot.HubSpot
) -> None:
    httpx.post(
        hubspot_sandbox.base_url + "/crm/v3/objects/contacts",
        json={"properties": {"email": "w@example.com"}},
        headers=AUTH,
    )
    hubspot_client.crm.contacts.search_api.do_search(PublicObjectSearchRequest(limit=1))
    _get(hubspot_sandbox)

    counters = hubspot_sandbox.state.counters.snapshot()
    assert counters["write_calls"] == 1
    assert counters["records_written"] == 1
    assert counters["requests"] == {
        "POST /crm/v3/objects/contacts": 1,
        "POST /crm/v3/objects/contacts/search": 1,
        "GET /crm/v3/objects/contacts": 1,
    }


@pytest.mark.parametrize(
    "knobs",
    [{"burst_limit": 0}, {"error_rate": 1.5}, {"latency_s": -1.0}, {"forced_429s": -1}],
)
def test_nonsense_knobs_are_refused(knobs: dict[str, Any]) -> None:
    with pytest.raises(ConfigError, match="invalid HubSpot sandbox configuration"):
        SandboxConfig(**knobs)
