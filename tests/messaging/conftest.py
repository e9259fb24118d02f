"""Fixtures for the send path: contacts with consents, a templates folder, a messaging
service on a fixed clock, and the faithful test sender."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from hub.http.retry import RetryPolicy
from hub.messaging.config import messaging_from_config
from hub.messaging.intents import Intent
from hub.messaging.service import Messaging
from hub.store import StateStore
from hub.store import tables as t

NOW = datetime(2026, 3, 10, 14, 0, tzinfo=UTC)  # a Tuesday afternoon in Europe
NO_WAIT = RetryPolicy(attempts=3, base_wait=0.0, max_wait=0.0)

TEMPLATES = {
    "hello": {
        "subject.liquid": "Hello {{ contact.first_name }}",
        "preheader.liquid": "News for you",
        "html.liquid": "<p>Hi {{ contact.first_name }}</p>\n"
                       "<a href=\"{{ unsubscribe_url }}\">Unsubscribe</a>",
        "text.liquid": "Hi {{ contact.first_name }}\nUnsubscribe: {{ unsubscribe_url }}",
    },
    "cart": {
        "subject.liquid": "You left {{ products | size }} items",
        "text.liquid": "Hi {{ contact.first_name }}, your cart is worth {{ cart_value }}.\n"
                       "{% for p in products %}- {{ p.name }}\n{% endfor %}"
                       "Unsubscribe: {{ unsubscribe_url }}",
    },
    "sms": {"text.liquid": "Hi {{ contact.first_name }}: 10% off today. Reply STOP to opt out"},
}


def write_templates(folder: Path, templates: dict[str, dict[str, str]] = TEMPLATES) -> Path:
    for name, parts in templates.items():
        (folder / name).mkdir(parents=True, exist_ok=True)
        for part, text in parts.items():
            (folder / name / part).write_text(text)
    return folder


def add_contact(store: StateStore, contact_id: str, *, consent: str | None = "opted_in",
                channel: str = "email", suppressed: str | None = None,
                time_zone: str | None = "Europe/Paris", tenant: str = "default",
                email: str | None = None, phone: str | None = None) -> None:
    with store.transaction() as tx:
        tx.conn.execute(t.contacts.insert().values(
            tenant=tenant, id=contact_id, email=email or f"{contact_id}@example.com",
            phone=phone or f"+3361234{abs(hash(contact_id)) % 10000:04d}",
            first_name=f"Ann-{contact_id}", time_zone=time_zone, properties={},
            external_ids={}))
        if consent:
            tx.conn.execute(t.consents.insert().values(
                tenant=tenant, contact_id=contact_id, channel=channel, topic="", status=consent,
                source="signup form", recorded_at=NOW - timedelta(days=30)))
        if suppressed:
            tx.conn.execute(t.suppressions.insert().values(
                tenant=tenant, contact_id=contact_id, channel=channel, reason=suppressed,
                recorded_at=NOW - timedelta(days=3)))


def intent(contact_id: str, source: str = "spring-sale", **kw: Any) -> Intent:
    values: dict[str, Any] = {"channel": "email", "template": "hello", "bucket": NOW.date()}
    values.update(kw)
    return Intent(contact_id=contact_id, source=source, **values)


class Clock:
    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def templates_dir(tmp_path: Path) -> Path:
    return write_templates(tmp_path / "templates")


@pytest.fixture
def clock() -> Clock:
    return Clock()


MakeMessaging = Callable[..., Messaging]


@pytest.fixture
def make_messaging(store: StateStore, templates_dir: Path, clock: Clock) -> MakeMessaging:
    def make(settings: dict[str, Any] | None = None, **kw: Any) -> Messaging:
        raw = {"unsubscribe": {"url": "https://shop.example/unsubscribe", "secret": "s3cret"},
               "from": {"email": "Shop <news@shop.example>"}, **(settings or {})}
        return Messaging(kw.get("store", store), messaging_from_config(None, raw),
                         tenant="default", templates_dir=templates_dir, clock=clock)
    return make
