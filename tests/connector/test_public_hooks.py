"""Connectors extend the author kit through its documented hooks only: none overrides a private
name (one starting with `_`) of a kit class, which the kit may rename or stop calling."""

from __future__ import annotations

import importlib
import inspect
from dataclasses import replace
from pathlib import Path

from hub_connector_example.plugin import ExampleConnector, ExampleSettings

from hub.connector import ClientOptions, HttpConnector

ROOT = Path(__file__).resolve().parents[2]
KIT = ("hub.connector", "hub.http")


def connector_modules() -> list[str]:
    """Every module of the bundled connectors (their sandboxes stand on another kit)."""
    found = []
    for path in sorted((ROOT / "connectors").rglob("*.py")):
        parts = path.relative_to(ROOT).with_suffix("").parts
        if "sandbox" not in parts:
            found.append(".".join(p for p in parts if p != "__init__"))
    return found


def _is_method(value: object) -> bool:
    return inspect.isfunction(value) or isinstance(value, property | classmethod | staticmethod)


def private_overrides(cls: type) -> set[str]:
    """`Class._name` for each private method of a kit base class that `cls` redefines."""
    own = set(vars(cls))
    found = set()
    for base in cls.__mro__[1:]:
        if base.__module__.startswith(KIT):
            private = {n for n, v in vars(base).items()
                       if n.startswith("_") and not n.endswith("__") and _is_method(v)}
            found |= {f"{cls.__qualname__}.{n}" for n in own & private}
    return found


def test_no_connector_overrides_a_private_name_of_the_kit() -> None:
    modules = connector_modules()
    overrides = set()
    for name in modules:
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name:
                overrides |= {f"{name}: {o}" for o in private_overrides(cls)}

    assert "connectors.hubspot.connector" in modules
    assert overrides == set()


def test_an_override_of_a_private_name_is_found() -> None:
    class Sneaky(HttpConnector):  # type: ignore[type-arg]
        id = "sneaky"

        def _limiter(self) -> None:
            return None

    assert private_overrides(Sneaky) == {f"{Sneaky.__qualname__}._limiter"}


def test_client_options_is_the_hook_that_changes_the_client() -> None:
    class Tagged(ExampleConnector):
        def client_options(self) -> ClientOptions:
            return replace(super().client_options(), headers={"X-Tag": "blue"}, limiter=None)

    connector = Tagged(ExampleSettings(api_key="k", timeout=3.0))
    client = connector.client

    assert client.headers["X-Tag"] == "blue"
    assert client.limiter is None  # the override's, not the connector's default pace
    assert str(client.base_url) == "https://api.example.com"  # the rest as the kit builds it
    assert client.timeout.read == 3.0


def test_the_hubspot_client_shares_the_sdks_limiter_and_policy() -> None:
    from connectors.hubspot import HubSpotConnector, HubSpotSettings

    hubspot = HubSpotConnector(HubSpotSettings(access_token="token"))

    assert hubspot.client.limiter is hubspot.api.limiter
    assert hubspot.client.policy is hubspot.api.policy
