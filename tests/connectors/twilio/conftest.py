"""Fixtures for the Twilio connector's tests: a sandbox on loopback, the SDK and the connector
pointed at it, and a receiver recording the callbacks the sandbox posts.

    def test_x(twilio_sandbox): ...                               # default knobs

    @pytest.mark.parametrize("twilio_sandbox", [{"rate_limit": 2}], indirect=True)
    def test_y(twilio_sandbox): ...                               # knobs for one test

Every request a test sends a sandbox must keep Twilio's official OpenAPI: the test fails at
teardown naming the violations, unless it is marked `breaks_contract`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from connectors.twilio.connector import TwilioConnector
from connectors.twilio.sandbox import SandboxConfig, SandboxServer
from connectors.twilio.settings import TwilioSettings
from hub.testing.sandbox import LoopbackServer
from hub.testing.sandbox.fixtures import sandbox_starter

FROM = "+15005550006"
TO = "+14155552671"


@pytest.fixture
def start_twilio_sandbox(request: pytest.FixtureRequest) -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes with knobs as keyword arguments; stopped after the test, and held to
    Twilio's contract."""
    yield from sandbox_starter(request, SandboxServer, SandboxConfig)


@pytest.fixture
def twilio_sandbox(request: pytest.FixtureRequest,
                   start_twilio_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return start_twilio_sandbox(**getattr(request, "param", {}))


def sdk_client(sandbox: SandboxServer, token: str | None = None) -> Client:
    """Twilio's SDK pointed at a sandbox, retries off."""
    client = Client(sandbox.config.account_sid, token or sandbox.config.auth_token,
                    http_client=TwilioHttpClient(max_retries=0))
    client.api.base_url = sandbox.base_url
    return client


def connection(sandbox: SandboxServer, **settings: Any) -> TwilioConnector:
    """A connector on the sandbox's account, sending from FROM unless told otherwise."""
    raw: dict[str, Any] = {"account_sid": sandbox.config.account_sid,
                           "auth_token": sandbox.config.auth_token,
                           "base_url": sandbox.base_url, "sender_rate": "100/s"}
    if not {"messaging_service_sid", "alphanumeric_sender"} & settings.keys():
        raw["from_number"] = FROM
    return TwilioConnector(TwilioSettings.model_validate({**raw, **settings}), name="sms")


@dataclass
class Received:
    url: str
    headers: dict[str, str]
    body: bytes

    @property
    def form(self) -> dict[str, str]:
        return dict(parse_qsl(self.body.decode(), keep_blank_values=True))


@dataclass
class CallbackReceiver:
    """Records every POST and answers 204."""

    base: str
    received: list[Received] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def url(self, path: str = "/webhooks/sms") -> str:
        return self.base + path

    def record(self, received: Received) -> None:
        with self._lock:
            self.received.append(received)


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    found = CallbackReceiver(base="")

    async def receive(request: Request) -> Response:
        query = request.url.query
        found.record(Received(found.base + request.url.path + (f"?{query}" if query else ""),
                              dict(request.headers), await request.body()))
        return Response(status_code=204)

    app = Starlette(routes=[Route("/{path:path}", receive, methods=["POST"])])
    with LoopbackServer(app, name="callback receiver") as server:
        found.base = server.base_url
        yield found
