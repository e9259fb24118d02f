"""The sandbox's ASGI app: Resend's routes behind the harness's gateway, sharing one state."""

from __future__ import annotations

from collections.abc import Callable

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.testing.sandbox import sandbox_app, sandbox_lifespan

from .api import routes
from .config import SandboxConfig
from .errors import ResendError, error_body
from .state import SandboxState

__all__ = ["create_app"]

_HTTP_NAMES = {404: "not_found", 405: "method_not_allowed"}


async def _resend_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ResendError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    name = _HTTP_NAMES.get(exc.status_code, "application_error")
    return JSONResponse(error_body(exc.status_code, name, str(exc.detail)),
                        status_code=exc.status_code)


def create_app(config: SandboxConfig | None = None, *, state: SandboxState | None = None,
               on_stop: Callable[[SandboxState], None] | None = None) -> Starlette:
    """Build a sandbox app; its state is `app.state.sandbox`. Webhook delivery runs while the
    app's lifespan is active; `on_stop` is called with the state when it ends."""
    sandbox = state or SandboxState(config or SandboxConfig())
    return sandbox_app(sandbox, routes, {ResendError: _resend_error, HTTPException: _http_error},
                       lifespan=sandbox_lifespan(sandbox, on_stop))
