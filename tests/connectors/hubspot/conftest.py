"""Fixtures for the HubSpot connector's tests: a sandbox on loopback, an SDK client, and a tiny
receiver for the sandbox's webhooks.

    def test_x(hubspot_sandbox, hubspot_client): ...            # default knobs

    @pytest.mark.parametrize("hubspot_sandbox", [{"burst_limit": 3}], indirect=True)
    def test_y(hubspot_sandbox): ...                             # knobs for one test

    def test_z(start_hubspot_sandbox, webhook_receiver):        # several, or built in the test
        sandbox = start_hubspot_sandbox(webhook_url=webhook_receiver.url)

Every request a test sends a sandbox must keep HubSpot's published contract: the test fails at
teardown naming the violations, unless it is marked `breaks_contract` (it sends a request the
contract forbids on purpose, to see the sandbox refuse it as HubSpot would).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import hubspot
import pytest

from connectors.hubspot.sandbox import SandboxConfig, SandboxServer
from hub.testing.sandbox.fixtures import sandbox_starter

TOKEN = "sandbox-token"


@pytest.fixture
def hubspot_sandbox_config() -> SandboxConfig:
    """The knobs `hubspot_sandbox` starts with; override this fixture to change every test's."""
    return SandboxConfig()


@pytest.fixture
def start_hubspot_sandbox(
    hubspot_sandbox_config: SandboxConfig, request: pytest.FixtureRequest
) -> Iterator[Callable[..., SandboxServer]]:
    """Start sandboxes with knobs given as keyword arguments; all are stopped after the test,
    and must have seen no request that breaks HubSpot's contract."""
    yield from sandbox_starter(request, SandboxServer, lambda: hubspot_sandbox_config)


@pytest.fixture
def hubspot_sandbox(
    request: pytest.FixtureRequest, start_hubspot_sandbox: Callable[..., SandboxServer]
) -> SandboxServer:
    """A running sandbox (`.base_url`, `.state`, `.config`); indirect parameters are knobs."""
    knobs: dict[str, Any] = getattr(request, "param", {})
    return start_hubspot_sandbox(**knobs)


def sdk_client(sandbox: SandboxServer, token: str = TOKEN) -> hubspot.HubSpot:
    """The official SDK pointed at a sandbox, as vendor-apis.md §0 says: `host` and `base_url`."""
    return hubspot.HubSpot(access_token=token, host=sandbox.base_url, base_url=sandbox.base_url)


@pytest.fixture
def hubspot_client(hubspot_sandbox: SandboxServer) -> hubspot.HubSpot:
    """The official SDK pointed at `hubspot_sandbox`, with its first token."""
    return sdk_client(hubspot_sandbox)


@pytest.fixture
def make_hubspot_client() -> Callable[..., hubspot.HubSpot]:
    """`make_hubspot_client(sandbox, token=...)`: an SDK client for another sandbox or token."""
    return sdk_client


@dataclass
class ReceivedRequest:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class WebhookReceiver:
    """Records every POST; answers `fail_first` of them with 500, the rest with 204."""

    url: str
    requests: list[ReceivedRequest] = field(default_factory=list)
    fail_first: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, request: ReceivedRequest) -> int:
        with self._lock:
            self.requests.append(request)
            return 500 if len(self.requests) <= self.fail_first else 204


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    receiver: WebhookReceiver | None = None

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", "0"))
            body = self.rfile.read(length)
            assert receiver is not None
            status = receiver.record(
                ReceivedRequest(
                    "POST", self.path, {k.lower(): v for k, v in self.headers.items()}, body
                )
            )
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # keep test output quiet

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    host, port = server.server_address[:2]
    receiver = WebhookReceiver(url=f"http://{host!s}:{port}/hooks/hubspot")
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
