"""The connector's own engines: a SQLite source is read without being changed, a lock held
past the busy timeout is one clear error naming the connection, and a destination whose
upsert the sink cannot write is refused before anything runs."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from connectors.sql.database import DatabaseLockedError
from connectors.sql.settings import SqlSettings
from hub.connector import Outcome, WriteMode
from hub.errors import ConfigError
from tests.engine.hubproject import customer, make_project

LOCK_WAIT = 0.05  # seconds: the lock below is held until the test lets go, whatever the wait


@pytest.fixture
def source(tmp_path: Path) -> Path:
    """A SQLite file as another application keeps it: the default rollback journal."""
    file = tmp_path / "shop.db"
    with sqlite3.connect(file) as conn:
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, email TEXT)")
        conn.executemany("INSERT INTO people VALUES (?, ?)",
                         [(i, f"p{i}@example.com") for i in range(1, 6)])
    conn.close()
    return file


@pytest.fixture
def shop(source: Path) -> Iterator[SqlConnector]:
    connector = SqlConnector(SqlSettings(url=f"sqlite:///{source}", busy_timeout=LOCK_WAIT),
                             name="shop")
    yield connector
    connector.engine.dispose()


def locked(file: Path, how: str) -> sqlite3.Connection:
    """Another process's connection holding `file` in a transaction begun `how`."""
    conn = sqlite3.connect(file, isolation_level=None)
    conn.execute(f"BEGIN {how}")
    conn.execute("UPDATE people SET email = 'busy@example.com' WHERE id = 1")
    return conn


def journal_mode(file: Path) -> str:
    conn = sqlite3.connect(file)
    try:
        return str(conn.execute("PRAGMA journal_mode").fetchone()[0])
    finally:
        conn.close()


async def read_ids(connector: SqlConnector) -> list[int]:
    stream = connector.stream("people", {"primary_key": ["id"]})
    return [r["id"] async for page in stream.read(None) for r in page]


async def test_reading_a_sqlite_source_leaves_its_journal_mode_alone(
        source: Path, shop: SqlConnector) -> None:
    assert await read_ids(shop) == [1, 2, 3, 4, 5]
    shop.engine.dispose()
    assert journal_mode(source) == "delete"
    assert not source.with_name("shop.db-wal").exists()


async def test_a_source_another_process_is_writing_can_still_be_read(
        source: Path, shop: SqlConnector) -> None:
    writer = locked(source, "IMMEDIATE")  # a write lock: readers may go on, in this journal
    try:
        assert await read_ids(shop) == [1, 2, 3, 4, 5]
    finally:
        writer.rollback()
        writer.close()


async def test_a_source_locked_past_the_busy_timeout_is_one_clear_error(
        source: Path, shop: SqlConnector) -> None:
    holder = locked(source, "EXCLUSIVE")  # readers too must wait, longer than they will
    try:
        with pytest.raises(DatabaseLockedError) as error:
            await read_ids(shop)
    finally:
        holder.rollback()
        holder.close()
    assert str(error.value) == (
        "connection 'shop': the database stayed locked by another process for longer than "
        f"{LOCK_WAIT:g} s (the connection's busy_timeout); run again once it is free")


async def test_a_locked_destination_stops_the_write_instead_of_failing_each_row(
        source: Path, shop: SqlConnector) -> None:
    holder = locked(source, "IMMEDIATE")
    try:
        with pytest.raises(DatabaseLockedError, match="connection 'shop'"):
            await shop.sink("people", {"key": ["id"]}).write(
                [{"id": 9, "email": "new@example.com"}], WriteMode.UPSERT)
    finally:
        holder.rollback()
        holder.close()
    results = await shop.sink("people", {"key": ["id"]}).write(
        [{"id": 9, "email": "new@example.com"}], WriteMode.UPSERT)
    assert [r.outcome for r in results] == [Outcome.WRITTEN]


def test_a_destination_without_a_known_upsert_is_refused_when_the_sink_is_built() -> None:
    connector = SqlConnector(SqlSettings(url="mssql+pyodbc://hub@127.0.0.1/hub"), name="erp")
    with pytest.raises(ConfigError, match=r"sink 'orders'.*not to 'mssql'"):
        connector.sink("orders", {"key": ["id"]})


def test_the_busy_timeout_is_a_setting() -> None:
    assert SqlSettings(url="sqlite://").busy_timeout == 30
    with pytest.raises(ValueError, match="busy_timeout"):
        SqlSettings(url="sqlite://", busy_timeout=0)


def test_a_relative_sqlite_file_lives_beside_hub_yaml(tmp_path: Path) -> None:
    settings = SqlSettings.model_validate({"url": "sqlite:///data/shop.db"},
                                          context={"base_dir": str(tmp_path)})
    assert sa.make_url(settings.url.get_secret_value()).database == str(
        tmp_path / "data" / "shop.db")


def test_hub_sync_on_a_locked_source_says_so_in_one_line(tmp_path: Path) -> None:
    project = make_project(tmp_path, "sqlite")
    project.create_shop([customer(i) for i in range(1, 11)])
    project.write_config(connections={"shop": {"connector": "sql", "url": project.shop_url,
                                               "busy_timeout": LOCK_WAIT}})
    holder = sqlite3.connect(tmp_path / "shop.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        done = project.hub_process("sync", "customers")
    finally:
        holder.rollback()
        holder.close()
    assert done.returncode == 1
    assert done.stderr.strip().splitlines() == [
        "error: connection 'shop': the database stayed locked by another process for longer "
        f"than {LOCK_WAIT:g} s (the connection's busy_timeout); run again once it is free"]
    assert project.hub("sync", "customers") == 0  # once it is free, the same run goes through
    assert len(project.destination()) == 10


async def test_a_sqlite_destination_enforces_its_foreign_keys(tmp_path: Path) -> None:
    file = tmp_path / "crm.db"
    with sqlite3.connect(file) as conn:
        conn.execute("CREATE TABLE companies (id INTEGER PRIMARY KEY)")
        conn.execute("CREATE TABLE people (id INTEGER PRIMARY KEY, "
                     "company_id INTEGER REFERENCES companies (id))")
        conn.execute("INSERT INTO companies VALUES (1)")
    conn.close()
    crm = SqlConnector(SqlSettings(url=f"sqlite:///{file}"), name="crm")
    results = await crm.sink("people", {"key": ["id"]}).write(
        [{"id": 1, "company_id": 1}, {"id": 2, "company_id": 7}], WriteMode.UPSERT)
    crm.engine.dispose()
    assert [r.outcome for r in results] == [Outcome.WRITTEN, Outcome.FAILED]
    assert "FOREIGN KEY" in (results[1].error or "")
