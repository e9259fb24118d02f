"""The HubSpot connector against the connector contract, with the sandbox as HubSpot."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from connectors.hubspot import HubSpotConnector
from connectors.hubspot.sandbox import SandboxServer
from hub.testing import ConnectorContract, HttpProbe, SinkCase, StreamCase

ROOT = Path(__file__).resolve().parents[3]
PROPERTIES = ROOT / "mappings" / "hubspot" / "properties.json"


class TestHubSpotContract(ConnectorContract):
    connector_cls = HubSpotConnector
    settings: Mapping[str, Any] = {"access_token": "pat-na1-contract-token",
                                   "properties_file": str(PROPERTIES)}
    streams = (
        StreamCase("contacts", {"result_cap": 20, "page_size": 10}, min_records=45),
        StreamCase("companies", min_records=3),
        StreamCase("deals", min_records=2),
    )
    sinks = (
        SinkCase("contacts", records=(
            {"email": "ada@example.com", "firstname": "Ada", "marketing_platform_id": "c-1",
             "marketing_platform_lead_score": 42},
            {"email": "grace@example.com", "lastname": "Hopper"},
        )),
        SinkCase("companies", records=({"marketing_platform_id": "co-1", "name": "Acme"},)),
    )
    http_probe = HttpProbe("/crm/v3/objects/contacts", ok={"results": []})
    mappings_dir = ROOT / "mappings" / "hubspot"

    @pytest.fixture
    def live_settings(self, start_hubspot_sandbox: Callable[..., SandboxServer]
                      ) -> Mapping[str, Any]:
        sandbox = start_hubspot_sandbox(search_limit=100)
        state = sandbox.state
        for i in range(45):
            state.create("contacts", {"email": f"person{i}@example.com"})
        for name in ("Acme", "Globex", "Initech"):
            state.create("companies", {"name": name})
        for stage, amount in (("closedwon", 1200), ("closedwon", 300), ("closedlost", 50)):
            state.create("deals", {"dealname": f"{stage} {amount}", "dealstage": stage,
                                   "amount": amount, "pipeline": "default"})
        return {"access_token": "sandbox-token", "base_url": sandbox.base_url,
                "properties_file": str(PROPERTIES),
                "search_rate_limit": {"requests": 50, "per_seconds": 1}}

    @pytest.fixture
    def bad_settings(self, live_settings: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**live_settings, "access_token": "pat-na1-revoked"}
