"""Delivery callbacks over HTTP, from the real providers' sandboxes into one receiver.

The receiver is built as a deployment builds it: the verifiers of hub.yaml's connections
(`webhook_connections`) and `Hub.messaging_app.delivery_handler()`. Messages go out through
`Hub.messaging_app.send()` to the Resend and Twilio sandboxes, which post back Svix-signed JSON
and X-Twilio-Signature'd forms, some twice and out of order; each message must end in its
right final state, each event recorded once. Forgeries are refused with each vendor's status
(Resend/Svix 401, Twilio 403) and record nothing; a texted STOP changes consent at once.
"""

from __future__ import annotations

import asyncio
import json
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import sqlalchemy as sa

from connectors.resend.sandbox import SandboxConfig as ResendConfig
from connectors.resend.sandbox import SandboxServer as ResendSandbox
from connectors.resend.sandbox.webhooks import svix_headers
from connectors.resend.webhooks import parse_events
from connectors.twilio.sandbox import SandboxConfig as TwilioConfig
from connectors.twilio.sandbox import SandboxServer as TwilioSandbox
from connectors.twilio.signature import signature
from hub.app import Hub
from hub.connector import DeliveryEvent
from hub.messaging.callbacks import delivery_status
from hub.model.messaging import DELIVERY_PRECEDENCE, EngagementType
from hub.store import StateStore
from hub.store import tables as t
from hub.testing.sandbox.faultserver import serve_asgi
from hub.web import create_webhook_app, webhook_connections
from tests.messaging.conftest import add_contact, intent, write_templates
from tests.messaging.providers import FROM, hub_yaml

EMAILS, TEXTS = 6, 6
TWILIO_FINAL = {"delivered": EngagementType.DELIVERED,
                "undelivered": EngagementType.BOUNCED_SOFT, "failed": EngagementType.FAILED}



@dataclass
class Setup:
    hub: Hub
    store: StateStore
    resend: ResendSandbox
    twilio: TwilioSandbox
    url: str  # the receiver's base URL

    def hook(self, connection: str) -> str:
        return f"{self.url}/webhooks/{connection}"


@pytest.fixture
def setup(store: StateStore, tmp_path: Path) -> Iterator[Setup]:
    resend = ResendSandbox(ResendConfig(requests_per_second=100, duplicate_rate=0.5,
                                        out_of_order=True, delivered_rate=0.6,
                                        webhook_retry_base_s=0.01)).start()
    twilio = TwilioSandbox(TwilioConfig(duplicate_rate=0.5, out_of_order=True,
                                        undelivered_rate=0.3, failed_rate=0.2,
                                        webhook_retry_base_s=0.01)).start()
    tc = twilio.config
    (tmp_path / "hub.yaml").write_text(hub_yaml(store.url, resend_url=resend.base_url,
                                                twilio_url=twilio.base_url))
    write_templates(tmp_path / "templates")
    hub = Hub(tmp_path / "hub.yaml")
    verifiers = {n: v for n, (_, v) in webhook_connections(hub.config()).items()}
    app = create_webhook_app(verifiers, hub.messaging_app.delivery_handler())
    try:
        with serve_asgi(app) as server:
            found = Setup(hub, store, resend, twilio, server.url)
            resend.config.webhook_url = found.hook("mail")  # read at each use
            tc.status_callback_url, tc.inbound_url = found.hook("sms"), found.hook("sms")
            yield found
            resend.state.contract.assert_clean()
            twilio.state.contract.assert_clean()
    finally:
        resend.stop()
        twilio.stop()
        hub.close()


def _send(setup: Setup) -> None:
    for i in range(EMAILS):
        add_contact(setup.store, f"e{i}")
    for i in range(TEXTS):
        add_contact(setup.store, f"s{i}", channel="sms", phone=f"+1415555{i:04d}")
    service = setup.hub.messaging_app.service
    service.enqueue([*(intent(f"e{i}") for i in range(EMAILS)),
                     *(intent(f"s{i}", channel="sms", template="sms") for i in range(TEXTS))])
    reports = asyncio.run(setup.hub.messaging_app.send())
    assert (reports["email"].sent, reports["sms"].sent) == (EMAILS, TEXTS)


def _statuses(store: StateStore) -> dict[str, EngagementType | None]:
    """Each sent message's delivery state, by its provider id."""
    with store.engine.connect() as conn:
        sent = conn.execute(sa.select(t.send_ledger.c.provider_message_id,
                                      t.send_ledger.c.message_id)).all()
        return {pid: delivery_status(conn, "default", mid) for pid, mid in sent}


def _events(store: StateStore) -> int:
    return store.count(t.engagement_events)


def test_duplicated_and_out_of_order_callbacks_leave_each_message_in_its_final_state(
        setup: Setup) -> None:
    _send(setup)
    assert setup.resend.state.webhooks.wait_idle(60)
    assert setup.twilio.state.callbacks.wait_idle(60)

    statuses = _statuses(setup.store)
    for message in setup.twilio.state.sent():
        assert statuses[message.sid] == TWILIO_FINAL[message.status], message.sid
    published = setup.resend.state.webhooks.published
    for email in setup.resend.state.emails.emails():
        mine = [p for p in published if p["data"]["email_id"] == email.id]
        kinds = [e.type for p in mine for e in parse_events(p)
                 if isinstance(e, DeliveryEvent) and e.type in DELIVERY_PRECEDENCE]
        assert statuses[email.id] == max(kinds, key=DELIVERY_PRECEDENCE.__getitem__)
    twilio_events = sum(1 + (m.status != "failed") for m in setup.twilio.state.sent())
    assert _events(setup.store) == len(published) + twilio_events  # each once
    assert len({s.value for s in statuses.values() if s}) > 2  # fates did differ


