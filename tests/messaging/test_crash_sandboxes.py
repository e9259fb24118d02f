"""SIGKILL at random points of a campaign sent with `hub send` through the real connectors,
then rerun: each provider's sandbox received every message exactly once, none missing.

The sandbox runs in a thread of the test process (it outlives every worker, as the vendor
does); `hub send --campaign` runs in a process of its own, killed by a failpoint drawn at
random (after a batch was reserved, or after the provider took it and before its outcome was
recorded) several times, then run to the end. Resend is counted by idempotency key and by
recipient; Twilio, which keeps no key, by recipient and body (the worker reconciles with
`find_sent` before any resend).

The full figures (5,000 emails, 2,000 SMS; 10,000 emails at 2 requests a second) are a
soak run (`make soak` sets HUB_CRASH_EMAILS, HUB_CRASH_SMS and HUB_BULK_EMAILS); the suite
runs smaller campaigns.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from connectors.resend.sandbox import SandboxServer as ResendSandbox
from connectors.twilio.sandbox import SandboxServer as TwilioSandbox
from hub.model import Campaign, CampaignStatus, CampaignType
from hub.store import StateStore
from hub.store import tables as t
from tests.connectors.resend.conftest import start_resend_sandbox as start_resend_sandbox
from tests.connectors.twilio.conftest import start_twilio_sandbox as start_twilio_sandbox
from tests.messaging.conftest import NOW, add_contact, write_templates
from tests.messaging.providers import hub_yaml

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
EMAILS = int(os.environ.get("HUB_CRASH_EMAILS", "200"))
TEXTS = int(os.environ.get("HUB_CRASH_SMS", "100"))
KILLS = int(os.environ.get("HUB_CRASH_KILLS", "5"))



def _project(tmp: Path, store: StateStore, channel: str, count: int, *,
             rate: int = 1000, **urls: str) -> Path:
    connection = "mail" if channel == "email" else "sms"
    (tmp / "hub.yaml").write_text(hub_yaml(store.url, senders=f"{{{channel}: {connection}}}",
                                           rate=rate, **urls))
    write_templates(tmp / "templates")
    members = [f"c{i:05d}" for i in range(count)]
    for i, c in enumerate(members):
        add_contact(store, c, channel=channel, phone=f"+1415555{i:04d}")
    campaign = Campaign(id="crash", name="Crash sale", type=CampaignType.PROMOTION,
                        status=CampaignStatus.RUNNING, channels=[channel],
                        audience_segment="all")
    with store.transaction() as tx:
        tx.conn.execute(t.campaigns.insert().values(
            tenant="default", id="crash", name="Crash sale", type="promotion",
            status="running", document=campaign.model_dump(mode="json"), updated_at=NOW))
        tx.conn.execute(t.segment_members.insert(), [
            {"tenant": "default", "segment": "all", "contact_id": c, "entered_at": NOW}
            for c in members])
    return tmp


def _hub_send(project: Path, template: str, failpoint: str | None) -> int:
    env = {k: v for k, v in os.environ.items()
           if k not in ("HUB_FAILPOINT", "HUB_DATABASE_URL", "HUB_CONFIG")}
    if failpoint:
        env["HUB_FAILPOINT"] = failpoint
    done = subprocess.run([sys.executable, "-m", "hub", "send", "--campaign", "crash",
                           "--template", template], cwd=project, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode in (0, -signal.SIGKILL), done.stdout + done.stderr
    return done.returncode


def _crash_then_finish(project: Path, template: str, batches: int, seed: int) -> list[str]:
    """Kill `hub send` KILLS times at failpoints drawn at random, then run it to the end;
    the failpoints each run died at."""
    draw = random.Random(seed)
    killed: list[str] = []
    while len(killed) < KILLS:
        point = f"{draw.choice(['after_reserve', 'after_send'])}:" \
                f"{draw.randint(1, max(1, batches // KILLS))}"
        if _hub_send(project, template, point) == 0:
            break  # nothing left where that point is reached
        killed.append(point)
    assert _hub_send(project, template, None) == 0
    return killed


def _ledger(store: StateStore) -> dict[str, tuple[str, str]]:
    with store.engine.connect() as conn:
        return {r.message_id: (r.status, r.provider_message_id)
                for r in conn.execute(sa.select(t.send_ledger))}


def test_emails_through_resend_each_received_once_after_kills(
        store: StateStore, tmp_path: Path,
        start_resend_sandbox: Callable[..., ResendSandbox]) -> None:
    sandbox = start_resend_sandbox(requests_per_second=1000, webhook_url=None)
    project = _project(tmp_path, store, "email", EMAILS, resend_url=sandbox.base_url)

    killed = _crash_then_finish(project, "hello", -(-EMAILS // 100), seed=12)

    assert len(killed) == KILLS, killed
    emails = sandbox.state.emails
    # each message's key (the hub's message id, tagged) and each recipient: once, none missing
    by_message, by_recipient = emails.by_tag("message_id"), emails.by_recipient()
    assert len(by_message) == EMAILS, "an email is missing"
    assert set(by_message.values()) == {1}, "an email went twice"
    assert len(by_recipient) == EMAILS
    assert set(by_recipient.values()) == {1}
    # a batch whose answer was lost went again under its batch key: no new email from it
    assert len(emails.by_key()) == -(-EMAILS // 100)
    sent = {e.tags["message_id"]: e.id for e in emails.emails()}
    assert _ledger(store) == {mid: ("sent", sent[mid]) for mid in sent}  # outcomes recorded


def test_sms_through_twilio_each_received_once_after_kills(
        store: StateStore, tmp_path: Path,
        start_twilio_sandbox: Callable[..., TwilioSandbox]) -> None:
    sandbox = start_twilio_sandbox(rate_limit=10_000)
    project = _project(tmp_path, store, "sms", TEXTS, twilio_url=sandbox.base_url)

    killed = _crash_then_finish(project, "sms", TEXTS, seed=13)

    assert len(killed) == KILLS, killed
    assert any(k.startswith("after_send") for k in killed)  # an outcome was lost
    sent = sandbox.state.sent()
    by_recipient_body = Counter((m.to, m.body) for m in sent)
    assert len(by_recipient_body) == TEXTS, "an SMS is missing"
    assert set(by_recipient_body.values()) == {1}, "an SMS went twice"
    ledger = _ledger(store)
    assert sorted(pid for _, pid in ledger.values()) == sorted(m.sid for m in sent)
    assert {status for status, _ in ledger.values()} == {"sent"}


BULK = int(os.environ.get("HUB_BULK_EMAILS", "1000"))  # full size: 10,000


def test_ten_thousand_emails_at_two_requests_a_second_in_a_hundred_calls(
        store: StateStore, tmp_path: Path,
        start_resend_sandbox: Callable[..., ResendSandbox]) -> None:
    sandbox = start_resend_sandbox(requests_per_second=2, webhook_url=None)  # Resend's default
    project = _project(tmp_path, store, "email", BULK, resend_url=sandbox.base_url, rate=2)

    assert _hub_send(project, "hello", None) == 0

    emails = sandbox.state.emails
    assert emails.count == BULK
    assert len(emails.by_recipient()) == BULK
    assert sandbox.state.send_calls <= -(-BULK // 100)  # full batches of 100
    assert sandbox.state.rate_limited == 0  # paced by the limit: no 429 reached the run
