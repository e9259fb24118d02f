"""Writes records into a table by key, in every write mode, one result per record.

A batch is written in one statement inside a savepoint; if the database refuses it, the
batch is retried row by row so that one bad row fails alone and the others are written.

Key values are brought to their column's type first when that loses nothing (the string
"42" for an integer column, the number 42 for a text one): mappings often give ids as
text, and a key compared in the wrong type finds no row on SQLite (so an existing row
looked new) and is an error on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Sequence
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from connectors.sql.dialects import TABLE_OPTIONS, column_type, driver_values, upsert
from connectors.sql.settings import TableSinkOptions
from connectors.sql.verify import verify_sink
from hub.connector import Record, Sink, WriteMode, WriteResult
from hub.errors import ConfigError


class TableSink(Sink):
    modes: ClassVar[frozenset[WriteMode]] = frozenset(WriteMode)

    def __init__(self, engine: sa.Engine, name: str, options: TableSinkOptions, *,
                 tenant: str = "default", tenant_column: str | None = None) -> None:
        self.engine = engine
        self.name = name
        self.options = options
        self.tenant = tenant
        self.tenant_column = tenant_column
        self.batch_size = options.batch_size
        self._table: sa.Table | None = None
        self._lock = threading.Lock()

    async def verify(self) -> None:
        await verify_sink(self)

    def _resolve(self, rows: Sequence[Record]) -> sa.Table:
        """The table, reflected once; with `create`, made or widened to fit `rows`."""
        with self._lock:  # batches are written concurrently: one of them shapes the table
            if self._table is not None and not self._new_columns(self._table, rows):
                return self._table
            if not sa.inspect(self.engine).has_table(self.name):
                if not (self.options.create and rows):
                    raise ConfigError(f"sink {self.name!r}: the table does not exist "
                                      "(create it, or set `create: true`)")
                self._create(rows)
            table = sa.Table(self.name, sa.MetaData(), autoload_with=self.engine)
            if self.options.create and self._new_columns(table, rows):
                self._widen(table, rows)
                table = sa.Table(self.name, sa.MetaData(), autoload_with=self.engine)
            missing = [k for k in self.options.key if k not in table.c]
            if missing:
                raise ConfigError(f"sink {self.name!r}: key column(s) {missing} are not in "
                                  "the table")
            self._table = table
            return table

    def _column_types(self, rows: Sequence[Record]) -> dict[str, sa.types.TypeEngine[Any]]:
        """Each column any row carries, typed by its first non-null value."""
        types: dict[str, sa.types.TypeEngine[Any]] = {}
        for row in rows:
            for name, value in row.items():
                if name not in types or (value is not None and isinstance(types[name], sa.Text)):
                    types[name] = column_type(value, key=name in self.options.key)
        return types

    def _new_columns(self, table: sa.Table, rows: Sequence[Record]) -> list[str]:
        if not self.options.create:
            return []
        return [c for row in rows for c in row if c not in table.c]

    def _create(self, rows: Sequence[Record]) -> None:
        columns = [sa.Column(k, t, primary_key=k in self.options.key)
                   for k, t in self._column_types(rows).items()]
        table = sa.Table(self.name, sa.MetaData(), *columns, **TABLE_OPTIONS)
        table.create(self.engine, checkfirst=True)

    def _widen(self, table: sa.Table, rows: Sequence[Record]) -> None:
        """Add the columns new rows bring (created nullable: older rows have no value)."""
        dialect = self.engine.dialect
        with self.engine.begin() as conn:
            for name, type_ in self._column_types(rows).items():
                if name not in table.c:
                    quote = dialect.identifier_preparer.quote
                    conn.execute(sa.text(f"ALTER TABLE {quote(self.name)} ADD COLUMN "
                                         f"{quote(name)} {type_.compile(dialect=dialect)}"))

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        return await asyncio.to_thread(self._write, list(records), mode)

    def _write(self, records: list[Record], mode: WriteMode) -> list[WriteResult]:
        if not self.tenant_column:
            return self._write_rows(records, mode)
        return self._write_tenant_rows(records, mode, self.tenant_column)

    def _write_rows(self, records: list[Record], mode: WriteMode) -> list[WriteResult]:
        if not records:
            return []
        table = self._resolve(records)
        records = driver_values(self.engine.dialect,
                                _typed_keys(records, _key_types(table, self.options.key)))
        key_cols = [table.c[k] for k in self.options.key]
        keys = [tuple(r.get(k) for k in self.options.key) for r in records]
        with self.engine.begin() as conn:
            existing, unusable = self._existing_keys(conn, key_cols, keys)
            todo = [i for i, k in enumerate(keys)
                    if i not in unusable
                    and not ((mode is WriteMode.UPDATE and k not in existing)
                             or (mode is WriteMode.CREATE and k in existing))]
            results: list[WriteResult] = [
                WriteResult.skipped("not at the destination; update mode writes existing rows only")
                if mode is WriteMode.UPDATE else
                WriteResult.skipped("already at the destination; create mode adds new rows only")
            ] * len(records)
            for i, reason in unusable.items():
                results[i] = WriteResult.failed(f"key {keys[i]!r} cannot be looked up: {reason}")
            rows = [records[i] for i in todo]
            try:
                with conn.begin_nested():
                    self._apply(conn, table, rows, mode)
                outcomes: list[WriteResult | None] = [None] * len(rows)
            except sa.exc.DBAPIError:
                outcomes = [self._apply_one(conn, table, row, mode) for row in rows]
            for i, outcome in zip(todo, outcomes, strict=True):
                results[i] = outcome or WriteResult.ok(
                    "|".join(map(str, keys[i])), created=keys[i] not in existing)
        return results

    def _write_tenant_rows(self, records: list[Record], mode: WriteMode,
                           column: str) -> list[WriteResult]:
        """Stamp each row with this connection's tenant; a row of another tenant is refused."""
        results: list[WriteResult | None] = [None] * len(records)
        own: list[tuple[int, Record]] = []
        for i, record in enumerate(records):
            tenant = record.get(column)
            if tenant is None or tenant == self.tenant:
                own.append((i, {**record, column: self.tenant}))
            else:
                results[i] = WriteResult.failed(
                    f"row of tenant {tenant!r} refused: this connection serves {self.tenant!r}")
        written = self._write_rows([r for _, r in own], mode)
        for (i, _), result in zip(own, written, strict=True):
            results[i] = result
        return [r for r in results if r is not None]

    def _existing_keys(self, conn: sa.Connection, key_cols: list[sa.Column[Any]],
                       keys: list[tuple[Any, ...]]
                       ) -> tuple[set[tuple[Any, ...]], dict[int, str]]:
        """The keys already at the destination, and the rows whose key the database cannot
        even compare (a value of the wrong kind): those fail alone, the others go on."""
        try:
            with conn.begin_nested():
                return self._existing(conn, key_cols, keys), {}
        except sa.exc.DBAPIError:
            pass
        found: set[tuple[Any, ...]] = set()
        unusable: dict[int, str] = {}
        for i, key in enumerate(keys):
            try:
                with conn.begin_nested():
                    found |= self._existing(conn, key_cols, [key])
            except sa.exc.DBAPIError as exc:
                unusable[i] = _reason(exc)
        return found, unusable

    def _existing(self, conn: sa.Connection, key_cols: list[sa.Column[Any]],
                  keys: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        found: set[tuple[Any, ...]] = set()
        for i in range(0, len(keys), 500):
            chunk = keys[i:i + 500]
            where = (key_cols[0].in_([k[0] for k in chunk]) if len(key_cols) == 1
                     else sa.tuple_(*key_cols).in_(chunk))
            found.update(tuple(r) for r in conn.execute(sa.select(*key_cols).where(where)))
        return found

    def _apply(self, conn: sa.Connection, table: sa.Table, rows: list[Record],
               mode: WriteMode) -> None:
        """Write rows grouped by the columns they carry: a column a row leaves out (a null the
        mapping skips) is not touched at the destination, so it never wipes a stored value."""
        groups: dict[tuple[str, ...], list[Record]] = {}
        for row in rows:
            groups.setdefault(tuple(row), []).append(row)
        for group in groups.values():
            self._apply_group(conn, table, group, mode)

    def _apply_group(self, conn: sa.Connection, table: sa.Table, rows: list[Record],
                     mode: WriteMode) -> None:
        if mode is WriteMode.UPDATE:
            stmt = sa.update(table).where(*[
                table.c[k] == sa.bindparam(f"key_{k}") for k in self.options.key])
            conn.execute(stmt, [{**{c: v for c, v in r.items() if c not in self.options.key},
                                 **{f"key_{k}": r[k] for k in self.options.key}} for r in rows])
        else:
            upsert(conn, table, rows, self.options.key,
                   update=None if mode is not WriteMode.CREATE else [])

    def _apply_one(self, conn: sa.Connection, table: sa.Table, row: Record,
                   mode: WriteMode) -> WriteResult | None:
        try:
            with conn.begin_nested():
                self._apply(conn, table, [row], mode)
        except sa.exc.DBAPIError as exc:
            return WriteResult.failed(_reason(exc))
        return None

    async def delete(self, keys: Sequence[tuple[Any, ...]]) -> list[WriteResult]:
        return await asyncio.to_thread(self._delete, list(keys))

    def _delete(self, keys: list[tuple[Any, ...]]) -> list[WriteResult]:
        table = self._resolve(())
        cols = [table.c[k] for k in self.options.key]
        rows = _typed_keys([dict(zip(self.options.key, k, strict=True)) for k in keys],
                           _key_types(table, self.options.key))
        keys = [tuple(r[k] for k in self.options.key) for r in rows]
        with self.engine.begin() as conn:
            for key in keys:
                match = [c == v for c, v in zip(cols, key, strict=True)]
                conn.execute(sa.delete(table).where(*match))
        return [WriteResult.ok("|".join(map(str, k))) for k in keys]


def _reason(exc: sa.exc.DBAPIError) -> str:
    """The database's own message, first line: what a person needs in a dead letter."""
    return str(exc.orig).splitlines()[0] if exc.orig else str(exc)


_CONVERTIBLE = (int, float, Decimal, str)


def _key_types(table: sa.Table, key: Sequence[str]) -> dict[str, Callable[[Any], Any]]:
    """The Python type of each key column that a value may be converted to."""
    kinds: dict[str, Callable[[Any], Any]] = {}
    for name in key:
        try:
            kind = table.c[name].type.python_type
        except NotImplementedError:  # a type without one: values go as they are
            continue
        if kind in _CONVERTIBLE:
            kinds[name] = kind
    return kinds


def _typed_keys(records: list[Record], kinds: dict[str, Callable[[Any], Any]]) -> list[Record]:
    """Records whose key values have their column's type, where converting loses nothing."""
    if not kinds:
        return records
    typed: list[Record] = []
    for record in records:
        fixed: Record | None = None
        for name, kind in kinds.items():
            value = record.get(name)
            if value is None or type(value) is kind or isinstance(value, bool):
                continue
            try:
                converted = kind(value)
            except (ValueError, TypeError, ArithmeticError):
                continue  # not convertible: the database will say what is wrong with it
            if str(converted) != str(value):
                continue  # "007" is not 7, and 7.5 is not 7: never change a key's meaning
            fixed = fixed if fixed is not None else dict(record)
            fixed[name] = converted
        typed.append(record if fixed is None else fixed)
    return typed
