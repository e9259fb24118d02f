"""The generic sandbox: a loopback HTTP server that fails on purpose, for testing clients over
real sockets, with no vendor behind it.

`FaultApp` answers each path from a script of `Step`s: a status with headers and body, a delay
past the client's timeout, a connection closed or reset before any answer, a truncated body, or
an answer built from the request (e.g. `partial_batch`, which fails some records of a batch).
It can enforce a sliding-window rate limit and report it in headers, and hold a burst of
requests until all have arrived, so that a test of that limit exceeds it whatever the machine's
speed. It is the sandbox harness with no vendor rules: `app.harness` has its log and counts.

    with run_fault_server() as server:
        server.app.script("/contacts", Step(503), Step(200, json={"ok": True}))
        ...  # talk to f"{server.url}/contacts"
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from hub.testing.sandbox.answers import ASGIApp, Receive, Scope, Send, Step, play
from hub.testing.sandbox.faults import NOT_SCRIPTED
from hub.testing.sandbox.harness import Harness
from hub.testing.sandbox.limits import RateDecision, Window
from hub.testing.sandbox.log import Seen
from hub.testing.sandbox.rules import Caller, Rules
from hub.testing.sandbox.server import LoopbackServer

__all__ = [
    "FaultApp",
    "FaultServer",
    "HeaderStyle",
    "Seen",
    "Step",
    "partial_batch",
    "run_fault_server",
    "serve_asgi",
]

HeaderStyle = Literal["ietf", "hubspot", "none"]


class _EnforcedRate(Rules):
    """At most one window, counted by arrival as a vendor does, reported in a header style."""

    def __init__(self) -> None:
        self.window: Window | None = None
        self.style: HeaderStyle = "ietf"

    def windows(self, seen: Seen, caller: Caller) -> tuple[Window, ...]:
        return () if self.window is None else (self.window,)

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        if self.window is None:
            return {}
        usage = decision.windows[self.window.name]
        limit, reset = self.window.limit, f"{usage.reset_s:.3f}"
        if self.style == "ietf":
            return {"ratelimit-limit": str(limit), "ratelimit-remaining": str(usage.remaining),
                    "ratelimit-reset": reset}
        if self.style == "hubspot":
            return {"x-hubspot-ratelimit-max": str(limit),
                    "x-hubspot-ratelimit-remaining": str(usage.remaining),
                    "x-hubspot-ratelimit-interval-milliseconds": str(
                        int(self.window.interval_s * 1000))}
        return {}

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        retry_after = f"{decision.retry_after_s or 0.0:.3f}"
        return Step(429, json={"message": "rate limit exceeded"},
                    headers={**headers, "retry-after": retry_after})


async def _not_scripted(scope: Scope, receive: Receive, send: Send) -> None:
    if scope["type"] == "http":
        await play(NOT_SCRIPTED, scope, receive, send)


class FaultApp:
    """An ASGI app that answers from per-path scripts and records every request it saw."""

    def __init__(self) -> None:
        self._rules = _EnforcedRate()
        self.harness = Harness(self._rules)
        self._app = self.harness.wrap(_not_scripted)

    def script(self, path: str, *steps: Step) -> None:
        """Answer `path` with `steps` in order; the last one repeats once the others are used."""
        self.harness.faults.script(path, *steps)

    def enforce_rate(self, limit: int, per: float, headers: HeaderStyle = "ietf") -> None:
        """Refuse with 429 and Retry-After any request beyond `limit` per `per` seconds."""
        self._rules.window, self._rules.style = Window("rate", limit, per), headers

    def burst(self, size: int, patience: float = 60.0) -> None:
        """Hold the next `size` requests until all have arrived, then answer them together,
        judged by the rate limit at one instant: a burst of `size` whatever the client's
        speed, so `enforce_rate` with a lower limit always refuses `size - limit` of them."""
        self.harness.faults.burst(size, patience)

    def reset(self) -> None:
        """Forget scripts, recorded requests, the enforced limit and any burst (to reuse one
        server)."""
        self._rules.window = None
        self.harness.reset()

    def requests(self, path: str | None = None) -> list[Seen]:
        return self.harness.log.requests(path)

    @property
    def rejected(self) -> int:
        """Requests refused by the enforced rate limit."""
        return self.harness.log.outcomes("refused")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self._app(scope, receive, send)


def partial_batch(
    reject: Callable[[Any], str | None], *, items_key: str = "inputs", status: int = 207
) -> Callable[[Seen], Step]:
    """A responder for batch writes: records for which `reject` gives a reason fail alone.

    Answers `{"results": [...], "errors": [{"index", "message", "input"}], "numErrors"}`,
    with `status` when any record failed and 200 otherwise.
    """

    def respond(seen: Seen) -> Step:
        payload = seen.json()
        items = payload.get(items_key, []) if isinstance(payload, dict) else []
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for index, item in enumerate(items):
            reason = reject(item)
            if reason is None:
                results.append({"index": index, "id": str(index + 1), "input": item})
            else:
                errors.append({"index": index, "message": reason, "input": item})
        body = {"status": "COMPLETE", "results": results, "errors": errors,
                "numErrors": len(errors)}
        return Step(status if errors else 200, json=body)

    return respond


@dataclass(frozen=True)
class FaultServer:
    """A running server: its base URL and the app to script."""

    url: str
    app: FaultApp


@contextlib.contextmanager
def serve_asgi(app: ASGIApp, *, harness: Harness | None = None) -> Iterator[LoopbackServer]:
    """Serve any ASGI app on 127.0.0.1 at a free port in a background thread; stop on exit."""
    with LoopbackServer(app, harness=harness, lifespan="off", name="loopback server") as server:
        yield server


@contextlib.contextmanager
def run_fault_server(app: FaultApp | None = None) -> Iterator[FaultServer]:
    """Run a FaultApp (a fresh one unless given) on loopback for the duration of the block."""
    app = app or FaultApp()
    with serve_asgi(app, harness=app.harness) as server:
        yield FaultServer(server.url, app)
