"""The sql connector on SQLite and PostgreSQL: exact keyset paging, every write mode, and
one bad row failing alone."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from connectors.sql.settings import SqlSettings
from hub.connector import Outcome, WriteMode

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.fixture
def db(sql_url: str) -> Iterator[SqlConnector]:
    connector = SqlConnector(SqlSettings(url=sql_url))
    with connector.engine.begin() as conn:
        conn.execute(sa.text(
            "CREATE TABLE people (id INTEGER PRIMARY KEY, email VARCHAR(100) NOT NULL, "
            "updated_at TIMESTAMP)"))
        # three rows share each timestamp: ties at every page boundary
        conn.execute(sa.text("INSERT INTO people VALUES (:i, :e, :u)"), [
            {"i": i, "e": f"p{i}@example.com", "u": (T0 + timedelta(minutes=i // 3)).replace(
                tzinfo=None)} for i in range(1, 21)])
    yield connector
    connector.engine.dispose()


async def read_all(stream: Any, after: Any = None) -> list[dict[str, Any]]:
    return [r async for page in stream.read(after) for r in page]


@pytest.mark.parametrize("page_size", [1, 2, 3, 4, 7, 50])
async def test_pages_cover_every_row_once_in_cursor_order(db: SqlConnector, page_size: int) -> None:
    stream = db.stream("people", {"cursor": "updated_at", "primary_key": ["id"],
                                  "page_size": page_size})
    rows = await read_all(stream)
    assert [r["id"] for r in rows] == list(range(1, 21))


@pytest.mark.parametrize("stop_after", range(1, 20))
async def test_resume_after_any_row_loses_and_repeats_nothing(db: SqlConnector,
                                                              stop_after: int) -> None:
    stream = db.stream("people", {"cursor": "updated_at", "primary_key": ["id"], "page_size": 4})
    rows = await read_all(stream)
    checkpoint = stream.checkpoint(rows[stop_after - 1])
    rest = await read_all(stream, checkpoint)
    assert [r["id"] for r in rest] == list(range(stop_after + 1, 21))


async def test_rows_changed_after_the_checkpoint_are_read_again(db: SqlConnector) -> None:
    stream = db.stream("people", {"cursor": "updated_at", "primary_key": ["id"]})
    rows = await read_all(stream)
    checkpoint = stream.checkpoint(rows[-1])
    with db.engine.begin() as conn:
        conn.execute(sa.text("UPDATE people SET email = 'new@example.com', updated_at = :u "
                             "WHERE id = 2"), {"u": (T0 + timedelta(days=1)).replace(tzinfo=None)})
    changed = await read_all(stream, checkpoint)
    assert [(r["id"], r["email"]) for r in changed] == [(2, "new@example.com")]


async def test_query_stream(db: SqlConnector) -> None:
    stream = db.stream("recent", {"query": "SELECT id, email FROM people WHERE id > 15",
                                  "primary_key": ["id"], "page_size": 2})
    assert [r["id"] for r in await read_all(stream)] == [16, 17, 18, 19, 20]


def _target(db: SqlConnector) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE target (id INTEGER PRIMARY KEY, "
                             "email VARCHAR(100) NOT NULL, score INTEGER)"))
        conn.execute(sa.text("INSERT INTO target VALUES (1, 'a@example.com', 1)"))


def _rows(db: SqlConnector) -> dict[int, tuple[str, int]]:
    with db.engine.connect() as conn:
        return {r.id: (r.email, r.score) for r in conn.execute(sa.text("SELECT * FROM target"))}


async def test_upsert_creates_and_updates_and_says_which(db: SqlConnector) -> None:
    _target(db)
    sink = db.sink("target", {"key": ["id"]})
    results = await sink.write([{"id": 1, "email": "a2@example.com", "score": 5},
                                {"id": 2, "email": "b@example.com", "score": 7}], WriteMode.UPSERT)
    assert [(r.outcome, r.created) for r in results] == [(Outcome.WRITTEN, False),
                                                         (Outcome.WRITTEN, True)]
    assert _rows(db) == {1: ("a2@example.com", 5), 2: ("b@example.com", 7)}


async def test_update_mode_touches_existing_rows_only(db: SqlConnector) -> None:
    _target(db)
    sink = db.sink("target", {"key": ["id"]})
    results = await sink.write([{"id": 1, "email": "u@example.com", "score": 2},
                                {"id": 9, "email": "x@example.com", "score": 3}], WriteMode.UPDATE)
    assert [r.outcome for r in results] == [Outcome.WRITTEN, Outcome.FILTERED]
    assert _rows(db) == {1: ("u@example.com", 2)}


async def test_create_mode_never_overwrites(db: SqlConnector) -> None:
    _target(db)
    sink = db.sink("target", {"key": ["id"]})
    results = await sink.write([{"id": 1, "email": "u@example.com", "score": 2},
                                {"id": 3, "email": "c@example.com", "score": 3}], WriteMode.CREATE)
    assert [(r.outcome, r.created) for r in results] == [(Outcome.FILTERED, False),
                                                         (Outcome.WRITTEN, True)]
    assert _rows(db) == {1: ("a@example.com", 1), 3: ("c@example.com", 3)}


async def test_one_bad_row_fails_alone(db: SqlConnector) -> None:
    _target(db)
    sink = db.sink("target", {"key": ["id"]})
    batch = [{"id": i, "email": None if i == 5 else f"r{i}@example.com", "score": i}
             for i in range(2, 9)]
    results = await sink.write(batch, WriteMode.UPSERT)
    failed = [b["id"] for b, r in zip(batch, results, strict=True) if r.outcome is Outcome.FAILED]
    assert failed == [5]
    assert results[3].error is not None
    assert "null" in results[3].error.lower()
    assert set(_rows(db)) == {1, 2, 3, 4, 6, 7, 8}


async def test_sink_creates_its_table_when_asked(db: SqlConnector) -> None:
    sink = db.sink("fresh", {"key": ["id"], "create": True})
    await sink.write([{"id": 1, "name": "x", "at": T0, "n": 1.5}], WriteMode.UPSERT)
    with db.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT name FROM fresh WHERE id = 1")).scalar_one() == "x"


async def test_missing_table_is_a_config_error(db: SqlConnector) -> None:
    from hub.errors import ConfigError

    with pytest.raises(ConfigError, match="the table does not exist"):
        await db.sink("nope", {"key": ["id"]}).write([{"id": 1}], WriteMode.UPSERT)


async def test_delete_removes_by_key(db: SqlConnector) -> None:
    _target(db)
    sink = db.sink("target", {"key": ["id"]})
    await sink.delete([(1,)])
    assert _rows(db) == {}


async def test_check_reports_a_bad_server_in_words() -> None:
    broken = SqlConnector(SqlSettings(url="postgresql+psycopg://nobody@127.0.0.1:1/none"))
    result = await broken.check()
    assert not result.ok
    assert result.message.startswith("cannot connect:")
    assert "Check the URL" in result.message


async def test_check_ok(db: SqlConnector) -> None:
    result = await db.check()
    assert result.ok
    assert result.details["tables"] >= 1
