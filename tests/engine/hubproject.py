"""A throwaway hub for engine tests: a shop's customers table, a warehouse to copy them
into, a state store, and the hub.yaml that joins them, on SQLite or PostgreSQL.

The expected destination is computed here by hand, from the same generator that fills the
source, without the mapping engine: a test that compares the two checks the engine against
an independent account of what the customers mapping must produce.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from hub.cli import main as hub_main
from hub.store import StateStore

REPO = Path(__file__).resolve().parents[2]
CUSTOMERS_MAPPING = REPO / "mappings" / "shop" / "customers.yaml"
T0 = datetime(2025, 3, 1, 9, 30)
ZONES = ("America/New_York", "Europe/London", "Europe/Berlin")
# the columns the customers mapping writes, tenant included (canonical records carry it)
CONTACT_COLUMNS = ("tenant", "id", "email", "first_name", "last_name", "phone", "time_zone",
                   "created_at", "updated_at")

shop = sa.MetaData()
customers = sa.Table(
    "customers", shop,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("email", sa.String(200)), sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)), sa.Column("phone", sa.String(40)),
    sa.Column("country", sa.String(2)), sa.Column("time_zone", sa.String(40)),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False, index=True),
)


def customer(i: int, *, version: int = 0, invalid_every: int = 0, tie: int = 7) -> dict[str, Any]:
    """Customer `i` of the shop. `tie` customers share each `updated_at`, so pages end in the
    middle of ties; `invalid_every` > 0 gives every such customer an unusable email."""
    email = f"  Person.{i}@Example.COM " if i % 3 == 0 else f"person.{i}@example.com"
    if invalid_every and i % invalid_every == 0:
        email = f"person.{i} at example.com"
    return {
        "id": i, "email": email, "first_name": f" Ann{i % 11} ",
        "last_name": f"Lee{i % 97}" + (f"-v{version}" if version else ""),
        "phone": f"(201) 555-{i % 10_000:04d}" if i % 4 else None,
        "country": "US", "time_zone": ZONES[i % len(ZONES)],
        "created_at": T0 - timedelta(days=i % 300),
        "updated_at": T0 + timedelta(minutes=i // tie, days=365 * version),
    }


def is_valid(row: dict[str, Any]) -> bool:
    return " at " not in row["email"]


def expected_contact(row: dict[str, Any], tenant: str = "default") -> dict[str, Any]:
    """What the customers mapping must write for a source row, worked out by hand."""
    phone = row["phone"]
    return {
        "tenant": tenant, "id": str(row["id"]), "email": row["email"].strip().lower(),
        "first_name": row["first_name"].strip(), "last_name": row["last_name"].strip(),
        "phone": None if phone is None else "+1201555" + phone[-4:],
        "time_zone": row["time_zone"], "created_at": row["created_at"],
        "updated_at": row["updated_at"],
    }


def plain(value: Any) -> Any:
    """Compare datetimes as naive UTC, whatever time zone handling the backend applied."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value.astimezone(UTC).replace(tzinfo=None)
    return value


