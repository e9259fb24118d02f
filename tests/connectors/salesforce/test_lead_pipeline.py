"""`hub leads process` through the Salesforce sandbox: 1,000 raw leads with 10% duplicates
(case and whitespace variants of one another, and leads already in the CRM) end as the right
number of CRM records, scores, assignments and one follow-up trigger per new lead; the bad
leads are refused with their reasons and nothing else is lost; a change made in Salesforce is
pulled back under the per-field conflict policy."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from connectors.salesforce.sandbox import SandboxServer
from hub.cli import main
from hub.store import tables as t
from tests.connectors.salesforce.conftest import settings
from tests.connectors.salesforce.project import MAPPINGS, org_leads

UNIQUE, IN_BATCH, IN_CRM, BAD, SEEDED = 880, 60, 40, 20, 50


def captured(i: int) -> dict[str, Any]:
    lead: dict[str, Any] = {"email": f"buyer{i}@firm{i % 40}.com", "first_name": f"Ann{i}",
                            "last_name": f"Lee{i}", "company": f"Firm {i % 40}",
                            "source": "web-form", "id": f"form-{i}"}
    if i % 4 == 0:  # demo and pricing: 45 behaviour + 10 business email = qualified
        lead["activity"] = {"demo_requests": 1, "pricing_visits": 1}
    return lead


def seeded(i: int) -> dict[str, Any]:
    return {"Marketing_Platform_ID__c": f"crm-lead-{i}", "Email": f"known{i}@acme.com",
            "FirstName": f"Kim{i}", "LastName": f"Old{i}", "Company": f"Acme {i}",
            "LeadSource": "Partner"}


def raw_leads() -> list[dict[str, Any]]:
    leads = [captured(i) for i in range(UNIQUE)]
    for i in range(IN_BATCH):  # the same people typed differently
        lead = captured(i)
        lead |= {"email": f"  {lead['email'].upper()} ", "company": f" {lead['company']}  "}
        leads.append(lead)
    for i in range(IN_CRM):  # people sales already has, with a phone number now
        leads.append({"email": f"KNOWN{i}@Acme.com ", "first_name": f"Kim{i}",
                      "company": f"acme  {i}", "phone": "+44 20 7946 0958", "source": "web"})
    for i in range(BAD):
        bad = captured(10_000 + i)
        if i % 2:
            bad["email"] = f"nobody{i}-at-nowhere"
        else:
            del bad["company"]
        leads.append(bad)
    return leads


def write_config(root: Path, org: SandboxServer, mapping: Path = MAPPINGS / "leads.yaml",
                 **sections: Any) -> Path:
    """A hub whose store's leads go to the sandbox org by the `leads_to_crm` pipeline."""
    path = root / "hub.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1,
        "store": {"url": f"sqlite:///{root / 'hub.db'}"},
        "connections": {"crm": {"connector": "salesforce", **settings(org)}},
        "pipelines": {"leads_to_crm": {
            "source": {"connection": "store", "stream": "leads", "cursor": "updated_at",
                       "primary_key": ["id"]},
            "destination": {"connection": "crm", "object": "Lead"},
            "mapping": str(mapping),
        }},
        **sections,
    }, sort_keys=False))
    return path


LEADS = {"reps": ["ana", "ben"], "conflicts": {"company": "crm"},
         "crm": {"connection": "crm", "stream": "Lead", "push": "leads_to_crm"}}


def process(capsys: pytest.CaptureFixture[str], config: Path, *args: str
            ) -> tuple[int, dict[str, Any]]:
    code = main(["--config", str(config), "leads", "process", *args, "--json"])
    out = capsys.readouterr().out
    return code, json.loads(out)


