"""What the CRM benchmarks share: a hub.yaml syncing a SQLite `source` database to one CRM
connection, a timed run of one of its pipelines through the sync engine, and a timed read of
every record of one CRM stream."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import yaml

from hub.config import load_config
from hub.connector import Connector, Stream
from hub.engine import RunResult, SyncEngine, build_plan
from hub.store import StateStore


def write_config(root: Path, crm: dict[str, Any], pipelines: dict[str, Any]) -> Path:
    """`root/hub.yaml`: a store and a `source` database in `root`, the `crm` connection, and
    `pipelines`."""
    document = {
        "version": 1,
        "store": {"url": f"sqlite:///{root / 'hub.db'}"},
        "connections": {
            "source": {"connector": "sql", "url": f"sqlite:///{root / 'source.db'}"},
            "crm": crm,
        },
        "pipelines": pipelines,
    }
    path = root / "hub.yaml"
    path.write_text(yaml.safe_dump(document, sort_keys=False))
    return path


def sync(config: Path, pipeline: str) -> tuple[RunResult, float]:
    """Run `pipeline` of `config` once: its result and the seconds it took."""
    loaded = load_config(config)
    store = StateStore(loaded.store_url)
    store.ensure_schema()
    plan = build_plan(loaded, pipeline)

    async def go() -> RunResult:
        try:
            return await SyncEngine(store).run(plan)
        finally:
            await plan.aclose()

    started = time.perf_counter()
    try:
        result = asyncio.run(go())
    finally:
        store.close()
    return result, time.perf_counter() - started



S = TypeVar("S", bound=Stream)


def read_all(open_stream: Callable[[], tuple[Connector[Any], S]],
             key: str) -> tuple[int, int, S, float]:
    """Every record of the stream `open_stream` opens (in the read's event loop), its
    connector closed after: (records, distinct `key`s, the stream, seconds)."""

    async def go() -> tuple[list[Any], S]:
        connector, stream = open_stream()
        try:
            return [r[key] async for page in stream.read(None) for r in page], stream
        finally:
            await connector.aclose()

    started = time.perf_counter()
    keys, stream = asyncio.run(go())
    return len(keys), len(set(keys)), stream, time.perf_counter() - started
