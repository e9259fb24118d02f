"""A realistic sample shop database, generated from a seed: customers, products, orders with
lines and promotions, and carts (some abandoned). Its schema is the shop platform's own, not
the hub's, so the demo has real mapping work to do, and its data is as messy as real data:
mixed-case emails, local phone formats, a few invalid addresses.

    python -m examples.shop out/shop.db --customers 3000
"""

from __future__ import annotations

import argparse
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

ANCHOR = datetime(2026, 11, 1, tzinfo=UTC)  # "now" of the sample data, fixed for reproducibility

FIRST = ["Olivia", "Liam", "Emma", "Noah", "Amelia", "Oliver", "Ava", "Elijah", "Sophia", "Lucas",
         "Mia", "Mateo", "Isabella", "Levi", "Chloé", "Jonas", "Zoë", "Hiro", "Aisha", "Diego",
         "Fatima", "Lars", "Ingrid", "Priya", "Chen", "Yuki", "Omar", "Léa", "Sven", "Nora"]
LAST = ["Smith", "Johnson", "Williams", "Brown", "Garcia", "Miller", "Davis", "Martinez",
        "Müller", "Schmidt", "Dubois", "Rossi", "Tanaka", "Kowalski", "Nielsen", "O'Brien",
        "van Dijk", "Silva", "Novak", "Haddad", "Lindqvist", "Patel", "Kim", "Nguyen"]
DOMAINS = ["example.com", "mail.example.org", "shopper.example.net", "inbox.example.io"]
# (country, a valid local number pattern, time zone)
PHONES = [("US", "(201) 555-{:04d}", "America/New_York"), ("GB", "07911 1{:05d}", "Europe/London"),
          ("DE", "0151 2{:07d}", "Europe/Berlin"), ("FR", "06 12 {:02d} {:02d} {:02d}",
                                                      "Europe/Paris")]
CATEGORIES = {
    "Apparel": [("Linen shirt", 49), ("Merino sweater", 89), ("Rain jacket", 129),
                ("Organic tee", 25)],
    "Footwear": [("Trail runner", 119), ("Leather boot", 169), ("Canvas sneaker", 59)],
    "Accessories": [("Wool scarf", 35), ("Canvas tote", 29), ("Leather belt", 45),
                    ("Sunglasses", 79)],
    "Home": [("Ceramic mug", 18), ("Linen throw", 69), ("Scented candle", 24)],
    "Beauty": [("Face oil", 38), ("Hand cream", 16), ("Lip balm", 8)],
}
PROMOTIONS = [("WELCOME10", "percent", 10), ("SPRING20", "percent", 20), ("VIP25", "percent", 25),
              ("FREESHIP", "free_shipping", 0), ("SAVE15", "fixed", 15)]

