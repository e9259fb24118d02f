"""The sandbox's ASGI app: Salesforce's routes behind the harness's gateway, sharing one state."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from hub.testing.sandbox import sandbox_app

from . import api_bulk, api_oauth, api_query, api_sobjects
from .config import SandboxConfig
from .errors import SalesforceError
from .state import SandboxState

__all__ = ["create_app"]


async def _salesforce_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return JSONResponse(exc.body(), status_code=exc.status_code)


async def _not_found(request: Request, exc: Exception) -> Response:
    return JSONResponse([{"errorCode": "NOT_FOUND",
                          "message": "The requested resource does not exist"}], status_code=404)


def create_app(config: SandboxConfig | None = None, *,
               state: SandboxState | None = None) -> Starlette:
    """Build a sandbox app; its state is `app.state.sandbox`."""
    sandbox = state or SandboxState(config or SandboxConfig())
    routes: list[BaseRoute] = [*api_oauth.routes, *api_sobjects.routes, *api_query.routes,
                               *api_bulk.routes]
    return sandbox_app(sandbox, routes, {SalesforceError: _salesforce_error,
                                         404: _not_found, 405: _not_found})
