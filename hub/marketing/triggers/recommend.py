"""Rule-based recommendations for the post-purchase upsell.

The rule (seed, "Recommendation Strategy"): the top sellers of the categories the customer
just bought from, by units sold in completed orders over the last `window` days, leaving out
what the customer bought in that window and what sits in their active cart. Ties go to the
smaller SKU, so the same data always gives the same list. Top sellers are computed once per
`Recommender` (one run of the trigger job), as the seed's daily cache suggests.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from hub.marketing.common.orders import completed
from hub.store import tables as t

DEFAULT_WINDOW = timedelta(days=90)


@dataclass(frozen=True)
class Product:
    sku: str
    name: str | None
    category: str
    units: int

    def as_variable(self) -> dict[str, Any]:
        return {"sku": self.sku, "name": self.name, "category": self.category}


class Recommender:
    def __init__(self, conn: sa.Connection, tenant: str, now: datetime,
                 window: timedelta = DEFAULT_WINDOW) -> None:
        self.conn, self.tenant, self.now, self.since = conn, tenant, now, now - window
        self._top: dict[str, list[Product]] | None = None

    def top_sellers(self) -> dict[str, list[Product]]:
        """Best sellers per category, most units first."""
        if self._top is None:
            o, line = t.orders, t.order_lines
            units = sa.func.sum(line.c.quantity)
            rows = self.conn.execute(
                sa.select(line.c.category, line.c.sku, sa.func.max(line.c.product_name),
                          units)
                .select_from(line.join(o, sa.and_(o.c.tenant == line.c.tenant,
                                                  o.c.id == line.c.order_id)))
                .where(o.c.tenant == self.tenant, completed(o, until=self.now),
                       o.c.placed_at >= self.since,
                       line.c.category.is_not(None))
                .group_by(line.c.category, line.c.sku))
            top: dict[str, list[Product]] = {}
            for category, sku, name, sold in rows:
                top.setdefault(category, []).append(Product(sku, name, category, int(sold)))
            for products in top.values():
                products.sort(key=lambda p: (-p.units, p.sku))
            self._top = top
        return self._top

    def owned(self, contact_id: str) -> set[str]:
        """SKUs bought in the window or waiting in an active cart."""
        o, line = t.orders, t.order_lines
        bought = (sa.select(line.c.sku)
                  .select_from(line.join(o, sa.and_(o.c.tenant == line.c.tenant,
                                                    o.c.id == line.c.order_id)))
                  .where(o.c.tenant == self.tenant, o.c.contact_id == contact_id,
                         o.c.placed_at >= self.since, o.c.placed_at <= self.now))
        cart, item = t.carts, t.cart_items
        in_cart = (sa.select(item.c.sku)
                   .select_from(item.join(cart, sa.and_(cart.c.tenant == item.c.tenant,
                                                        cart.c.id == item.c.cart_id)))
                   .where(cart.c.tenant == self.tenant, cart.c.contact_id == contact_id,
                          cart.c.status == "active"))
        return set(self.conn.execute(sa.union(bought, in_cart)).scalars())

    def for_purchase(self, contact_id: str, categories: Iterable[str], also_owned: Iterable[str]
                     = (), limit: int = 3) -> list[Product]:
        """Up to `limit` products from the purchase's categories the customer lacks."""
        skip = self.owned(contact_id) | set(also_owned)
        pool = [p for c in sorted(set(categories)) for p in self.top_sellers().get(c, [])]
        pool.sort(key=lambda p: (-p.units, p.sku))
        chosen: list[Product] = []
        for product in pool:
            if product.sku not in skip and product.sku not in {c.sku for c in chosen}:
                chosen.append(product)
            if len(chosen) == limit:
                break
        return chosen


def order_categories(conn: sa.Connection, tenant: str, order_id: str) -> tuple[list[str],
                                                                               list[str]]:
    """The categories and SKUs of one order's lines."""
    line = t.order_lines
    rows = conn.execute(sa.select(line.c.category, line.c.sku)
                        .where(line.c.tenant == tenant, line.c.order_id == order_id)).all()
    return [c for c, _ in rows if c], [s for _, s in rows]
