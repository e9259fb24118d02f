"""The app factory and server runner, without the SDK: lifespan, routing, knobs."""

from __future__ import annotations

import httpx
import pytest

from connectors.hubspot.sandbox import SandboxConfig, SandboxServer, create_app
from hub.testing.sandbox import FaultInjector

AUTH = {"Authorization": "Bearer sandbox-token"}


async def test_create_app_serves_in_process_and_exposes_its_state() -> None:
    app = create_app(SandboxConfig(burst_limit=7))
    transport = httpx.ASGITransport(app=app)

    async with httpx.AsyncClient(transport=transport, base_url="http://sandbox") as client:
        created = await client.post(
            "/crm/v3/objects/contacts",
            json={"properties": {"email": "tc@example.com"}},
            headers=AUTH,
        )
        listed = await client.get("/crm/v3/objects/contacts", headers=AUTH)

    assert created.status_code == 201
    assert listed.json()["results"][0]["properties"]["email"] == "tc@example.com"
    assert listed.headers["X-HubSpot-RateLimit-Max"] == "7"
    assert app.state.sandbox.records.count("contacts") == 1


def test_the_server_picks_a_free_loopback_port_and_stops() -> None:
    with SandboxServer() as sandbox:
        assert sandbox.base_url.startswith("http://127.0.0.1:")
        assert sandbox.port > 0
        response = httpx.get(sandbox.base_url + "/crm/v3/objects/companies", headers=AUTH)
    assert response.status_code == 200


def test_list_paging_links_point_back_at_the_sandbox(hubspot_sandbox: SandboxServer) -> None:
    for i in range(3):
        hubspot_sandbox.state.create("companies", {"name": f"Co {i}"})

    page = httpx.get(
        hubspot_sandbox.base_url + "/crm/v3/objects/companies?limit=2", headers=AUTH
    ).json()

    link = page["paging"]["next"]["link"]
    assert link.startswith(hubspot_sandbox.base_url + "/crm/v3/objects/companies?")
    assert f"after={page['paging']['next']['after']}" in link


@pytest.mark.breaks_contract
def test_unknown_paths_are_counted_apart(hubspot_sandbox: SandboxServer) -> None:
    response = httpx.get(hubspot_sandbox.base_url + "/crm/v3/nothing-here", headers=AUTH)

    assert response.status_code == 404
    assert hubspot_sandbox.state.counters.requests == {"GET (unmatched) /crm/v3/nothing-here": 1}


@pytest.mark.breaks_contract
def test_invalid_json_is_hubspots_400(hubspot_sandbox: SandboxServer) -> None:
    response = httpx.post(
        hubspot_sandbox.base_url + "/crm/v3/objects/contacts/batch/create",
        content=b"{not json",
        headers={**AUTH, "Content-Type": "application/json"},
    )

    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"
    assert response.json()["message"].startswith("Invalid input JSON")


def test_latency_stays_within_the_configured_jitter() -> None:
    faults = FaultInjector(SandboxConfig(latency_s=0.5, latency_jitter_s=0.25), seed=3)

    delays = [faults.latency() for _ in range(50)]

    assert all(0.5 <= delay <= 0.75 for delay in delays)
    assert len(set(delays)) > 1
