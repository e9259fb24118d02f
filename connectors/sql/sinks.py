"""Writes records into a table by key, in every write mode, one result per record.

A batch is written in one statement inside a savepoint; if the database refuses it, the
batch is retried row by row so that one bad row fails alone and the others are written.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from connectors.sql.settings import TableSinkOptions
from hub.connector import Record, Sink, WriteMode, WriteResult
from hub.errors import ConfigError
from hub.store.upsert import upsert


def _column_type(value: Any) -> sa.types.TypeEngine[Any]:
    if isinstance(value, bool):
        return sa.Boolean()
    if isinstance(value, int):
        return sa.BigInteger()
    if isinstance(value, float):
        return sa.Float()
    if isinstance(value, Decimal):
        return sa.Numeric(18, 4)
    if isinstance(value, datetime):
        return sa.DateTime(timezone=True)
    if isinstance(value, date):
        return sa.Date()
    if isinstance(value, dict | list):
        return sa.JSON()
    return sa.Text()


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

    @staticmethod
    def _column_types(rows: Sequence[Record]) -> dict[str, sa.types.TypeEngine[Any]]:
        """Each column any row carries, typed by its first non-null value."""
        types: dict[str, sa.types.TypeEngine[Any]] = {}
        for row in rows:
            for name, value in row.items():
                if name not in types or (value is not None and isinstance(types[name], sa.Text)):
                    types[name] = _column_type(value) if value is not None else sa.Text()
        return types

    def _new_columns(self, table: sa.Table, rows: Sequence[Record]) -> list[str]:
        if not self.options.create:
            return []
        return [c for row in rows for c in row if c not in table.c]

    def _create(self, rows: Sequence[Record]) -> None:
        columns = [sa.Column(k, t, primary_key=k in self.options.key)
                   for k, t in self._column_types(rows).items()]
        sa.Table(self.name, sa.MetaData(), *columns).create(self.engine, checkfirst=True)

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
        key_cols = [table.c[k] for k in self.options.key]
        keys = [tuple(r.get(k) for k in self.options.key) for r in records]
        with self.engine.begin() as conn:
            existing = self._existing(conn, key_cols, keys)
            todo = [i for i, k in enumerate(keys)
                    if not ((mode is WriteMode.UPDATE and k not in existing)
                            or (mode is WriteMode.CREATE and k in existing))]
            results: list[WriteResult] = [
                WriteResult.skipped("not at the destination; update mode writes existing rows only")
                if mode is WriteMode.UPDATE else
                WriteResult.skipped("already at the destination; create mode adds new rows only")
            ] * len(records)
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
            upsert(conn, table, rows, update=None if mode is not WriteMode.CREATE else [])

    def _apply_one(self, conn: sa.Connection, table: sa.Table, row: Record,
                   mode: WriteMode) -> WriteResult | None:
        try:
            with conn.begin_nested():
                self._apply(conn, table, [row], mode)
        except sa.exc.DBAPIError as exc:
            return WriteResult.failed(str(exc.orig).splitlines()[0] if exc.orig else str(exc))
        return None

    async def delete(self, keys: Sequence[tuple[Any, ...]]) -> list[WriteResult]:
        return await asyncio.to_thread(self._delete, list(keys))

    def _delete(self, keys: list[tuple[Any, ...]]) -> list[WriteResult]:
        table = self._resolve(())
        cols = [table.c[k] for k in self.options.key]
        with self.engine.begin() as conn:
            for key in keys:
                match = [c == v for c, v in zip(cols, key, strict=True)]
                conn.execute(sa.delete(table).where(*match))
        return [WriteResult.ok("|".join(map(str, k))) for k in keys]
