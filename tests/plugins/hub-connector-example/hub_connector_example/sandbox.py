"""The example vendor's sandbox, built on the hub's sandbox harness as any vendor's would be:
its routes, its rules (a bearer token, a rate limit in its own header) and its contract (written
checks, as the vendor publishes no OpenAPI document); the harness does the rest."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.testing.sandbox import (
    LOOPBACK,
    Caller,
    Checks,
    Gateway,
    Harness,
    RateDecision,
    Rules,
    Seen,
    Step,
    Window,
    json_step,
    serve_forever,
)


@dataclass
class SandboxConfig:
    token: str = "example-token"
    people: int = 3
    per_minute: int = 100


class ExampleRules(Rules):
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config

    def identify(self, seen: Seen) -> Caller | Step | None:
        if seen.headers.get("authorization") != f"Bearer {self.config.token}":
            return json_step(401, {"error": "unauthorized"})
        return Caller(self.config.token)

    def windows(self, seen: Seen, caller: Caller) -> tuple[Window, ...]:
        return (Window("minute", self.config.per_minute, 60.0),)

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        return {"X-Example-Calls-Left": str(decision.windows["minute"].remaining)}

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        return json_step(429, {"error": "slow down"}, headers)


def only_reads(seen: Seen) -> list[str]:
    return [] if seen.method == "GET" else [f"{seen.method} is not offered"]


def create_app(config: SandboxConfig) -> Starlette:
    async def people(request: Request) -> JSONResponse:
        return JSONResponse([{"id": i} for i in range(config.people)])

    app = Starlette(routes=[Route("/people", people, methods=["GET", "POST"])])
    app.add_middleware(Gateway, harness=Harness(ExampleRules(config), contract=Checks(only_reads)),
                       routes=app.router.routes)
    return app


def serve(port: int, config: SandboxConfig | None = None, *, host: str = LOOPBACK) -> None:
    serve_forever(create_app(config or SandboxConfig()), port, host=host)
