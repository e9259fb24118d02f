"""What the fault tests share: a hub that sends the shop's customers to the loopback CRM,
and helpers to run it once and to read what the CRM was sent. The fixtures built on it
(`server`, `host`, `crm`, `api`) are in this folder's conftest."""

from __future__ import annotations

from collections import Counter
from typing import Any

from hub.config import load_config
from hub.engine import Plan, RunResult, SyncEngine, build_plan
from hub.http import RetryPolicy
from hub.plugin.host import PluginHost
from hub.store import StateStore
from hub.testing.sandbox.faultserver import FaultServer
from tests.engine.hubproject import Project, customer

TOTAL = 20
BATCH = 5
FAST = RetryPolicy(attempts=6, base_wait=0.01, max_wait=5.0)
TIMEOUT = 30.0  # seconds: a loopback answer never takes that long, however busy the machine
SHORT_TIMEOUT = 2.0  # only where a timeout is the fault: the answer waited for never comes
IDS = [str(i) for i in range(1, TOTAL + 1)]


def loopback_project(project: Project, server: FaultServer, *, total: int = TOTAL,
                     **config: Any) -> Project:
    """Customers 1…`total` in the shop, sent to the fake CRM at `server` (see
    `write_loopback_config` for `config`)."""
    project.create_shop(customer(i) for i in range(1, total + 1))
    write_loopback_config(project, server, **config)
    return project


def write_loopback_config(project: Project, server: FaultServer, *, page_size: int = 10,
                          timeout: float = TIMEOUT, **pipeline: Any) -> None:
    """The customers pipeline to the fake CRM, in batches of five; `pipeline` adds keys to
    the pipeline (stop_after_failing_batches …)."""
    spec = project.pipeline(page_size=page_size)
    spec["destination"] = {"connection": "api", "object": "contacts", "batch_size": BATCH}
    project.write_config({"customers": {**spec, **pipeline}},
                         connections={"api": {"connector": "loopback", "base_url": server.url,
                                              "timeout": timeout}})


def plan_for(project: Project, host: PluginHost) -> Plan:
    return build_plan(load_config(project.config, host=host), "customers")


async def run_with(store: StateStore, project: Project, host: PluginHost, *,
                   retry: RetryPolicy = FAST, concurrency: int = 1) -> RunResult:
    """One run of the customers pipeline, its state in `store`."""
    plan = plan_for(project, host)
    try:
        return await SyncEngine(store, retry=retry, concurrency=concurrency).run(plan)
    finally:
        await plan.aclose()


async def run_once(project: Project, host: PluginHost, *,
                   retry: RetryPolicy = FAST) -> tuple[StateStore, Counter[str], str]:
    store = project.store()
    result = await run_with(store, project, host, retry=retry)
    return store, result.counts, result.status


def posted(server: FaultServer) -> list[list[str]]:
    """The ids of each batch the CRM received, in order."""
    return [[str(item["id"]) for item in seen.json()["inputs"]]
            for seen in server.app.requests("/contacts")]
