"""Resend's webhooks through the hub's receiver: verified with svix on the raw body, parsed into
delivery events and opt-outs; forged, stale and tampered deliveries refused, redeliveries
recognisable by their event id."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from connectors.resend.sandbox import DEFAULT_WEBHOOK_SECRET, SandboxServer, svix_headers
from hub.connector.messaging import DeliveryEvent, OptOut
from hub.testing.sandbox import LoopbackServer
from hub.web.webhooks import create_webhook_app

from .conftest import API_KEY
from .helpers import connect


class Collected:
    """What the receiver's handler was given, parsed by the connector."""

    def __init__(self) -> None:
        self.reports: list[DeliveryEvent | OptOut] = []
        self.payloads = 0
        self._changed = threading.Condition()

    def add(self, found: list[DeliveryEvent | OptOut]) -> None:
        with self._changed:
            self.reports.extend(found)
            self.payloads += 1
            self._changed.notify_all()

    def wait_for(self, payloads: int, timeout: float = 30.0) -> None:
        with self._changed:
            self._changed.wait_for(lambda: self.payloads >= payloads, timeout)

    def events(self) -> list[DeliveryEvent]:
        return [r for r in self.reports if isinstance(r, DeliveryEvent)]


@pytest.fixture
def receiver(resend_sandbox: SandboxServer) -> Iterator[tuple[str, Collected]]:
    """The hub's webhook receiver for a connection `mail` to the sandbox, on loopback."""
    connector = connect(resend_sandbox)
    collected = Collected()
    app = create_webhook_app({"mail": connector.webhook_verifier()},
                             lambda _, payload: collected.add(connector.parse_callback(payload)))
    with LoopbackServer(app, name="hub webhooks") as server:
        yield f"{server.base_url}/webhooks/mail", collected


def send(sandbox: SandboxServer, count: int) -> None:
    batch = [{"from": "Shop <news@shop.example>", "to": f"p{i}@example.com", "subject": "Hi",
              "html": '<a href="https://shop.example/cart">cart</a>'} for i in range(count)]
    answer = httpx.post(sandbox.base_url + "/emails/batch", json=batch,
                        headers={"Authorization": f"Bearer {API_KEY}"})
    assert answer.status_code == 200


def test_the_sandboxs_events_arrive_verified_and_redeliveries_share_an_id(
        resend_sandbox: SandboxServer, receiver: tuple[str, Collected]) -> None:
    url, collected = receiver
    cfg = resend_sandbox.config
    cfg.webhook_url, cfg.duplicate_rate, cfg.out_of_order = url, 0.5, True
    cfg.delivered_rate, cfg.opened_rate, cfg.clicked_rate = 0.8, 0.5, 0.5
    send(resend_sandbox, 20)
    webhooks = resend_sandbox.state.webhooks
    assert webhooks.wait_idle(60)

    events = collected.events()
    assert collected.payloads == webhooks.delivered_events  # every delivery got through
    assert all(a.succeeded for a in webhooks.attempts)
    assert len(events) > len(webhooks.published)  # duplicates were delivered …
    assert len({e.event_id for e in events}) == len(webhooks.published)  # … and recognisable


def test_a_complaint_reports_the_event_and_the_opt_out(
        resend_sandbox: SandboxServer, receiver: tuple[str, Collected]) -> None:
    url, collected = receiver
    cfg = resend_sandbox.config
    cfg.webhook_url, cfg.delivered_rate, cfg.complained_rate, cfg.opened_rate = url, 1, 1, 0
    send(resend_sandbox, 1)
    assert resend_sandbox.state.webhooks.wait_idle(60)

    opt_outs = [r for r in collected.reports if isinstance(r, OptOut)]
    complaint, = (e for e in collected.events() if e.type.value == "complained")
    assert [(o.address, o.subscribed, o.channel.value) for o in opt_outs] == [
        ("p0@example.com", False, "email")]
    assert opt_outs[0].event_id == complaint.event_id


BODY = json.dumps({"type": "email.delivered", "created_at": "2026-12-07T10:00:00.000Z",
                   "data": {"email_id": "e-1", "created_at": "2026-12-07T09:59:59.000Z",
                            "from": "news@shop.example", "to": ["ada@example.com"],
                            "subject": "Hi"}}).encode()


@pytest.fixture
def hub_receiver(resend_sandbox: SandboxServer) -> Iterator[tuple[str, list[Any]]]:
    connector = connect(resend_sandbox)
    handled: list[Any] = []
    app = create_webhook_app({"mail": connector.webhook_verifier()},
                             lambda _, payload: handled.extend(connector.parse_callback(payload)))
    with LoopbackServer(app, name="hub webhooks") as server:
        yield f"{server.base_url}/webhooks/mail", handled


def deliver(url: str, headers: dict[str, str], body: bytes = BODY) -> int:
    answer = httpx.post(url, content=body,
                        headers={"content-type": "application/json", **headers})
    return answer.status_code


def test_a_signed_fresh_delivery_is_accepted_and_its_replay_is_a_duplicate(
        hub_receiver: tuple[str, list[Any]]) -> None:
    url, handled = hub_receiver
    headers = svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_1", BODY)

    assert deliver(url, headers) == 204
    assert deliver(url, headers) == 204  # a replay inside the five minutes …
    assert len(handled) == 2
    assert handled[0].event_id == handled[1].event_id  # … is the same event, dropped by id


def sign_forged(body: bytes) -> dict[str, str]:
    return svix_headers("whsec_" + "Zm9yZ2VkLWtleS1mb3ItdGVzdHM=", "msg_1", body)


REFUSED: dict[str, Callable[[], tuple[dict[str, str], bytes]]] = {
    "forged": lambda: (sign_forged(BODY), BODY),
    "stale": lambda: (svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_1", BODY,
                                   datetime.now(UTC) - timedelta(minutes=6)), BODY),
    "from the future": lambda: (svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_1", BODY,
                                             datetime.now(UTC) + timedelta(minutes=6)), BODY),
    "tampered": lambda: (svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_1", BODY),
                         BODY.replace(b"ada@", b"eve@")),
    "unsigned": lambda: ({}, BODY),
    "not base64": lambda: ({**svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_1", BODY),
                            "svix-signature": "v1,@@@"}, BODY),
    "another id": lambda: ({**svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_1", BODY),
                            "svix-id": "msg_2"}, BODY),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_bad_delivery_is_refused_401_and_nothing_is_recorded(
        case: str, hub_receiver: tuple[str, list[Any]]) -> None:
    url, handled = hub_receiver
    headers, body = REFUSED[case]()

    assert deliver(url, headers, body) == 401
    assert handled == []


def test_a_verified_body_that_is_not_resends_is_answered_400(
        hub_receiver: tuple[str, list[Any]]) -> None:
    url, handled = hub_receiver
    body = b'{"type": "email.delivered"}'

    assert deliver(url, svix_headers(DEFAULT_WEBHOOK_SECRET, "msg_9", body), body) == 400
    assert handled == []
