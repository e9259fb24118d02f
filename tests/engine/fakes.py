"""In-memory parts for engine tests that need no database or server: a stream of given
pages, sinks that misbehave on purpose, and a Plan built by hand around them."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any

from hub.config.schema import Pipeline
from hub.connector import (
    CheckResult,
    Connector,
    ConnectorSettings,
    Record,
    Sink,
    Stream,
    WriteMode,
    WriteResult,
)
from hub.engine import Plan
from hub.errors import PermanentError
from hub.mapping import Mapping as CompiledMapping
from hub.model import Contact, HubModel


class NowhereSettings(ConnectorSettings):
    pass


class Nowhere(Connector[NowhereSettings]):
    """A connector that is only a name and a tenant: the Plan needs one at each end."""

    id = "nowhere"
    settings_model = NowhereSettings

    async def check(self) -> CheckResult:
        return CheckResult(True, "")


class Pages(Stream):
    """Yields the pages it was given, whatever the checkpoint."""

    def __init__(self, pages: list[list[Record]], name: str = "people") -> None:
        self.name, self.primary_key, self.pages = name, ("id",), pages

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        for page in self.pages:
            yield page


class Refusing(Sink):
    """Every batch is refused: the account was closed."""

    name, batch_size = "people", 10

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        raise PermanentError("the vendor closed the account")


class SlowSecondBatch(Sink):
    """The batch holding record "1" is refused outright; the others would be written a minute
    later (long after the run failed, however busy the machine), unless cancelled first."""

    name, batch_size = "people", 2

    def __init__(self) -> None:
        self.cancelled = False
        self.written: list[Record] = []

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        if records[0]["id"] == "1":
            raise PermanentError("the vendor closed the account")
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            self.cancelled = True
            raise
        self.written += records
        return [WriteResult.ok() for _ in records]


class Accepting(Sink):
    """Takes every record."""

    name, batch_size = "people", 10

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        return [WriteResult.ok(created=True) for _ in records]


def plan_of(stream: Stream, sink: Sink, model: type[HubModel] | None = Contact,
            mapping: CompiledMapping | None = None, name: str = "people") -> Plan:
    pipeline = Pipeline.model_validate({"source": {"connection": "a", "stream": stream.name},
                                        "destination": {"connection": "b", "object": sink.name}})
    nowhere = Nowhere(NowhereSettings())
    return Plan(name, pipeline, nowhere, stream, nowhere, sink, mapping, model)
