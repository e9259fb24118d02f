"""The webhook receiver: `POST /webhooks/{connection}`, verified on the raw body first.

Each connection that receives webhooks has a `WebhookVerifier` (its connector's
`webhook_verifier()`). The receiver reads the raw body, has the verifier check the signature
and its freshness against the exact URL the vendor called, and only then parses the body and
hands it to the handler: a form (`application/x-www-form-urlencoded`, as Twilio posts) as its
fields (name → value; a repeated name → its values, in order), anything else as JSON. A
refused signature is answered with the verifier's `refused_status` (401 unless the vendor
documents another: Twilio's is 403) and nothing is recorded; an unknown connection 404; a
verified body that does not parse, or is not what the vendor sends (`WebhookPayloadError`), 400;
one the handler cannot apply yet (`TransientError`), 503, so the vendor delivers it again.

    app = create_webhook_app({"crm": connector.webhook_verifier()}, handler)
    # handler(connection, payload) may be a function (run in a worker thread: it may block
    # on the store) or a coroutine function

`inbound_handler` is the usual handler: each connection's connector turns the payload into
field changes (`parse_webhook`), and its `InboundChanges` (hub.engine.inbound) applies each
event once. From a hub.yaml, through its plugin host:

    found = webhook_connections(loaded)  # connection → (connector, verifier)
    app = create_webhook_app({n: v for n, (_, v) in found.items()},
                             inbound_handler({n: (c, inbound[n]) for n, (c, _) in found.items()}))
"""

from __future__ import annotations

import inspect
import json
import logging
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.config import LoadedConfig
from hub.connector import Connector, WebhookVerifier
from hub.connector.inbound import WebhookPayloadError
from hub.engine.inbound import InboundChanges
from hub.errors import AuthError, ConfigError, TransientError

log = logging.getLogger(__name__)

FORM = "application/x-www-form-urlencoded"

WebhookHandler = Callable[[str, Any], object]  # what it returns is not used


def create_webhook_app(verifiers: Mapping[str, WebhookVerifier], handler: WebhookHandler, *,
                       public_url: str | None = None) -> Starlette:
    """An ASGI app receiving the webhooks of the given connections.

    `public_url` is the receiver's URL as vendors call it (`https://hooks.example.com`), for a
    receiver behind a proxy that changes scheme or host; by default the request's own URL is
    used. Signatures cover the URL, so it must be exactly what the vendor called.
    """
    base = public_url.rstrip("/") if public_url else None

    async def receive(request: Request) -> Response:
        connection = request.path_params["connection"]
        verifier = verifiers.get(connection)
        if verifier is None:
            return JSONResponse({"error": f"no webhooks are received for {connection!r}"}, 404)
        body = await request.body()  # the raw bytes: the signature is over exactly these
        url = str(request.url)
        if base is not None:
            query = f"?{request.url.query}" if request.url.query else ""
            url = f"{base}{request.url.path}{query}"
        try:
            verifier.verify(request.method, url, request.headers, body)
        except AuthError as exc:
            log.warning("webhook for %r refused: %s", connection, exc)
            return JSONResponse({"error": str(exc)}, verifier.refused_status)
        try:
            payload = _parse(request.headers.get("content-type", ""), body)
        except ValueError as exc:
            return JSONResponse({"error": str(exc)}, 400)
        try:
            if inspect.iscoroutinefunction(handler):
                await handler(connection, payload)
            else:
                outcome = await run_in_threadpool(handler, connection, payload)
                if inspect.isawaitable(outcome):
                    await outcome
        except WebhookPayloadError as exc:
            log.warning("webhook for %r not understood: %s", connection, exc)
            return JSONResponse({"error": str(exc)}, 400)
        except TransientError as exc:  # not now: the vendor delivers it again later
            log.info("webhook for %r deferred: %s", connection, exc)
            return JSONResponse({"error": str(exc)}, 503)
        return Response(status_code=204)

    return Starlette(routes=[Route("/webhooks/{connection}", receive, methods=["POST"])])


def _parse(content_type: str, body: bytes) -> Any:
    """A verified body's payload: a form's fields, or the JSON document."""
    if content_type.split(";")[0].strip().lower() == FORM:
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True,
                              strict_parsing=bool(body))
        except (UnicodeDecodeError, ValueError):
            raise ValueError("the body is not a well-formed form") from None
        fields: dict[str, Any] = {}
        for name, value in pairs:
            seen = fields.get(name)
            fields[name] = value if seen is None else [*(seen if isinstance(seen, list)
                                                         else [seen]), value]
        return fields
    try:
        return json.loads(body)
    except ValueError:
        raise ValueError("the body is not JSON") from None


def inbound_handler(
        paths: Mapping[str, tuple[Connector[Any], InboundChanges]]) -> WebhookHandler:
    """A handler feeding each connection's payloads, through its connector's
    `parse_webhook`, to its inbound path: any connector's webhooks, bundled or third-party.

    An apply that fails raises out of the handler (500), so the vendor delivers again and the
    events it left unclaimed are applied then.
    """

    def handle(connection: str, payload: Any) -> None:
        path = paths.get(connection)
        if path is None:
            raise WebhookPayloadError(f"no inbound path for {connection!r}")
        connector, inbound = path
        inbound.handle(connector.parse_webhook(payload))

    return handle


def webhook_connections(loaded: LoadedConfig) -> dict[str, tuple[Connector[Any],
                                                                 WebhookVerifier]]:
    """Each connection whose connector receives webhooks and is set up to (its verifier
    builds), with that verifier; connectors are found through the config's plugin host."""
    found: dict[str, tuple[Connector[Any], WebhookVerifier]] = {}
    for name in loaded.config.connections:
        connector = loaded.connector(name)
        try:
            found[name] = connector, connector.webhook_verifier()
        except ConfigError as exc:
            log.info("connection %r receives no webhooks: %s", name, exc)
    return found


def verifiers_from_config(loaded: LoadedConfig) -> dict[str, WebhookVerifier]:
    """A verifier for every connection whose connector can verify webhooks and is set up to."""
    return {name: verifier for name, (_, verifier) in webhook_connections(loaded).items()}
