"""The core's own stream: one tenant's canonical records, read from the hub's tables.

Pages come in (cursor, key) order after the checkpoint, by keyset. Rows whose cursor is NULL
cannot be placed in that order, so they are read on every run, first, by key (the engine's
diff skips the unchanged ones): never lost, whatever their cursor does later.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from typing import Any

import sqlalchemy as sa
from pydantic import Field

from hub.connector import Options, Record, Stream
from hub.connector.jsonsafe import from_json, to_json
from hub.errors import ConfigError


class StoreStreamOptions(Options):
    cursor: str | None = Field(default=None, description="column that grows on every change")
    primary_key: list[str] | None = Field(
        default=None, description="the table's key without `tenant` (the default)")
    page_size: int = Field(default=1000, gt=0, le=100_000)


class Row(dict[str, Any]):
    """A record that knows the checkpoint just at it."""

    __slots__ = ("mark",)
    mark: dict[str, Any]


class StoreStream(Stream):
    def __init__(self, engine: sa.Engine, table: sa.Table, tenant: str,
                 options: StoreStreamOptions) -> None:
        self.engine = engine
        self.table = table
        self.name = table.name
        self.tenant = tenant
        self.options = options
        own = [c.name for c in table.primary_key.columns if c.name != "tenant"]
        self.primary_key = tuple(options.primary_key or own)
        self.cursor_field = options.cursor
        unknown = [c for c in (*self.primary_key, *([options.cursor] if options.cursor else []))
                   if c not in table.c]
        if unknown:
            raise ConfigError(f"stream {self.name!r}: no column {unknown[0]!r} in the store's "
                              f"{self.name} table (columns: {', '.join(table.c.keys())})")

    def checkpoint(self, record: Record) -> dict[str, Any]:
        if not isinstance(record, Row):
            raise TypeError("checkpoint() takes a record this stream read")
        return record.mark

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        position = from_json(after["position"]) if after and after.get("position") else None
        keys = [self.table.c[k] for k in self.primary_key]
        mine = self.table.c.tenant == self.tenant
        if self.cursor_field is None:
            async for page in self._pages(keys, mine, position, lambda p: {"position": p}):
                yield page
            return
        cursor = self.table.c[self.cursor_field]
        # NULL cursors first, every run; their checkpoint keeps the last cursor position
        async for page in self._pages(keys, mine & cursor.is_(None), None,
                                      lambda _: {"position": to_json(position)}):
            yield page
        async for page in self._pages([cursor, *keys], mine & cursor.is_not(None), position,
                                      lambda p: {"position": p}):
            yield page

    async def _pages(self, order: list[sa.Column[Any]], where: sa.ColumnElement[bool],
                     position: list[Any] | None, mark: Any) -> AsyncIterator[list[Record]]:
        while True:
            stmt = sa.select(self.table).where(where).order_by(*order).limit(
                self.options.page_size)
            if position is not None:
                stmt = stmt.where(sa.tuple_(*order) > sa.tuple_(*position))
            rows = await asyncio.to_thread(self._fetch, stmt)
            if not rows:
                return
            page: list[Record] = []
            for values in rows:
                row = Row(values)
                row.mark = mark(to_json([values[c.name] for c in order]))
                page.append(row)
            yield page
            if len(rows) < self.options.page_size:
                return
            position = [rows[-1][c.name] for c in order]

    def _fetch(self, stmt: sa.Select[Any]) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(stmt)]
