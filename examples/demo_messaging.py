"""The demo's messaging stage: the hub sends, and what comes back closes the loop.

`run(console, var, config)` works on the hub's store (var/hub.db, filled from the sample shop
by the earlier stages). It starts Resend's and Twilio's sandboxes and the hub's webhook
receiver on free loopback ports, then:

1. a few shop customers abandon their carts; `hub sync carts` brings the carts in and
   `hub triggers run` fires the abandoned-cart reminders (email, and SMS for the customers
   who gave SMS consent at checkout);
2. `hub send --channel email` sends the email reminders through Resend's sandbox;
3. a winter sale with an A/B subject-line test goes to its audience segment
   (`hub send --campaign`); the sandbox's Svix-signed webhooks (delivered, opened, clicked,
   bounced, complained) flow back into the receiver as they happen;
4. some customers who clicked order (the shop's orders, generated from a fixed seed);
5. `hub send --channel sms` texts the SMS reminders through Twilio's sandbox; one customer
   replies STOP, and SMS consent changes at once;
6. `hub report campaign` shows sent → delivered → opened → clicked → converted and the
   refusals by reason, and `hub report abtest` the subject lines' verdict.

Both sandboxes post to the one receiver: Resend its Svix-signed JSON webhooks, Twilio its
signed, form-encoded status callbacks and the inbound STOP.

The connections live in `var/messaging.yaml`, written here, for the reason the HubSpot
stage gives: their `${…}` URLs only resolve while the sandboxes run.
"""

from __future__ import annotations

import os
import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from connectors.resend.sandbox import SandboxConfig as ResendConfig
from connectors.resend.sandbox import SandboxServer as ResendSandbox
from connectors.twilio.sandbox import SandboxConfig as TwilioConfig
from connectors.twilio.sandbox import SandboxServer as TwilioSandbox
from examples.demo_campaigns import step
from hub.app import Hub
from hub.marketing.campaigns import (
    ApproveCampaignCreative,
    CampaignService,
    CreateCampaign,
    DefineTargetAudience,
    LaunchCampaign,
    SegmentTargetAudience,
)
from hub.messaging import send_funnel
from hub.model import Campaign, CampaignType, Channel, Variant
from hub.store import StateStore
from hub.store import tables as t
from hub.testing.sandbox import LoopbackServer
from hub.web import create_webhook_app

TENANT = "default"
SEED = 2026
CAMPAIGN = "winter-sale"
TEMPLATES = Path(__file__).with_name("demo") / "templates"
VARIABLES = ("HUB_DEMO_RESEND_URL", "HUB_DEMO_TWILIO_URL")  # the sandboxes' URLs, while they run
ABANDONED_CARTS = 40
SMS_OPT_INS = 6  # cart owners with a North American mobile who ticked "text me" at checkout
SUBJECTS = {"control": "Winter sale: 20% off everything",
            "urgency": "48 hours only: 20% off everything"}
SALE_SHARE = 15  # percent of the email subscribers in the sale's audience
ORDER_RATE = 0.35  # of the contacts who clicked, the share who then order
RESEND = {"delivered_rate": 0.95, "opened_rate": 0.45, "clicked_rate": 0.35,
          "complained_rate": 0.01, "webhook_seed": SEED}


def messaging_config(var: Path) -> Path:
    """Connections to both sandboxes, the send path's settings, the triggers and the sale's
    audience; paths relative to the file."""
    twilio = TwilioConfig()
    document: dict[str, Any] = {
        "version": 1, "tenant": TENANT,
        "store": {"url": "sqlite:///hub.db"},
        "connections": {
            "mail": {"connector": "resend", "api_key": ResendConfig().api_keys[0],
                     "base_url": "${HUB_DEMO_RESEND_URL}",
                     "webhook_secret": ResendConfig().webhook_secret,
                     "from_address": "Shop <news@shop.example>"},
            "sms": {"connector": "twilio", "account_sid": twilio.account_sid,
                    "auth_token": twilio.auth_token, "base_url": "${HUB_DEMO_TWILIO_URL}",
                    "from_number": twilio.phone_numbers[1], "sender_rate": "20/s"},
        },
        "messaging": {
            "templates": os.path.relpath(TEMPLATES, var),
            "senders": {"email": "mail", "sms": "sms"},
            "unsubscribe": {"url": "https://shop.example/unsubscribe",
                            "secret": "demo-unsubscribe-secret"},
            # one marketing email a day: a cart reminder today holds the sale back
            "caps": {"email": {"per_week": 3, "per_day": 1}},
            "quiet_hours": {"sms": None},  # the demo runs at any hour
        },
        "triggers": {
            "cart_reminder": {"kind": "abandoned_cart", "after": "1 hour",
                              "template": "cart-reminder"},
            "cart_reminder_sms": {"kind": "abandoned_cart", "after": "1 hour",
                                  "channel": "sms", "template": "cart-reminder-sms"},
        },
        "segments": {"define": {"winter_sale": {
            "description": f"a {SALE_SHARE}% sample of the email subscribers",
            "criteria": {"random_bucket": CAMPAIGN, "lt": SALE_SHARE}}}},
    }
    path = var / "messaging.yaml"
    path.write_text("# written by examples/demo_messaging.py\n"
                    + yaml.safe_dump(document, sort_keys=False))
    return path


