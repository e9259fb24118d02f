"""Registers the example connector and one transform, exactly as any outside plugin would."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping
from typing import Any, ClassVar

from hub.connector import CheckResult, Connector, ConnectorSettings, Record, Stream
from hub.plugin import hookimpl


class ExampleSettings(ConnectorSettings):
    size: int = 3


class PeopleStream(Stream):
    name = "people"
    primary_key = ("id",)

    def __init__(self, size: int) -> None:
        self.size = size

    async def read(self, after: Mapping[str, Any] | None) -> AsyncIterator[list[Record]]:
        yield [{"id": i, "email": f"p{i}@example.com"} for i in range(self.size)]


class ExampleConnector(Connector[ExampleSettings]):
    id: ClassVar[str] = "example"
    settings_model = ExampleSettings
    stream_names: ClassVar[tuple[str, ...]] = ("people",)
    sandbox: ClassVar[str | None] = "hub_connector_example.sandbox"

    def stream(self, name: str, options: Mapping[str, Any] | None = None) -> Stream:
        return PeopleStream(self.settings.size)

    async def check(self) -> CheckResult:
        return CheckResult(True, "always reachable")


@hookimpl
def hub_register_connectors(register: Any) -> None:
    register.add(ExampleConnector)


@hookimpl
def hub_register_transforms(register: Any) -> None:
    register.add("shout", lambda value: str(value).upper() + "!")
