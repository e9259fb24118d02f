"""A campaign's audience as Salesforce campaign members, in mirror mode: a run adds the people
who joined and removes those who left, exactly the difference, naming campaign and lead by
their external ids."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
import yaml

from connectors.salesforce.sandbox import SandboxServer
from tests.connectors.salesforce.conftest import settings
from tests.connectors.salesforce.project import MAPPINGS, run_pipeline

audience = sa.Table(
    "audience", sa.MetaData(),
    sa.Column("campaign_id", sa.String(20), primary_key=True),
    sa.Column("lead_id", sa.String(20), primary_key=True),
)


def members(org: SandboxServer) -> set[str]:
    return {m["Marketing_Platform_ID__c"] for m in org.state.all("CampaignMember")}


def test_the_audience_becomes_campaign_members_by_difference(
        tmp_path: Path, salesforce_sandbox: SandboxServer) -> None:
    org = salesforce_sandbox
    org.state.create("Campaign", {"Name": "Spring", "Marketing_Platform_ID__c": "spring"})
    for i in range(6):
        org.state.create("Lead", {"LastName": f"L{i}", "Company": "Acme",
                                  "Marketing_Platform_ID__c": f"l{i}"})
    source = sa.create_engine(f"sqlite:///{tmp_path / 'source.db'}")
    audience.create(source)
    with source.begin() as conn:
        conn.execute(audience.insert(), [{"campaign_id": "spring", "lead_id": f"l{i}"}
                                         for i in range(4)])
    (tmp_path / "hub.yaml").write_text(yaml.safe_dump({
        "version": 1,
        "store": {"url": f"sqlite:///{tmp_path / 'hub.db'}"},
        "connections": {"source": {"connector": "sql", "url": f"sqlite:///{tmp_path}/source.db"},
                        "crm": {"connector": "salesforce", **settings(org)}},
        "pipelines": {"members": {
            "source": {"connection": "source", "stream": "audience",
                       "cursor": "campaign_id", "primary_key": ["campaign_id", "lead_id"]},
            "destination": {"connection": "crm", "object": "CampaignMember", "mode": "mirror"},
            "mapping": str(MAPPINGS / "campaign_members.yaml"),
        }},
    }))

    first = run_pipeline(tmp_path / "hub.yaml", "members")
    assert first.counts["written"] == 4
    assert members(org) == {f"spring:l{i}" for i in range(4)}
    with source.begin() as conn:  # l0 and l1 leave the audience, l4 and l5 join it
        conn.execute(audience.delete().where(audience.c.lead_id.in_(["l0", "l1"])))
        conn.execute(audience.insert(), [{"campaign_id": "spring", "lead_id": f"l{i}"}
                                         for i in (4, 5)])
    source.dispose()
    writes_before = org.state.calls("PATCH")

    second = run_pipeline(tmp_path / "hub.yaml", "members")

    assert second.status == "succeeded", second.error
    assert (second.counts["written"], second.deleted) == (2, 2)
    assert org.state.calls("PATCH") - writes_before == 1  # only the two who joined
    assert members(org) == {"spring:l2", "spring:l3", "spring:l4", "spring:l5"}
    campaign = org.state.all("Campaign")[0]["Id"]
    assert {m["CampaignId"] for m in org.state.all("CampaignMember")} == {campaign}