def abandon_carts(var: Path, count: int, now: datetime) -> list[str]:
    """Shop customers leave their carts: the carts' last activity, two hours ago."""
    engine = sa.create_engine(f"sqlite:///{var / 'shop.db'}")
    touched = (now - timedelta(hours=2)).replace(tzinfo=None)
    with engine.begin() as conn:
        ids = conn.execute(sa.text(
            "SELECT c.id FROM carts c JOIN customers u ON u.id = c.customer_id "
            "WHERE c.status = 'active' AND u.accepts_marketing "
            "ORDER BY (u.country IN ('US', 'CA') AND u.phone IS NOT NULL) DESC, c.id "
            "LIMIT :n"), {"n": count}).scalars().all()
        conn.execute(sa.text("UPDATE carts SET updated_at = :at WHERE id IN :ids")
                     .bindparams(sa.bindparam("ids", expanding=True)),
                     {"at": touched, "ids": list(ids)})
    engine.dispose()
    return [str(i) for i in ids]


def grant_sms_consent(store: StateStore, carts: list[str], count: int, now: datetime
                      ) -> list[tuple[str, str]]:
    """The first cart owners with a North American mobile opt in to texts at checkout."""
    c, k = t.carts.c, t.contacts.c
    with store.transaction() as tx:
        owners = tx.conn.execute(
            sa.select(k.id, k.phone).select_from(t.carts.join(t.contacts, sa.and_(
                k.tenant == c.tenant, k.id == c.contact_id)))
            .where(c.tenant == TENANT, c.id.in_(carts), k.phone.like("+1%"))
            .order_by(c.id).limit(count)).all()
        for contact, _ in owners:
            tx.conn.execute(sa.delete(t.consents).where(
                t.consents.c.tenant == TENANT, t.consents.c.contact_id == contact,
                t.consents.c.channel == "sms"))
            tx.conn.execute(t.consents.insert().values(
                tenant=TENANT, contact_id=contact, channel="sms", topic="",
                status="opted_in", source="checkout: text me about my order", recorded_at=now))
    return [(contact, phone) for contact, phone in owners]


def launch_sale(store: StateStore, audience: int) -> None:
    service = CampaignService(store)
    with store.transaction() as tx:  # a rerun starts the sale over
        tx.conn.execute(sa.delete(t.campaigns).where(t.campaigns.c.id == CAMPAIGN))
    sale = Campaign(tenant=TENANT, id=CAMPAIGN, name="Winter sale", type=CampaignType.PROMOTION,
                    channels=[Channel.EMAIL], objective="20% off with WINTER20")
    ids = {"tenant": TENANT, "campaign_id": CAMPAIGN, "actor": "maria"}
    service.handle(CreateCampaign(actor="maria", campaign=sale))
    service.handle(DefineTargetAudience(**ids, segment="winter_sale", size=max(audience, 1)))
    service.handle(SegmentTargetAudience(**ids, variants=[
        Variant(name=name, subject=subject) for name, subject in SUBJECTS.items()]))
    service.handle(ApproveCampaignCreative(**{**ids, "actor": "lee"}))
    service.handle(LaunchCampaign(**ids))


def clickers_order(store: StateStore, rng: random.Random, since: datetime) -> int:
    """Some contacts who clicked since the stage began buy within the hour (the shop's
    orders, from the seed)."""
    e = t.engagement_events.c
    with store.engine.connect() as conn:
        clicks = conn.execute(
            sa.select(e.contact_id, sa.func.min(e.occurred_at)).where(
                e.tenant == TENANT, e.type == "clicked", e.occurred_at >= since)
            .group_by(e.contact_id)
            .order_by(e.contact_id)).all()
    orders = [{"tenant": TENANT, "id": f"demo-msg-order-{contact}", "contact_id": contact,
               "status": "completed", "currency": "USD",
               "total": Decimal(rng.choice([39, 59, 89, 129])), "discount": Decimal(0),
               "placed_at": at + timedelta(minutes=rng.uniform(5, 50))}
              for contact, at in clicks if rng.random() < ORDER_RATE]
    with store.transaction() as tx:
        tx.conn.execute(sa.delete(t.orders).where(t.orders.c.id.like("demo-msg-order-%")))
        if orders:
            tx.conn.execute(t.orders.insert(), orders)
    return len(orders)


