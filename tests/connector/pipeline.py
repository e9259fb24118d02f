"""A pipeline between two connectors, built without a hub.yaml, run by the real engine on a
SQLite state store: what the kit's tests need to see the engine's one retry layer at work."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from typing import Any, ClassVar

from hub.config.schema import Destination, Pipeline, Source
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
from hub.engine import Plan, RunResult, SyncEngine
from hub.http import RetryPolicy
from hub.store import StateStore

FAST = RetryPolicy(attempts=4, base_wait=0.001, max_wait=5.0)


class MemoryStream(Stream):
    name = "people"
    primary_key = ("email",)

    def __init__(self, records: Sequence[Record]) -> None:
        self.records = list(records)

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        yield list(self.records)


class MemorySink(Sink):
    name = "people"

    def __init__(self) -> None:
        self.written: list[Record] = []

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        self.written += records
        return [WriteResult.ok() for _ in records]


class Memory(Connector[ConnectorSettings]):
    id: ClassVar[str] = "memory"

    async def check(self) -> CheckResult:
        return CheckResult(True, "in memory")


def plan(source: Connector[Any], stream: Stream, destination: Connector[Any],
         sink: Sink) -> Plan:
    """The pipeline `people` from `stream` to `sink`; failing batches are dead-lettered."""
    pipeline = Pipeline(source=Source(connection="source", stream=stream.name),
                        destination=Destination(connection="destination", object=sink.name),
                        stop_after_failing_batches="never")
    return Plan("people", pipeline, source, stream, destination, sink, None, None)


async def run(store_url: str, plan: Plan, retry: RetryPolicy = FAST) -> RunResult:
    store = StateStore(store_url)
    store.upgrade()
    try:
        return await SyncEngine(store, retry=retry).run(plan)
    finally:
        await plan.aclose()
        store.close()


def memory() -> Memory:
    return Memory(ConnectorSettings())
