"""The routes: Twilio's Account fetch and Messages create, list and fetch, and the sandbox's
own `POST /sandbox/inbound` (From, To, Body) that texts the account as a person would."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .errors import TwilioError
from .messages import DateFilter
from .shapes import API_VERSION, rfc2822
from .state import SandboxState

__all__ = ["routes"]

ACCOUNT = f"/{API_VERSION}/Accounts/{{account}}"
_DATE_PARAMS = {"DateSent": "=", "DateSent>": ">=", "DateSent<": "<="}
Handler = Callable[[Request, SandboxState], Awaitable[dict[str, Any]]]


def _state(request: Request) -> SandboxState:
    state = request.app.state.sandbox
    assert isinstance(state, SandboxState)
    return state


def twilio_route(handler: Handler, status: int = 200) -> Callable[[Request], Awaitable[Response]]:
    """A Twilio API route: the path's account checked, one concurrent slot held while it runs
    (`processing_s` of it), the answer in JSON."""

    async def endpoint(request: Request) -> Response:
        state = _state(request)
        account = request.path_params["account"]
        if account != state.config.account_sid:
            raise TwilioError(20404, 404, path=request.url.path)
        with state.slot():
            if state.config.processing_s > 0:
                await asyncio.sleep(state.config.processing_s)
            return JSONResponse(await handler(request, state), status_code=status)

    return endpoint


async def _form(request: Request) -> dict[str, str]:
    return dict(parse_qsl((await request.body()).decode("utf-8"), keep_blank_values=True))


async def fetch_account(request: Request, state: SandboxState) -> dict[str, Any]:
    cfg = state.config
    created = rfc2822(state.messages.created_at)
    return {
        "auth_token": cfg.auth_token, "date_created": created, "date_updated": created,
        "friendly_name": cfg.friendly_name, "owner_account_sid": cfg.account_sid,
        "sid": cfg.account_sid, "status": "active", "subresource_uris": {},
        "type": "Full", "uri": f"/{API_VERSION}/Accounts/{cfg.account_sid}.json",
    }


async def create_message(request: Request, state: SandboxState) -> dict[str, Any]:
    return state.send(await _form(request))


async def list_messages(request: Request, state: SandboxState) -> dict[str, Any]:
    query = request.query_params
    try:
        dates = [DateFilter.parse(op, query[name]) for name, op in _DATE_PARAMS.items()
                 if name in query]
        size = min(1000, max(1, int(query.get("PageSize", state.config.page_size))))
        number = int(query.get("Page", "0"))
    except ValueError as exc:
        raise TwilioError(20001, 400, detail=str(exc)) from None
    page = state.messages.page(to=query.get("To"), from_=query.get("From"), dates=dates,
                               size=size, after=query.get("PageToken"))
    path = request.url.path
    kept = [(k, v) for k, v in query.multi_items() if k not in ("Page", "PageToken")]
    first = f"{path}?{urlencode([*kept, ('Page', '0')])}"
    following = None if page.next_token is None else (
        f"{path}?{urlencode([*kept, ('Page', str(number + 1)), ('PageToken', page.next_token)])}")
    return {
        "end": number * size + max(0, len(page.messages) - 1), "first_page_uri": first,
        "messages": [m.to_json() for m in page.messages], "next_page_uri": following,
        "page": number, "page_size": size, "previous_page_uri": None,
        "start": number * size, "uri": f"{path}?{request.url.query}",
    }


async def fetch_message(request: Request, state: SandboxState) -> dict[str, Any]:
    message = state.messages.get(request.path_params["sid"])
    if message is None:
        raise TwilioError(20404, 404, path=request.url.path)
    return message.to_json()


async def text_the_account(request: Request) -> Response:
    """The sandbox's own: a person texts `Body` from `From` to the account's number `To`."""
    form = await _form(request)
    missing = [name for name in ("From", "To", "Body") if not form.get(name)]
    if missing:
        return JSONResponse({"message": f"give {', '.join(missing)}"}, 400)
    message = _state(request).text(form["From"], form["To"], form["Body"])
    return JSONResponse(message.to_json(), 201)


routes = [
    Route(f"/{API_VERSION}/Accounts/{{account}}.json", twilio_route(fetch_account),
          methods=["GET"]),
    Route(f"{ACCOUNT}/Messages.json", twilio_route(create_message, 201), methods=["POST"]),
    Route(f"{ACCOUNT}/Messages.json", twilio_route(list_messages), methods=["GET"]),
    Route(f"{ACCOUNT}/Messages/{{sid}}.json", twilio_route(fetch_message), methods=["GET"]),
    Route("/sandbox/inbound", text_the_account, methods=["POST"]),
]
