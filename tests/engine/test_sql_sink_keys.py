"""The sql sink finds existing rows whatever type the mapping gave their keys.

Canonical ids are text; a destination's id column is often an integer (or the other way
round). Compared in the wrong type, SQLite finds no row, so an existing row looks new (update
mode skipped it, create mode reported it written, and mirror would have counted it as the
hub's to delete), and PostgreSQL refuses the comparison outright.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from connectors.sql.settings import SqlSettings
from hub.connector import Outcome, WriteMode


@pytest.fixture
def db(store_url: str) -> Iterator[SqlConnector]:
    connector = SqlConnector(SqlSettings(url=store_url))
    with connector.engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE numbered (id INTEGER PRIMARY KEY, name TEXT)"))
        conn.execute(sa.text("INSERT INTO numbered VALUES (1, 'one')"))
        conn.execute(sa.text("CREATE TABLE named (code VARCHAR(20) PRIMARY KEY, name TEXT)"))
        conn.execute(sa.text("INSERT INTO named VALUES ('1', 'one')"))
    yield connector
    connector.engine.dispose()


def rows(db: SqlConnector, table: str) -> list[tuple[object, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))]


@pytest.mark.parametrize(("table", "key", "given"), [
    ("numbered", "id", ["1", "2"]),  # text ids for an integer column
    ("named", "code", [1, 2]),  # integer ids for a text column
])
@pytest.mark.parametrize(("mode", "expected"), [
    (WriteMode.UPSERT, [(Outcome.WRITTEN, False), (Outcome.WRITTEN, True)]),
    (WriteMode.UPDATE, [(Outcome.WRITTEN, False), (Outcome.FILTERED, False)]),
    (WriteMode.CREATE, [(Outcome.FILTERED, False), (Outcome.WRITTEN, True)]),
])
async def test_existing_rows_are_found_across_key_types(
        db: SqlConnector, table: str, key: str, given: list[object], mode: WriteMode,
        expected: list[tuple[Outcome, bool]]) -> None:
    sink = db.sink(table, {"key": [key]})
    results = await sink.write([{key: given[0], "name": "uno"}, {key: given[1], "name": "dos"}],
                               mode)
    assert [(r.outcome, r.created) for r in results] == expected
    stored = {str(k): name for k, name in rows(db, table)}
    assert stored["1"] == ("one" if mode is WriteMode.CREATE else "uno")
    assert ("2" in stored) is (mode is not WriteMode.UPDATE)


async def test_a_key_that_cannot_be_its_columns_type_fails_alone(db: SqlConnector) -> None:
    sink = db.sink("numbered", {"key": ["id"]})
    results = await sink.write([{"id": "3", "name": "three"}, {"id": "x7", "name": "bad"},
                                {"id": "007", "name": "padded"}], WriteMode.UPSERT)
    assert results[0].outcome is Outcome.WRITTEN
    assert results[1].outcome is Outcome.FAILED  # never a crash of the whole batch
    assert results[1].error
    assert (3, "three") in rows(db, "numbered")
    assert all(name != "bad" for _, name in rows(db, "numbered"))


async def test_mirror_deletes_by_text_keys_from_an_integer_column(db: SqlConnector) -> None:
    sink = db.sink("numbered", {"key": ["id"]})
    await sink.write([{"id": "2", "name": "two"}], WriteMode.UPSERT)
    results = await sink.delete([("2",)])
    assert [r.outcome for r in results] == [Outcome.WRITTEN]
    assert rows(db, "numbered") == [(1, "one")]
