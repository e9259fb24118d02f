"""A state store per test and the real brokers by name."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from hub.store import StateStore
from hub.testing.services import require_service


@pytest.fixture
def store(sqlite_url: str) -> Iterator[StateStore]:
    s = StateStore(sqlite_url)
    s.ensure_schema()
    yield s
    s.close()


@pytest.fixture
def tenant() -> str:
    """A tenant of its own, so each test has its own subjects, queues and groups."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture(params=["nats", "rabbitmq", "redis"])
def broker_url(request: pytest.FixtureRequest) -> str:
    return require_service(request.param)
