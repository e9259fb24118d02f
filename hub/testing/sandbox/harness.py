"""The generic half of every sandbox, and the door every request passes.

    harness = Harness(HubSpotRules(...), faults=FaultInjector(config), contract=contract)
    app = harness.wrap(vendor_app, routes=vendor_app.routes)

In order, each request is: read and logged under its route key, checked against the contract,
held while a burst gathers, delayed by the injected latency, identified by the vendor's rules
(which may turn it away, e.g. a bad token, before any limit is spent), refused when a refusal is
forced or a rate limit is reached, answered by a scripted step or an injected server error, and
only then handed to the vendor's app. Limited answers, errors included, carry the vendor's
rate-limit headers.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping, Sequence
from dataclasses import replace

from starlette.routing import BaseRoute

from hub.testing.sandbox.answers import (
    AbortConnection,
    ASGIApp,
    Message,
    Receive,
    Scope,
    Send,
    Step,
    play,
)
from hub.testing.sandbox.contract import Contract, ContractMonitor
from hub.testing.sandbox.faults import FaultInjector
from hub.testing.sandbox.limits import RateLimits
from hub.testing.sandbox.log import RequestLog, Seen
from hub.testing.sandbox.rules import Caller, Rules

__all__ = ["Gateway", "Harness"]


class Harness:
    """Log, limits, faults and contract of one sandbox, and the gateway that applies them."""

    def __init__(
        self,
        rules: Rules | None = None,
        *,
        faults: FaultInjector | None = None,
        contract: Contract | None = None,
        keep: int | None = None,
    ) -> None:
        self.rules = rules or Rules()
        self.log = RequestLog(keep)
        self.limits = RateLimits()
        self.faults = faults or FaultInjector()
        self.contract = ContractMonitor(contract)
        # Set by the server that runs the app: drops the connection of a request's scope.
        self.abort_connection: AbortConnection | None = None

    def wrap(self, app: ASGIApp, routes: Sequence[BaseRoute] = ()) -> ASGIApp:
        """`app` behind this harness's gateway; `routes` name the keys requests are counted
        under (without them, the bare path)."""
        return Gateway(app, self, routes)

    def reset(self) -> None:
        """Forget what was seen and counted, and every scripted or forced fault."""
        self.log.reset()
        self.limits.reset()
        self.faults.reset()
        self.contract.reset()


class Gateway:
    """Pure ASGI middleware (Starlette's `add_middleware(Gateway, harness=…, routes=…)` takes it
    too); lifespan and other scopes pass straight through."""

    def __init__(
        self, app: ASGIApp, harness: Harness, routes: Sequence[BaseRoute] = ()
    ) -> None:
        self.app = app
        self.harness = harness
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        harness = self.harness
        seen = await _receive(scope, receive, harness.rules.route_key(self.routes, scope))
        harness.log.record(seen)
        harness.contract.check(seen)
        replay = _replay(seen.body, receive)

        async def logged_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                harness.log.answered(seen, int(message["status"]))
            await send(message)

        burst = harness.faults.join_burst(seen.at)
        now = seen.at if burst is None else await burst.wait()
        delay = harness.faults.latency()
        if delay > 0:
            await asyncio.sleep(delay)
        caller = harness.rules.identify(seen)
        if isinstance(caller, Step):
            harness.log.count("turned_away")
            await self._play(caller, scope, replay, logged_send)
            return
        headers: Mapping[str, str] = {}
        if caller is not None:
            refused, headers = self._limit(seen, caller, now)
            if refused is None:
                refused = self._fault(seen, headers)
            if refused is not None:
                await self._play(refused, scope, replay, logged_send)
                return
        extra = [(k.lower().encode(), v.encode()) for k, v in headers.items()]

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start" and extra:
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await logged_send(message)

        await self.app(scope, replay, send_with_headers)

    def _limit(self, seen: Seen, caller: Caller, now: float) -> tuple[Step | None, dict[str, str]]:
        """A refusal when one is forced or a limit is reached, and the limit headers."""
        harness, rules = self.harness, self.harness.rules
        windows, daily = rules.windows(seen, caller), rules.daily(seen, caller)
        if harness.faults.take_forced_refusal():
            looked = harness.limits.admit(caller.key, windows, daily, now, count=False)
            decision = replace(looked, allowed=False, forced=True, policy=None,
                               retry_after_s=None)
        else:
            decision = harness.limits.admit(caller.key, windows, daily, now)
        headers = rules.limit_headers(decision, caller)
        if decision.allowed:
            return None, headers
        harness.log.count("refused")
        return rules.refusal(decision, headers), headers

    def _fault(self, seen: Seen, headers: Mapping[str, str]) -> Step | None:
        """A scripted answer for the path, or an injected server error."""
        harness = self.harness
        step = harness.faults.next_step(seen.path)
        if step is not None:
            if step.respond is not None:
                step = step.respond(seen)
            if step.fault is not None:
                harness.log.count("faulted")
            return step.with_headers(headers)
        status = harness.faults.server_error()
        if status is None:
            return None
        harness.log.count("faulted")
        return harness.rules.server_error(status, headers)

    async def _play(self, step: Step, scope: Scope, receive: Receive, send: Send) -> None:
        await play(step, scope, receive, send, self.harness.abort_connection)


async def _receive(scope: Scope, receive: Receive, route: str) -> Seen:
    chunks: list[bytes] = []
    while True:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            break
    return Seen(
        method=scope["method"],
        path=scope["path"],
        query=scope.get("query_string", b"").decode("latin-1"),
        headers={k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]},
        body=b"".join(chunks),
        at=time.monotonic(),
        route=route,
    )


def _replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that hands the app the body already read, then waits on the client."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
