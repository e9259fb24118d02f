"""The sql connector: a source and a sink over any SQLAlchemy URL."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa

from connectors.sql.database import make_engine
from connectors.sql.dialects import require_writable
from connectors.sql.settings import SqlSettings, TableSinkOptions, TableStreamOptions
from connectors.sql.sinks import TableSink
from connectors.sql.streams import TableStream
from hub.connector import CheckResult, Connector


class SqlConnector(Connector[SqlSettings]):
    id: ClassVar[str] = "sql"
    settings_model = SqlSettings
    description = "Any SQLAlchemy database: read tables or queries, upsert into tables"
    stream_names: ClassVar[tuple[str, ...]] = ("<table>", "<query>")
    sink_names: ClassVar[tuple[str, ...]] = ("<table>",)

    def __init__(self, settings: SqlSettings, *, name: str | None = None) -> None:
        super().__init__(settings, name=name)
        self._engine: sa.Engine | None = None

    @property
    def engine(self) -> sa.Engine:
        if self._engine is None:
            self._engine = make_engine(self.settings.url.get_secret_value(), connection=self.name,
                                       busy_timeout=self.settings.busy_timeout)
        return self._engine

    def stream(self, name: str, options: Mapping[str, Any] | None = None) -> TableStream:
        opts = dict(options or {})
        if "query" not in opts:
            opts.setdefault("table", name)
        return TableStream(self.engine, name, TableStreamOptions.model_validate(opts))

    def sink(self, name: str, options: Mapping[str, Any] | None = None) -> TableSink:
        require_writable(self.settings.url.get_secret_value(), name)
        return TableSink(self.engine, name, TableSinkOptions.model_validate(dict(options or {})),
                         tenant=self.tenant, tenant_column=self.settings.tenant_column)

    async def check(self) -> CheckResult:
        def probe() -> int:
            with self.engine.connect() as conn:
                conn.execute(sa.text("SELECT 1"))
            return len(sa.inspect(self.engine).get_table_names())

        try:
            tables = await asyncio.to_thread(probe)
        except sa.exc.OperationalError as exc:
            reason = str(exc.orig).strip().splitlines()[0] if exc.orig else str(exc)
            return CheckResult(False, f"cannot connect: {reason}. Check the URL, that the "
                               "server runs and that the user may log in.")
        return CheckResult(True, f"connected; {tables} table(s) visible", {"tables": tables})

    async def aclose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()

