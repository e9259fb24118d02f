"""The `store` connection is the core's own connector: canonical records in, events out, in
the engine's transaction.

Orders synced from a shop land in the store's `orders` table stamped with the hub's tenant,
and each new order puts exactly one `order.created` event in the outbox — in the transaction
that records the page, so a run killed before or after that commit, then rerun, still leaves
one row and one event per order. The store as a source reads only its own tenant's records.
"""

from __future__ import annotations

import signal
from collections import Counter
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from hub.store import StateStore
from hub.store import tables as t
from tests.engine.hubproject import Project, make_project

T0 = datetime(2026, 1, 5, 8, 0)
ORDERS_MAPPING = Path(__file__).resolve().parents[2] / "mappings" / "shop" / "orders.yaml"

shop = sa.MetaData()
shop_orders = sa.Table(
    "orders", shop,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("customer_id", sa.Integer), sa.Column("status", sa.String(20)),
    sa.Column("currency", sa.String(3)), sa.Column("total", sa.Numeric(12, 2)),
    sa.Column("discount_total", sa.Numeric(12, 2)), sa.Column("cart_id", sa.Integer),
    sa.Column("created_at", sa.DateTime), sa.Column("updated_at", sa.DateTime),
)


def order(i: int, version: int = 0) -> dict[str, Any]:
    return {"id": i, "customer_id": i % 40, "status": "PAID" if i % 3 else "completed",
            "currency": "eur", "total": Decimal(f"{10 + i}.50") + version, "discount_total": None,
            "cart_id": None, "created_at": T0 + timedelta(minutes=i),
            "updated_at": T0 + timedelta(minutes=i, days=version)}


def orders_project(tmp_path: Path, count: int, tenant: str = "default") -> Project:
    project = make_project(tmp_path, "sqlite")
    engine = sa.create_engine(project.shop_url)
    with engine.begin() as conn:
        shop.create_all(conn)
        conn.execute(shop_orders.insert(), [order(i) for i in range(1, count + 1)])
    engine.dispose()
    project.write_config({"orders": {
        "source": {"connection": "shop", "stream": "orders", "cursor": "updated_at",
                   "primary_key": ["id"], "page_size": 20},
        "destination": {"connection": "store", "object": "orders", "key": ["tenant", "id"]},
        "mapping": str(ORDERS_MAPPING)}})
    document = yaml.safe_load(project.config.read_text())
    document["tenant"] = tenant
    project.config.write_text(yaml.safe_dump(document, sort_keys=False))
    return project


def store_state(project: Project, tenant: str = "default") -> tuple[dict[str, Any], Counter[str]]:
    store = StateStore(project.store_url, tenant=tenant)
    try:
        with store.engine.connect() as conn:
            rows = {r.id: r for r in conn.execute(sa.select(t.orders))}
            events = Counter(r.key for r in conn.execute(
                sa.select(t.outbox.c.key).where(t.outbox.c.type == "order.created")))
    finally:
        store.close()
    return rows, events


def test_orders_land_in_the_store_with_one_event_each_and_a_rerun_writes_nothing(
        tmp_path: Path) -> None:
    project = orders_project(tmp_path, 60, tenant="acme")
    assert project.hub("sync", "orders") == 0
    rows, events = store_state(project, "acme")
    assert sorted(rows) == sorted(str(i) for i in range(1, 61))
    assert {r.tenant for r in rows.values()} == {"acme"}
    assert rows["7"].total == Decimal("17.50")
    assert rows["7"].status == "paid"
    assert events == Counter({str(i): 1 for i in range(1, 61)})

    assert project.hub("sync", "orders") == 0  # nothing changed: nothing written, no event
    store = StateStore(project.store_url, tenant="acme")
    try:
        latest = store.runs("orders")[0]
    finally:
        store.close()
    assert (latest.read, latest.written) == (0, 0)
    # an edit updates its row and announces no second creation
    engine = sa.create_engine(project.shop_url)
    with engine.begin() as conn:
        conn.execute(sa.update(shop_orders).where(shop_orders.c.id == 7).values(
            total=Decimal("99.00"), updated_at=T0 + timedelta(days=30)))
    engine.dispose()
    assert project.hub("sync", "orders") == 0
    rows, events = store_state(project, "acme")
    assert rows["7"].total == Decimal("99.00")
    assert events["7"] == 1


@pytest.mark.parametrize("failpoint", ["before_commit:2", "after_commit:2", "before_commit:1"])
def test_killed_around_the_commit_the_store_holds_each_order_and_event_once(
        tmp_path: Path, failpoint: str) -> None:
    project = orders_project(tmp_path, 100)
    killed = project.hub_process("sync", "orders", failpoint=failpoint)
    assert killed.returncode == -signal.SIGKILL
    rows, events = store_state(project)
    committed_pages = int(failpoint[-1]) - (1 if failpoint.startswith("before") else 0)
    # the page written but not committed left nothing behind: rows and events go together
    assert len(rows) == len(events) == 20 * committed_pages
    done = project.hub_process("sync", "orders")
    assert done.returncode == 0, done.stderr
    rows, events = store_state(project)
    assert sorted(rows) == sorted(str(i) for i in range(1, 101))
    assert events == Counter({str(i): 1 for i in range(1, 101)})


def test_the_store_stream_reads_only_its_own_tenants_records(tmp_path: Path) -> None:
    project = orders_project(tmp_path, 30, tenant="acme")
    assert project.hub("sync", "orders") == 0
    store = StateStore(project.store_url)
    with store.transaction() as tx:  # another tenant's orders in the same tables
        tx.conn.execute(t.orders.insert(), [
            {"tenant": "globex", "id": f"g{i}", "contact_id": "c", "status": "paid",
             "currency": "USD", "total": Decimal(1), "placed_at": T0.replace(tzinfo=UTC)}
            for i in range(5)])
    store.close()
    document = yaml.safe_load(project.config.read_text())
    document["pipelines"]["copy"] = {
        "source": {"connection": "store", "stream": "orders", "cursor": "updated_at"},
        "destination": {"connection": "warehouse", "object": "orders_copy", "key": ["id"],
                        "create": True}}
    project.config.write_text(yaml.safe_dump(document, sort_keys=False))
    assert project.hub("sync", "copy") == 0
    engine = sa.create_engine(project.warehouse_url)
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT id, tenant FROM orders_copy"))
        copied = {r.id: r.tenant for r in found}
    engine.dispose()
    assert set(copied.values()) == {"acme"}
    assert len(copied) == 30


def test_an_unknown_store_object_is_refused_at_its_line(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    project = orders_project(tmp_path, 1)
    document = yaml.safe_load(project.config.read_text())
    document["pipelines"]["orders"]["destination"]["object"] = "orderz"
    project.config.write_text(yaml.safe_dump(document, sort_keys=False))
    assert project.hub("config", "check") == 2
    err = capsys.readouterr().err.replace("\n", "")  # unwrapped: a long tmp path wraps
    assert "hub.yaml:" in err
    assert "the store has no object 'orderz'" in err
    assert "orders" in err
