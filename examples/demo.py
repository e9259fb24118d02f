"""`make demo`: the hub's main job on embedded defaults, start to finish, with no set-up.

It generates the sample shop, loads it into the hub's state store through the `sql`
connector, syncs customers into an analytics database, changes 1% of the customers and
syncs again to show that only the changes are written; later stages (segments, campaigns,
HubSpot, messaging) follow. Everything runs through the same
`hub` commands a person would type; the files land in examples/demo/var/.
"""

from __future__ import annotations

import importlib
import importlib.util
import shutil
import sys
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from examples.shop import generate
from hub.cli import main as hub

DEMO = Path(__file__).with_name("demo")
VAR = DEMO / "var"
# Later stages of the demo, each a module with run(console, var, config); run in this order.
SECTIONS = ["examples.demo_segments", "examples.demo_campaigns", "examples.demo_hubspot",
            "examples.demo_salesforce", "examples.demo_messaging"]
LOAD = ["customers", "consents", "orders", "order_lines", "carts", "cart_items", "promotions",
        "applied_promotions"]
console = Console()


def step(title: str, *args: str, ok: tuple[int, ...] = (0,)) -> None:
    console.print(Rule(f"[bold]{title}"))
    console.print(f"$ hub {' '.join(args)}", style="dim")
    code = hub(["--config", str(DEMO / "hub.yaml"), *args])
    if code not in ok:
        console.print(f"[red]`hub {' '.join(args)}` exited with {code}[/]")
        sys.exit(code)


def change_customers(share: float) -> int:
    """Edit a slice of the shop's customers as the shop itself would."""
    engine = sa.create_engine(f"sqlite:///{VAR / 'shop.db'}")
    now = datetime.now(UTC).replace(tzinfo=None)
    with engine.begin() as conn:
        total = conn.execute(sa.text("SELECT count(*) FROM customers")).scalar_one()
        step_size = int(1 / share)
        changed = conn.execute(sa.text(
            "UPDATE customers SET last_name = last_name || '-Jones', updated_at = :now "
            "WHERE id % :step = 0 AND email NOT LIKE '% at %'"), {"now": now, "step": step_size})
    engine.dispose()
    console.print(f"changed {changed.rowcount} of {total} customers in the shop")
    return int(changed.rowcount)


def summary() -> None:
    engine = sa.create_engine(f"sqlite:///{VAR / 'hub.db'}")
    table = Table("in the hub's store", "rows", title="Summary")
    with engine.connect() as conn:
        for name in ("contacts", "consents", "orders", "order_lines", "carts", "cart_items",
                     "promotions", "applied_promotions", "dead_letters"):
            count = conn.execute(sa.text(f"SELECT count(*) FROM {name}")).scalar_one()
            table.add_row(name, f"{count:,}")
        revenue = conn.execute(sa.text(
            "SELECT sum(total) FROM orders WHERE status IN ('completed', 'paid')")).scalar_one()
    engine.dispose()
    table.add_row("revenue of paid orders", f"${revenue:,.2f}")
    console.print(table)


def main() -> None:
    shutil.rmtree(VAR, ignore_errors=True)
    console.print(Rule("[bold]Generating the sample shop"))
    shop = generate(VAR / "shop.db")
    console.print(f"{shop.customers:,} customers, {shop.orders:,} orders, {shop.carts:,} open "
                  f"carts ({shop.invalid_emails} customers have an unusable email address)")
    step("Create the state store", "db", "upgrade")
    for pipeline in LOAD:
        step(f"Load {pipeline}", "sync", pipeline)
    step("Customers into the analytics database", "sync", "customers_to_warehouse")
    step("Again: nothing changed, so nothing is written", "sync", "customers_to_warehouse")
    console.print(Rule("[bold]The shop changes 1% of its customers"))
    change_customers(0.01)
    step("Only the changes are written", "sync", "customers_to_warehouse")
    step("Run history", "runs", "--limit", "12")
    step("Records the hub refused, kept with the reason", "dlq", "list", "customers",
         "--limit", "5")
    summary()
    for name in SECTIONS:
        if importlib.util.find_spec(name) is not None:
            importlib.import_module(name).run(console, VAR, DEMO / "hub.yaml")


if __name__ == "__main__":
    main()
