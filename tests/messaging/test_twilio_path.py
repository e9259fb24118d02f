"""The send path with a real channel provider: the Twilio connector's sender, against the
Twilio sandbox over loopback (every request held to Twilio's official OpenAPI)."""

from __future__ import annotations

from collections.abc import Callable

import sqlalchemy as sa

from connectors.twilio.sandbox import SandboxServer
from hub.messaging.worker import outbound
from hub.store import StateStore
from hub.store import tables as t
from tests.connectors.twilio.conftest import TO, connection
from tests.connectors.twilio.conftest import start_twilio_sandbox as start_twilio_sandbox
from tests.connectors.twilio.conftest import twilio_sandbox as twilio_sandbox
from tests.messaging.conftest import NO_WAIT, MakeMessaging, add_contact, intent

OPTED_OUT = "+15005550004"  # the sandbox's magic number: the recipient replied STOP
SMS = {"channel": "sms", "template": "sms"}


async def test_sms_sent_through_twilio_and_its_refusals_recorded(
        store: StateStore, make_messaging: MakeMessaging, twilio_sandbox: SandboxServer) -> None:
    add_contact(store, "ann", channel="sms", phone=TO)
    add_contact(store, "stopped", channel="sms", phone=OPTED_OUT)
    add_contact(store, "no-consent", channel="sms", consent="opted_out", phone="+14155550199")
    messaging = make_messaging()
    messaging.enqueue(intent(c, **SMS) for c in ["ann", "stopped", "no-consent"])
    connector = connection(twilio_sandbox)
    try:
        report = await messaging.worker(connector.sender(), "sms", retry=NO_WAIT).run()
    finally:
        await connector.aclose()
    (sent,) = twilio_sandbox.state.sent()
    assert (sent.to, sent.body) == (TO, "Hi Ann-ann: 10% off today. Reply STOP to opt out")
    assert (report.sent, report.suppressed, report.refused) == (1, 1, {"no_consent": 1})
    with store.engine.connect() as conn:
        ledger = dict(conn.execute(sa.select(t.send_ledger.c.contact_id,
                                             t.send_ledger.c.provider_message_id)).all())
        suppressed = dict(conn.execute(sa.select(t.suppressions.c.contact_id,
                                                 t.suppressions.c.reason)).all())
    assert ledger["ann"] == sent.sid
    assert suppressed == {"stopped": "unsubscribed"}


async def test_a_lost_outcome_is_reconciled_with_twilio_not_sent_twice(
        store: StateStore, make_messaging: MakeMessaging,
        start_twilio_sandbox: Callable[..., SandboxServer]) -> None:
    sandbox = start_twilio_sandbox()
    add_contact(store, "ann", channel="sms", phone=TO)
    messaging = make_messaging()
    messaging.enqueue([intent("ann", **SMS)])
    connector = connection(sandbox)
    try:
        worker = messaging.worker(connector.sender(), "sms", retry=NO_WAIT)
        with store.transaction() as tx:
            reservation = worker.reserver.reserve(
                tx.conn, worker.reserver.candidates(tx.conn, "sms", messaging.clock(), 1),
                messaging.clock())
        await worker.sender.send([outbound(r) for r in reservation.rows])  # … then a crash
        report = await worker.run()
    finally:
        await connector.aclose()
    (sent,) = sandbox.state.sent()
    assert (report.recovered, report.sent) == (1, 1)
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(t.send_ledger.c.provider_message_id)).scalar() == sent.sid
