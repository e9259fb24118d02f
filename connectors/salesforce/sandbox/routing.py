"""Helpers every route module uses: the state, the version in the path, JSON bodies."""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse

from hub.testing.sandbox.routing import parse_json

from .errors import SalesforceError
from .schema import SObject
from .state import SandboxState

__all__ = ["json_response", "read_json", "sandbox_state", "sobject_of", "version_of"]


def sandbox_state(request: Request) -> SandboxState:
    return cast(SandboxState, request.app.state.sandbox)


def version_of(request: Request) -> str:
    version = str(request.path_params["version"])
    if version not in sandbox_state(request).config.api_versions:
        raise SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")
    return version


def sobject_of(request: Request) -> SObject:
    return sandbox_state(request).sobject(str(request.path_params["sobject"]))


async def read_json(request: Request) -> Any:
    try:
        return parse_json(await request.body())
    except ValueError as exc:
        raise SalesforceError(400, "JSON_PARSER_ERROR", f"Unexpected character: {exc}") from None


def json_response(body: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code)
