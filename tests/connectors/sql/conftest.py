"""Databases for the sql connector's tests, and the engine tests' throwaway hub for its
end-to-end ones."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from hub.testing.services import require_service
from tests.engine.conftest import _no_ambient_hub, project

__all__ = ["_no_ambient_hub", "mariadb_url", "project", "sql_url"]


@pytest.fixture
def mariadb_url() -> Iterator[str]:
    """A MariaDB database of this test's own, dropped after it."""
    base = sa.make_url(require_service("mariadb"))
    name = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4"))
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f"DROP DATABASE `{name}`"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def sql_url(request: pytest.FixtureRequest) -> str:
    """Every database the sql connector writes to, one run of the test each."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url
