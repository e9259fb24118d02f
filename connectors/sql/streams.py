"""Reads a table or query in pages ordered by (cursor, primary key), resuming strictly after
the last pair read: keyset paging, so each page is one indexed query and nothing at a cursor
boundary is lost or repeated.

A NULL cursor compares as unknown, so rows whose cursor is NULL never come after any
position. With `null_cursor: always` they are read in a pass of their own, by primary key,
before the cursor pass on every run (the engine's diff skips those unchanged); its
checkpoints `{"nulls": key, "position": …}` carry the position the cursor pass resumes from,
except on its last page, whose `{"position": …}` has the next run read the NULL rows again.

Positions are the columns' *raw stored* values, compared without type conversion: SQLite
keeps datetimes as text, and a bound value formatted differently from the stored one would
compare wrongly and skip rows that tie at the checkpoint.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from connectors.sql.settings import TableStreamOptions
from connectors.sql.verify import verify_stream
from hub.connector import Record, Stream
from hub.connector.jsonsafe import from_json, to_json
from hub.errors import ConfigError

_RAW = sa.types.NullType()  # no bind or result processing: the driver's own value

Position = list[Any] | None
Checkpoint = Callable[[list[Any]], dict[str, Any]]


class Row(dict[str, Any]):
    """A record that remembers its raw position in its pass, and how to checkpoint there."""

    __slots__ = ("mark", "position")
    position: list[Any]
    mark: Checkpoint


def resume_point(after: Mapping[str, Any] | None) -> tuple[Position, Position]:
    """Where a run resumes: (primary key in the NULL pass, or None to start it over;
    position in the cursor pass, or None to read it all)."""
    if not after:
        return None, None
    position = from_json(after.get("position"))
    if "nulls" in after:
        return from_json(after["nulls"]), position
    if position and position[0] is None:
        # stored by an older version when a page ended on a NULL-cursor row: where that
        # left the cursor pass depends on where the database sorted NULLs, so read it all
        return position[1:], None
    return None, position


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

    def _columns(self, source: sa.FromClause, names: Sequence[str]) -> list[sa.ColumnElement[Any]]:
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
        checkpoint: dict[str, Any] = to_json(record.mark(record.position))
        return checkpoint

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        source = await asyncio.to_thread(self._source)
        key = self._columns(source, self.primary_key)
        if self.cursor_field is None:
            position = from_json(after["position"]) if after else None
            async for page in self._pages(source, key, [], position, _at_position,
                                          _at_position):
                yield page
            return
        cursor = self._columns(source, [self.cursor_field])[0]
        if self.options.null_cursor == "refuse":
            await asyncio.to_thread(self._refuse_nulls, source, cursor)
        nulls, position = resume_point(after)

        def in_null_pass(at: list[Any]) -> dict[str, Any]:
            return {"nulls": at, "position": position}

        def null_pass_done(_at: list[Any]) -> dict[str, Any]:
            return {"position": position}  # the next run reads every NULL row again

        null_pass = self._pages(source, key, [cursor.is_(None)], nulls, in_null_pass,
                                null_pass_done)
        async for page in null_pass:
            nulls = None
            yield page
        if nulls is not None:
            # resumed after a key that no NULL row follows any more: a checkpoint taken here
            # would keep that key, so read the NULL pass from the start until one is taken
            async for page in self._pages(source, key, [cursor.is_(None)], None, in_null_pass,
                                          null_pass_done):
                yield page
        async for page in self._pages(source, [cursor, *key], [cursor.is_not(None)], position,
                                      _at_position, _at_position):
            yield page

    def _refuse_nulls(self, source: sa.FromClause, cursor: sa.ColumnElement[Any]) -> None:
        stmt = sa.select(sa.func.count()).select_from(source).where(cursor.is_(None))
        with self.engine.connect() as conn:
            count = conn.execute(stmt).scalar_one()
        if count:
            raise ConfigError(
                f"stream {self.name!r}: {count} row(s) have a NULL in cursor column "
                f"{self.cursor_field!r}, and `null_cursor: refuse` is set: fill them in, or set "
                "`null_cursor: always` to read them on every run")

    async def _pages(self, source: sa.FromClause, order: list[sa.ColumnElement[Any]],
                     where: list[sa.ColumnElement[bool]], position: Position,
                     mark: Checkpoint, last_mark: Checkpoint) -> AsyncIterator[list[Record]]:
        """Pages in `order` of the rows matching `where`, strictly after `position`; the rows
        of the last page checkpoint with `last_mark` (one row more is fetched to know it)."""
        size = self.options.page_size
        raw = [sa.type_coerce(c, _RAW).label(f"__hub_pos{i}") for i, c in enumerate(order)]
        base: Any = (sa.select(sa.literal_column("q.*"), *raw).select_from(source)
                     if self.options.query is not None else sa.select(source, *raw))
        base = base.where(*where).order_by(*order).limit(size + 1)
        while True:
            stmt = base
            if position is not None:
                stmt = stmt.where(sa.tuple_(*[sa.type_coerce(c, _RAW) for c in order])
                                  > sa.tuple_(*[sa.literal(v, _RAW) for v in position]))
            page = await asyncio.to_thread(self._fetch, stmt, len(order))
            more = len(page) > size
            del page[size:]
            for row in page:
                row.mark = mark if more else last_mark
            if page:
                records: list[Record] = list(page)
                yield records
            if not more:
                return
            position = page[-1].position

    def _fetch(self, stmt: sa.Select[Any], width: int) -> list[Row]:
        rows: list[Row] = []
        with self.engine.connect() as conn:
            for row in conn.execute(stmt):
                values = dict(row._mapping)
                record = Row({k: v for k, v in values.items() if not k.startswith("__hub_pos")})
                record.position = [values[f"__hub_pos{i}"] for i in range(width)]
                rows.append(record)
        return rows


def _at_position(at: list[Any]) -> dict[str, Any]:
    return {"position": at}
