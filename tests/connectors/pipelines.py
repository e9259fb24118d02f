"""Running one pipeline of a connector test's hub.yaml through the sync engine, as `hub sync`
does."""

from __future__ import annotations

import asyncio
from pathlib import Path

from hub.config import load_config
from hub.engine import RunResult, SyncEngine, build_plan
from hub.http import RetryPolicy
from hub.store import StateStore


def run_pipeline(config: Path, pipeline: str, *, retry: RetryPolicy,
                 full_refresh: bool = False) -> RunResult:
    """Run `pipeline` of `config` once, its state in the config's store."""
    loaded = load_config(config)
    store = StateStore(loaded.store_url)
    store.ensure_schema()
    plan = build_plan(loaded, pipeline)

    async def go() -> RunResult:
        try:
            return await SyncEngine(store, retry=retry).run(plan, full_refresh=full_refresh)
        finally:
            await plan.aclose()

    try:
        return asyncio.run(go())
    finally:
        store.close()
