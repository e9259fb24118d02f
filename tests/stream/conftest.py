"""A tenant per test and the real brokers by name (the store fixtures are the hub's own)."""

from __future__ import annotations

import uuid

import pytest

from hub.testing.services import require_service


@pytest.fixture
def tenant() -> str:
    """A tenant of its own, so each test has its own subjects, queues and groups."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["nats", "rabbitmq", "redis"])
def broker_url(request: pytest.FixtureRequest) -> str:
    return require_service(request.param)
