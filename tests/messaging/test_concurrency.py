"""Consent is absolute and caps hold, with 4 senders racing on PostgreSQL (invariant 4).

Hypothesis draws contacts (consents, suppressions, time zones), their send histories, a queue
of intents and the hour it is; four workers, each with its own connection pool and provider,
then send that queue at once. Whatever they drew and however the race went: no message
reached a contact without consent or with a suppression, no cap or once-per-24-h rule was
exceeded, no SMS went out in the contact's quiet hours, no key was sent twice, and every
intent ended sent, refused or deferred.

SMS opt-outs come as Twilio posts them (an inbound STOP, through the connector's
`parse_callback` and the core's callbacks): a contact who texted STOP before the race gets
nothing; one who texts it while the four senders race gets nothing queued after it.
"""

from __future__ import annotations

import asyncio
import threading
from collections import Counter
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from connectors.twilio.callbacks import parse_callback
from hub.messaging.callbacks import Callbacks
from hub.messaging.config import messaging_from_config
from hub.messaging.service import Messaging
from hub.model.people import Channel
from hub.store import StateStore
from hub.store import tables as t
from tests.messaging.conftest import NO_WAIT, NOW, Clock, add_contact, intent, write_templates
from tests.messaging.sender import RecordingSender

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

WORKERS = 4
ZONES = ["Europe/Paris", "Asia/Tokyo", "America/Los_Angeles", "Pacific/Auckland", None]
CAMPAIGNS = ["spring", "win_back", "vip"]
SETTINGS: dict[str, Any] = {"caps": {"email": {"per_week": 3, "per_day": 2},
                     "sms": {"per_week": 2, "per_day": 1}},
            "unsubscribe": {"secret": "s"}}

contacts = st.lists(st.fixed_dictionaries({
    "consent": st.sampled_from(["opted_in", "opted_in", "opted_out", None]),
    "suppressed": st.sampled_from([None, None, None, "hard_bounced", "unsubscribed",
                                   "complained"]),
    "zone": st.sampled_from(ZONES),
    "stop": st.sampled_from([None, "before", "during"]),  # an SMS STOP, and when
    "channel": st.sampled_from(["email", "sms"]),
    "history": st.lists(st.tuples(st.integers(1, 24 * 9), st.sampled_from(CAMPAIGNS)),
                        max_size=4),
}), min_size=1, max_size=6)
intents = st.lists(st.tuples(st.integers(0, 5), st.sampled_from(CAMPAIGNS)),
                   min_size=1, max_size=18)

TABLES = ("engagement_events", "processed_events", "message_refusals",
          "send_ledger", "messages", "suppressions", "consents", "contacts")


@pytest.fixture(scope="module")
def pg_store(tmp_path_factory: pytest.TempPathFactory) -> Any:
    from hub.testing.pytest_plugin import postgres_url

    gen = postgres_url.__wrapped__()  # type: ignore[attr-defined]
    url = next(gen)
    store = StateStore(url)
    store.upgrade()
    folder = write_templates(tmp_path_factory.mktemp("templates"))
    yield store, folder
    store.close()
    next(gen, None)


def _reset(store: StateStore) -> None:
    with store.transaction() as tx:
        for table in TABLES:
            tx.conn.execute(sa.delete(t.metadata.tables[table]))


def _seed(store: StateStore, drawn: list[dict[str, Any]]) -> None:
    for i, c in enumerate(drawn):
        add_contact(store, f"c{i}", consent=c["consent"], suppressed=c["suppressed"],
                    time_zone=c["zone"], channel=c["channel"], phone=_phone(i))
        with store.transaction() as tx:
            for j, (hours, campaign) in enumerate(c["history"]):
                at = NOW - timedelta(hours=hours)
                tx.conn.execute(t.send_ledger.insert().values(
                    idempotency_key=f"hist-{i}-{j}", tenant="default", channel=c["channel"],
                    provider="test", contact_id=f"c{i}", status="sent", campaign_id=campaign,
                    created_at=at, updated_at=at))


def _phone(i: int) -> str:
    return f"+336000000{i:02d}"


def _stop(store: StateStore, drawn: list[dict[str, Any]], when: str) -> None:
    """Each SMS contact drawn to text STOP `when`: Twilio's inbound form, applied."""
    for i, c in enumerate(drawn):
        if c["channel"] == "sms" and c["stop"] == when:
            form = {"MessageSid": f"SM{i:032d}", "SmsStatus": "received", "Body": "STOP",
                    "From": _phone(i), "To": "+15005550006", "AccountSid": "AC" + "0" * 32}
            applied = Callbacks(store).apply(parse_callback(form))
            assert applied.consent_changes == 1


