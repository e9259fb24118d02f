"""A loopback HTTP server that fails on purpose, for testing clients over real sockets.

`FaultApp` is an ASGI app answering each path from a script of `Step`s: a status with headers
and body, a delay past the client's timeout, a connection closed or reset before any answer,
a truncated body, or an answer built from the request (e.g. `partial_batch`, which fails some
records of a batch). It can also enforce a sliding-window rate limit like a vendor does and
report it in headers, and hold a burst of requests until all have arrived, so that a test of
that limit exceeds it whatever the machine's speed. `run_fault_server` serves it with uvicorn
on 127.0.0.1, on a free port, in a background thread, and stops it on exit:

    with run_fault_server() as server:
        server.app.script("/contacts", Step(503), Step(200, json={"ok": True}))
        ...  # talk to f"{server.url}/contacts"
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import socket
import struct
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

import uvicorn

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# close: drop the connection before answering; reset: the same with a TCP reset;
# truncate: send headers promising a body, then hang up halfway through it.
Fault = Literal["close", "reset", "truncate"]
HeaderStyle = Literal["ietf", "hubspot", "none"]


@dataclass(frozen=True)
class Seen:
    """One request as the server received it; `at` is `time.monotonic()` on arrival."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes
    at: float

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass(frozen=True)
class Step:
    """One scripted answer. `respond`, when set, builds the answer from the request instead."""

    status: int = 200
    json: Any = None
    body: bytes | str = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    fault: Fault | None = None
    respond: Callable[[Seen], Step] | None = None

    def encoded(self) -> tuple[bytes, list[tuple[bytes, bytes]]]:
        if self.json is not None:
            body, kind = json.dumps(self.json).encode(), "application/json"
        else:
            raw = self.body
            body, kind = (raw.encode() if isinstance(raw, str) else raw), "text/plain"
        headers = {"content-type": kind, **{k.lower(): v for k, v in self.headers.items()}}
        headers["content-length"] = str(len(body))
        return body, [(k.encode(), v.encode()) for k, v in headers.items()]


NOT_SCRIPTED = Step(404, json={"message": "nothing is scripted for this path"})


@dataclass
class _Window:
    """The server's own sliding window: it counts requests by arrival, as a vendor does."""

    limit: int
    per: float
    style: HeaderStyle
    arrivals: deque[float] = field(default_factory=deque)

    def admit(self, now: float) -> tuple[bool, dict[str, str]]:
        while self.arrivals and self.arrivals[0] <= now - self.per:
            self.arrivals.popleft()
        admitted = len(self.arrivals) < self.limit
        if admitted:
            self.arrivals.append(now)
        reset = self.arrivals[0] + self.per - now
        headers = self._headers(self.limit - len(self.arrivals), reset)
        if not admitted:
            headers["retry-after"] = f"{reset:.3f}"
        return admitted, headers

    def _headers(self, remaining: int, reset: float) -> dict[str, str]:
        if self.style == "ietf":
            return {
                "ratelimit-limit": str(self.limit),
                "ratelimit-remaining": str(remaining),
                "ratelimit-reset": f"{reset:.3f}",
            }
        if self.style == "hubspot":
            return {
                "x-hubspot-ratelimit-max": str(self.limit),
                "x-hubspot-ratelimit-remaining": str(remaining),
                "x-hubspot-ratelimit-interval-milliseconds": str(int(self.per * 1000)),
            }
        return {}


