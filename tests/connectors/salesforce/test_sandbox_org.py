"""The Salesforce sandbox as simple-salesforce sees it: token grants, describe, Collections
upserts with Salesforce's per-record errors, SOQL paging, 18-character ids, the daily
allocation and session expiry, every request checked against the documented shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

import pytest
from simple_salesforce.api import Salesforce
from simple_salesforce.exceptions import (
    SalesforceExpiredSession,
    SalesforceMalformedRequest,
    SalesforceRefusedRequest,
)

from connectors.salesforce.sandbox import SandboxServer
from connectors.salesforce.sandbox.ids import checksum_suffix, is_id
from tests.connectors.salesforce.conftest import CLIENT, sdk, token

UPSERT = "composite/sobjects/Lead/Marketing_Platform_ID__c"


def lead(key: str, **values: Any) -> dict[str, Any]:
    return {"attributes": {"type": "Lead"}, "Marketing_Platform_ID__c": key,
            "LastName": f"Last {key}", "Company": "Acme", "Email": f"{key}@example.com",
            **values}


def upsert(sf: Salesforce, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    found = sf.restful(UPSERT, method="PATCH", json={"allOrNone": False, "records": records})
    return cast(list[dict[str, Any]], found)


def error_code(exc: BaseException) -> str:
    """Salesforce's errorCode in an SDK exception's parsed body."""
    return str(cast(Any, exc).content[0]["errorCode"])


def test_every_grant_issues_a_session_and_bad_credentials_are_refused(
        salesforce_sandbox: SandboxServer) -> None:
    org = salesforce_sandbox
    grants = [
        {"grant_type": "refresh_token", "refresh_token": "sandbox-refresh-token", **CLIENT},
        {"grant_type": "client_credentials", **CLIENT},
        {"grant_type": "password", "username": "integration@example.com",
         "password": "sandbox-passwordsandbox-security-token", **CLIENT},
    ]
    for form in grants:
        answer = token(org, **form)
        assert answer["status"] == 200, answer
        assert answer["instance_url"] == org.base_url
        assert sdk(org, answer["access_token"]).limits()["DailyApiRequests"]["Max"] > 0
    refused = token(org, grant_type="password", username="integration@example.com",
                    password="wrong", **CLIENT)
    assert refused == {"error": "invalid_grant", "error_description": "authentication failure",
                       "status": 400}
    bad_client = token(org, grant_type="client_credentials", client_id="nope",
                       client_secret="x")
    assert bad_client["error"] == "invalid_client_id"


def test_ids_are_18_characters_with_salesforces_suffix(sf: Salesforce) -> None:
    results = upsert(sf, [lead("k1"), lead("k2")])
    ids = [r["id"] for r in results]
    assert all(is_id(i, "00Q") for i in ids)
    assert checksum_suffix("001A0000006Vm9r") == "IAC"  # Salesforce's documented example


def test_collections_upsert_creates_then_updates_by_external_id(
        sf: Salesforce, salesforce_sandbox: SandboxServer) -> None:
    first = upsert(sf, [lead("k1"), lead("k2")])
    assert [r["created"] for r in first] == [True, True]
    again = upsert(sf, [lead("K1", Company="Globex")])  # external ids ignore case
    assert again == [{"id": first[0]["id"], "success": True, "errors": [], "created": False}]
    stored = {r["Id"]: r for r in salesforce_sandbox.state.all("Lead")}
    assert stored[first[0]["id"]]["Company"] == "Globex"
    assert len(stored) == 2


def test_each_refused_record_carries_salesforces_code_and_message(sf: Salesforce) -> None:
    results = upsert(sf, [
        lead("ok"),
        {"attributes": {"type": "Lead"}, "Marketing_Platform_ID__c": "m", "LastName": "X"},
        lead("e", Email="not-an-email"),
        lead("s", LastName="x" * 81),
        lead("d"), lead("d"),
    ])
    codes = [r["errors"][0]["statusCode"] if r["errors"] else None for r in results]
    assert codes == [None, "REQUIRED_FIELD_MISSING", "INVALID_EMAIL_ADDRESS", "STRING_TOO_LONG",
                     "DUPLICATE_EXTERNAL_ID", "DUPLICATE_EXTERNAL_ID"]
    assert results[1]["errors"][0]["message"] == "Required fields are missing: [Company]"
    assert "max length=80" in results[3]["errors"][0]["message"]


def test_all_or_none_rolls_the_request_back(sf: Salesforce,
                                            salesforce_sandbox: SandboxServer) -> None:
    results: Any = sf.restful(UPSERT, method="PATCH", json={"allOrNone": True, "records": [
        lead("a"), lead("b", Email="bad")]})
    assert results[0]["errors"][0]["statusCode"] == "ALL_OR_NONE_OPERATION_ROLLED_BACK"
    assert salesforce_sandbox.state.all("Lead") == []


def test_an_unknown_field_fails_the_whole_request(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        upsert(sf, [lead("a", Shoe_Size__c=42)])
    assert error_code(refused.value) == "INVALID_FIELD"


@pytest.mark.breaks_contract
def test_more_than_200_records_are_refused_and_counted_as_a_violation(
        sf: Salesforce, salesforce_sandbox: SandboxServer) -> None:
    with pytest.raises(SalesforceMalformedRequest):
        upsert(sf, [lead(f"k{i}") for i in range(201)])
    assert any("1 to 200" in v.message for v in salesforce_sandbox.state.contract.violations)


@pytest.mark.breaks_contract
def test_a_request_against_the_documented_shapes_is_counted(
        sf: Salesforce, salesforce_sandbox: SandboxServer) -> None:
    upsert(sf, [{"attributes": {"type": "Contact"}, "Id": "x", "Marketing_Platform_ID__c": "k",
                 "LastName": "L", "Company": "C"}])
    messages = [v.message for v in salesforce_sandbox.state.contract.violations]
    assert any("attributes.type must be Lead" in m for m in messages)
    assert any("carries Id" in m for m in messages)


def test_describe_names_required_read_only_and_external_id_fields(sf: Salesforce) -> None:
    fields = {f["name"]: f for f in cast(Any, sf).Lead.describe()["fields"]}
    assert fields["Marketing_Platform_ID__c"]["externalId"] is True
    assert fields["SystemModstamp"]["updateable"] is False
    assert fields["LastName"]["nillable"] is False


def test_query_pages_by_next_records_url_in_keyset_order(
        sf: Salesforce, salesforce_sandbox: SandboxServer) -> None:
    for start in range(0, 450, 150):
        upsert(sf, [lead(f"k{i:03d}") for i in range(start, start + 150)])
    soql = "SELECT Id, SystemModstamp FROM Lead ORDER BY SystemModstamp, Id"
    first = sf.query(soql, headers={"Sforce-Query-Options": "batchSize=200"})
    assert (first["totalSize"], first["done"], len(first["records"])) == (450, False, 200)
    assert first["nextRecordsUrl"].startswith("/services/data/v59.0/query/01g")
    rows = list(sf.query_all_iter(soql))
    keys = [(r["SystemModstamp"], r["Id"]) for r in rows]
    assert keys == sorted(keys)
    assert len(set(keys)) == 450
    last = keys[300]
    after = sf.query_all(
        f"SELECT Id FROM Lead WHERE SystemModstamp > {last[0]} OR "
        f"(SystemModstamp = {last[0]} AND Id > '{last[1]}') ORDER BY SystemModstamp, Id")
    assert [r["Id"] for r in after["records"]] == [k[1] for k in keys[301:]]


def test_query_all_sees_deleted_records(sf: Salesforce, salesforce_sandbox: SandboxServer
                                        ) -> None:
    ids = [r["id"] for r in upsert(sf, [lead("a"), lead("b")])]
    salesforce_sandbox.state.delete("Lead", ids[0])
    assert [r["Id"] for r in sf.query_all("SELECT Id FROM Lead")["records"]] == [ids[1]]
    every = sf.query_all("SELECT Id, IsDeleted FROM Lead", include_deleted=True)["records"]
    assert {(r["Id"], r["IsDeleted"]) for r in every} == {(ids[0], True), (ids[1], False)}


def test_a_bad_query_is_malformed(sf: Salesforce) -> None:
    with pytest.raises(SalesforceMalformedRequest) as refused:
        sf.query("SELECT Id FROM Lead WHERE")
    assert error_code(refused.value) == "MALFORMED_QUERY"


def test_the_daily_allocation_is_reported_and_enforced(
        start_salesforce_sandbox: Callable[..., SandboxServer]) -> None:
    org = start_salesforce_sandbox(daily_limit=3)
    sf = sdk(org)
    sf.limits()
    assert sf.api_usage["api-usage"].used == 1
    assert sf.api_usage["api-usage"].total == 3
    sf.limits()
    assert sf.limits()["DailyApiRequests"]["Remaining"] == 0
    with pytest.raises(SalesforceRefusedRequest) as refused:
        sf.limits()
    assert error_code(refused.value) == "REQUEST_LIMIT_EXCEEDED"
    org.config.daily_limit = 10  # an admin buys more: the next call goes through
    sf.limits()


def test_sessions_expire_on_demand(sf: Salesforce, salesforce_sandbox: SandboxServer) -> None:
    sf.limits()
    salesforce_sandbox.state.sessions.expire_all()
    with pytest.raises(SalesforceExpiredSession) as expired:
        sf.limits()
    assert error_code(expired.value) == "INVALID_SESSION_ID"
    fresh = token(salesforce_sandbox, grant_type="refresh_token",
                  refresh_token="sandbox-refresh-token", **CLIENT)
    assert sdk(salesforce_sandbox, fresh["access_token"]).limits()


def test_hub_sandbox_finds_the_salesforce_sandbox() -> None:
    from hub.cli.sandbox import sandboxes

    assert sandboxes()["salesforce"] == "connectors.salesforce.sandbox"


def test_simple_salesforces_own_bulk2_upsert_runs_unchanged(
        sf: Salesforce, salesforce_sandbox: SandboxServer) -> None:
    records = [{"Marketing_Platform_ID__c": f"b{i}", "LastName": f"L{i}", "Company": "Acme"}
               for i in range(50)]
    records.append({"Marketing_Platform_ID__c": "bad", "LastName": "L"})  # no Company

    done = cast(Any, sf).bulk2.Lead.upsert(records=records,
                                           external_id_field="Marketing_Platform_ID__c", wait=0)

    assert [(d["numberRecordsProcessed"], d["numberRecordsFailed"]) for d in done] == [(51, 1)]
    assert len(salesforce_sandbox.state.all("Lead")) == 50
