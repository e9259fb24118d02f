"""A pipeline between two connectors, built without a hub.yaml, run by the real engine on a
SQLite state store: what the kit's tests need to see the engine's one retry layer at work.
The in-memory ends are the engine tests' own (tests.engine.fakes)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hub.config.schema import Pipeline
from hub.connector import Connector, Record, Sink, Stream, WriteMode, WriteResult
from hub.engine import Plan, RunResult, SyncEngine
from hub.http import RetryPolicy
from hub.store import StateStore
from tests.engine.fakes import Nowhere, NowhereSettings, Pages

FAST = RetryPolicy(attempts=4, base_wait=0.001, max_wait=5.0)


class Keeping(Sink):
    """Takes every record and keeps it."""

    name = "people"

    def __init__(self) -> None:
        self.written: list[Record] = []

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        self.written += records
        return [WriteResult.ok() for _ in records]


def nowhere() -> Nowhere:
    return Nowhere(NowhereSettings())


def one_page(records: Sequence[Record]) -> Pages:
    return Pages([list(records)])


def plan(source: Connector[Any], stream: Stream, destination: Connector[Any],
         sink: Sink) -> Plan:
    """The pipeline `people` from `stream` to `sink`; failing batches are dead-lettered."""
    pipeline = Pipeline.model_validate({
        "source": {"connection": "source", "stream": stream.name},
        "destination": {"connection": "destination", "object": sink.name},
        "stop_after_failing_batches": "never"})
    return Plan("people", pipeline, source, stream, destination, sink, None, None)


async def run(store_url: str, plan: Plan, retry: RetryPolicy = FAST) -> RunResult:
    store = StateStore(store_url)
    store.upgrade()
    try:
        return await SyncEngine(store, retry=retry).run(plan)
    finally:
        await plan.aclose()
        store.close()
