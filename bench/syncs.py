"""What the CRM benchmarks share: a hub.yaml syncing a SQLite `source` database to one CRM
connection, and a timed run of one of its pipelines through the sync engine."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import yaml

from hub.config import load_config
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
