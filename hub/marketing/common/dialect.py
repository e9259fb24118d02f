"""SQL that SQLite and PostgreSQL spell differently, in one place for every marketing service.

Expressions, compiled per dialect:

- `HashBucket(text)`: the first 32 bits of md5(text) modulo 100. PostgreSQL has md5();
  SQLite gets the same function registered on the connection (`prepare_connection`).
- `Contains(haystack, needle)`: case-sensitive substring test (LIKE is case-insensitive in
  SQLite and treats % and _ as wildcards).
- `JsonProperty(column, key, kind)`: a JSON property's value when it has the given kind
  (string, number, bool as 1/0, or `any` as 1), NULL otherwise. The CASE guards the
  cast, which PostgreSQL would otherwise apply to values of other kinds and fail.
- `EpochSeconds(timestamp)`: whole seconds since 1970, the fraction dropped (the SQL twin of
  `clock.epoch_seconds`, so whole days count the same in both).
- `Unindexed(column)`: the column, kept out of SQLite's index choice (`+column`), where a
  table scan beats walking an index with a row lookup per entry.
- `cents_of(amount)`: an amount in whole cents.

Statements:

- `insert_or_ignore`: INSERT … ON CONFLICT DO NOTHING, saying whether the row went in.
- `lock_rows`: serialise a transaction against others that lock the same rows.
"""

from __future__ import annotations

import hashlib
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

SQLITE_BUCKET = "hub_bucket"


def _sqlite_bucket(text: str | None) -> int | None:
    if text is None:
        return None
    digest = hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()
    return int(digest[:8], 16) % 100


PG_WORK_MEM = "256MB"  # per sort or hash: whole-tenant aggregates stay in memory


def prepare_connection(conn: sa.Connection) -> None:
    """Ready a connection for segment and RFM queries (idempotent, cheap).

    SQLite: register the functions it lacks. PostgreSQL: raise work_mem for the current
    transaction only, so that grouping a tenant's orders is one in-memory hash, not a sort
    spilled to disk (the server's default is sized for many small queries).
    """
    if conn.dialect.name == "sqlite":
        raw: Any = conn.connection.driver_connection
        raw.create_function(SQLITE_BUCKET, 1, _sqlite_bucket, deterministic=True)
    elif conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL work_mem = '{PG_WORK_MEM}'")


class HashBucket(FunctionElement[int]):
    type = sa.Integer()
    inherit_cache = True
    name = "hash_bucket"


@compiles(HashBucket, "postgresql")
def _bucket_pg(element: HashBucket, compiler: SQLCompiler, **kw: Any) -> str:
    text = compiler.process(element.clauses, **kw)
    return f"mod(('x' || substr(md5({text}), 1, 8))::bit(32)::bigint, 100)"


@compiles(HashBucket, "sqlite")
def _bucket_sqlite(element: HashBucket, compiler: SQLCompiler, **kw: Any) -> str:
    return f"{SQLITE_BUCKET}({compiler.process(element.clauses, **kw)})"


class Contains(FunctionElement[bool]):
    type = sa.Boolean()
    inherit_cache = True
    name = "contains_text"


