"""The sandbox's ASGI app: HubSpot's routes behind the harness's gateway, sharing one state."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from hub.testing.sandbox import sandbox_app, sandbox_lifespan

from . import api_associations, api_lists, api_oauth, api_objects, api_properties
from .config import SandboxConfig
from .errors import HubSpotError
from .state import SandboxState

__all__ = ["create_app"]


async def _hubspot_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HubSpotError)
    return JSONResponse(exc.body(), status_code=exc.status_code, headers=exc.headers)


def create_app(
    config: SandboxConfig | None = None,
    *,
    state: SandboxState | None = None,
) -> Starlette:
    """Build a sandbox app; its state is `app.state.sandbox`. Webhook delivery runs while the
    app's lifespan is active (uvicorn runs it; so does `TestClient` used as a context)."""
    sandbox = state or SandboxState(config or SandboxConfig())
    routes: list[BaseRoute] = [
        *api_oauth.routes,
        *api_objects.routes,
        *api_properties.routes,
        *api_associations.routes,
        *api_lists.routes,
    ]
    return sandbox_app(sandbox, routes, {HubSpotError: _hubspot_error},
                       lifespan=sandbox_lifespan(sandbox))
