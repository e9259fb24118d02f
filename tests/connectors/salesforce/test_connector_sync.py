"""Leads from a database to Salesforce (the sandbox) through the sync engine: 200 a call, every
record exactly once, refused ones dead-lettered with Salesforce's message, and a run that loses
its session or reaches the org's daily allocation ends, after a rerun, exactly like a clean one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.salesforce.sandbox import SandboxServer
from tests.connectors.salesforce.project import FLAWS, SalesforceProject, captured, org_leads

StartOrg = Callable[..., SandboxServer]
UPSERT = "PATCH /services/data/v{version}/composite/sobjects/Lead/Marketing_Platform_ID__c"


def clean_run(tmp_path: Path, start: StartOrg, count: int) -> dict[str, dict[str, object]]:
    """The org after an uninterrupted run of `count` leads: what a disturbed run must equal."""
    org = start()
    hub = SalesforceProject(tmp_path / "clean", org)
    hub.root.mkdir()
    hub.add_leads(captured(i) for i in range(count))
    hub.write_config()
    assert hub.run().status == "succeeded"
    return org_leads(org)


def test_leads_arrive_once_each_in_at_most_5_calls_per_1000(
        tmp_path: Path, start_salesforce_sandbox: StartOrg) -> None:
    # 4,000 of 10,000 keep the suite quick; bench/salesforce.py runs the full size
    org = start_salesforce_sandbox()
    hub = SalesforceProject(tmp_path, org)
    hub.add_leads(captured(i) for i in range(4000))
    hub.write_config(page_size=2000)

    result = hub.run()

    assert result.status == "succeeded", result.error
    assert (result.counts["written"], result.counts["failed"]) == (4000, 0)
    upserts = org.state.log.routes()[UPSERT]
    assert upserts == 20  # 200 leads a call
    api_calls = org.state.calls("/services/data/")  # the token endpoint is not an API call
    assert api_calls == 20  # the upserts, nothing else
    assert api_calls / 4 <= 5  # calls per 1,000 leads
    stored = org_leads(org)  # fails if any lead is there twice
    assert set(stored) == {f"L{i:06d}" for i in range(4000)}
    assert stored["L000042"]["Lead_Score__c"] == 42.0
    assert stored["L000042"]["Status"] == "Open - Not Contacted"


def test_invalid_leads_are_dead_lettered_with_salesforces_message(
        tmp_path: Path, salesforce_sandbox: SandboxServer) -> None:
    # 150 of 2,500: 300 of 5,000 at half the size
    flawed = {i: n % 4 for n, i in enumerate(range(7, 2500, 16)[:150])}
    hub = SalesforceProject(tmp_path, salesforce_sandbox)
    hub.add_leads(captured(i, flaw=flawed.get(i)) for i in range(2500))
    hub.write_config()

    result = hub.run()

    store = hub.store()
    letters = store.dead_letters("to_salesforce", limit=1000)
    store.close()
    assert (result.counts["written"], result.counts["failed"]) == (2350, 150)
    assert len(letters) == 150
    by_id = {letter.record["id"]: letter.error for letter in letters}
    assert set(by_id) == {f"L{i:06d}" for i in flawed}
    for i, flaw in flawed.items():
        assert FLAWS[flaw] in by_id[f"L{i:06d}"]
    said = {flaw: by_id[f"L{i:06d}"] for i, flaw in flawed.items()}
    assert "Required fields are missing: [LastName]" in said[0]
    assert "Email: invalid email address: not-an-email-" in said[1]
    assert "LastName: data value too large: xxx" in said[2]
    assert "max length=80" in said[2]
    assert "Required fields are missing: [Company]" in said[3]
    assert len(org_leads(salesforce_sandbox)) == 2350


def test_a_session_expiring_mid_run_is_renewed_and_loses_nothing(
        tmp_path: Path, start_salesforce_sandbox: StartOrg) -> None:
    expected = clean_run(tmp_path, start_salesforce_sandbox, 600)
    org = start_salesforce_sandbox(session_call_limit=1)  # each session serves one call
    hub = SalesforceProject(tmp_path, org, {"concurrency": 1})
    hub.add_leads(captured(i) for i in range(600))
    hub.write_config()

    result = hub.run()

    assert result.status == "succeeded", result.error
    assert result.counts["written"] == 600
    assert org.state.sessions.issued == 3  # renewed twice mid-run
    assert org.state.log.statuses()[401] == 2
    assert org_leads(org) == expected


def test_the_api_reserve_stops_the_run_and_the_rerun_ends_like_a_clean_one(
        tmp_path: Path, start_salesforce_sandbox: StartOrg) -> None:
    expected = clean_run(tmp_path, start_salesforce_sandbox, 1200)
    org = start_salesforce_sandbox(daily_limit=10)
    hub = SalesforceProject(tmp_path, org, {"api_reserve": 0.5})  # stop once 5 are used
    hub.add_leads(captured(i) for i in range(1200))
    hub.write_config(page_size=400)

    stopped = hub.run()

    assert stopped.status == "stopped"
    assert "leaves the last 5 (50%, `api_reserve`)" in (stopped.error or "")
    assert stopped.resume_at is not None
    assert stopped.resume_at > datetime.now(UTC)
    assert 0 < stopped.counts["written"] < 1200
    assert org.state.calls("/services/data/") <= 5  # never a call into the reserve
    assert stopped.counts["failed"] == 0
    assert org.state.log.statuses().get(403, 0) == 0  # stopped before Salesforce refused
    org.config.daily_limit = 10_000  # the next day

    again = hub.run()

    assert again.status == "succeeded", again.error
    assert org_leads(org) == expected


def test_request_limit_exceeded_stops_the_run_without_retrying(
        tmp_path: Path, start_salesforce_sandbox: StartOrg) -> None:
    expected = clean_run(tmp_path, start_salesforce_sandbox, 600)
    org = start_salesforce_sandbox()
    hub = SalesforceProject(tmp_path, org)
    hub.add_leads(captured(i) for i in range(600))
    hub.write_config(page_size=400)
    org.state.faults.force_refusal(1)  # the org's other integrations spent the allocation

    stopped = hub.run()

    assert stopped.status == "stopped"
    assert "403 REQUEST_LIMIT_EXCEEDED: TotalRequests Limit exceeded." in (stopped.error or "")
    assert stopped.resume_at is not None
    assert stopped.resume_at > datetime.now(UTC)
    assert org.state.log.statuses()[403] == 1  # a quota stop, not a retry loop
    assert stopped.counts["failed"] == 0

    assert hub.run().status == "succeeded"
    assert org_leads(org) == expected


@pytest.mark.parametrize("grant", ["password", "client_credentials"])
def test_other_oauth_flows_sync_too(tmp_path: Path, salesforce_sandbox: SandboxServer,
                                    grant: str) -> None:
    flows = {"password": {"username": "integration@example.com",
                          "password": "sandbox-password",
                          "security_token": "sandbox-security-token"},
             "client_credentials": {}}
    hub = SalesforceProject(tmp_path, salesforce_sandbox,
                            {"refresh_token": None, **flows[grant]})
    hub.add_leads(captured(i) for i in range(10))
    hub.write_config()

    assert hub.run().status == "succeeded"
    assert len(org_leads(salesforce_sandbox)) == 10
