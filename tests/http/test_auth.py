"""Credentials on the wire: bearer, API key, and OAuth2 refresh on expiry and on 401."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs

import httpx
import pytest

from hub.errors import AuthError, TransientError
from hub.http import (
    ApiKeyHeader,
    BearerToken,
    OAuth2RefreshToken,
    OAuth2Token,
    build_client,
    request_with_policy,
    retry_call,
)
from hub.testing.sandbox.faultserver import FaultServer, Seen, Step, run_fault_server

NEW_TOKEN = {"access_token": "new", "refresh_token": "rotated", "expires_in": 1800}


@pytest.fixture(scope="module")
def running() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


@pytest.fixture
def server(running: FaultServer) -> FaultServer:
    running.app.reset()
    return running


def oauth(server: FaultServer, issued: list[OAuth2Token], **kwargs: object) -> OAuth2RefreshToken:
    return OAuth2RefreshToken(
        token_url=f"{server.url}/oauth/token",
        client_id="client-1",
        client_secret="shh",
        refresh_token="refresh-1",
        on_token=issued.append,
        **kwargs,  # type: ignore[arg-type]
    )


def only_new_token(seen: Seen) -> Step:
    """The vendor accepts only the refreshed token."""
    return Step(200) if seen.headers["authorization"] == "Bearer new" else Step(401)


async def test_bearer_and_api_key_headers(server: FaultServer) -> None:
    server.app.script("/me", Step(200))
    async with build_client(server.url, BearerToken("abc")) as client:
        await request_with_policy(client, "GET", "/me")
    async with build_client(server.url, ApiKeyHeader("key-1", header="X-Api-Key")) as client:
        await request_with_policy(client, "GET", "/me")
    first, second = server.app.requests("/me")
    assert first.headers["authorization"] == "Bearer abc"
    assert second.headers["x-api-key"] == "key-1"


async def test_401_refreshes_once_and_reports_the_rotated_token(server: FaultServer) -> None:
    server.app.script("/oauth/token", Step(200, json=NEW_TOKEN))
    server.app.script("/me", Step(respond=only_new_token))
    issued: list[OAuth2Token] = []
    auth = oauth(server, issued, access_token="old")
    async with build_client(server.url, auth) as client:
        response = await request_with_policy(client, "GET", "/me")
    assert response.status_code == 200
    assert [seen.headers["authorization"] for seen in server.app.requests("/me")] == [
        "Bearer old",
        "Bearer new",
    ]
    [token_call] = server.app.requests("/oauth/token")
    form = parse_qs(token_call.body.decode())
    assert form["grant_type"] == ["refresh_token"]
    assert form["refresh_token"] == ["refresh-1"]
    assert form["client_id"] == ["client-1"]
    assert [t.refresh_token for t in issued] == ["rotated"]
    assert auth.token.refresh_token == "rotated"
    assert auth.token.expires_at is not None


async def test_401_after_refresh_is_an_auth_error(server: FaultServer) -> None:
    server.app.script("/oauth/token", Step(200, json=NEW_TOKEN))
    server.app.script("/me", Step(401, json={"message": "this app was uninstalled"}))
    issued: list[OAuth2Token] = []
    async with build_client(server.url, oauth(server, issued, access_token="old")) as client:
        with pytest.raises(AuthError, match="uninstalled"):
            await request_with_policy(client, "GET", "/me")
    assert len(server.app.requests("/oauth/token")) == 1
    assert len(server.app.requests("/me")) == 2


async def test_a_missing_or_expired_token_is_refreshed_before_sending(server: FaultServer) -> None:
    server.app.script("/oauth/token", Step(200, json=NEW_TOKEN))
    server.app.script("/me", Step(respond=only_new_token))
    expired = datetime.now(UTC) - timedelta(minutes=1)
    for auth in (
        oauth(server, []),
        oauth(server, [], access_token="old", expires_at=expired),
    ):
        async with build_client(server.url, auth) as client:
            await request_with_policy(client, "GET", "/me")
    assert [s.headers["authorization"] for s in server.app.requests("/me")] == ["Bearer new"] * 2


async def test_a_dead_refresh_token_says_reconnect(server: FaultServer) -> None:
    dead = {"error": "invalid_grant", "error_description": "refresh token is invalid"}
    server.app.script("/oauth/token", Step(400, json=dead))
    server.app.script("/me", Step(200))
    async with build_client(server.url, oauth(server, [])) as client:
        with pytest.raises(AuthError, match="reconnect the app"):
            await request_with_policy(client, "GET", "/me")
    assert server.app.requests("/me") == []


async def test_a_token_endpoint_outage_is_transient_and_retried(server: FaultServer) -> None:
    server.app.script("/oauth/token", Step(503), Step(200, json=NEW_TOKEN))
    server.app.script("/me", Step(respond=only_new_token))

    async def no_sleep(_: float) -> None:
        return None

    async with build_client(server.url, oauth(server, [])) as client:
        with pytest.raises(TransientError, match="token refresh answered 503"):
            await request_with_policy(client, "GET", "/me")
        me = functools.partial(request_with_policy, client, "GET", "/me")
        response = await retry_call(me, sleep=no_sleep)  # the caller's retry: a fresh refresh
        assert response.status_code == 200


async def test_concurrent_401s_share_one_refresh(server: FaultServer) -> None:
    server.app.script("/oauth/token", Step(200, json=NEW_TOKEN, delay=0.05))
    server.app.script("/me", Step(respond=only_new_token))
    issued: list[OAuth2Token] = []
    async with build_client(server.url, oauth(server, issued, access_token="old")) as client:
        responses = await asyncio.wait_for(
            asyncio.gather(*(request_with_policy(client, "GET", "/me") for _ in range(5))), 60
        )  # the timeout only keeps a deadlock from hanging the suite
    assert [r.status_code for r in responses] == [200] * 5
    assert len(server.app.requests("/oauth/token")) == 1
    assert len(issued) == 1


def test_the_refresh_flow_refuses_a_sync_client(server: FaultServer) -> None:
    server.app.script("/me", Step(200))
    with (httpx.Client(base_url=server.url, auth=oauth(server, [])) as client,
          pytest.raises(TypeError, match="async clients only")):
        client.get("/me")
    assert server.app.requests("/me") == []


def test_tokens_never_show_in_repr() -> None:
    token = OAuth2Token("access-secret", "refresh-secret", None)
    assert "secret" not in repr(token)
