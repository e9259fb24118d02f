"""`POST /oauth/v1/token`: exchange a refresh token (or an auth code) for an access token."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from .auth import OAuthError
from .routing import json_response, sandbox_state

__all__ = ["routes"]


async def token(request: Request) -> Response:
    # Parsed by hand: HubSpot takes application/x-www-form-urlencoded, and this avoids needing
    # python-multipart just for one endpoint.
    form = dict(parse_qsl((await request.body()).decode("utf-8", "replace")))
    try:
        return json_response(sandbox_state(request).tokens.token_response(form))
    except OAuthError as exc:
        return json_response(exc.body(), 400)


routes = [Route("/oauth/v1/token", token, methods=["POST"])]
