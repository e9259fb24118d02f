"""What differs between the databases the sink writes to: insert-or-update syntax, the
column types a created table gets, and the values a driver cannot take as they are."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import mysql, postgresql, sqlite

from hub.connector import Record
from hub.errors import ConfigError

MYSQL = ("mysql", "mariadb")
WRITABLE = ("sqlite", "postgresql", *MYSQL)


def require_writable(url: str, sink: str) -> None:
    """Refuse, before anything runs, a destination whose upsert syntax the sink cannot write."""
    backend = sa.make_url(url).get_backend_name()
    if backend not in WRITABLE:
        raise ConfigError(f"sink {sink!r}: the sql connector writes to SQLite, PostgreSQL, "
                          f"MySQL and MariaDB only, not to {backend!r} (it can still read it)")


def upsert(conn: sa.Connection, table: sa.Table, rows: Sequence[Record], key: Sequence[str],
           *, update: Sequence[str] | None = None) -> None:
    """Insert `rows`; where a row with the same `key` exists, overwrite its `update` columns
    (default: every column the rows carry; none: keep the existing row as it is)."""
    if not rows:
        return
    columns = list(update) if update is not None else [c for c in rows[0] if c not in key]
    stmt: Any
    if conn.dialect.name in MYSQL:
        # MySQL has no conflict target: any unique key of the table triggers the update
        insert = mysql.insert(table)
        stmt = insert.on_duplicate_key_update(
            {c: insert.inserted[c] for c in columns} if columns
            else {k: table.c[k] for k in key})  # `id = id`: leaves the row as it is
    else:
        dialect = {"postgresql": postgresql, "sqlite": sqlite}[conn.dialect.name]
        insert = dialect.insert(table)
        stmt = (insert.on_conflict_do_update(
                    index_elements=list(key), set_={c: insert.excluded[c] for c in columns})
                if columns else insert.on_conflict_do_nothing(index_elements=list(key)))
    conn.execute(stmt, list(rows))


def column_type(value: Any, *, key: bool = False) -> sa.types.TypeEngine[Any]:
    """The type of a column created for `value` (None: text, until a value says more)."""
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, int):
        return sa.BigInteger()
    if isinstance(value, float):
        return sa.Double()  # MySQL's FLOAT is single precision
    if isinstance(value, Decimal):
        return sa.Numeric(18, 4)
    if isinstance(value, datetime):  # MySQL's DATETIME drops fractions of a second
        return sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), *MYSQL)
    if isinstance(value, date):
        return sa.Date()
    if isinstance(value, dict | list):
        return sa.JSON()
    if key:  # MySQL indexes no TEXT without a length, and compares text ignoring case
        return sa.Text().with_variant(
            mysql.VARCHAR(255, charset="utf8mb4", collation="utf8mb4_bin"), *MYSQL)
    return sa.Text()


TABLE_OPTIONS: dict[str, Any] = {"mysql_charset": "utf8mb4", "mariadb_charset": "utf8mb4"}


def driver_values(dialect: sa.Dialect, records: list[Record]) -> list[Record]:
    """Records a driver can store without losing meaning. MySQL's DATETIME has no time zone
    and its driver drops the offset of an aware datetime, keeping its wall-clock time: such
    values go as UTC."""
    if dialect.name not in MYSQL:
        return records
    return [{k: _utc(v) if isinstance(v, datetime) and v.tzinfo else v for k, v in r.items()}
            for r in records]


def _utc(value: datetime) -> datetime:
    return value.astimezone(UTC).replace(tzinfo=None)
