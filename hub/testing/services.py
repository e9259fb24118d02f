"""The real services tests use (PostgreSQL, MariaDB, RabbitMQ, Redis, NATS): probe, skip or
fail.

A test that needs a service skips with a reason when it is absent, unless
HUB_REQUIRE_SERVICES=1 (CI), which turns the absence into a failure.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlsplit

import pytest

DEFAULT_URLS = {
    "postgres": "postgresql+psycopg://postgres@127.0.0.1:5432/test",
    "mariadb": "mysql+pymysql://root@127.0.0.1:3306/test",
    "rabbitmq": "amqp://guest:guest@127.0.0.1:5672/",
    "redis": "redis://127.0.0.1:6379/0",
    "nats": "nats://127.0.0.1:4222",
}


def service_url(name: str) -> str:
    return os.environ.get(f"HUB_TEST_{name.upper()}_URL", DEFAULT_URLS[name])


def _reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 0), 2):
            return True
    except OSError:
        return False


def require_service(name: str) -> str:
    """The service's URL; skip (or fail under HUB_REQUIRE_SERVICES=1) when it is down."""
    url = service_url(name)
    if not _reachable(url):
        reason = f"{name} is not reachable at {urlsplit(url).netloc}"
        if os.environ.get("HUB_REQUIRE_SERVICES") == "1":
            pytest.fail(f"{reason}, and HUB_REQUIRE_SERVICES=1 requires it")
        pytest.skip(reason)
    return url