@dataclass
class Project:
    """One hub on disk. `shop_url` holds the source; `warehouse_url` the destination."""

    root: Path
    shop_url: str
    warehouse_url: str
    store_url: str

    @property
    def config(self) -> Path:
        return self.root / "hub.yaml"

    # -- configuration ------------------------------------------------------------------------
    def pipeline(self, *, page_size: int = 100, batch_size: int = 50, mode: str = "upsert",
                 mapping: Path | None = CUSTOMERS_MAPPING, table: str = "contacts_copy",
                 cursor: str | None = "updated_at", **destination: Any) -> dict[str, Any]:
        source: dict[str, Any] = {"connection": "shop", "stream": "customers",
                                  "primary_key": ["id"], "page_size": page_size}
        if cursor:
            source["cursor"] = cursor
        spec: dict[str, Any] = {
            "source": source,
            "destination": {"connection": "warehouse", "object": table, "key": ["id"],
                            "create": True, "batch_size": batch_size, "mode": mode,
                            **destination},
        }
        if mapping is not None:
            spec["mapping"] = str(mapping)
        return spec

    def write_config(self, pipelines: dict[str, dict[str, Any]] | None = None,
                     connections: dict[str, dict[str, Any]] | None = None) -> Path:
        document = {
            "version": 1,
            "store": {"url": self.store_url},
            "connections": {
                "shop": {"connector": "sql", "url": self.shop_url},
                "warehouse": {"connector": "sql", "url": self.warehouse_url},
                **(connections or {}),
            },
            "pipelines": pipelines if pipelines is not None else {"customers": self.pipeline()},
        }
        self.config.write_text(yaml.safe_dump(document, sort_keys=False))
        return self.config

    # -- running the hub ----------------------------------------------------------------------
    def hub(self, *args: str) -> int:
        """`hub --config hub.yaml ARGS…` in this process; its exit code."""
        return hub_main(["--config", str(self.config), *args])

    def hub_process(self, *args: str, failpoint: str | None = None,
                    timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """The same in a child process, optionally armed with a failpoint (`after_read:3`)."""
        env = {k: v for k, v in os.environ.items()
               if k not in ("HUB_FAILPOINT", "HUB_DATABASE_URL", "HUB_CONFIG")}
        env["COLUMNS"] = "200"
        if failpoint:
            env["HUB_FAILPOINT"] = failpoint
        return subprocess.run([sys.executable, "-m", "hub", "--config", str(self.config), *args],
                              cwd=self.root, env=env, capture_output=True, text=True,
                              timeout=timeout, check=False)

    def store(self) -> StateStore:
        store = StateStore(self.store_url)
        store.ensure_schema()
        return store

    # -- the shop -----------------------------------------------------------------------------
    def create_shop(self, rows: Iterable[dict[str, Any]] = ()) -> None:
        engine = sa.create_engine(self.shop_url)
        try:
            shop.create_all(engine)
            self._insert(engine, rows)
        finally:
            engine.dispose()

    def add_customers(self, rows: Iterable[dict[str, Any]]) -> None:
        engine = sa.create_engine(self.shop_url)
        try:
            self._insert(engine, rows)
        finally:
            engine.dispose()

    @staticmethod
    def _insert(engine: sa.Engine, rows: Iterable[dict[str, Any]]) -> None:
        batch: list[dict[str, Any]] = []
        with engine.begin() as conn:
            for row in rows:
                batch.append(row)
                if len(batch) == 5000:
                    conn.execute(customers.insert(), batch)
                    batch = []
            if batch:
                conn.execute(customers.insert(), batch)

    def replace_customers(self, rows: Iterable[dict[str, Any]]) -> int:
        """Overwrite existing customers by id, as the shop would on an edit."""
        engine = sa.create_engine(self.shop_url)
        stmt = sa.update(customers).where(customers.c.id == sa.bindparam("key")).values(
            {c.name: sa.bindparam(c.name) for c in customers.c if c.name != "id"})
        changed = [{**{k: v for k, v in r.items() if k != "id"}, "key": r["id"]} for r in rows]
        try:
            with engine.begin() as conn:
                conn.execute(stmt, changed)
        finally:
            engine.dispose()
        return len(changed)

    def delete_customers(self, ids: Iterable[int]) -> None:
        engine = sa.create_engine(self.shop_url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.delete(customers).where(customers.c.id.in_(list(ids))))
        finally:
            engine.dispose()

    # -- the warehouse ------------------------------------------------------------------------
    def destination(self, table: str = "contacts_copy") -> dict[str, dict[str, Any]]:
        """The destination's rows by id, with the columns the mapping writes."""
        engine = sa.create_engine(self.warehouse_url)
        try:
            if not sa.inspect(engine).has_table(table):
                return {}
            reflected = sa.Table(table, sa.MetaData(), autoload_with=engine)  # typed reads
            with engine.connect() as conn:
                rows = conn.execute(sa.select(reflected)).mappings().all()
        finally:
            engine.dispose()
        return {str(r["id"]): {c: plain(r.get(c)) for c in CONTACT_COLUMNS} for r in rows}

    def delete_destination(self, ids: Iterable[str], table: str = "contacts_copy") -> None:
        engine = sa.create_engine(self.warehouse_url)
        try:
            with engine.begin() as conn:
                conn.execute(sa.text(f"DELETE FROM {table} WHERE id IN :ids").bindparams(
                    sa.bindparam("ids", expanding=True)), {"ids": list(ids)})
        finally:
            engine.dispose()

    def prepare_destination(self, rows: Iterable[dict[str, Any]], table: str = "contacts_copy",
                            *, unique_email: bool = False) -> None:
        """Make the destination table by hand and put rows in it (not through the hub)."""
        engine = sa.create_engine(self.warehouse_url)
        target = sa.Table(table, sa.MetaData(), sa.Column("id", sa.Text, primary_key=True),
                          *[sa.Column(c, sa.DateTime(timezone=True)
                                      if c.endswith("_at") else sa.Text)
                            for c in CONTACT_COLUMNS if c != "id"],
                          *([sa.UniqueConstraint("email")] if unique_email else []))
        try:
            target.create(engine)
            with engine.begin() as conn:
                values = list(rows)
                if values:
                    conn.execute(target.insert(), values)
        finally:
            engine.dispose()


def expected_destination(rows: Iterable[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {str(r["id"]): expected_contact(r) for r in rows if is_valid(r)}


def make_project(root: Path, backend: str, database_url: str | None = None) -> Project:
    """SQLite: one file per role. PostgreSQL: every role shares the test's own schema."""
    if backend == "sqlite":
        return Project(root, f"sqlite:///{root / 'shop.db'}", f"sqlite:///{root / 'warehouse.db'}",
                       f"sqlite:///{root / 'hub.db'}")
    assert database_url is not None
    return Project(root, database_url, database_url, database_url)


def chunks(items: list[int], size: int) -> Iterator[list[int]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]
