"""`send_funnel`: sent → delivered → opened → clicked → converted, where converted counts the
contacts ordering after their click within the attribution window (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from hub.messaging import send_funnel
from hub.store import StateStore
from tests.marketing.engagement import TENANT, Seeder

H = timedelta(hours=1)
CLICKED = (("delivered", H / 60), ("opened", H), ("clicked", 2 * H))


def test_converted_counts_orders_after_a_click_within_the_window(store: StateStore) -> None:
    seed = Seeder(store)
    for contact in ("buys", "buys-twice", "bought-before", "too-late", "cancelled"):
        seed.message(contact, events=CLICKED)
    seed.message("opened-only", events=(("delivered", H / 60), ("opened", H)))
    seed.message("bounced", events=(("bounced_hard", H / 60),))
    seed.order("buys", 3 * H)
    seed.order("buys-twice", 5 * H)
    seed.order("buys-twice", 30 * H)
    seed.order("bought-before", H)  # before the click: the click did not cause it
    seed.order("too-late", timedelta(days=9))
    seed.order("cancelled", 3 * H, status="cancelled")
    seed.order("opened-only", 3 * H)  # no click, no conversion

    with store.engine.connect() as conn:
        funnel = send_funnel(conn, TENANT, "sale")
        wide = send_funnel(conn, TENANT, "sale", window=timedelta(days=10))
        other = send_funnel(conn, TENANT, "another-campaign")

    counts = (funnel.sent, funnel.delivered, funnel.opened, funnel.clicked, funnel.converted)
    assert counts == (7, 6, 6, 5, 2)
    assert wide.converted == 3  # the order on day 9 falls inside a 10-day window
    assert funnel.as_dict()["converted"] == 2
    assert (other.sent, other.converted) == (0, 0)
