"""The sandbox's ASGI app: Twilio's routes behind the harness's gateway, sharing one state."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.testing.sandbox import sandbox_app, sandbox_lifespan

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
    return sandbox_app(sandbox, routes, {TwilioError: _twilio_error},
                       lifespan=sandbox_lifespan(sandbox))