def _twilio_post(setup: Setup, params: list[tuple[str, str]], *, url: str | None = None,
                 token: str | None = None, send_to: str | None = None) -> httpx.Response:
    """A callback signed for `url` (the receiver's) with `token` (the account's)."""
    target = send_to or setup.hook("sms")
    sig = signature(token or setup.twilio.config.auth_token, url or target, params)
    return httpx.post(target, content=urlencode(params), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": sig})


def test_forged_twilio_callbacks_are_refused_403_and_record_nothing(setup: Setup) -> None:
    add_contact(setup.store, "s0", channel="sms", phone="+14155550000")
    params = [("MessageSid", "SM" + "1" * 32), ("MessageStatus", "delivered"),
              ("AccountSid", setup.twilio.config.account_sid), ("To", "+14155550000")]
    stop = [("MessageSid", "SM" + "2" * 32), ("SmsStatus", "received"), ("Body", "STOP"),
            ("AccountSid", setup.twilio.config.account_sid), ("From", "+14155550000")]
    forged = _twilio_post(setup, stop, token="not-the-auth-token")
    wrong_url = _twilio_post(setup, stop, url=setup.hook("sms") + "?x=1")
    signed = signature(setup.twilio.config.auth_token, setup.hook("sms"), params)
    tampered = httpx.post(setup.hook("sms"), content=urlencode(
        [*params[:1], ("MessageStatus", "failed"), *params[2:]]), headers={
        "Content-Type": "application/x-www-form-urlencoded", "X-Twilio-Signature": signed})

    assert [r.status_code for r in (forged, wrong_url, tampered)] == [403, 403, 403]
    assert "X-Twilio-Signature does not match" in tampered.json()["error"]
    assert _events(setup.store) == 0
    with setup.store.engine.connect() as conn:
        assert conn.execute(sa.select(t.consents.c.status)).scalars().all() == ["opted_in"]


def test_forged_stale_and_tampered_resend_webhooks_are_refused_401(setup: Setup) -> None:
    body = json.dumps({"type": "email.delivered", "created_at": "2026-03-10T14:00:00.000Z",
                       "data": {"email_id": "em-1", "to": ["e0@example.com"]}}).encode()
    secret = setup.resend.config.webhook_secret
    forged = svix_headers("whsec_" + "Zm9yZ2Vk" * 4, "msg_1", body)
    stale = svix_headers(secret, "msg_1", body, at=datetime.now(UTC) - timedelta(minutes=6))
    good = svix_headers(secret, "msg_1", body)
    answers = [httpx.post(setup.hook("mail"), content=content, headers={
        **headers, "Content-Type": "application/json"}) for content, headers in (
        (body, forged), (body, stale), (body.replace(b"delivered", b"bounced"), good))]

    assert [a.status_code for a in answers] == [401, 401, 401]
    assert _events(setup.store) == 0


def test_a_stop_texted_to_the_account_opts_the_number_out_at_once(setup: Setup) -> None:
    add_contact(setup.store, "s0", channel="sms", phone="+14155550000")
    setup.twilio.state.text("+14155550000", FROM, "Stop")
    assert setup.twilio.state.callbacks.wait_idle(30)

    with setup.store.engine.connect() as conn:
        consent = conn.execute(sa.select(t.consents.c.status, t.consents.c.source)).one()
        suppressed = conn.execute(sa.select(t.suppressions.c.reason)).scalars().all()
    assert tuple(consent) == ("opted_out", "twilio STOP")
    assert suppressed == ["unsubscribed"]


def test_a_stop_texted_between_two_batches_stops_the_campaign_for_that_number(
        setup: Setup) -> None:
    phones = {f"s{i}": f"+1415555{i:04d}" for i in range(4)}
    for contact, phone in phones.items():
        add_contact(setup.store, contact, channel="sms", phone=phone)
    app = setup.hub.messaging_app
    app.service.enqueue(intent(c, channel="sms", template="sms") for c in phones)
    first = asyncio.run(app.send(["sms"], budget=2))["sms"]
    reached = {m.to for m in setup.twilio.state.sent()}
    assert (first.sent, len(reached)) == (2, 2)
    stopper = sorted(set(phones.values()) - reached)[0]

    setup.twilio.state.text(stopper, FROM, "STOP")  # while the campaign is still sending
    assert setup.twilio.state.callbacks.wait_idle(30)
    rest = asyncio.run(app.send(["sms"]))["sms"]

    assert (rest.sent, rest.suppressed + sum(rest.refused.values())) == (1, 1)
    sent_to = Counter(m.to for m in setup.twilio.state.sent())
    assert stopper not in sent_to
    assert sorted(sent_to) == sorted(set(phones.values()) - {stopper})
    with setup.store.engine.connect() as conn:
        refused = conn.execute(sa.select(t.message_refusals.c.contact_id,
                                         t.message_refusals.c.reason)).all()
    contact = next(c for c, p in phones.items() if p == stopper)
    assert [r.contact_id for r in refused] == [contact]
