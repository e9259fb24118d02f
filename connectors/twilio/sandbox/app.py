"""The sandbox's ASGI app: Twilio's routes behind the harness's gateway, sharing one state."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.testing.sandbox import Gateway

from .api import routes
from .config import SandboxConfig
from .errors import TwilioError
from .state import SandboxState

__all__ = ["create_app"]


async def _twilio_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, TwilioError)
    return JSONResponse(exc.body(), status_code=exc.status)


def create_app(config: SandboxConfig | None = None, *,
               state: SandboxState | None = None) -> Starlette:
    """A sandbox app; its state is `app.state.sandbox`. Callbacks are delivered while the
    app's lifespan runs (uvicorn runs it)."""
    sandbox = state or SandboxState(config or SandboxConfig())

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        sandbox.start()
        try:
            yield
        finally:
            sandbox.stop()

    app = Starlette(routes=routes, lifespan=lifespan,
                    exception_handlers={TwilioError: _twilio_error})
    app.state.sandbox = sandbox
    app.add_middleware(Gateway, harness=sandbox.harness, routes=app.router.routes)
    return app
