"""The sql connector against the connector contract, on a SQLite file."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from connectors.sql import SqlConnector
from hub.testing import ConnectorContract, SinkCase, StreamCase

T0 = datetime(2025, 3, 1)
ROOT = Path(__file__).resolve().parents[3]


class TestSqlContract(ConnectorContract):
    connector_cls = SqlConnector
    settings: Mapping[str, Any] = {"url": "postgresql+psycopg://hub:s3cr3t-pa55@127.0.0.1/hub"}
    streams = (
        # several rows share each timestamp, so pages end inside runs of equal cursors
        StreamCase("people", {"cursor": "updated_at", "primary_key": ["id"], "page_size": 4},
                   min_records=25),
        StreamCase("adults", {"query": "SELECT id, email FROM people WHERE id > 5",
                              "primary_key": ["id"], "page_size": 7},
                   min_records=20, incremental=False),
    )
    sinks = (
        SinkCase("people_copy", options={"key": ["id"], "create": True},
                 records=({"id": 1, "email": "ada@example.com"},
                          {"id": 2, "email": "grace@example.com"})),
    )

    mappings_dir = ROOT / "mappings" / "shop"

    @pytest.fixture
    def live_settings(self, tmp_path: Path) -> Mapping[str, Any]:
        url = f"sqlite:///{tmp_path / 'contract.db'}"
        engine = sa.create_engine(url)
        with engine.begin() as conn:
            conn.execute(sa.text("CREATE TABLE people (id INTEGER PRIMARY KEY, "
                                 "email VARCHAR(100) NOT NULL, updated_at TIMESTAMP)"))
            conn.execute(sa.text("INSERT INTO people VALUES (:i, :e, :u)"), [
                {"i": i, "e": f"p{i}@example.com", "u": T0 + timedelta(minutes=i // 3)}
                for i in range(1, 26)])
        engine.dispose()
        return {"url": url}

    @pytest.fixture
    def bad_settings(self) -> Mapping[str, Any]:
        # nothing listens on loopback port 1: the connection is refused at once
        return {"url": "postgresql+psycopg://hub:wrong@127.0.0.1:1/hub"}