def funnel_table(store: StateStore, sources: list[str]) -> Table:
    table = Table("messages of", "sent", "delivered", "opened", "clicked", "refused",
                  title="Send funnels")
    with store.engine.connect() as conn:
        for source in sources:
            f = send_funnel(conn, TENANT, source)
            table.add_row(source, *(f"{n:,}" for n in (f.sent, f.delivered, f.opened,
                                                         f.clicked)), f.refusals())
    return table


def sms_consent(store: StateStore, contact: str) -> str:
    with store.engine.connect() as conn:
        return str(conn.execute(sa.select(t.consents.c.status).where(
            t.consents.c.tenant == TENANT, t.consents.c.contact_id == contact,
            t.consents.c.channel == "sms")).scalar())


def run(console: Console, var: Path, config: Path) -> None:
    console.print(Rule("[bold]Messaging: reminders and a sale sent, engagement back"))
    now = datetime.now(UTC)
    carts = abandon_carts(var, ABANDONED_CARTS, now)
    console.print(f"{len(carts)} shop customers left their carts two hours ago")
    step(console, config, "The abandoned carts come in", "sync", "carts")
    settings = messaging_config(var)
    store = StateStore(f"sqlite:///{var / 'hub.db'}")
    texted = grant_sms_consent(store, carts, SMS_OPT_INS, now)
    console.print(f"{len(texted)} of them ticked \"text me\" at checkout: SMS consent")
    resend = ResendSandbox(ResendConfig(**RESEND))  # type: ignore[arg-type]
    twilio = TwilioSandbox(TwilioConfig())
    with resend, twilio:
        os.environ["HUB_DEMO_RESEND_URL"] = resend.base_url
        os.environ["HUB_DEMO_TWILIO_URL"] = twilio.base_url
        receiver_hub = Hub(settings)
        try:
            verifiers = {name: receiver_hub.config().connector(name).webhook_verifier()
                         for name in ("mail", "sms")}
            app = create_webhook_app(verifiers, receiver_hub.messaging_app.delivery_handler())
            with LoopbackServer(app, name="hub webhooks") as receiver:
                resend.config.webhook_url = f"{receiver.base_url}/webhooks/mail"
                twilio.config.status_callback_url = f"{receiver.base_url}/webhooks/sms"
                twilio.config.inbound_url = twilio.config.status_callback_url
                console.print(f"Resend sandbox on {resend.base_url}, Twilio sandbox on "
                              f"{twilio.base_url}, the hub's webhook receiver on "
                              f"{receiver.base_url}")
                sales_pitch(console, settings, store)
                step(console, settings, "Email reminders and the sale through Resend",
                     "send", "--channel", "email", "--campaign", CAMPAIGN)
                idle = resend.state.webhooks.wait_idle(300)
                console.print(f"webhooks delivered to the hub: "
                              f"{resend.state.webhooks.delivered_events:,}"
                              f"{'' if idle else ' (some still pending)'}")
                ordered = clickers_order(store, random.Random(SEED), now)
                console.print(f"{ordered} customers who clicked then ordered")
                step(console, settings, "SMS reminders through Twilio", "send",
                     "--channel", "sms")
                if texted:
                    contact, phone = texted[0]
                    twilio.state.text(phone, twilio.config.phone_numbers[1], "STOP")
                    twilio.state.callbacks.wait_idle(300)
                    console.print(f"customer {contact} replied STOP: SMS consent is now "
                                  f"{sms_consent(store, contact)}")
                console.print(funnel_table(store, ["cart_reminder", "cart_reminder_sms",
                                                   CAMPAIGN]))
                console.print(f"contract violations: Resend "
                              f"{len(resend.state.contract.violations)}, Twilio "
                              f"{len(twilio.state.contract.violations)}")
                step(console, settings, "The sale's report: the funnel and the refusals",
                     "report", "campaign", CAMPAIGN)
                step(console, settings, "The subject lines, by opens", "report", "abtest",
                     CAMPAIGN, "--metric", "open")
        finally:
            receiver_hub.close()
            for name in VARIABLES:
                os.environ.pop(name, None)
    store.close()


def sales_pitch(console: Console, settings: Path, store: StateStore) -> None:
    """Fire the reminders, then launch the sale to its segment."""
    step(console, settings, "Abandoned-cart reminders fire (email, and SMS where consented)",
         "triggers", "run")
    step(console, settings, "The sale's audience", "segments", "refresh", "winter_sale")
    audience = store.count(t.segment_members, t.segment_members.c.segment == "winter_sale")
    launch_sale(store, audience)
    console.print(f"campaign {CAMPAIGN} launched to {audience:,} contacts, A/B subject lines: "
                  + ", ".join(f"{k} {v!r}" for k, v in SUBJECTS.items()))


if __name__ == "__main__":
    demo = Path(__file__).with_name("demo")
    run(Console(), demo / "var", demo / "hub.yaml")
