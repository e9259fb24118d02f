"""`hub streams docs`: the AsyncAPI document lists exactly the subscribers a worker runs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.app import Hub
from hub.cli import main
from hub.stream.worker import routes
from tests.stream.test_worker import write_project


@pytest.mark.parametrize("url", ["nats://127.0.0.1:4222", "amqp://guest:guest@127.0.0.1:5672/",
                                 "kafka://127.0.0.1:9092"])
def test_the_document_names_every_subscriber(tmp_path: Path, tenant: str, url: str) -> None:
    config = write_project(tmp_path, tenant, url)
    out = tmp_path / "asyncapi.json"
    assert main(["-c", str(config), "streams", "docs", "--out", str(out)]) == 0
    document = json.loads(out.read_text())
    assert document["asyncapi"].startswith("3.")
    with Hub(config) as hub:
        expected = {r.subject for r, _ in routes(hub.streams.consumers, tenant)}
    addresses = {c["address"] for c in document["channels"].values()}
    assert addresses == expected  # cart.updated, order.created, customer.segmented
    assert len(expected) == 3