@compiles(Contains, "postgresql")
def _contains_pg(element: Contains, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"(strpos({haystack}, {needle}) > 0)"


@compiles(Contains, "sqlite")
def _contains_sqlite(element: Contains, compiler: SQLCompiler, **kw: Any) -> str:
    haystack, needle = (compiler.process(c, **kw) for c in element.clauses)
    return f"(instr({haystack}, {needle}) > 0)"


class JsonProperty(FunctionElement[Any]):
    inherit_cache = False  # the key and kind are part of the SQL text
    name = "json_property"

    def __init__(self, column: sa.ColumnElement[Any], key: str, kind: str) -> None:
        if not key.replace("_", "").isalnum() or not key.isascii():
            raise ValueError(f"property name {key!r} is not a plain identifier")
        self.key, self.kind = key, kind
        self.type = sa.Float() if kind == "number" else (
            sa.String() if kind == "string" else sa.Integer())
        super().__init__(column)


_SQLITE_KINDS = {"string": "= 'text'", "number": "IN ('integer', 'real')",
                 "bool": "IN ('true', 'false')", "any": "NOT IN ('null')"}
_PG_KINDS = {"string": "= 'string'", "number": "= 'number'", "bool": "= 'boolean'",
             "any": "<> 'null'"}


@compiles(JsonProperty, "sqlite")
def _json_sqlite(element: JsonProperty, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    path = f"'$.{element.key}'"
    kind = f"json_type({column}, {path})"
    value = {"string": f"json_extract({column}, {path})",
             "number": f"json_extract({column}, {path})",
             "bool": f"(CASE {kind} WHEN 'true' THEN 1 ELSE 0 END)", "any": "1"}[element.kind]
    return f"(CASE WHEN {kind} {_SQLITE_KINDS[element.kind]} THEN {value} END)"


@compiles(JsonProperty, "postgresql")
def _json_pg(element: JsonProperty, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    text = f"({column} ->> '{element.key}')"
    kind = f"jsonb_typeof({column} -> '{element.key}')"
    value = {"string": text, "number": f"CAST({text} AS DOUBLE PRECISION)",
             "bool": f"(CASE WHEN {text} = 'true' THEN 1 ELSE 0 END)", "any": "1"}[element.kind]
    return f"(CASE WHEN {kind} {_PG_KINDS[element.kind]} THEN {value} END)"


class EpochSeconds(FunctionElement[int]):
    type = sa.BigInteger()
    inherit_cache = True
    name = "epoch_seconds"


@compiles(EpochSeconds, "postgresql")
def _epoch_pg(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    return f"CAST(floor(extract(epoch from {compiler.process(element.clauses, **kw)})) AS BIGINT)"


@compiles(EpochSeconds, "sqlite")
def _epoch_sqlite(element: EpochSeconds, compiler: SQLCompiler, **kw: Any) -> str:
    # stored as 'YYYY-MM-DD HH:MM:SS.ffffff': cutting the fraction truncates exactly, where
    # strftime would round it to milliseconds first
    value = compiler.process(element.clauses, **kw)
    return f"CAST(strftime('%s', substr({value}, 1, 19)) AS INTEGER)"


class Unindexed(FunctionElement[Any]):
    inherit_cache = True
    name = "unindexed"

    def __init__(self, column: sa.ColumnElement[Any]) -> None:
        self.type = column.type
        super().__init__(column)


@compiles(Unindexed, "sqlite")
def _unindexed_sqlite(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's documented idiom: a unary + disqualifies the term from driving an index
    return f"+{compiler.process(element.clauses, **kw)}"


@compiles(Unindexed)
def _unindexed_other(element: Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    return str(compiler.process(element.clauses, **kw))


def cents_of(amount: sa.ColumnElement[Any]) -> sa.ColumnElement[int]:
    """An amount in whole cents; both databases round half away from zero."""
    return sa.cast(sa.func.round(amount * 100), sa.BigInteger)


def insert_or_ignore(conn: sa.Connection, table: sa.Table, values: dict[str, Any],
                     key: str) -> bool:
    """Insert a row unless one with the same `key` exists; True when this call inserted it.

    ON CONFLICT DO NOTHING (both backends) makes the key the arbiter between concurrent
    writers: exactly one insert counts.
    """
    insert: Any = (postgresql.insert(table) if conn.dialect.name == "postgresql"
                   else sqlite.insert(table))
    inserted = conn.execute(insert.values(**values).on_conflict_do_nothing(
        index_elements=[key]).returning(table.c[key])).first()
    return inserted is not None


def lock_rows(conn: sa.Connection, rows: sa.Select[Any]) -> None:
    """Serialise this transaction against every other one that locks the same rows.

    PostgreSQL: SELECT … FOR UPDATE (give `rows` an ORDER BY so that lockers never deadlock);
    a second locker waits for the first to commit, then reads its result. SQLite has no row
    locks: the transaction takes the database's write lock up front (BEGIN IMMEDIATE), which
    serialises writers the same way; readers are not blocked (WAL).
    """
    if conn.dialect.name != "sqlite":
        conn.execute(rows.with_for_update())
        return
    dbapi = conn.connection.dbapi_connection
    # the sqlite3 driver opens its transaction lazily, at the first write; open it now, as a
    # writer, so the reads that decide the write are already under the write lock
    if dbapi is not None and not getattr(dbapi, "in_transaction", True):
        conn.exec_driver_sql("BEGIN IMMEDIATE")