def _race(store: StateStore, folder: Path, clock: Clock,
          during: Callable[[], None] = lambda: None) -> list[RecordingSender]:
    barrier = threading.Barrier(WORKERS + 1)
    senders = [[RecordingSender(batch_size=3), RecordingSender(channel=Channel.SMS, batch_size=1,
                                                               idempotent=False)]
               for _ in range(WORKERS)]

    def work(pair: list[RecordingSender]) -> None:
        own = StateStore(store.url)  # a pool of its own, as another process would have
        try:
            messaging = Messaging(own, messaging_from_config(None, SETTINGS), tenant="default",
                                  templates_dir=folder, clock=clock)
            barrier.wait()
            for sender in pair:
                asyncio.run(messaging.worker(sender, "test", retry=NO_WAIT).run())
        finally:
            own.close()

    def stop_while_sending() -> None:
        barrier.wait()
        during()

    threads = [threading.Thread(target=work, args=(pair,)) for pair in senders]
    threads.append(threading.Thread(target=stop_while_sending))
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return [s for pair in senders for s in pair]


@settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
@given(drawn=contacts, queued=intents, hour=st.integers(0, 47))
def test_no_send_without_consent_no_cap_exceeded_quiet_hours_hold(
        pg_store: Any, drawn: list[dict[str, Any]], queued: list[tuple[int, str]],
        hour: int) -> None:
    store, folder = pg_store
    _reset(store)
    _seed(store, drawn)
    clock = Clock(NOW + timedelta(hours=hour))
    now = clock.now
    messaging = Messaging(store, messaging_from_config(None, SETTINGS), tenant="default",
                          templates_dir=folder, clock=clock)
    messaging.enqueue(intent(f"c{i % len(drawn)}", campaign,
                             channel=drawn[i % len(drawn)]["channel"],
                             template="hello" if drawn[i % len(drawn)]["channel"] == "email"
                             else "sms", bucket=now.date()) for i, campaign in queued)
    _stop(store, drawn, "before")
    senders = _race(store, folder, clock, lambda: _stop(store, drawn, "during"))
    # after the race, a campaign queued to everyone: the STOPs of the race hold for it
    messaging.enqueue(intent(f"c{i}", "after_stop", channel=c["channel"], bucket=now.date(),
                             template="hello" if c["channel"] == "email" else "sms")
                      for i, c in enumerate(drawn))
    senders += _race(store, folder, clock)

    keys = Counter(key for s in senders for key in s.delivered_keys())
    assert all(n == 1 for n in keys.values()), f"sent twice: {keys}"
    sent_to = Counter(k.split(":")[2] for k in keys)
    for i, c in enumerate(drawn):
        n = sent_to[f"c{i}"]
        if c["consent"] != "opted_in" or c["suppressed"] or (
                c["stop"] == "before" and c["channel"] == "sms"):
            assert n == 0, f"c{i} got {n} without consent, while suppressed or after STOP"
            continue
        if c["stop"] == "during" and c["channel"] == "sms":
            assert f"after_stop:c{i}" not in {":".join(k.split(":")[1:3]) for k in keys}, \
                f"c{i} got an SMS queued after its STOP"
        cap = SETTINGS["caps"][c["channel"]]
        ages = [now - (NOW - timedelta(hours=h)) for h, _ in c["history"]]
        week = sum(1 for a in ages if a < timedelta(days=7))
        day = sum(1 for a in ages if a < timedelta(days=1))
        assert n <= max(0, cap["per_week"] - week), f"c{i}: weekly cap exceeded"
        assert n <= max(0, cap["per_day"] - day), f"c{i}: daily cap exceeded"
        recent = {camp for (h, camp), a in zip(c["history"], ages, strict=True)
                  if a < timedelta(hours=24)}
        per_campaign = Counter(k.split(":")[1] for k in keys if k.split(":")[2] == f"c{i}")
        assert all(v == 1 and camp not in recent for camp, v in per_campaign.items())
        if c["channel"] == "sms" and n:
            local = now.astimezone(ZoneInfo(c["zone"] or "UTC")).time()
            assert 8 <= local.hour < 21, f"c{i}: an SMS at {local} local"
    with store.engine.connect() as conn:
        statuses = Counter(conn.execute(sa.select(t.messages.c.status)).scalars())
    assert set(statuses) <= {"sent", "refused", "queued"}, statuses
    assert statuses["sent"] == len(keys)
