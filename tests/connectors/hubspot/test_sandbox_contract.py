"""HubSpot's published contract, checked on every request the sandbox receives: the connector
keeps it, and what breaks it is counted and named while the sandbox answers as HubSpot would."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import httpx
import pytest

from connectors.hubspot import HubSpotConnector, HubSpotSettings
from connectors.hubspot.sandbox import SandboxServer
from hub.connector import Outcome, WriteMode

PROPERTIES = Path(__file__).resolve().parents[3] / "mappings" / "hubspot" / "properties.json"
AUTH = {"Authorization": "Bearer sandbox-token"}


def test_the_connectors_calls_keep_hubspots_contract(hubspot_sandbox: SandboxServer) -> None:
    async def write_then_read() -> tuple[list[Any], list[Any]]:
        hub = HubSpotConnector(HubSpotSettings.model_validate(
            {"access_token": "sandbox-token", "base_url": hubspot_sandbox.base_url,
             "properties_file": str(PROPERTIES)}))
        try:
            written = await hub.sink("contacts", {"id_property": "marketing_platform_id"}).write(
                [{"marketing_platform_id": f"c-{i}", "email": f"p{i}@example.com",
                  "marketing_platform_lead_score": i} for i in range(3)], WriteMode.UPSERT)
            read = [record async for page in hub.stream("contacts").read(None)
                    for record in page]
            return written, read
        finally:
            await hub.aclose()

    written, read = asyncio.run(write_then_read())

    assert [result.outcome for result in written] == [Outcome.WRITTEN] * 3
    assert len(read) == 3
    routes = hubspot_sandbox.state.counters.requests
    assert routes["POST /crm/v3/objects/contacts/batch/upsert"] == 1
    assert routes["POST /crm/v3/objects/contacts/search"] >= 1
    contract = hubspot_sandbox.state.contract
    assert contract.checked == sum(routes.values())  # every request was checked …
    assert contract.violations == []  # … and none broke the contract


@pytest.mark.breaks_contract
@pytest.mark.parametrize(
    ("body", "status", "problem"),
    [
        ({"inputs": [{"idProperty": "email", "properties": {"firstname": "Ada"}}]}, 207,
         "'id' is a required property (at inputs/0)"),
        # the sandbox, like HubSpot, stores the number as text: only the contract catches it
        ({"inputs": [{"id": "a@example.com", "idProperty": "email",
                      "properties": {"firstname": 5}}]}, 200,
         "5 is not of type 'string' (at inputs/0/properties/firstname)"),
    ],
    ids=["upsert-without-id", "number-for-a-string"],
)
def test_a_request_that_breaks_the_contract_is_counted_and_named(
    hubspot_sandbox: SandboxServer, body: dict[str, Any], status: int, problem: str
) -> None:
    answer = httpx.post(f"{hubspot_sandbox.base_url}/crm/v3/objects/contacts/batch/upsert",
                        json=body, headers=AUTH)

    assert answer.status_code == status  # the sandbox's rules answer, not the contract
    [violation] = hubspot_sandbox.state.contract.violations
    assert violation.path == "/crm/v3/objects/contacts/batch/upsert"
    assert problem in violation.message


@pytest.mark.parametrize("hubspot_sandbox", [{"validate_contract": False}], indirect=True)
def test_contract_checks_can_be_turned_off(hubspot_sandbox: SandboxServer) -> None:
    httpx.get(f"{hubspot_sandbox.base_url}/crm/v3/nowhere", headers=AUTH)

    assert hubspot_sandbox.state.contract.checked == 0
    assert hubspot_sandbox.state.counters.total_requests() == 1
