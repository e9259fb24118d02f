"""The example connector: a REST API's people read and written through the hub's kit.

Registered exactly as any outside plugin is: an entry point of the group `hub` names this
module, whose `hub_register_*` hooks add the connector and a transform. `sandbox.py` next to it
is a local emulator of the API, for tests and demos.
"""

from __future__ import annotations

from typing import Any, ClassVar

import httpx
from pydantic import Field, SecretStr

from hub import (
    BatchSink,
    BearerToken,
    HttpConnector,
    HttpConnectorSettings,
    Options,
    Policy,
    RateLimit,
    RestStream,
    TokenPaginator,
    hookimpl,
)


class ExampleSettings(HttpConnectorSettings):
    api_key: SecretStr = Field(description="the API key, sent as a bearer token")


class PeopleOptions(Options):
    page_size: int = Field(default=100, gt=0, le=500)


class PeopleStream(RestStream["ExampleConnector", PeopleOptions]):
    """People changed since the checkpoint, oldest change first, ties in id order."""

    path = "/v1/{name}"
    primary_key = ("id",)
    cursor_field = "updated_at"
    cursor_param = "updated_since"  # the API answers updated_at >= this value
    params = {"sort": "updated_at,id"}

    def __init__(self, connector: ExampleConnector, name: str, options: PeopleOptions) -> None:
        super().__init__(connector, name, options)
        self.paginator = TokenPaginator(param="page_token", token="next_page_token",
                                        size=options.page_size)


class PeopleSinkOptions(Options):
    batch_size: int = Field(default=100, gt=0, le=100)


class PeopleSink(BatchSink["ExampleConnector", PeopleSinkOptions]):
    """People upserted by email, 100 to a call; the API names each refused one by index."""

    path = "/v1/{name}/batch"


class ExampleConnector(HttpConnector[ExampleSettings]):
    id: ClassVar[str] = "example"
    settings_model = ExampleSettings
    description = "Example People API: people in and out (a kit demo)"
    default_base_url = "https://api.example.com"
    policy = Policy(vendor="Example")
    default_rate_limit = RateLimit(requests=50, per_seconds=1)
    check_path = "/v1/me"
    streams = {"people": (PeopleStream, PeopleOptions)}
    sinks = {"people": (PeopleSink, PeopleSinkOptions)}
    sandbox = "hub_connector_example.sandbox"

    def auth(self) -> httpx.Auth:
        return BearerToken(self.settings.api_key.get_secret_value())


@hookimpl
def hub_register_connectors(register: Any) -> None:
    register.add(ExampleConnector)


@hookimpl
def hub_register_transforms(register: Any) -> None:
    register.add("shout", lambda value: str(value).upper() + "!")