def test_leads_run_through_salesforce_deduplicated_scored_assigned_and_followed_up(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    org = salesforce_sandbox
    seeded_ids = [org.state.create("Lead", seeded(i)) for i in range(SEEDED)]
    org.state.create("Lead", {"LastName": "Typed-in", "Company": "By sales"})  # no hub id
    config = write_config(tmp_path, org, leads=LEADS)
    file = tmp_path / "captured.jsonl"
    file.write_text("\n".join(json.dumps(lead) for lead in raw_leads()))

    code, outcome = process(capsys, config, str(file))

    assert code == 1  # the bad leads are refused …
    assert len(outcome["refused"]) == BAD
    reasons = [problem for r in outcome["refused"] for problem in r["problems"].items()]
    assert reasons.count(("company", "is required")) == BAD // 2
    assert sum(f == "email" and p.startswith("is not a valid address") for f, p in reasons) \
        == BAD // 2
    assert outcome["refused"][0]["at"].endswith(f"captured.jsonl:{UNIQUE + IN_BATCH + IN_CRM + 1}")
    # … and everything else arrives: the CRM's leads read back, the duplicates merged
    assert outcome["crm_read"] == SEEDED
    assert outcome["crm_without_hub_id"] == 1
    assert outcome["new"] == UNIQUE
    assert outcome["follow_ups"] == UNIQUE
    assert outcome["updated"] == SEEDED  # found in the CRM: merged, not created
    assert outcome["pushed"] == UNIQUE + SEEDED
    assert outcome["push_failed"] == 0

    in_crm = org_leads(org)  # asserts each external id is there once
    typed_in = [k for k in in_crm if not k]
    assert [in_crm.pop(k)["LastName"] for k in typed_in] == ["Typed-in"]  # left untouched
    assert len(in_crm) == UNIQUE + SEEDED
    known = in_crm["crm-lead-3"]
    assert known["Phone"] == "+442079460958"  # newest wins: the capture brought a phone
    assert known["Company"] == "Acme 3"  # `company: crm`: the CRM's spelling stays
    assert known["LastName"] == "Old3"  # the capture had none: the CRM's survives
    qualified = {f"buyer{i}@firm{i % 40}.com" for i in range(0, UNIQUE, 4)}
    scores = Counter(r["Lead_Score__c"] for r in in_crm.values())
    assert scores[55.0] == len(qualified)
    assert scores[10.0] == UNIQUE - len(qualified) + SEEDED
    assert {r["Status"] for r in in_crm.values() if r["Email"] in qualified} == {"Qualified"}

    engine = sa.create_engine(f"sqlite:///{tmp_path / 'hub.db'}")
    with engine.connect() as conn:
        owners = Counter(conn.execute(sa.select(t.leads.c.owner)).scalars())
        follow_ups = conn.execute(sa.select(t.trigger_executions.c.contact_id)).scalars().all()
        queued = conn.execute(sa.select(sa.func.count()).select_from(t.messages)).scalar_one()
        stored = conn.execute(sa.select(sa.func.count()).select_from(t.leads)).scalar_one()
    assert stored == UNIQUE + SEEDED
    assert owners == {"ana": len(qualified) // 2, "ben": len(qualified) // 2,
                      None: UNIQUE - len(qualified) + SEEDED}
    assert len(follow_ups) == len(set(follow_ups)) == UNIQUE == queued
    assert not set(follow_ups) & {f"crm-lead-{i}" for i in range(SEEDED)}

    # sales edits a lead in Salesforce; the next run pulls it back and creates nothing
    org.state.modify("Lead", seeded_ids[7], {"Phone": "+33 1 42 68 53 00",
                                             "Company": "Acme Seven"})
    code, again = process(capsys, config)

    assert code == 0, again
    assert again["new"] == 0
    assert again["follow_ups"] == 0
    assert again["push_failed"] == 0
    with engine.connect() as conn:
        lead = conn.execute(sa.select(t.leads).where(t.leads.c.id == "crm-lead-7")).one()
        assert conn.execute(sa.select(sa.func.count()).select_from(
            t.trigger_executions)).scalar_one() == UNIQUE
    engine.dispose()
    assert (lead.phone, lead.company) == ("+33142685300", "Acme Seven")
    assert len(org_leads(org)) == UNIQUE + SEEDED + 1


def test_a_leads_section_naming_what_is_not_there_is_refused_at_its_line(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    config = write_config(tmp_path, salesforce_sandbox, leads=LEADS)
    doc = yaml.safe_load(config.read_text())
    doc["leads"]["crm"] |= {"connection": "sales", "push": "leads_to_sales"}
    doc["leads"]["conflicts"] = {"company": "sales"}
    config.write_text(yaml.safe_dump(doc, sort_keys=False))

    code = main(["--config", str(config), "leads", "process"])
    text = " ".join(capsys.readouterr().err.split()).replace(" ", "")

    assert code == 2
    assert "leads.conflicts.company:" in text  # pydantic's refusal names the choices
    doc["leads"]["conflicts"] = {}
    config.write_text(yaml.safe_dump(doc, sort_keys=False))
    code = main(["--config", str(config), "leads", "process"])
    text = " ".join(capsys.readouterr().err.split()).replace(" ", "")
    assert code == 2
    assert "leads.crm.connection:noconnectionnamed'sales'" in text
    assert "leads.crm.push:nopipelinenamed'leads_to_sales'" in text
    assert salesforce_sandbox.state.calls() == 0  # refused before anything was asked
