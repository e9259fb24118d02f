"""The sql sink on a real MariaDB: a SQLite shop synced into it through `hub sync`, tables it
creates there, and the values MySQL would otherwise change on the way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from connectors.sql.settings import SqlSettings
from hub.connector import Outcome, WriteMode
from tests.engine.hubproject import Project
from tests.engine.test_sql_pipeline import sync_and_check


def test_a_sqlite_shop_synced_into_mariadb_then_edited(tmp_path: Path, mariadb_url: str) -> None:
    project = Project(tmp_path, f"sqlite:///{tmp_path / 'shop.db'}", mariadb_url,
                      f"sqlite:///{tmp_path / 'hub.db'}")
    sync_and_check(project, 400, page_size=60, batch_size=25)


@pytest.fixture
def warehouse(mariadb_url: str) -> Iterator[SqlConnector]:
    connector = SqlConnector(SqlSettings(url=mariadb_url), name="warehouse")
    yield connector
    connector.engine.dispose()


def stored(db: SqlConnector, table: str) -> dict[str, tuple[object, ...]]:
    with db.engine.connect() as conn:
        return {r[0]: tuple(r[1:]) for r in conn.execute(sa.text(f"SELECT * FROM {table}"))}


async def test_a_created_table_keys_text_exactly_and_keeps_time_to_the_microsecond(
        warehouse: SqlConnector) -> None:
    sink = warehouse.sink("contacts", {"key": ["id"], "create": True})
    at = datetime(2025, 3, 1, 9, 30, 15, 123456, tzinfo=timezone(timedelta(hours=2)))
    first = await sink.write([{"id": "abc", "at": at, "score": 0.1},
                              {"id": "ABC", "at": at, "score": 2.5}], WriteMode.UPSERT)
    # a case-blind key would have made "ABC" an update of "abc"
    assert [(r.outcome, r.created) for r in first] == [(Outcome.WRITTEN, True)] * 2
    again = await sink.write([{"id": "ABC", "at": at, "score": 3.5}], WriteMode.UPSERT)
    assert [(r.outcome, r.created) for r in again] == [(Outcome.WRITTEN, False)]
    utc = at.astimezone(UTC).replace(tzinfo=None)  # DATETIME has no zone: stored as UTC
    assert stored(warehouse, "contacts") == {"abc": (utc, 0.1), "ABC": (utc, 3.5)}


async def test_every_write_mode_and_mirror_deletes(warehouse: SqlConnector) -> None:
    sink = warehouse.sink("people", {"key": ["id"], "create": True})
    await sink.write([{"id": "1", "name": "one"}, {"id": "2", "name": "two"}], WriteMode.UPSERT)
    update = await sink.write([{"id": "1", "name": "uno"}, {"id": "3", "name": "tres"}],
                              WriteMode.UPDATE)
    assert [r.outcome for r in update] == [Outcome.WRITTEN, Outcome.FILTERED]
    create = await sink.write([{"id": "2", "name": "dos"}, {"id": "4", "name": "cuatro"}],
                              WriteMode.CREATE)
    assert [(r.outcome, r.created) for r in create] == [(Outcome.FILTERED, False),
                                                        (Outcome.WRITTEN, True)]
    await sink.delete([("2",)])
    assert stored(warehouse, "people") == {"1": ("uno",), "4": ("cuatro",)}
    # a later record brings a column: the created table grows it
    await sink.write([{"id": "5", "name": "cinco", "email": "e@example.com"}], WriteMode.UPSERT)
    assert stored(warehouse, "people")["5"] == ("cinco", "e@example.com")
