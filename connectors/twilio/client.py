"""The SDK's client, pointed at the connection's base URL, and its blocking calls run off the
event loop.

Why the SDK rather than the hub's HTTP stack: Twilio's API is form-encoded with capitalised
names (`To`, `From`, `StatusCallback`, `DateSent>`), pages by `next_page_uri`, and answers
errors the SDK already reads into `TwilioRestException(status, code, msg)`; its
`RequestValidator` is the reference for callback signatures. Each send is one call, paced by
the shared limiter, so the SDK's thread per call costs nothing at SMS rates.

Pointed elsewhere by setting `client.api.base_url` (how the SDK builds every URL:
`<base_url>/2010-04-01/Accounts/<sid>/Messages.json`), with edge and region cleared so the
SDK never rewrites the host. Its HTTP client is built with `max_retries=0` (the SDK retries
nothing then, over http or https): retrying is the engine's, and a retried SMS could be sent
twice.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from .errors import hub_error
from .settings import TwilioSettings

if TYPE_CHECKING:
    from twilio.rest import Client

__all__ = ["build_client", "call"]

T = TypeVar("T")


def build_client(settings: TwilioSettings) -> Client:
    from twilio.http.http_client import TwilioHttpClient
    from twilio.rest import Client

    http = TwilioHttpClient(timeout=settings.timeout, max_retries=0)
    if settings.key_sid is not None and settings.key_secret is not None:
        client = Client(settings.key_sid, settings.key_secret.get_secret_value(),
                        settings.account_sid, http_client=http)
    else:
        assert settings.auth_token is not None  # the settings require one credential
        client = Client(settings.account_sid, settings.auth_token.get_secret_value(),
                        http_client=http)
    client.edge = client.region = None  # never from TWILIO_EDGE/TWILIO_REGION: keep the host
    client.api.base_url = settings.api_url
    return client


async def call(fn: Callable[[], T], where: str) -> T:
    """Run one blocking SDK call in a worker thread; a failure as the hub's error (a refused
    send is read by the sender itself, by its code)."""
    try:
        return await asyncio.to_thread(fn)
    except Exception as exc:
        error = hub_error(exc, where)
        if error is None:
            raise
        raise error from exc
