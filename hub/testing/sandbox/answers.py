"""Answers a sandbox gives outside its vendor's routes: a `Step` (status, headers, body, delay,
or a broken connection) and the ASGI plumbing that plays one."""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any, Literal

from hub.testing.sandbox.log import Seen

__all__ = [
    "ASGIApp",
    "AbortConnection",
    "Fault",
    "Message",
    "Receive",
    "Scope",
    "Send",
    "Step",
    "json_step",
    "play",
    "wait_for_disconnect",
]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
# Drops the connection that carried a request's scope (with a TCP reset when asked); False
# when it cannot, e.g. in-process under httpx's ASGITransport.
AbortConnection = Callable[[Scope, bool], bool]

# close: drop the connection before answering; reset: the same with a TCP reset;
# truncate: send headers promising a body, then hang up halfway through it.
Fault = Literal["close", "reset", "truncate"]


@dataclass(frozen=True)
class Step:
    """One answer. `respond`, when set, builds the answer from the request instead."""

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

    def with_headers(self, extra: Mapping[str, str]) -> Step:
        """This answer with `extra` headers added (its own win on a clash)."""
        return Step(self.status, self.json, self.body, {**extra, **self.headers}, self.delay,
                    self.fault, self.respond)


def json_step(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    content_type: str = "application/json;charset=utf-8",
) -> Step:
    """An answer with a compact JSON body, as most vendor APIs write theirs."""
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    return Step(status, body=payload, headers={"content-type": content_type, **(headers or {})})


async def wait_for_disconnect(receive: Receive, seconds: float) -> None:
    """Sleep up to `seconds`, but stop as soon as the client hangs up."""

    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(disconnected(), seconds)


async def play(
    step: Step,
    scope: Scope,
    receive: Receive,
    send: Send,
    abort: AbortConnection | None = None,
) -> None:
    """Answer with `step`: wait out its delay (or the client), then send it or break."""
    if step.delay:
        await wait_for_disconnect(receive, step.delay)
    if step.fault is not None:
        await _fail(step.fault, scope, receive, send, abort)
        return
    body, headers = step.encoded()
    await send({"type": "http.response.start", "status": step.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


async def _fail(
    fault: Fault, scope: Scope, receive: Receive, send: Send, abort: AbortConnection | None
) -> None:
    if fault != "truncate" and abort is not None and abort(scope, fault == "reset"):
        await wait_for_disconnect(receive, 5.0)
        return
    # Promise a body, send half of it and return: the server then drops the connection.
    headers = [(b"content-type", b"application/json"), (b"content-length", b"64")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b'{"results": [', "more_body": True})
