"""The `store` connection: the hub's own state store as a source and a destination.

It is the core's, not a plugin's: a pipeline reads or writes canonical records through it
(`connection: store, object: contacts`), stamped with the hub's tenant and scoped to it, and
the engine writes to it in the transaction that records each page (see `sink`). It registers
through the same `hub` entry point as any connector, so `hub connectors list` shows it.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa
from pydantic import Field, field_validator

from hub.connector import CheckResult, Connector, ConnectorSettings
from hub.errors import ConfigError
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry
from hub.store import tables as t
from hub.store.database import make_engine
from hub.store.sink import StoreSink, StoreSinkOptions
from hub.store.stream import StoreStream, StoreStreamOptions

# the engine's own bookkeeping, never a pipeline's object
ENGINE_STATE = frozenset({"cursors", "sent_hashes", "run_leases", "identity_links"})
# the canonical tables a pipeline may read or write: those keyed by tenant
CANONICAL = tuple(sorted(name for name, table in t.metadata.tables.items()
                         if "tenant" in table.c and table.c.tenant.primary_key
                         and name not in ENGINE_STATE))


class StoreSettings(ConnectorSettings):
    url: str = Field(description="the state store's URL (set by the hub, not in hub.yaml)")

    @field_validator("url")
    @classmethod
    def _is_url(cls, value: str) -> str:
        try:
            sa.make_url(value)
        except sa.exc.ArgumentError:
            raise ValueError("not a SQLAlchemy URL (expected dialect+driver://…)") from None
        return value


class StoreConnector(Connector[StoreSettings]):
    id: ClassVar[str] = "store"
    settings_model = StoreSettings
    description = "The hub's own state store: canonical records of this hub's tenant"
    # one word in `hub connectors list`; the refusal of an unknown name lists the tables
    stream_names: ClassVar[tuple[str, ...]] = ("<canonical table>",)
    sink_names: ClassVar[tuple[str, ...]] = ("<canonical table>",)

    def __init__(self, settings: StoreSettings, *, name: str | None = None) -> None:
        super().__init__(settings, name=name)
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.url)
        return self._engine

    def _table(self, name: str, what: str) -> sa.Table:
        if name not in CANONICAL:
            raise ConfigError(f"the store has no {what} {name!r} (canonical tables: "
                              f"{', '.join(CANONICAL)})")
        return t.metadata.tables[name]

    def stream(self, name: str, options: Mapping[str, Any] | None = None) -> StoreStream:
        return StoreStream(self.engine, self._table(name, "stream"), self.tenant,
                           StoreStreamOptions.model_validate(dict(options or {})))

    def sink(self, name: str, options: Mapping[str, Any] | None = None) -> StoreSink:
        table = self._table(name, "object")
        opts = StoreSinkOptions.model_validate(dict(options or {}))
        key = [c.name for c in table.primary_key.columns]
        if opts.key is not None and opts.key != key and ["tenant", *opts.key] != key:
            raise ConfigError(f"the store's {name} are keyed by {key}, not {opts.key}")
        return StoreSink(self.engine, table, self.tenant, opts)

    async def check(self) -> CheckResult:
        def probe() -> None:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))

        try:
            await asyncio.to_thread(probe)
        except sa.exc.DBAPIError as exc:
            return CheckResult(False, f"cannot open the state store: {exc.orig or exc}")
        return CheckResult(True, "the state store answers")

    async def aclose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    register.add(StoreConnector)
