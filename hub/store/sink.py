"""The core's own sink: canonical records into the hub's tables, in the engine's transaction.

The engine writes a page to this sink inside the very transaction that records the page's
outcomes, sent hashes, dead letters and checkpoint — and the domain events the writes announce
(a new order is `order.created`, a written cart `cart.updated`) go to the outbox in it too. A
crash therefore leaves all of a page or none of it: no canonical row without its hash, no event
without its row, no row twice. Used on its own (a dead-letter replay), it commits by itself.

A batch is written in one statement inside a savepoint; if the database refuses it, the rows
are retried one by one so a bad row fails alone with the database's reason.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import Field

from hub.connector import Options, Record, Sink, WriteMode, WriteResult
from hub.model.events import CART_UPDATED, ORDER_CREATED, DomainEvent
from hub.store.outbox import Outbox
from hub.store.upsert import upsert

# what a write into a table announces: (event type, only when the row is new)
EVENTS: dict[str, tuple[str, bool]] = {"orders": (ORDER_CREATED, True),
                                       "carts": (CART_UPDATED, False)}


class StoreSinkOptions(Options):
    key: list[str] | None = Field(
        default=None, description="the table's primary key (checked, never another one)")
    batch_size: int = Field(default=500, gt=0, le=10_000)


class StoreSink(Sink):
    modes: ClassVar[frozenset[WriteMode]] = frozenset(WriteMode)

    def __init__(self, engine: sa.Engine, table: sa.Table, tenant: str,
                 options: StoreSinkOptions) -> None:
        self.engine = engine
        self.table = table
        self.name = table.name
        self.tenant = tenant
        self.batch_size = options.batch_size
        self.key = [c.name for c in table.primary_key.columns]

    def same_database(self, engine: sa.Engine) -> bool:
        """Whether the engine's state store is this sink's database (one transaction for both)."""
        return bool(engine.url == self.engine.url)

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        def run() -> list[WriteResult]:
            with self.engine.begin() as conn:
                return self.write_in(conn, records, mode)

        return await asyncio.to_thread(run)

    def write_in(self, conn: sa.Connection, records: Sequence[Record],
                 mode: WriteMode) -> list[WriteResult]:
        """Write in the caller's transaction; one result per record, in order."""
        rows = [{**r, "tenant": self.tenant} for r in records]
        results: list[WriteResult | None] = [None] * len(rows)
        for i, row in enumerate(records):
            if row.get("tenant", self.tenant) != self.tenant:
                results[i] = WriteResult.failed(
                    f"record of tenant {row.get('tenant')!r} refused by the store of tenant "
                    f"{self.tenant!r}")
        keys = [tuple(r.get(k) for k in self.key) for r in rows]
        existing = self._existing(conn, [k for k, res in zip(keys, results, strict=True)
                                         if res is None])
        todo: list[int] = []
        for i, key in enumerate(keys):
            if results[i] is not None:
                continue
            if mode is WriteMode.UPDATE and key not in existing:
                results[i] = WriteResult.skipped("not in the store; update mode writes existing "
                                                 "records only")
            elif mode is WriteMode.CREATE and key in existing:
                results[i] = WriteResult.skipped("already in the store; create mode adds new "
                                                 "records only")
            else:
                todo.append(i)
        # a mapping leaves a null field out rather than wipe a good value: rows are written in
        # groups of one shape, each group's upsert setting only the columns its rows carry
        shapes: dict[frozenset[str], list[int]] = {}
        for i in todo:
            shapes.setdefault(frozenset(rows[i]), []).append(i)
        for group in shapes.values():
            try:
                with conn.begin_nested():
                    upsert(conn, self.table, [rows[i] for i in group])
            except sa.exc.SQLAlchemyError:
                for i in group:
                    results[i] = self._one(conn, rows[i])
        written = [i for i in todo if results[i] is None]
        for i in written:
            results[i] = WriteResult.ok("|".join(map(str, keys[i])),
                                        created=keys[i] not in existing)
        self._announce(conn, [rows[i] for i in written], [keys[i] not in existing
                                                          for i in written])
        done = [r for r in results if r is not None]
        assert len(done) == len(records), "every record has its result"
        return done

    def _one(self, conn: sa.Connection, row: dict[str, Any]) -> WriteResult | None:
        try:
            with conn.begin_nested():
                upsert(conn, self.table, [row])
        except sa.exc.SQLAlchemyError as exc:
            orig = getattr(exc, "orig", None)
            reason = str(orig or exc).strip().splitlines()[0]
            return WriteResult.failed(f"the store refused it: {reason}")
        return None

    def _existing(self, conn: sa.Connection, keys: list[tuple[Any, ...]]) -> set[tuple[Any, ...]]:
        found: set[tuple[Any, ...]] = set()
        columns = [self.table.c[k] for k in self.key]
        for start in range(0, len(keys), 500):
            chunk = keys[start:start + 500]
            rows = conn.execute(sa.select(*columns).where(sa.tuple_(*columns).in_(chunk)))
            found.update(tuple(r) for r in rows)
        return found

    def _announce(self, conn: sa.Connection, rows: list[dict[str, Any]],
                  created: list[bool]) -> None:
        event = EVENTS.get(self.name)
        if event is None:
            return
        kind, only_new = event
        Outbox(conn).append_events(
            DomainEvent(type=kind, tenant=self.tenant, key=str(row.get("id")),
                        payload={k: v for k, v in row.items() if k != "tenant"})
            for row, new in zip(rows, created, strict=True) if new or not only_new)

    async def delete(self, keys: Sequence[tuple[Any, ...]]) -> list[WriteResult]:
        """Mirror mode: delete this tenant's records by the table's key."""
        def run() -> list[WriteResult]:
            columns = [self.table.c[k] for k in self.key]
            with self.engine.begin() as conn:
                for key in keys:
                    full = key if len(key) == len(columns) else (self.tenant, *key)
                    conn.execute(sa.delete(self.table).where(
                        self.table.c.tenant == self.tenant, sa.tuple_(*columns) == full))
            return [WriteResult.ok() for _ in keys]

        return await asyncio.to_thread(run)
