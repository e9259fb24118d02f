"""Small helpers every route module uses: the state, JSON bodies in HubSpot's errors, and the
harness's query helpers."""

from __future__ import annotations

from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from hub.testing.sandbox.routing import parse_json, query_flag, query_list

from .errors import HubSpotError, bad_request
from .schema import ObjectType, object_type
from .state import SandboxState

__all__ = [
    "json_response",
    "no_content",
    "query_flag",
    "query_list",
    "read_json",
    "read_object",
    "require_object_type",
    "sandbox_state",
]


def sandbox_state(request: Request) -> SandboxState:
    return cast(SandboxState, request.app.state.sandbox)


async def read_json(request: Request) -> Any:
    """The parsed JSON body, or HubSpot's 400 for a body that is not JSON."""
    try:
        return parse_json(await request.body())
    except ValueError as exc:
        raise bad_request(f"Invalid input JSON: {exc}") from None


async def read_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise bad_request("Invalid input JSON: expected an object")
    return body


def require_object_type(name: str) -> ObjectType:
    resolved = object_type(name)
    if resolved is None:
        raise HubSpotError(400, "VALIDATION_ERROR", f"Unable to infer object type from: {name}")
    return resolved


def json_response(body: Any, status_code: int = 200) -> JSONResponse:
    return JSONResponse(body, status_code=status_code)


def no_content() -> Response:
    return Response(status_code=204)
