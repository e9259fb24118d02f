"""Rows whose cursor is NULL, on SQLite (NULLs sort first) and PostgreSQL (NULLs sort last).

A keyset comparison `(cursor, pk) > (…)` is NULL for a NULL cursor, so such rows used to be
read on a first run only, and a page that ended on one stopped the read there.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from connectors.sql.settings import SqlSettings
from hub.errors import ConfigError

T0 = datetime(2025, 1, 1)
NULL_IDS = ["c02", "c05", "c06", "c07", "c11"]
DATED_IDS = ["c01", "c03", "c04", "c08", "c09", "c10", "c12"]


def updated_at(number: int) -> datetime | None:
    """Two dated rows share each timestamp, so cursor pages end inside ties too."""
    return None if f"c{number:02d}" in NULL_IDS else T0 + timedelta(minutes=number // 3)


@pytest.fixture
def db(sql_url: str) -> Iterator[SqlConnector]:
    connector = SqlConnector(SqlSettings(url=sql_url))
    with connector.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE customers (id VARCHAR(10) PRIMARY KEY, "
                             "email VARCHAR(100), updated_at TIMESTAMP)"))
        conn.execute(sa.text("INSERT INTO customers VALUES (:i, :e, :u)"), [
            {"i": f"c{n:02d}", "e": f"p{n}@example.com", "u": updated_at(n)}
            for n in range(1, 13)])
    yield connector
    connector.engine.dispose()


def stream(db: SqlConnector, page_size: int = 2, **options: Any) -> Any:
    return db.stream("customers", {"cursor": "updated_at", "primary_key": ["id"],
                                   "page_size": page_size, **options})


async def read_all(source: Any, after: Any = None) -> list[dict[str, Any]]:
    return [r async for page in source.read(after) for r in page]


def insert(db: SqlConnector, key: str, when: datetime | None) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("INSERT INTO customers VALUES (:i, 'new@example.com', :u)"),
                     {"i": key, "u": when})


@pytest.mark.parametrize("page_size", [1, 2, 3, 5, 50])
async def test_first_run_reads_null_rows_by_key_then_the_rest_by_cursor(
        db: SqlConnector, page_size: int) -> None:
    rows = await read_all(stream(db, page_size))
    assert [r["id"] for r in rows] == NULL_IDS + DATED_IDS


async def test_a_row_inserted_later_with_a_null_cursor_is_read_on_the_next_run(
        db: SqlConnector) -> None:
    source = stream(db)
    first = await read_all(source)
    insert(db, "c99", None)
    insert(db, "c98", T0 + timedelta(days=1))
    again = await read_all(source, source.checkpoint(first[-1]))
    # every NULL row again (the engine's diff skips the unchanged ones), then what is new
    assert [r["id"] for r in again] == [*NULL_IDS, "c99", "c98"]


@pytest.mark.parametrize("stop_after", range(1, len(NULL_IDS)))
async def test_a_run_stopped_inside_the_null_pass_resumes_where_it_was(
        db: SqlConnector, stop_after: int) -> None:
    source = stream(db)
    first = await read_all(source)
    insert(db, "c98", T0 + timedelta(days=1))
    second = await read_all(source, source.checkpoint(first[-1]))
    # the second run is killed after the page that ended on its `stop_after`-th NULL row
    checkpoint = source.checkpoint(second[stop_after - 1])
    assert set(checkpoint) == {"nulls", "position"}
    rest = await read_all(source, checkpoint)
    assert [r["id"] for r in rest] == [*NULL_IDS[stop_after:], "c98"]


async def test_the_last_page_of_the_null_pass_has_the_next_run_read_them_all_again(
        db: SqlConnector) -> None:
    # a source whose rows are all NULL ends its run inside the NULL pass: the checkpoint it
    # leaves must not skip a NULL row inserted later with a smaller key
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM customers WHERE updated_at IS NOT NULL"))
    source = stream(db)
    first = await read_all(source)
    assert source.checkpoint(first[-1]) == {"position": None}
    insert(db, "c00", None)
    again = await read_all(source, source.checkpoint(first[-1]))
    assert [r["id"] for r in again] == ["c00", *NULL_IDS]


async def test_a_null_pass_resumed_after_its_last_row_starts_over(db: SqlConnector) -> None:
    # the rows after the key were deleted before the resume: read from the start, so that the
    # checkpoint moves off that key and no NULL row before it waits for ever
    insert(db, "c00", None)
    rows = await read_all(stream(db), {"nulls": ["c99"], "position": None})
    assert [r["id"] for r in rows] == ["c00", *NULL_IDS, *DATED_IDS]


async def test_a_first_run_stopped_inside_the_null_pass_then_reads_every_dated_row(
        db: SqlConnector) -> None:
    source = stream(db)
    first = await read_all(source)
    rest = await read_all(source, source.checkpoint(first[1]))
    assert [r["id"] for r in rest] == NULL_IDS[2:] + DATED_IDS


async def test_a_checkpoint_after_the_null_pass_holds_the_position_only(db: SqlConnector) -> None:
    source = stream(db)
    rows = await read_all(source)
    assert set(source.checkpoint(rows[len(NULL_IDS)])) == {"position"}


@pytest.mark.parametrize("stop_after", range(1, len(DATED_IDS) + 1))
async def test_an_older_position_checkpoint_still_resumes_exactly(
        db: SqlConnector, stop_after: int) -> None:
    source = stream(db)
    rows = await read_all(source)
    # a checkpoint taken in the cursor pass has the form older versions stored
    old = source.checkpoint(rows[len(NULL_IDS) + stop_after - 1])
    rest = await read_all(source, {"position": old["position"]})
    assert [r["id"] for r in rest] == NULL_IDS + DATED_IDS[stop_after:]


async def test_an_older_checkpoint_that_ended_on_a_null_row_loses_nothing(
        db: SqlConnector) -> None:
    # older versions stored the NULL itself when a page ended on such a row
    rows = await read_all(stream(db), {"position": [None, "c05"]})
    assert [r["id"] for r in rows] == ["c06", "c07", "c11", *DATED_IDS]


async def test_refuse_names_the_stream_the_column_and_the_count(db: SqlConnector) -> None:
    with pytest.raises(ConfigError) as refused:
        await read_all(stream(db, null_cursor="refuse"))
    message = str(refused.value)
    assert "'customers'" in message
    assert "'updated_at'" in message
    assert f"{len(NULL_IDS)} row(s)" in message


async def test_refuse_reads_normally_when_no_cursor_is_null(db: SqlConnector) -> None:
    with db.engine.begin() as conn:
        conn.execute(sa.text("DELETE FROM customers WHERE updated_at IS NULL"))
    rows = await read_all(stream(db, null_cursor="refuse"))
    assert [r["id"] for r in rows] == DATED_IDS


async def test_a_query_stream_reads_its_null_rows_too(db: SqlConnector) -> None:
    source = db.stream("recent", {"query": "SELECT id, updated_at FROM customers",
                                  "cursor": "updated_at", "primary_key": ["id"],
                                  "page_size": 2})
    first = await read_all(source)
    assert [r["id"] for r in first] == NULL_IDS + DATED_IDS
    insert(db, "c99", None)
    again = await read_all(source, source.checkpoint(first[-1]))
    assert [r["id"] for r in again] == [*NULL_IDS, "c99"]


def test_an_unknown_null_cursor_choice_is_refused(db: SqlConnector) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="null_cursor"):
        stream(db, null_cursor="skip")
