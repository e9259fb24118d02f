"""The receiver finds each connection's webhook parser through its connector, as the plugin
host loads it: a third-party connector's webhooks reach the core's inbound path exactly as
HubSpot's do, over real HTTP on loopback into a real store."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from hub.config import LoadedConfig, load_config
from hub.engine.inbound import Authority, ConflictPolicy, InboundChanges, InboundUpdate
from hub.errors import ConfigError
from hub.plugin.host import PluginHost
from hub.store import StateStore
from hub.testing.sandbox.faultserver import serve_asgi
from hub.web import create_webhook_app, inbound_handler, webhook_connections
from tests.web import acme_webhooks
from tests.web.acme_webhooks import sign

SECRET = "whsec-acme"


@dataclass
class Receiver:
    url: str
    updates: list[InboundUpdate] = field(default_factory=list)


@pytest.fixture
def loaded(tmp_path: Path, sqlite_url: str) -> LoadedConfig:
    """A hub.yaml with a third-party connector (the host's entry points, plus Acme's)."""
    (tmp_path / "hub.yaml").write_text(
        "version: 1\n"
        "connections:\n"
        f"  crm: {{connector: acme, signing_secret: {SECRET}}}\n"
        f"  warehouse: {{connector: sql, url: '{sqlite_url}'}}\n")
    host = PluginHost(extra_plugins={"acme": acme_webhooks}).load()
    return load_config(tmp_path / "hub.yaml", host=host)


@pytest.fixture
def receiver(loaded: LoadedConfig, sqlite_url: str) -> Iterator[Receiver]:
    """The receiver built from hub.yaml's connections, feeding a real store's inbound path."""
    store = StateStore(sqlite_url)
    store.upgrade()
    found = Receiver("")
    connections = webhook_connections(loaded)
    assert set(connections) == {"crm"}  # `warehouse`'s connector receives no webhooks
    inbound = InboundChanges(store, "acme", ConflictPolicy(default=Authority.VENDOR),
                             apply=lambda _tx, update: found.updates.append(update))
    app = create_webhook_app(
        {name: verifier for name, (_, verifier) in connections.items()},
        inbound_handler({name: (connector, inbound)
                         for name, (connector, _) in connections.items()}))
    try:
        with serve_asgi(app) as server:
            found.url = f"{server.url}/webhooks/crm"
            yield found
    finally:
        store.close()


def post(url: str, payload: Any, secret: str = SECRET) -> httpx.Response:
    body = json.dumps(payload).encode()
    return httpx.post(url, content=body, headers={"X-Acme-Signature": sign(secret, body),
                                                  "Content-Type": "application/json"})


def event(event_id: str, field: str, value: str, at: str) -> dict[str, str]:
    return {"id": event_id, "contact": "7", "field": field, "value": value, "at": at}


def test_a_third_party_connectors_webhook_is_applied_once(receiver: Receiver) -> None:
    delivery = {"events": [event("ev1", "email", "ada@acme.test", "2025-06-01T12:00:00+00:00"),
                           event("ev2", "city", "London", "2025-06-01T12:00:01+00:00")]}

    first = post(receiver.url, delivery)
    again = post(receiver.url, delivery)  # Acme delivers at least once

    assert (first.status_code, again.status_code) == (204, 204)
    assert [(u.provider, u.external_id, u.values) for u in receiver.updates] == [
        ("acme", "7", {"email": "ada@acme.test", "city": "London"})]


def test_what_its_parser_refuses_is_answered_400(receiver: Receiver) -> None:
    answer = post(receiver.url, [{"id": "ev1"}])

    assert answer.status_code == 400
    assert answer.json() == {"error": "an Acme webhook is an object with an `events` list"}
    assert receiver.updates == []


def test_a_forged_delivery_is_refused_before_parsing(receiver: Receiver) -> None:
    answer = post(receiver.url, {"events": [event("ev1", "email", "x", "2025-06-01T12:00:00Z")]},
                  secret="forged")

    assert answer.status_code == 401
    assert receiver.updates == []


def test_a_connector_without_webhooks_refuses_to_parse_one(loaded: LoadedConfig) -> None:
    with pytest.raises(ConfigError, match="connector 'sql' receives no webhooks"):
        loaded.connector("warehouse").parse_webhook({"events": []})


def test_one_receiver_serves_field_changes_beside_delivery_callbacks(
        loaded: LoadedConfig, tmp_path: Path) -> None:
    from hub.app import Hub

    host = PluginHost(extra_plugins={"acme": acme_webhooks}).load()
    updates: list[InboundUpdate] = []
    with Hub(tmp_path / "hub.yaml", host=host) as hub:
        hub.store().upgrade()
        inbound = InboundChanges(hub.store(), "acme", ConflictPolicy(default=Authority.VENDOR),
                                 apply=lambda _tx, update: updates.append(update))
        app = create_webhook_app({n: v for n, (_, v) in webhook_connections(loaded).items()},
                                 hub.messaging_app.delivery_handler(inbound={"crm": inbound}))
        with serve_asgi(app) as server:
            answer = post(f"{server.url}/webhooks/crm", {"events": [
                event("ev1", "city", "Paris", "2025-06-01T12:00:00+00:00")]})
        with pytest.raises(ConfigError, match="'warehouse' receives no field-change webhooks"):
            hub.messaging_app.delivery_handler(inbound={"warehouse": inbound})

    assert answer.status_code == 204
    assert [(u.external_id, u.values) for u in updates] == [("7", {"city": "Paris"})]
