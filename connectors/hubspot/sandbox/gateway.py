"""The front door every request passes: counting, latency, auth, rate limits, injected faults.

Order matters and follows HubSpot: a request with a bad token gets 401 without touching the
rate limits; an admitted request spends a slot even if it then fails with an injected 5xx. The
rate-limit headers are added to every authenticated answer, errors included.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from starlette.routing import BaseRoute, Match, Route, Router
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import HubSpotError
from .faults import server_error_body
from .limits import rate_limit_body
from .state import SandboxState

__all__ = ["Gateway", "endpoint_of"]

_PUBLIC_PREFIXES = ("/oauth/",)
# Path parameters that name an object type stay in the endpoint key; ids are left templated.
_TYPE_PARAMS = {"object_type", "from_type", "to_type", "to_object_type", "object_type_id"}
_READ_ONLY_POSTS = ("/search", "/batch/read")


def endpoint_of(routes: list[BaseRoute], scope: Scope) -> str:
    """`METHOD /path/template` of the route a request goes to, object types filled in."""
    method = scope["method"]
    for route in routes:
        if not isinstance(route, Route):
            continue
        match, child = route.matches(scope)
        if match is Match.FULL:
            params: Mapping[str, Any] = child.get("path_params", {})
            path = route.path
            for name, value in params.items():
                if name in _TYPE_PARAMS:
                    path = path.replace("{" + name + "}", str(value))
            return f"{method} {path}"
    return f"{method} (unmatched) {scope['path']}"


def _is_write(method: str, path: str) -> bool:
    if path.startswith(_PUBLIC_PREFIXES) or method in ("GET", "HEAD", "OPTIONS"):
        return False
    return not (method == "POST" and path.rstrip("/").endswith(_READ_ONLY_POSTS))


async def _send_json(
    send: Send, status: int, body: dict[str, Any], headers: Mapping[str, str]
) -> None:
    payload = json.dumps(body, separators=(",", ":")).encode("utf-8")
    raw_headers = [
        (b"content-type", b"application/json;charset=utf-8"),
        (b"content-length", str(len(payload)).encode()),
    ]
    raw_headers += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    await send({"type": "http.response.start", "status": status, "headers": raw_headers})
    await send({"type": "http.response.body", "body": payload})


class Gateway:
    """Pure ASGI middleware in front of the sandbox's routes."""

    def __init__(self, app: ASGIApp, state: SandboxState, router: Router) -> None:
        self.app = app
        self.state = state
        self.router = router

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        state = self.state
        path: str = scope["path"]
        method: str = scope["method"]
        state.counters.count_request(
            endpoint_of(self.router.routes, scope), write=_is_write(method, path)
        )
        delay = state.faults.latency()
        if delay > 0:
            await asyncio.sleep(delay)
        if path.startswith(_PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return

        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        try:
            token = state.tokens.authenticate(headers.get("authorization"))
        except HubSpotError as exc:
            state.counters.count_auth_failure()
            await _send_json(send, exc.status_code, exc.body(), exc.headers)
            return

        daily = token.kind == "private_app"  # OAuth calls get no daily headers
        if state.faults.take_forced_429():
            state.counters.count_rate_limited()
            limit_headers = state.limiter.headers_for(token.token, daily_headers=daily)
            limit_headers["X-HubSpot-RateLimit-Remaining"] = "0"
            await _send_json(send, 429, rate_limit_body("TEN_SECONDLY_ROLLING"), limit_headers)
            return
        decision = state.limiter.admit(
            token.token,
            search=path.rstrip("/").endswith("/search") and path.startswith("/crm/v3/objects/"),
            daily_headers=daily,
        )
        if not decision.allowed:
            state.counters.count_rate_limited()
            await _send_json(
                send,
                429,
                rate_limit_body(decision.policy or "TEN_SECONDLY_ROLLING"),
                decision.headers,
            )
            return
        injected = state.faults.server_error()
        if injected is not None:
            state.counters.count_server_error()
            await _send_json(send, injected, server_error_body(injected), decision.headers)
            return

        extra = [(k.lower().encode(), v.encode()) for k, v in decision.headers.items()]

        async def send_with_limits(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_limits)
