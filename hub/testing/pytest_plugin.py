"""Pytest plugin shipped to connector authors (entry point `pytest11: hub`).

Fixtures:
    postgres_url   a PostgreSQL URL confined to a fresh schema, dropped after the test; its
                   commits do not wait for the disk (synchronous_commit=off: what a test
                   reads back is the same, only a crash of the server could lose it)
    sqlite_url     a SQLite file URL in the test's temporary folder
    store_url      parametrized over both backends: the test runs once on each
    store          a StateStore on `store_url`, migrated to the current schema, closed after
"""

from __future__ import annotations

import gc
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from hub.store import StateStore
from hub.testing.services import require_service


@pytest.fixture
def postgres_url() -> Iterator[str]:
    import sqlalchemy as sa

    base = require_service("postgres")
    schema = f"hub_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(base, connect_args={"options": "-csynchronous_commit=off"})
    with admin.begin() as conn:
        conn.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"
    finally:
        # a connection the test left open is found here, in its own teardown, not in
        # whichever later test the garbage collector happens to run in
        gc.collect()
        with admin.begin() as conn:
            conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'hub.db'}"


@pytest.fixture(params=["sqlite", "postgres"])
def store_url(request: pytest.FixtureRequest) -> str:
    name = "sqlite_url" if request.param == "sqlite" else "postgres_url"
    url: str = request.getfixturevalue(name)
    return url


@pytest.fixture
def store(store_url: str) -> Iterator[StateStore]:
    state = StateStore(store_url)
    state.upgrade()
    yield state
    state.close()
