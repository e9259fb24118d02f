"""`POST /services/oauth2/token` and `GET /services/data/` (the versions the org serves)."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import GrantError
from .routing import json_response, sandbox_state

__all__ = ["routes"]


async def token(request: Request) -> Response:
    # Parsed by hand: the endpoint takes a form, and python-multipart is not needed for one.
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    instance_url = f"{request.url.scheme}://{request.url.netloc}"
    try:
        return json_response(sandbox_state(request).sessions.grant(form, instance_url))
    except GrantError as exc:
        return json_response(exc.body(), 400)


async def versions(request: Request) -> Response:
    return json_response([
        {"label": "Sandbox", "url": f"/services/data/v{v}", "version": v}
        for v in sandbox_state(request).config.api_versions])


routes = [
    Route("/services/oauth2/token", token, methods=["POST"]),
    Route("/services/data", versions, methods=["GET"]),
    Route("/services/data/", versions, methods=["GET"]),
]