@dataclass
class _Burst:
    """The next `size` requests, held until the last arrives, then judged at its instant."""

    size: int
    arrivals: list[float] = field(default_factory=list)
    complete: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def full(self) -> bool:
        return len(self.arrivals) >= self.size

    def join(self, now: float) -> None:
        self.arrivals.append(now)
        if self.full:
            self.complete.set()

    async def wait(self, patience: float) -> float:
        """The instant the burst completed (its last arrival). `patience` only keeps a test
        whose burst never fills from hanging: it fails on its own assertions instead."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.complete.wait(), patience)
        return max(self.arrivals)


class FaultApp:
    """An ASGI app that answers from per-path scripts and records every request it saw."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._scripts: dict[str, list[Step]] = {}
        self._requests: list[Seen] = []
        self._window: _Window | None = None
        self._burst: _Burst | None = None
        self._patience = 60.0
        self.rejected = 0  # requests refused by the enforced rate limit
        # Set by the server that runs the app: drops the connection of a request's scope.
        self.abort_connection: Callable[[Scope, bool], bool] | None = None

    def script(self, path: str, *steps: Step) -> None:
        """Answer `path` with `steps` in order; the last one repeats once the others are used."""
        with self._lock:
            self._scripts[path] = list(steps) or [NOT_SCRIPTED]

    def enforce_rate(self, limit: int, per: float, headers: HeaderStyle = "ietf") -> None:
        """Refuse with 429 and Retry-After any request beyond `limit` per `per` seconds."""
        with self._lock:
            self._window = _Window(limit, per, headers)

    def burst(self, size: int, patience: float = 60.0) -> None:
        """Hold the next `size` requests until all have arrived, then answer them together,
        judged by the rate limit at one instant: a burst of `size` whatever the client's
        speed, so `enforce_rate` with a lower limit always refuses `size - limit` of them."""
        with self._lock:
            self._burst = _Burst(size)
            self._patience = patience

    def reset(self) -> None:
        """Forget scripts, recorded requests, the enforced limit and any burst (to reuse one
        server)."""
        with self._lock:
            self._scripts.clear()
            self._requests.clear()
            self._window = None
            self._burst = None
            self.rejected = 0

    def requests(self, path: str | None = None) -> list[Seen]:
        with self._lock:
            return [seen for seen in self._requests if path is None or seen.path == path]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return
        seen = await self._receive(scope, receive)
        with self._lock:
            self._requests.append(seen)
            burst = self._burst if self._burst is not None and not self._burst.full else None
            if burst is not None:
                burst.join(seen.at)
        now = seen.at if burst is None else await burst.wait(self._patience)
        with self._lock:
            refused, extra = self._check_rate(now)
            step = refused or self._next_step(seen.path)
        if step.respond is not None:
            step = step.respond(seen)
        if step.delay:
            await _wait_for_disconnect(receive, step.delay)
        if step.fault is not None:
            await self._fail(step.fault, scope, receive, send)
            return
        body, headers = step.encoded()
        headers += [(k.encode(), v.encode()) for k, v in extra.items()]
        await send({"type": "http.response.start", "status": step.status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    def _check_rate(self, now: float) -> tuple[Step | None, dict[str, str]]:
        """A 429 when over the enforced limit, else the rate headers to add to the answer."""
        if self._window is None:
            return None, {}
        admitted, headers = self._window.admit(now)
        if admitted:
            return None, headers
        self.rejected += 1
        return Step(429, json={"message": "rate limit exceeded"}, headers=headers), {}

    def _next_step(self, path: str) -> Step:
        steps = self._scripts.get(path)
        if not steps:
            return NOT_SCRIPTED
        return steps.pop(0) if len(steps) > 1 else steps[0]

    async def _receive(self, scope: Scope, receive: Receive) -> Seen:
        chunks: list[bytes] = []
        while True:
            message = await receive()
            chunks.append(message.get("body", b""))
            if not message.get("more_body"):
                break
        return Seen(
            method=scope["method"],
            path=scope["path"],
            query=scope.get("query_string", b"").decode(),
            headers={k.decode().lower(): v.decode() for k, v in scope["headers"]},
            body=b"".join(chunks),
            at=time.monotonic(),
        )

    async def _fail(self, fault: Fault, scope: Scope, receive: Receive, send: Send) -> None:
        abort = self.abort_connection
        if fault != "truncate" and abort is not None and abort(scope, fault == "reset"):
            await _wait_for_disconnect(receive, 5.0)
            return
        # Promise a body, send half of it and return: the server then drops the connection.
        headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": b'{"results": [', "more_body": True})


async def _wait_for_disconnect(receive: Receive, seconds: float) -> None:
    """Sleep up to `seconds`, but stop as soon as the client hangs up."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), seconds)


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
        body = {
            "status": "COMPLETE",
            "results": results,
            "errors": errors,
            "numErrors": len(errors),
        }
        return Step(status if errors else 200, json=body)

    return respond


@dataclass(frozen=True)
class FaultServer:
    """A running server: its base URL and the app to script."""

    url: str
    app: FaultApp


@contextlib.contextmanager
def serve_asgi(app: ASGIApp, *, start_timeout: float = 30.0) -> Iterator[uvicorn.Server]:
    """Serve any ASGI app on 127.0.0.1 at a free port in a background thread; stop on exit."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    config = uvicorn.Config(
        app,
        lifespan="off",
        log_config=None,
        access_log=False,
        loop="asyncio",
        http="h11",
        timeout_graceful_shutdown=1,
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [listener]}, name="fault-server", daemon=True
    )
    thread.start()
    try:
        deadline = time.monotonic() + start_timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the loopback server did not start")
            time.sleep(0.01)
        yield server
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        if thread.is_alive():
            server.force_exit = True
            thread.join(timeout=5)
        listener.close()


@contextlib.contextmanager
def run_fault_server(app: FaultApp | None = None) -> Iterator[FaultServer]:
    """Run a FaultApp (a fresh one unless given) on loopback for the duration of the block."""
    app = app or FaultApp()
    with serve_asgi(app) as server:
        app.abort_connection = lambda scope, reset: _abort(server, scope, reset)
        port = server.servers[0].sockets[0].getsockname()[1]
        try:
            yield FaultServer(f"http://127.0.0.1:{port}", app)
        finally:
            app.abort_connection = None


def _abort(server: uvicorn.Server, scope: Scope, reset: bool) -> bool:
    """Drop the connection that carried `scope`; with `reset`, make the kernel send a RST."""
    client = tuple(scope.get("client") or ())
    for connection in list(server.server_state.connections):
        transport = getattr(connection, "transport", None)
        if tuple(getattr(connection, "client", None) or ()) != client or transport is None:
            continue
        if reset:
            # A zero linger time turns close() into an abortive close: RST instead of FIN.
            sock = transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        transport.abort()
        return True
    return False
