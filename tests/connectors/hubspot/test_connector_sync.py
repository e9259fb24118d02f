"""Contacts from a database to HubSpot (the sandbox) through the sync engine: every record
arrives within the rate limit, unchanged ones are not written again, refused ones reach the
dead-letter queue with HubSpot's own message, and quota and credential failures stop the run
in words a person can act on."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from connectors.hubspot.sandbox import SandboxServer
from hub.errors import AuthError
from hub.http import RetryPolicy
from tests.connectors.hubspot.project import HubSpotProject, person

StartSandbox = Callable[..., SandboxServer]
UPSERT = "POST /crm/v3/objects/contacts/batch/upsert"
# seconds, not minutes, of backoff: the sandbox answers at once
QUICK = RetryPolicy(attempts=6, max_wait=10.0, base_wait=0.05)


def project(tmp_path: Path, sandbox: SandboxServer, **connection: object) -> HubSpotProject:
    return HubSpotProject(tmp_path, sandbox, dict(connection), QUICK)


@pytest.mark.slow
def test_2000_contacts_arrive_under_a_tight_limit_with_no_429(
        tmp_path: Path, start_hubspot_sandbox: StartSandbox) -> None:
    sandbox = start_hubspot_sandbox(burst_limit=15, burst_interval_s=1.0)
    hub = project(tmp_path, sandbox, rate_limit={"requests": 15, "per_seconds": 1})
    hub.add_people(person(i) for i in range(2000))
    hub.write_config()

    result = hub.run("to_hubspot")

    counters = sandbox.state.counters
    assert result.status == "succeeded", result.error
    assert (result.counts["written"], result.counts["failed"]) == (2000, 0)
    assert counters.rate_limited == 0  # paced below the limit, never bounced off it
    assert counters.requests[UPSERT] == 20  # 100 contacts a call
    assert sandbox.state.records.count("contacts") == 2000


def test_custom_properties_are_created_before_the_first_write(
        tmp_path: Path, hubspot_sandbox: SandboxServer) -> None:
    hub = project(tmp_path, hubspot_sandbox)
    hub.add_people(person(i) for i in range(3))
    hub.write_config()

    hub.run("to_hubspot")

    catalog = hubspot_sandbox.state.catalog
    stored = hubspot_sandbox.state.records.find_unique("contacts", "email",
                                                        "person.2@example.com")
    assert {g.name for g in catalog.groups("contacts")} >= {"marketing_platform"}
    assert catalog.require("contacts", "marketing_platform_id").has_unique_value
    assert stored is not None
    assert stored.properties["marketing_platform_lead_score"] == "2"
    assert stored.properties["last_campaign_interaction"] == "spring-2"
    assert stored.properties["marketing_platform_id"] == "c2"


def test_a_second_sync_of_unchanged_contacts_makes_no_write_call(
        tmp_path: Path, hubspot_sandbox: SandboxServer) -> None:
    hub = project(tmp_path, hubspot_sandbox)
    hub.add_people(person(i) for i in range(300))
    hub.write_config()
    hub.run("to_hubspot")
    writes_before = hubspot_sandbox.state.counters.write_calls

    again = hub.run("to_hubspot", full_refresh=True)  # read everything again, on purpose

    assert again.counts["read"] == 300
    assert again.counts["unchanged"] == 300
    assert again.counts["written"] == 0
    assert hubspot_sandbox.state.counters.write_calls == writes_before


def test_invalid_emails_go_to_the_dead_letter_queue_with_hubspots_message(
        tmp_path: Path, hubspot_sandbox: SandboxServer) -> None:
    hub = project(tmp_path, hubspot_sandbox)
    hub.add_people(person(i, invalid=i % 20 == 7) for i in range(1000))  # 50 of 1,000
    hub.write_config()

    result = hub.run("to_hubspot")

    store = hub.store()
    letters = store.dead_letters("to_hubspot", limit=100)
    store.close()
    assert (result.counts["written"], result.counts["failed"]) == (950, 50)
    assert hubspot_sandbox.state.records.count("contacts") == 950
    assert len(letters) == 50
    assert all("Email address not-an-email-" in letter.error and "is invalid" in letter.error
               and "INVALID_EMAIL" in letter.error for letter in letters)
    assert {letter.record["id"] for letter in letters} == {f"c{i}" for i in range(7, 1000, 20)}


@pytest.mark.slow
def test_rolling_window_429s_are_waited_out_not_failed(
        tmp_path: Path, start_hubspot_sandbox: StartSandbox) -> None:
    # a one-second window keeps the test short: a 429 makes the hub wait out a whole window
    sandbox = start_hubspot_sandbox(burst_limit=100, burst_interval_s=1.0)
    hub = project(tmp_path, sandbox, rate_limit={"requests": 100, "per_seconds": 1})
    hub.add_people(person(i) for i in range(400))
    hub.write_config(page_size=100)
    sandbox.state.faults.force_refusal(3)  # TEN_SECONDLY_ROLLING, as when other apps share it

    result = hub.run("to_hubspot")

    assert result.status == "succeeded", result.error
    assert (result.counts["written"], result.counts["failed"]) == (400, 0)
    assert sandbox.state.counters.rate_limited == 3


def test_a_spent_daily_limit_stops_the_run_with_its_checkpoint(
        tmp_path: Path, start_hubspot_sandbox: StartSandbox) -> None:
    sandbox = start_hubspot_sandbox(daily_limit=9)
    hub = project(tmp_path, sandbox)
    hub.add_people(person(i) for i in range(1000))
    hub.write_config(page_size=100)

    result = hub.run("to_hubspot")

    store = hub.store()
    cursor = store.get_cursor("to_hubspot")
    store.close()
    assert result.status == "stopped"
    assert "daily" in (result.error or "")
    assert result.resume_at is not None
    assert result.resume_at > datetime.now(UTC)
    assert 0 < result.counts["written"] < 1000
    assert result.counts["failed"] == 0  # nothing is dead-lettered for a quota
    assert cursor is not None  # the pages written are checkpointed; the run resumes after them


def test_a_daily_429_stops_the_run_until_the_reset(
        tmp_path: Path, start_hubspot_sandbox: StartSandbox) -> None:
    # OAuth answers carry no daily headers, so the hub learns of the quota from the 429 itself
    sandbox = start_hubspot_sandbox(daily_limit=6)
    hub = project(tmp_path, sandbox, access_token=None, client_id="sandbox-client-id",
                  client_secret="sandbox-client-secret", refresh_token="sandbox-refresh-token")
    hub.add_people(person(i) for i in range(1000))
    hub.write_config(page_size=100)

    result = hub.run("to_hubspot")

    assert result.status == "stopped"
    assert "429 (DAILY)" in (result.error or "")
    assert result.resume_at is not None
    assert result.resume_at > datetime.now(UTC)
    assert sandbox.state.counters.rate_limited >= 1
    assert result.counts["failed"] == 0


def test_a_refused_token_fails_the_run_saying_what_to_do(
        tmp_path: Path, hubspot_sandbox: SandboxServer) -> None:
    hub = project(tmp_path, hubspot_sandbox, access_token="pat-na1-revoked")
    hub.add_people(person(i) for i in range(5))
    hub.write_config()

    with pytest.raises(AuthError, match="refused the token") as refused:
        hub.run("to_hubspot")

    assert "Private Apps" in str(refused.value)
    assert "access_token" in str(refused.value)
    assert hubspot_sandbox.state.records.count("contacts") == 0
