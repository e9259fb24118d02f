"""Reads a table or query in pages ordered by (cursor, primary key), resuming strictly after
the last pair read: keyset paging, so each page is one indexed query and nothing at a cursor
boundary is lost or repeated.

Positions are the columns' *raw stored* values, compared without type conversion: SQLite
keeps datetimes as text, and a bound value formatted differently from the stored one would
compare wrongly and skip rows that tie at the checkpoint.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import sqlalchemy as sa

from connectors.sql.settings import TableStreamOptions
from connectors.sql.verify import verify_stream
from hub.connector import Record, Stream
from hub.connector.jsonsafe import from_json, to_json
from hub.errors import ConfigError

_RAW = sa.types.NullType()  # no bind or result processing: the driver's own value


class Row(dict[str, Any]):
    """A record that remembers its raw (cursor, key) position for checkpoints."""

    __slots__ = ("position",)
    position: list[Any]


class TableStream(Stream):
    def __init__(self, engine: sa.Engine, name: str, options: TableStreamOptions) -> None:
        self.engine = engine
        self.name = name
        self.options = options
        self.primary_key = tuple(options.primary_key)
        self.cursor_field = options.cursor

    def _source(self) -> sa.FromClause:
        if self.options.query is not None:
            return sa.text(self.options.query).columns().subquery("q")
        try:
            return sa.Table(self.options.table or self.name, sa.MetaData(),
                            autoload_with=self.engine)
        except sa.exc.NoSuchTableError:
            raise ConfigError(f"stream {self.name!r}: table {self.options.table!r} does not exist"
                              ) from None

    def _order_columns(self, source: sa.FromClause) -> list[sa.ColumnElement[Any]]:
        names = ([self.cursor_field] if self.cursor_field else []) + list(self.primary_key)
        columns: list[sa.ColumnElement[Any]] = []
        for name in names:
            if name in source.c:
                columns.append(source.c[name])
            elif self.options.query is not None:
                columns.append(sa.literal_column(f"q.{name}"))
            else:
                known = ", ".join(source.c.keys())
                raise ConfigError(f"stream {self.name!r}: no column {name!r} (columns: {known})")
        return columns

    async def verify(self) -> None:
        await verify_stream(self)

    def checkpoint(self, record: Record) -> dict[str, Any]:
        if not isinstance(record, Row):
            raise TypeError("checkpoint() takes a record this stream read")
        return {"position": to_json(record.position)}

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        source = await asyncio.to_thread(self._source)
        order = self._order_columns(source)
        raw = [sa.type_coerce(c, _RAW).label(f"__hub_pos{i}") for i, c in enumerate(order)]
        base: Any = (sa.select(sa.literal_column("q.*"), *raw).select_from(source)
                     if self.options.query is not None else sa.select(source, *raw))
        position = from_json(after["position"]) if after else None
        while True:
            stmt = base.order_by(*order).limit(self.options.page_size)
            if position is not None:
                stmt = stmt.where(sa.tuple_(*[sa.type_coerce(c, _RAW) for c in order])
                                  > sa.tuple_(*[sa.literal(v, _RAW) for v in position]))
            page = await asyncio.to_thread(self._fetch, stmt, len(order))
            if not page:
                return
            yield page
            if len(page) < self.options.page_size:
                return
            last = page[-1]
            assert isinstance(last, Row)
            position = last.position

    def _fetch(self, stmt: sa.Select[Any], width: int) -> list[Record]:
        rows: list[Record] = []
        with self.engine.connect() as conn:
            for row in conn.execute(stmt):
                values = dict(row._mapping)
                record = Row({k: v for k, v in values.items() if not k.startswith("__hub_pos")})
                record.position = [values[f"__hub_pos{i}"] for i in range(width)]
                rows.append(record)
        return rows
