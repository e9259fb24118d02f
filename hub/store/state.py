"""The StateStore facade: the only way the rest of the hub touches the database.

`store.transaction()` gives a Tx whose views share one transaction: the run ledger
(hub.store.ledger), the outbox (hub.store.outbox) and the send ledger (hub.store.sends).
Everything a run records about one page is written in one transaction, so that a crash
leaves either all of it or none of it. Reads of run history and dead letters have their own
helpers here.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from hub.store import tables as t
from hub.store.database import current_revision as _current_revision
from hub.store.database import head_revision, make_engine
from hub.store.database import upgrade as _upgrade
from hub.store.ledger import DEFAULT_TENANT, OUTCOMES, RunLedger
from hub.store.outbox import Outbox
from hub.store.sends import SendLedger


@dataclass(frozen=True)
class RunRecord:
    id: int
    tenant: str
    pipeline: str
    kind: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    read: int
    written: int
    unchanged: int
    filtered: int
    invalid: int
    failed: int
    cursor_from: Any
    cursor_to: Any
    error: str | None
    resume_at: datetime | None

    @property
    def balanced(self) -> bool:
        """Every record read ended in exactly one outcome."""
        outcomes: int = sum(getattr(self, o) for o in OUTCOMES)
        return self.read == outcomes


@dataclass(frozen=True)
class DeadLetter:
    id: int
    tenant: str
    pipeline: str
    run_id: int | None
    kind: str
    record_key: str | None
    record: dict[str, Any]
    payload: dict[str, Any] | None
    error: str
    attempts: int
    status: str
    created_at: datetime


class Tx:
    """One transaction, with a view for each concern that shares its connection: the run
    ledger (runs, leases, checkpoints, sent hashes, dead letters), the outbox and processed
    event ids, and the send ledger. A component that needs one concern uses that view only;
    the engine's page commit uses the ledger and the outbox together."""

    def __init__(self, conn: sa.Connection, tenant: str = DEFAULT_TENANT) -> None:
        self.conn = conn
        self.tenant = tenant
        self.ledger = RunLedger(conn, tenant)
        self.outbox = Outbox(conn)
        self.sends = SendLedger(conn)


class StateStore:
    """The hub's database. `transaction()` groups writes; reads have their own helpers.

    A store is scoped to one tenant: the runs, cursors, dead letters and sent hashes it reads
    and writes are that tenant's (`scoped` gives another tenant's view of the same database).
    """

    def __init__(self, url: str, *, engine: sa.Engine | None = None,
                 tenant: str = DEFAULT_TENANT) -> None:
        self.url = url
        self.engine = engine or make_engine(url)
        self.tenant = tenant

    def scoped(self, tenant: str) -> StateStore:
        """The same database, another tenant's engine state (the connections are shared)."""
        return self if tenant == self.tenant else StateStore(self.url, engine=self.engine,
                                                            tenant=tenant)

    @property
    def backend(self) -> str:
        return self.engine.dialect.name

    def upgrade(self) -> None:
        _upgrade(self.url)

    def ensure_schema(self) -> None:
        """Upgrade when the schema is behind; cheap when it is current."""
        if _current_revision(self.engine) != head_revision():
            self.upgrade()

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        with self.engine.begin() as conn:
            yield Tx(conn, self.tenant)

    @contextmanager
    def _read(self) -> Iterator[Tx]:
        with self.engine.connect() as conn:
            yield Tx(conn, self.tenant)

    def get_cursor(self, pipeline: str) -> dict[str, Any] | None:
        with self._read() as tx:
            return tx.ledger.get_cursor(pipeline)

    def runs(self, pipeline: str | None = None, limit: int = 20) -> list[RunRecord]:
        """Recent runs, newest first; a run whose process is gone shows as `interrupted`."""
        with self.transaction() as tx:
            tx.ledger.reap_interrupted(pipeline)
        stmt = (sa.select(t.runs).where(t.runs.c.tenant == self.tenant)
                .order_by(t.runs.c.id.desc()).limit(limit))
        if pipeline:
            stmt = stmt.where(t.runs.c.pipeline == pipeline)
        with self.engine.connect() as conn:
            return [RunRecord(**row._asdict()) for row in conn.execute(stmt)]

    def run(self, run_id: int) -> RunRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.tenant == self.tenant,
                                                       t.runs.c.id == run_id)).first()
        return RunRecord(**row._asdict()) if row else None

    def dead_letters(self, pipeline: str | None = None, status: str | None = "open",
                     ids: Iterable[int] | None = None, limit: int | None = None
                     ) -> list[DeadLetter]:
        dl = t.dead_letters
        stmt = sa.select(dl).where(dl.c.tenant == self.tenant).order_by(dl.c.id)
        if pipeline:
            stmt = stmt.where(dl.c.pipeline == pipeline)
        if status:
            stmt = stmt.where(dl.c.status == status)
        if ids is not None:
            stmt = stmt.where(dl.c.id.in_(list(ids)))
        if limit:
            stmt = stmt.limit(limit)
        with self.engine.connect() as conn:
            return [DeadLetter(**{k: v for k, v in row._asdict().items() if k != "updated_at"})
                    for row in conn.execute(stmt)]

    def count(self, table: sa.Table, *where: sa.ColumnElement[bool]) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(sa.select(sa.func.count()).select_from(table)
                                    .where(*where)).scalar_one())
