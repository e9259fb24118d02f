"""The Salesforce connector against the connector contract, with the sandbox as the org."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar

import pytest

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SandboxServer
from hub.testing import ConnectorContract, HttpProbe, SinkCase, StreamCase
from tests.connectors.salesforce.conftest import settings

ROOT = Path(__file__).resolve().parents[3]


class TestSalesforceContract(ConnectorContract):
    connector_cls = SalesforceConnector
    settings: ClassVar[Mapping[str, Any]] = {"instance_url": "https://acme.my.salesforce.com",
                                   "access_token": "00Dxx!contract-session"}
    streams = (
        StreamCase("Lead", {"page_size": 200}, min_records=450),
        StreamCase("Contact", min_records=2),
        StreamCase("Opportunity", min_records=1),
    )
    sinks = (
        SinkCase("Lead", records=(
            {"Marketing_Platform_ID__c": "lead-1", "LastName": "Lovelace", "Company": "Acme",
             "Email": "ada@example.com", "Lead_Score__c": 42},
            {"Marketing_Platform_ID__c": "lead-2", "LastName": "Hopper", "Company": "Navy"},
        )),
        SinkCase("Campaign", records=({"Marketing_Platform_ID__c": "c-1", "Name": "Spring"},)),
        SinkCase("Lead_Interaction__c", records=(
            {"Marketing_Platform_ID__c": "i-1", "Interaction_Type__c": "email_click",
             "Engagement_Score__c": 3},)),
    )
    http_probe = HttpProbe("/services/data/v59.0/limits/", url_setting="instance_url",
                           ok={"DailyApiRequests": {"Max": 100, "Remaining": 99}})
    mappings_dir = ROOT / "mappings" / "salesforce"

    @pytest.fixture
    def live_settings(self, start_salesforce_sandbox: Callable[..., SandboxServer]
                      ) -> Mapping[str, Any]:
        org = start_salesforce_sandbox()
        state = org.state
        for i in range(450):
            state.create("Lead", {"LastName": f"L{i}", "Company": "Acme",
                                  "Marketing_Platform_ID__c": f"seed-{i}"})
        for name in ("Ada", "Grace"):
            state.create("Contact", {"LastName": name})
        for stage, amount in (("Closed Won", 1200), ("Closed Lost", 50)):
            state.create("Opportunity", {"Name": f"{stage} {amount}", "StageName": stage,
                                         "Amount": amount, "CloseDate": "2026-01-31"})
        return settings(org)

    @pytest.fixture
    def bad_settings(self, live_settings: Mapping[str, Any]) -> Mapping[str, Any]:
        return {**live_settings, "refresh_token": "revoked-refresh-token"}
