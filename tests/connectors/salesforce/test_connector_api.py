"""The connector's own checks: `check()` in words a person can act on, `verify()` refusing a
mapping's unknown or read-only fields by describe, a run stopped on a field the object lacks,
lookups written by external id, and the JWT bearer flow."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SandboxServer
from connectors.salesforce.settings import SalesforceSettings
from hub.connector import Outcome, WriteMode
from hub.errors import ConfigError, PermanentError
from hub.mapping import load_mapping
from hub.plugin.host import default_host
from tests.connectors.salesforce.conftest import settings

T = TypeVar("T")
StartOrg = Callable[..., SandboxServer]
MAPPINGS = Path(__file__).resolve().parents[3] / "mappings" / "salesforce"


def using(raw: dict[str, Any], use: Callable[[SalesforceConnector], Awaitable[T]]) -> T:
    async def go() -> T:
        sf = SalesforceConnector(SalesforceSettings.model_validate(raw))
        try:
            return await use(sf)
        finally:
            await sf.aclose()

    return asyncio.run(go())


def test_check_names_the_org_and_what_is_left_of_the_day(
        salesforce_sandbox: SandboxServer) -> None:
    result = using(settings(salesforce_sandbox), lambda sf: sf.check())
    assert result.ok
    assert "accepted the refresh token sign-in" in result.message
    assert result.details["daily_max"] == 100_000


def test_check_says_what_to_do_about_a_revoked_refresh_token(
        salesforce_sandbox: SandboxServer) -> None:
    raw = settings(salesforce_sandbox, refresh_token="revoked")
    result = using(raw, lambda sf: sf.check())
    assert not result.ok
    assert "invalid_grant" in result.message
    assert "reauthorise the connected app and set the new `refresh_token`" in result.message


def test_check_says_when_the_login_server_cannot_be_reached() -> None:
    raw = {"login_url": "http://127.0.0.1:9", "client_id": "x", "refresh_token": "y"}
    result = using(raw, lambda sf: sf.check())
    assert not result.ok
    assert "Check `login_url`/`instance_url` and the network" in result.message


def test_settings_refuse_credentials_that_make_no_flow() -> None:
    with pytest.raises(ValueError, match="give one way to sign in"):
        SalesforceSettings.model_validate({"client_id": "only-this"})
    with pytest.raises(ValueError, match="an `access_token` needs the org's `instance_url`"):
        SalesforceSettings.model_validate({"access_token": "00D!session"})


@pytest.mark.parametrize("name", sorted(p.stem for p in MAPPINGS.glob("*.yaml")))
def test_every_mapping_writes_only_fields_the_org_can_take(
        salesforce_sandbox: SandboxServer, name: str) -> None:
    mapping = load_mapping(MAPPINGS / f"{name}.yaml", transforms=default_host().transforms)
    sobject = mapping.target.removeprefix("salesforce.")
    sink_options = {"fields": sorted(mapping.fields)}
    using(settings(salesforce_sandbox),
          lambda sf: sf.sink(sobject, sink_options).verify())  # raises if any is refused


def test_verify_refuses_unknown_and_read_only_fields_naming_object_and_field(
        salesforce_sandbox: SandboxServer) -> None:
    options = {"fields": ["LastName", "Shoe_Size__c", "SystemModstamp", "Campaign.Name"],
               "external_id_field": "Email"}
    with pytest.raises(ConfigError) as refused:
        using(settings(salesforce_sandbox), lambda sf: sf.sink("Lead", options).verify())
    where = {(p.field, p.message) for p in refused.value.problems}
    assert where == {
        ("external_id_field", "Lead.Email is not an external id field"),
        ("fields[1]", "Lead has no field Shoe_Size__c"),
        ("fields[2]", "Lead.SystemModstamp is read-only in Salesforce"),
        ("fields[3]", "Lead has no field Campaign.Name"),
    }


def test_verify_refuses_an_object_the_org_lacks(salesforce_sandbox: SandboxServer) -> None:
    with pytest.raises(ConfigError, match="the Salesforce org has no object 'Nope__c'"):
        using(settings(salesforce_sandbox), lambda sf: sf.sink("Nope__c").verify())


def test_a_field_the_object_lacks_stops_the_run_naming_it(
        salesforce_sandbox: SandboxServer) -> None:
    records = [{"Marketing_Platform_ID__c": "k1", "LastName": "L", "Company": "C",
                "Shoe_Size__c": 42}]
    with pytest.raises(PermanentError, match="Lead has no field Shoe_Size__c"):
        using(settings(salesforce_sandbox),
              lambda sf: sf.sink("Lead").write(records, WriteMode.UPSERT))
    assert salesforce_sandbox.state.all("Lead") == []


def test_campaign_members_and_interactions_name_their_lookups_by_external_id(
        salesforce_sandbox: SandboxServer) -> None:
    org = salesforce_sandbox

    async def write(sf: SalesforceConnector) -> list[list[Outcome]]:
        steps = [
            ("Campaign", [{"Marketing_Platform_ID__c": "spring", "Name": "Spring"}]),
            ("Lead", [{"Marketing_Platform_ID__c": f"l{i}", "LastName": f"L{i}",
                       "Company": "Acme"} for i in range(2)]),
            ("CampaignMember", [{"Marketing_Platform_ID__c": f"spring:l{i}",
                                 "Campaign.Marketing_Platform_ID__c": "spring",
                                 "Lead.Marketing_Platform_ID__c": f"l{i}"} for i in range(3)]),
            ("Lead_Interaction__c", [{"Marketing_Platform_ID__c": "t1",
                                      "Interaction_Type__c": "click",
                                      "Campaign__r.Marketing_Platform_ID__c": "spring",
                                      "Lead__r.Marketing_Platform_ID__c": "l0"}]),
        ]
        outcomes = []
        for sobject, records in steps:
            results = await sf.sink(sobject).write(records, WriteMode.UPSERT)
            outcomes.append([r.outcome for r in results])
        return outcomes

    outcomes = using(settings(org), write)

    written, failed = Outcome.WRITTEN, Outcome.FAILED
    assert outcomes == [[written], [written, written], [written, written, failed],
                        [written]]
    campaign = org.state.all("Campaign")[0]["Id"]
    leads = {r["Marketing_Platform_ID__c"]: r["Id"] for r in org.state.all("Lead")}
    members = {(m["CampaignId"], m["LeadId"]) for m in org.state.all("CampaignMember")}
    assert members == {(campaign, leads["l0"]), (campaign, leads["l1"])}
    interaction = org.state.all("Lead_Interaction__c")[0]
    assert (interaction["Campaign__c"], interaction["Lead__c"]) == (campaign, leads["l0"])


def test_the_jwt_bearer_flow_signs_in_with_the_apps_key(
        start_salesforce_sandbox: StartOrg) -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    public = key.public_key().public_bytes(serialization.Encoding.PEM,
                                           serialization.PublicFormat.SubjectPublicKeyInfo)
    org = start_salesforce_sandbox(jwt_public_key=public.decode())
    raw = {"login_url": org.base_url, "client_id": "sandbox-client-id",
           "username": "integration@example.com", "private_key": private}
    assert using(raw, lambda sf: sf.check()).ok
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    wrong = other.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption()).decode()
    refused = using({**raw, "private_key": wrong}, lambda sf: sf.check())
    assert not refused.ok
    assert "must hold the certificate of `private_key`" in refused.message
