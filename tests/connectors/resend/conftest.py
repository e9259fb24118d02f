"""Fixtures for the Resend connector's tests: a sandbox on loopback and a receiver for its
webhooks.

    def test_x(resend_sandbox): ...                                  # default knobs

    @pytest.mark.parametrize("resend_sandbox", [{"daily_quota": 3}], indirect=True)
    def test_y(resend_sandbox): ...                                  # knobs for one test

Every request a test sends a sandbox must keep Resend's published contract (resend.yaml): the
test fails at teardown naming the violations, unless it is marked `breaks_contract`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from connectors.resend.sandbox import SandboxConfig, SandboxServer
from hub.testing.sandbox import LoopbackServer
from hub.testing.sandbox.fixtures import sandbox_starter

API_KEY = SandboxConfig().api_keys[0]


@pytest.fixture
def start_resend_sandbox(request: pytest.FixtureRequest
                         ) -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes with knobs as keyword arguments; all are stopped after the test and
    must have seen no request that breaks Resend's contract."""
    yield from sandbox_starter(request, SandboxServer, SandboxConfig)


@pytest.fixture
def resend_sandbox(request: pytest.FixtureRequest,
                   start_resend_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return start_resend_sandbox(**getattr(request, "param", {}))


@dataclass
class Delivery:
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """Webhook deliveries as received; `status` is what it answers."""

    url: str = ""
    status: int = 204
    deliveries: list[Delivery] = field(default_factory=list)
    _changed: threading.Condition = field(default_factory=threading.Condition)

    def record(self, delivery: Delivery) -> None:
        with self._changed:
            self.deliveries.append(delivery)
            self._changed.notify_all()

    def wait_for(self, count: int, timeout: float = 30.0) -> list[Delivery]:
        """Block until `count` deliveries arrived (the timeout only guards a hang)."""
        with self._changed:
            self._changed.wait_for(lambda: len(self.deliveries) >= count, timeout)
            return list(self.deliveries)


@pytest.fixture
def webhook_receiver() -> Iterator[Receiver]:
    receiver = Receiver()

    async def receive(request: Request) -> Response:
        receiver.record(Delivery(dict(request.headers), await request.body()))
        return Response(status_code=receiver.status)

    app = Starlette(routes=[Route("/hooks", receive, methods=["POST"])])
    with LoopbackServer(app, name="webhook receiver") as server:
        receiver.url = f"{server.base_url}/hooks"
        yield receiver
