"""A small HTTP connector for the engine's fault tests, and the fake CRM it talks to.

`LoopbackConnector` (id `loopback`) has one kind of sink: it posts each batch as
`{"inputs": [...]}` to `<base_url>/<object>` through `hub.http`, so the failure policy
judges every answer, and it reads per-record errors out of a 207 body into
`WriteResult.failed`. It never retries by itself: retrying is the engine's job, done once
with the engine's RetryPolicy. `FakeCrm` is a responder for the loopback fault server that
keeps what it accepted, refuses the records it is told to, and can fail a record once with a
retryable error.

Registered in-process: `PluginHost(extra_plugins={"loopback": this_module})`.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import httpx
from pydantic import Field

from hub.connector import (
    CheckResult,
    Connector,
    ConnectorSettings,
    Options,
    Record,
    Sink,
    WriteMode,
    WriteResult,
)
from hub.http import build_client, request_with_policy
from hub.plugin import hookimpl
from hub.plugin.registry import ConnectorRegistry
from hub.testing.sandbox.faultserver import Seen, Step


class LoopbackSettings(ConnectorSettings):
    base_url: str = Field(description="the fault server's URL")
    timeout: float = Field(default=2.0, gt=0)


class LoopbackSinkOptions(Options):
    key: list[str] = Field(default_factory=lambda: ["id"])
    batch_size: int = Field(default=5, gt=0)


def _wire(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire(v) for v in value]
    return value


class LoopbackSink(Sink):
    def __init__(self, settings: LoopbackSettings, name: str,
                 options: LoopbackSinkOptions) -> None:
        self.settings = settings
        self.name = name
        self.batch_size = options.batch_size

    async def write(self, records: Sequence[Record], mode: WriteMode) -> list[WriteResult]:
        # a client per batch, opened and closed on the loop that writes: the CLI runs a sync
        # and the connector's close on different event loops, which a pooled client survives
        # badly
        async with build_client(self.settings.base_url,
                                timeout=httpx.Timeout(self.settings.timeout)) as client:
            response = await request_with_policy(
                client, "POST", f"/{self.name}", json={"inputs": [_wire(r) for r in records]})
        body = response.json() if response.content else {}
        errors = {e["index"]: e for e in body.get("errors", [])}
        return [WriteResult.failed(errors[i]["message"], retryable=errors[i].get("retryable",
                                                                                 False))
                if i in errors else WriteResult.ok(str(record.get("id")))
                for i, record in enumerate(records)]


class LoopbackConnector(Connector[LoopbackSettings]):
    id: ClassVar[str] = "loopback"
    settings_model = LoopbackSettings
    description = "test connector: batches posted to a loopback fault server"
    sink_names: ClassVar[tuple[str, ...]] = ("*",)
    stop_after_failing_batches: ClassVar[int | None] = 3  # as HubSpot's

    def sink(self, name: str, options: Mapping[str, Any] | None = None) -> LoopbackSink:
        return LoopbackSink(self.settings, name,
                            LoopbackSinkOptions.model_validate(dict(options or {})))

    async def check(self) -> CheckResult:
        return CheckResult(True, "loopback")


@hookimpl
def hub_register_connectors(register: ConnectorRegistry) -> None:
    register.add(LoopbackConnector)


@dataclass
class FakeCrm:
    """Answers batch posts: keeps accepted records by id, refuses those in `refuse` with
    their reason (a 207 naming them), fails those in `flaky` once, retryably, and answers
    503 to every batch holding one of `choke_on` (a record the vendor's side crashes on)."""

    refuse: dict[str, str] = field(default_factory=dict)
    flaky: set[str] = field(default_factory=set)
    choke_on: set[str] = field(default_factory=set)
    accepted: dict[str, dict[str, Any]] = field(default_factory=dict)
    writes: list[str] = field(default_factory=list)  # ids in the order they were accepted
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def respond(self, seen: Seen) -> Step:
        items = seen.json()["inputs"]
        errors: list[dict[str, Any]] = []
        with self._lock:
            if self.choke_on.intersection(str(item["id"]) for item in items):
                return Step(503, json={"message": "Service Unavailable"})
            for index, item in enumerate(items):
                key = str(item["id"])
                if key in self.refuse:
                    errors.append({"index": index, "message": self.refuse[key]})
                elif key in self.flaky:
                    self.flaky.discard(key)
                    errors.append({"index": index, "message": "busy, try again",
                                   "retryable": True})
                else:
                    self.accepted[key] = item
                    self.writes.append(key)
        return Step(207 if errors else 200, json={"errors": errors})

    def step(self) -> Step:
        return Step(respond=self.respond)