metadata = sa.MetaData()
customers = sa.Table(
    "customers", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200)), sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)), sa.Column("phone", sa.String(40)),
    sa.Column("country", sa.String(2)), sa.Column("time_zone", sa.String(40)),
    sa.Column("accepts_marketing", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
products = sa.Table(
    "products", metadata,
    sa.Column("sku", sa.String(20), primary_key=True), sa.Column("name", sa.String(100)),
    sa.Column("category", sa.String(40)), sa.Column("price", sa.Numeric(10, 2)),
)
promotions = sa.Table(
    "promotions", metadata,
    sa.Column("id", sa.Integer, primary_key=True), sa.Column("code", sa.String(40)),
    sa.Column("kind", sa.String(20)), sa.Column("value", sa.Numeric(10, 2)),
    sa.Column("starts_at", sa.DateTime), sa.Column("ends_at", sa.DateTime),
)
orders = sa.Table(
    "orders", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False), sa.Column("currency", sa.String(3)),
    sa.Column("subtotal", sa.Numeric(10, 2)), sa.Column("discount_total", sa.Numeric(10, 2)),
    sa.Column("total", sa.Numeric(10, 2)), sa.Column("promo_code", sa.String(40)),
    sa.Column("cart_id", sa.Integer), sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
order_items = sa.Table(
    "order_items", metadata,
    sa.Column("order_id", sa.Integer, primary_key=True),
    sa.Column("line_no", sa.Integer, primary_key=True), sa.Column("sku", sa.String(20)),
    sa.Column("quantity", sa.Integer), sa.Column("unit_price", sa.Numeric(10, 2)),
)
carts = sa.Table(
    "carts", metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)
cart_items = sa.Table(
    "cart_items", metadata,
    sa.Column("cart_id", sa.Integer, primary_key=True), sa.Column("sku", sa.String(20),
                                                                  primary_key=True),
    sa.Column("quantity", sa.Integer), sa.Column("unit_price", sa.Numeric(10, 2)),
)


@dataclass(frozen=True)
class ShopSummary:
    customers: int
    orders: int
    carts: int
    invalid_emails: int


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(tzinfo=None)


class _Generator:
    def __init__(self, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.now = now
        self.catalogue = [(f"{cat[:3].upper()}-{i:03d}", name, cat, Decimal(price))
                          for cat, items in CATEGORIES.items()
                          for i, (name, price) in enumerate(items, 1)]

    def ago(self, max_days: float, min_days: float = 0.0) -> datetime:
        return self.now - timedelta(days=self.rng.uniform(min_days, max_days))

    def customer(self, cid: int) -> dict[str, Any]:
        rng = self.rng
        first, last = rng.choice(FIRST), rng.choice(LAST)
        local = f"{first}.{last}".lower().replace(" ", "").replace("'", "")
        email = f"{local}{cid}@{rng.choice(DOMAINS)}"
        roll = rng.random()
        if roll < 0.01:
            email = email.replace("@", " at ")  # a typo the hub must catch
        elif roll < 0.15:
            email = f"  {email.title()} "  # stray case and whitespace, valid once cleaned
        country, pattern, zone = rng.choice(PHONES)
        digits = [rng.randrange(100) for _ in range(3)] if country == "FR" else [
            rng.randrange(10 ** (4 if country == "US" else 5 if country == "GB" else 7))]
        created = self.ago(720, 30)
        return {
            "id": cid, "email": email, "first_name": first, "last_name": last,
            "phone": pattern.format(*digits) if rng.random() < 0.7 else None,
            "country": country, "time_zone": zone, "accepts_marketing": rng.random() < 0.8,
            "created_at": _naive(created),
            "updated_at": _naive(created + timedelta(days=rng.uniform(0, 25))),
        }

    def basket(self) -> list[tuple[str, str, str, Decimal]]:
        return self.rng.sample(self.catalogue, k=self.rng.choice([1, 1, 2, 2, 3, 4]))


def generate(path: Path, *, customers_count: int = 3000, seed: int = 7,
             now: datetime = ANCHOR) -> ShopSummary:
    """Write a fresh shop database at `path`; the same seed gives the same shop."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.unlink(missing_ok=True)
    gen, rng = _Generator(seed, now), random.Random(seed + 1)
    engine = sa.create_engine(f"sqlite:///{path}")
    metadata.create_all(engine)
    rows: dict[str, list[dict[str, Any]]] = {t: [] for t in metadata.tables}
    rows["products"] = [{"sku": s, "name": n, "category": c, "price": p}
                        for s, n, c, p in gen.catalogue]
    rows["promotions"] = [{"id": i, "code": code, "kind": kind, "value": Decimal(v),
                           "starts_at": _naive(now - timedelta(days=365)),
                           "ends_at": _naive(now + timedelta(days=60))}
                          for i, (code, kind, v) in enumerate(PROMOTIONS, 1)]
    order_id = cart_id = 0
    for cid in range(1, customers_count + 1):
        customer = gen.customer(cid)
        rows["customers"].append(customer)
        # loyal customers order often and recently; most order a few times; some never
        n_orders = rng.choice([0, 1, 1, 1, 2, 2, 3, 4, 6, 9])
        for _ in range(n_orders):
            order_id += 1
            placed = gen.ago(400 if n_orders < 5 else 120)
            lines = gen.basket()
            subtotal = sum((p * 1 for _, _, _, p in lines), Decimal(0))
            promo = rng.choice(PROMOTIONS) if rng.random() < 0.3 else None
            discount = (subtotal * promo[2] / 100 if promo and promo[1] == "percent"
                        else Decimal(promo[2]) if promo else Decimal(0)).quantize(Decimal("0.01"))
            status = rng.choices(["completed", "paid", "refunded", "cancelled"],
                                 [85, 8, 4, 3])[0]
            rows["orders"].append({
                "id": order_id, "customer_id": cid, "status": status, "currency": "USD",
                "subtotal": subtotal, "discount_total": discount,
                "total": max(subtotal - discount, Decimal(0)),
                "promo_code": promo[0] if promo else None, "cart_id": None,
                "created_at": _naive(placed), "updated_at": _naive(placed + timedelta(hours=2)),
            })
            rows["order_items"] += [{"order_id": order_id, "line_no": i, "sku": sku,
                                     "quantity": 1, "unit_price": price}
                                    for i, (sku, _, _, price) in enumerate(lines, 1)]
        if rng.random() < 0.12:  # an open cart: abandoned if untouched for over an hour
            cart_id += 1
            touched = now - timedelta(minutes=rng.uniform(5, 60 * 24 * 3))
            rows["carts"].append({"id": cart_id, "customer_id": cid, "status": "active",
                                  "created_at": _naive(touched - timedelta(minutes=20)),
                                  "updated_at": _naive(touched)})
            rows["cart_items"] += [{"cart_id": cart_id, "sku": sku, "quantity": 1,
                                    "unit_price": price} for sku, _, _, price in gen.basket()]
    with engine.begin() as conn:
        for table in metadata.sorted_tables:
            if rows[table.name]:
                conn.execute(table.insert(), rows[table.name])
    engine.dispose()
    invalid = sum(" at " in c["email"] for c in rows["customers"])
    return ShopSummary(customers_count, order_id, cart_id, invalid)


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate a sample shop database.")
    parser.add_argument("path", type=Path)
    parser.add_argument("--customers", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    print(generate(args.path, customers_count=args.customers, seed=args.seed))


if __name__ == "__main__":
    main()
