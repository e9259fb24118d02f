"""A throwaway hub for the HubSpot tests: a source database of contacts, a state store, the
sandbox as HubSpot, and the hub.yaml that joins them; pipelines run in this process."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from connectors.hubspot.sandbox import SandboxServer
from hub.engine import RunResult
from hub.http import RetryPolicy
from hub.store import StateStore
from tests.connectors.pipelines import run_pipeline

REPO = Path(__file__).resolve().parents[3]
MAPPINGS = REPO / "mappings" / "hubspot"
T0 = datetime(2025, 6, 1, 8, 0)

people = sa.Table(
    "people", sa.MetaData(),
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("email", sa.String(200)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(100)),
    sa.Column("properties", sa.JSON),
    sa.Column("updated_at", sa.DateTime),
)


def person(i: int, *, invalid: bool = False) -> dict[str, Any]:
    """A source contact shaped like the canonical Contact the default mapping reads."""
    return {
        "id": f"c{i}",
        "email": f"not-an-email-{i}" if invalid else f"Person.{i}@Example.com ",
        "first_name": f"First{i}",
        "last_name": f"Last{i}",
        "properties": {"lead_score": i % 100, "last_campaign_interaction": f"spring-{i % 7}"},
        "updated_at": T0 + timedelta(seconds=i // 10),
    }


@dataclass
class HubSpotProject:
    root: Path
    sandbox: SandboxServer
    connection: dict[str, Any] = field(default_factory=dict)
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    @property
    def config(self) -> Path:
        return self.root / "hub.yaml"

    @property
    def source_url(self) -> str:
        return f"sqlite:///{self.root / 'source.db'}"

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.root / 'hub.db'}"

    def add_people(self, rows: Iterable[dict[str, Any]]) -> None:
        engine = sa.create_engine(self.source_url)
        try:
            people.create(engine, checkfirst=True)
            with engine.begin() as conn:
                conn.execute(people.insert(), list(rows))
        finally:
            engine.dispose()

    def write_config(self, page_size: int = 500, **extra: Any) -> None:
        crm = {"connector": "hubspot", "access_token": "sandbox-token",
               "base_url": self.sandbox.base_url,
               "properties_file": str(MAPPINGS / "properties.json"), **self.connection}
        document = {
            "version": 1,
            "store": {"url": self.store_url},
            "connections": {"source": {"connector": "sql", "url": self.source_url},
                            "crm": crm},
            "pipelines": {
                "to_hubspot": {
                    "source": {"connection": "source", "stream": "people", "cursor": "updated_at",
                               "primary_key": ["id"], "page_size": page_size},
                    "destination": {"connection": "crm", "object": "contacts"},
                    "mapping": str(MAPPINGS / "contacts.yaml"),
                },
                "from_hubspot": {
                    "source": {"connection": "crm", "stream": "contacts", "page_size": 100},
                    "destination": {"connection": "store", "object": "contacts",
                                    "key": ["tenant", "id"]},
                    "mapping": str(MAPPINGS / "contacts_inbound.yaml"),
                },
                **extra,
            },
        }
        self.config.write_text(yaml.safe_dump(document, sort_keys=False))

    def store(self) -> StateStore:
        store = StateStore(self.store_url)
        store.ensure_schema()
        return store

    def run(self, pipeline: str, *, full_refresh: bool = False) -> RunResult:
        """Run one pipeline through the sync engine, as `hub sync` does."""
        return run_pipeline(self.config, pipeline, retry=self.retry, full_refresh=full_refresh)
