"""Large writes through Bulk API 2.0: one job for the batch (create, upload, close, poll,
three result files), one outcome per record, Salesforce's refusals dead-lettered."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from simple_salesforce.api import Salesforce

from connectors.salesforce import bulk as bulk_module
from connectors.salesforce.bulk import BulkUpsert, to_csv
from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SandboxServer
from connectors.salesforce.settings import SalesforceSettings
from hub.connector import Outcome, WriteResult
from tests.connectors.salesforce.conftest import sdk, settings
from tests.connectors.salesforce.project import FLAWS, SalesforceProject, captured, org_leads

StartOrg = Callable[..., SandboxServer]


@pytest.fixture(autouse=True)
def quick_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The sandbox finishes a job in moments: poll from 0.2 s, not Salesforce's half second."""
    monkeypatch.setattr(bulk_module, "FIRST_POLL_S", 0.2)


def test_a_large_write_goes_as_one_bulk_job_in_a_handful_of_calls(
        tmp_path: Path, start_salesforce_sandbox: StartOrg) -> None:
    # 100,000 in at most 15 calls at full size (bench/salesforce.py); 3,000 keep the suite quick
    # (bench/salesforce.py runs 100,000)
    org = start_salesforce_sandbox()
    flawed = {i: n % 4 for n, i in enumerate(range(11, 3000, 50))}  # 60 of 3,000
    hub = SalesforceProject(tmp_path, org)
    hub.add_leads(captured(i, flaw=flawed.get(i)) for i in range(3000))
    hub.write_config(page_size=3000, bulk_threshold=1000)

    result = hub.run()

    assert result.status == "succeeded", result.error
    assert (result.counts["written"], result.counts["failed"]) == (2940, 60)
    routes = org.state.log.routes()
    assert routes["POST /services/data/v{version}/jobs/ingest"] == 1
    assert routes["PUT /services/data/v{version}/jobs/ingest/{job}/batches"] == 1  # uploaded once
    assert org.state.calls("/composite/") == 0  # no Collections call
    assert org.state.calls("/services/data/") <= 15
    stored = org_leads(org)
    assert set(stored) == {f"L{i:06d}" for i in range(3000) if i not in flawed}
    store = hub.store()
    letters = {letter.record["id"]: letter.error
               for letter in store.dead_letters("to_salesforce", limit=200)}
    store.close()
    assert len(letters) == 60
    for i, flaw in flawed.items():
        assert FLAWS[flaw] in letters[f"L{i:06d}"]


def test_below_the_threshold_collections_are_used(
        tmp_path: Path, salesforce_sandbox: SandboxServer) -> None:
    hub = SalesforceProject(tmp_path, salesforce_sandbox)
    hub.add_leads(captured(i) for i in range(1000))
    hub.write_config(page_size=1000, bulk_threshold=2000)

    assert hub.run().status == "succeeded"
    assert salesforce_sandbox.state.calls("/jobs/ingest") == 0
    assert salesforce_sandbox.state.calls("/composite/") == 5
    assert len(org_leads(salesforce_sandbox)) == 1000


def test_a_bulk_write_updates_what_collections_created(
        tmp_path: Path, salesforce_sandbox: SandboxServer) -> None:
    hub = SalesforceProject(tmp_path, salesforce_sandbox)
    hub.add_leads(captured(i) for i in range(300))
    hub.write_config(page_size=300, bulk_threshold=None)
    hub.run()
    before = {k: v["Company"] for k, v in org_leads(salesforce_sandbox).items()}
    again = SalesforceProject(tmp_path / "again", salesforce_sandbox)
    again.root.mkdir()
    again.add_leads({**captured(i), "company": "Renamed"} for i in range(300))
    again.write_config(page_size=300, bulk_threshold=100)

    result = again.run()

    assert result.counts["written"] == 300
    after = org_leads(salesforce_sandbox)
    assert set(after) == set(before)  # updated by external id, nothing created twice
    assert {v["Company"] for v in after.values()} == {"Renamed"}


STAGES = ("created", "uploaded", "closed", "processed")


@pytest.mark.parametrize("stage", STAGES)
def test_a_job_a_killed_run_left_is_finished_on_the_rerun_never_uploaded_twice(
        salesforce_sandbox: SandboxServer, stage: str) -> None:
    org = salesforce_sandbox
    records = [{"Marketing_Platform_ID__c": f"k{i}", "LastName": f"L{i}", "Company": "Acme"}
               for i in range(300)]
    records[7]["Company"] = None  # one Salesforce refuses, whichever run sends it
    leave_job_at(sdk(org), to_csv(records), stage)  # what the killed run got done
    if stage == "processed":
        [job] = org.state.bulk.all()
        assert job.done.wait(60)  # Salesforce finished the job; nobody read its results

    async def rerun() -> tuple[list[WriteResult], str | None]:
        sf = SalesforceConnector(SalesforceSettings.model_validate(settings(org)))
        try:
            bulk = BulkUpsert(sf.api, "Lead", "Marketing_Platform_ID__c")
            return await bulk.write(records), bulk.recovered
        finally:
            await sf.aclose()

    results, recovered = asyncio.run(rerun())

    uploads = org.state.log.routes()["PUT /services/data/v{version}/jobs/ingest/{job}/batches"]
    assert uploads == 1  # by the killed run, or by the rerun when the killed run had not
    assert (recovered is None) == (stage == "created")  # an empty job has nothing to reuse
    assert [r.outcome for r in results].count(Outcome.WRITTEN) == 299
    assert "REQUIRED_FIELD_MISSING" in (results[7].error or "")
    assert len(org_leads(org)) == 299  # each once


def leave_job_at(sf: Salesforce, data: str, stage: str) -> None:
    """Drive a Bulk upsert job with simple-salesforce up to `stage`, as a run killed there."""
    job: Any = sf.restful("jobs/ingest", method="POST", json={
        "object": "Lead", "operation": "upsert", "contentType": "CSV", "lineEnding": "LF",
        "externalIdFieldName": "Marketing_Platform_ID__c"})
    path = f"jobs/ingest/{job['id']}"
    if STAGES.index(stage) >= 1:
        answer = sf.session.put(sf.base_url + f"{path}/batches", data=data.encode(),
                                headers={**sf.headers, "Content-Type": "text/csv"})
        assert answer.status_code == 201
    if STAGES.index(stage) >= 2:
        sf.restful(path, method="PATCH", json={"state": "UploadComplete"})

