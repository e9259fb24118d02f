"""Fixtures for the Salesforce connector's tests: a sandbox org on loopback and
simple-salesforce pointed at it.

    def test_x(salesforce_sandbox, sf): ...                          # default knobs

    def test_y(start_salesforce_sandbox):
        org = start_salesforce_sandbox(daily_limit=10)

Every request a test sends a sandbox must keep the documented contract: the test fails at
teardown naming the violations, unless it is marked `breaks_contract`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from connectors.salesforce.sandbox import SandboxConfig, SandboxServer
from connectors.salesforce.transport import session_for
from hub.testing.sandbox.fixtures import sandbox_starter

CLIENT = {"client_id": "sandbox-client-id", "client_secret": "sandbox-client-secret"}


@pytest.fixture
def start_salesforce_sandbox(request: pytest.FixtureRequest
                             ) -> Iterator[Callable[..., SandboxServer]]:
    yield from sandbox_starter(request, SandboxServer, SandboxConfig)


@pytest.fixture
def salesforce_sandbox(start_salesforce_sandbox: Callable[..., SandboxServer]) -> SandboxServer:
    return start_salesforce_sandbox()


def token(org: SandboxServer, **form: str) -> dict[str, Any]:
    """A token request as a connected app sends it; the parsed answer (errors too)."""
    session = session_for(org.base_url)
    answer = session.post(org.base_url + "/services/oauth2/token", data=form)
    found: dict[str, Any] = answer.json()
    found["status"] = answer.status_code
    return found


def sdk(org: SandboxServer, session_id: str = "sandbox-session") -> Salesforce:
    """simple-salesforce pointed at a sandbox: only the instance URL and the session differ."""
    return Salesforce(instance_url=org.base_url, session_id=session_id,
                      session=session_for(org.base_url), version="59.0")


@pytest.fixture
def sf(salesforce_sandbox: SandboxServer) -> Salesforce:
    return sdk(salesforce_sandbox)


def settings(org: SandboxServer, **extra: Any) -> dict[str, Any]:
    """A connection's settings reaching `org` with the refresh-token flow."""
    return {"instance_url": org.base_url, "login_url": org.base_url, **CLIENT,
            "refresh_token": "sandbox-refresh-token", **extra}
