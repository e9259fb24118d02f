"""A vendor sandbox's ASGI app, the same for every vendor: its routes behind the harness's
gateway, its state on `app.state.sandbox`, and the state's background work (webhook delivery)
running while the app's lifespan is active (uvicorn runs it; so does `TestClient` as a context).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any, Protocol, TypeVar

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from hub.testing.sandbox.harness import Gateway, Harness

__all__ = ["Lifespan", "sandbox_app", "sandbox_lifespan"]

Lifespan = Callable[[Starlette], AbstractAsyncContextManager[None]]
ErrorHandler = Callable[[Request, Exception], Awaitable[Response]]


class _Running(Protocol):
    def start(self) -> None: ...

    def stop(self) -> None: ...


class _Gated(Protocol):
    @property
    def harness(self) -> Harness: ...


RunningT = TypeVar("RunningT", bound=_Running)


def sandbox_lifespan(state: RunningT,
                     on_stop: Callable[[RunningT], None] | None = None) -> Lifespan:
    """Start `state` with the app and stop it after; then call `on_stop(state)` if given."""

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        state.start()
        try:
            yield
        finally:
            state.stop()
            if on_stop is not None:
                on_stop(state)

    return lifespan


def sandbox_app(state: _Gated, routes: Sequence[BaseRoute],
                exception_handlers: Mapping[Any, ErrorHandler], *,
                lifespan: Lifespan | None = None) -> Starlette:
    """The vendor's `routes` behind `state.harness`'s gateway; `state` is `app.state.sandbox`."""
    app = Starlette(routes=routes, lifespan=lifespan, exception_handlers=exception_handlers)
    app.state.sandbox = state
    app.add_middleware(Gateway, harness=state.harness, routes=app.router.routes)
    return app
