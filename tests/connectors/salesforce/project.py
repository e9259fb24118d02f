"""A throwaway hub for the Salesforce tests: a source database of captured leads, a state
store, the sandbox as the org, and the hub.yaml that joins them; pipelines run in-process."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml

from connectors.salesforce.sandbox import SandboxServer
from hub.engine import RunResult
from hub.http import RetryPolicy
from hub.store import StateStore
from tests.connectors import pipelines
from tests.connectors.salesforce.conftest import settings

REPO = Path(__file__).resolve().parents[3]
MAPPINGS = REPO / "mappings" / "salesforce"
T0 = datetime(2025, 6, 1, 8, 0)
# seconds, not minutes, of backoff: the sandbox answers at once
QUICK = RetryPolicy(attempts=4, max_wait=2.0, base_wait=0.01)

leads = sa.Table(
    "leads", sa.MetaData(),
    sa.Column("id", sa.String(20), primary_key=True),
    sa.Column("email", sa.String(200)),
    sa.Column("first_name", sa.String(100)),
    sa.Column("last_name", sa.String(300)),
    sa.Column("company", sa.String(300)),
    sa.Column("score", sa.Float),
    sa.Column("status", sa.String(20)),
    sa.Column("campaign_id", sa.String(20)),
    sa.Column("updated_at", sa.DateTime),
)

# The ways Salesforce refuses a lead, by a flawed lead's `flaw`.
FLAWS = ("REQUIRED_FIELD_MISSING", "INVALID_EMAIL_ADDRESS", "STRING_TOO_LONG",
         "REQUIRED_FIELD_MISSING")


def captured(i: int, *, flaw: int | None = None) -> dict[str, Any]:
    """A lead as the capture form stored it; with a `flaw`, one that breaks one of
    Salesforce's rules: no LastName, a bad email, a too-long LastName, no Company."""
    row = {"id": f"L{i:06d}", "email": f"lead.{i}@example.com", "first_name": f"First{i}",
           "last_name": f"Last{i}", "company": f"Company {i % 97}", "score": float(i % 100),
           "status": "new", "campaign_id": f"spring-{i % 5}",
           "updated_at": T0 + timedelta(seconds=i // 10)}
    if flaw is not None:
        if flaw == 0:
            row["last_name"] = None
        elif flaw == 1:
            row["email"] = f"not-an-email-{i}"
        elif flaw == 2:
            row["last_name"] = "x" * 81
        else:
            row["company"] = None
    return row


@dataclass
class SalesforceProject:
    root: Path
    org: SandboxServer
    connection: dict[str, Any] = field(default_factory=dict)

    @property
    def config(self) -> Path:
        return self.root / "hub.yaml"

    @property
    def source_url(self) -> str:
        return f"sqlite:///{self.root / 'source.db'}"

    @property
    def store_url(self) -> str:
        return f"sqlite:///{self.root / 'hub.db'}"

    def add_leads(self, rows: Iterable[dict[str, Any]]) -> None:
        engine = sa.create_engine(self.source_url)
        try:
            leads.create(engine, checkfirst=True)
            with engine.begin() as conn:
                conn.execute(leads.insert(), list(rows))
        finally:
            engine.dispose()

    def write_config(self, page_size: int = 1000, **destination: Any) -> None:
        crm = {"connector": "salesforce", **settings(self.org), **self.connection}
        document = {
            "version": 1,
            "store": {"url": self.store_url},
            "connections": {"source": {"connector": "sql", "url": self.source_url},
                            "crm": crm},
            "pipelines": {
                "to_salesforce": {
                    "source": {"connection": "source", "stream": "leads", "cursor": "updated_at",
                               "primary_key": ["id"], "page_size": page_size},
                    "destination": {"connection": "crm", "object": "Lead", **destination},
                    "mapping": str(MAPPINGS / "leads.yaml"),
                },
            },
        }
        self.config.write_text(yaml.safe_dump(document, sort_keys=False))

    def store(self) -> StateStore:
        store = StateStore(self.store_url)
        store.ensure_schema()
        return store

    def run(self, pipeline: str = "to_salesforce") -> RunResult:
        return run_pipeline(self.config, pipeline)


def run_pipeline(config: Path, pipeline: str) -> RunResult:
    """Run one pipeline through the sync engine, as `hub sync` does."""
    return pipelines.run_pipeline(config, pipeline, retry=QUICK)


def org_leads(org: SandboxServer) -> dict[str, dict[str, Any]]:
    """The org's leads by external id, without what differs between two runs (ids, stamps)."""
    volatile = {"Id", "CreatedDate", "LastModifiedDate", "SystemModstamp"}
    found: dict[str, dict[str, Any]] = {}
    for record in org.state.all("Lead"):
        key = record["Marketing_Platform_ID__c"]
        assert key not in found, f"{key} is in the org twice"
        found[key] = {k: v for k, v in record.items() if k not in volatile}
    return found
