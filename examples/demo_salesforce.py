"""The demo's Salesforce stage: the shop's trade enquiries as leads in a CRM, and a change
made there pulled back.

`run(console, var, config)` starts the Salesforce sandbox on a free loopback port, seeds it
with a few leads sales already has, and points a `salesforce` connection at it through
`${HUB_DEMO_SALESFORCE_URL}`. Every tenth shop customer asked for a trade account: those
become captured leads (`var/shop_leads.jsonl`), some typed twice, some already known to
sales, a few with a typo in the address. `hub leads process` validates them, deduplicates them
against the hub and Salesforce, merges, scores, assigns them to two reps, fires each new
lead's follow-up and upserts them into Salesforce through the sync engine. Then a person edits
a lead in Salesforce, and the next `hub leads process` brings the change back. Salesforce
refuses an address with non-ASCII letters (`müller@…`): those leads stay in the hub and their
writes are dead-lettered with Salesforce's message (`hub dlq list leads_to_salesforce`).

The connection, the push pipeline and the `leads:` section live in `var/salesforce.yaml`,
written here, because their `${…}` references only resolve while the sandbox runs.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

import sqlalchemy as sa
import yaml
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from connectors.salesforce.sandbox import SandboxConfig, SandboxServer
from hub.cli import main as hub

REPO = Path(__file__).resolve().parents[1]
URL_VARIABLE = "HUB_DEMO_SALESFORCE_URL"
KNOWN = 5  # leads sales entered before the hub, which shop customers match


def salesforce_config(var: Path, sandbox: SandboxConfig) -> Path:
    mappings = Path(os.path.relpath(REPO / "mappings" / "salesforce", var))
    document = {
        "version": 1,
        "store": {"url": "sqlite:///hub.db"},
        "connections": {"salesforce": {
            "connector": "salesforce", "instance_url": f"${{{URL_VARIABLE}}}",
            "login_url": f"${{{URL_VARIABLE}}}", "client_id": sandbox.client_id,
            "client_secret": sandbox.client_secret, "refresh_token": sandbox.refresh_tokens[0],
        }},
        "pipelines": {"leads_to_salesforce": {
            "description": "the hub's leads into Salesforce, upserted by Marketing_Platform_ID__c",
            "source": {"connection": "store", "stream": "leads", "cursor": "updated_at",
                       "primary_key": ["id"]},
            "destination": {"connection": "salesforce", "object": "Lead"},
            "mapping": str(mappings / "leads.yaml"),
        }},
        "leads": {"reps": ["ana@shop.example", "ben@shop.example"],
                  "conflicts": {"company": "crm"},
                  "crm": {"connection": "salesforce", "stream": "Lead",
                          "push": "leads_to_salesforce"}},
    }
    path = var / "salesforce.yaml"
    path.write_text("# written by examples/demo_salesforce.py\n"
                    + yaml.safe_dump(document, sort_keys=False))
    return path


def trade_enquiries(var: Path) -> list[dict[str, Any]]:
    """Every tenth shop customer as a captured lead; every fifth of them sent the form twice."""
    engine = sa.create_engine(f"sqlite:///{var / 'shop.db'}")
    with engine.connect() as conn:
        rows = conn.execute(sa.text("SELECT id, email, first_name, last_name, phone, country "
                                    "FROM customers WHERE id % 10 = 0 ORDER BY id")).all()
    engine.dispose()
    leads: list[dict[str, Any]] = []
    for row in rows:
        lead = {"email": row.email, "first_name": row.first_name, "last_name": row.last_name,
                "company": f"{row.last_name} Trading", "phone": row.phone,
                "country": row.country, "source": "shop", "id": f"customer-{row.id}"}
        if row.id % 30 == 0:
            lead["activity"] = {"demo_requests": 1, "pricing_visits": 1}
        leads.append(lead)
        if row.id % 50 == 0:  # the form sent again, typed differently
            leads.append({**lead, "email": f" {str(row.email).strip().upper()}"})
    return leads


def seed_known(sandbox: SandboxServer, leads: list[dict[str, Any]]) -> None:
    """Leads sales already has (from a partner list) that shop customers match."""
    emails = dict.fromkeys(x["email"].strip().lower() for x in leads
                           if " at " not in x["email"] and x["email"].isascii())
    by_email = {x["email"].strip().lower(): x for x in leads}
    for n, email in enumerate(list(emails)[:KNOWN]):
        lead = by_email[email]
        sandbox.state.create("Lead", {
            "Marketing_Platform_ID__c": f"partner-{n}", "Email": email,
            "FirstName": lead["first_name"], "LastName": lead["last_name"],
            "Company": lead["company"], "LeadSource": "Partner"})


def step(console: Console, config: Path, title: str, *args: str,
         ok: tuple[int, ...] = (0,)) -> None:
    console.print(Rule(f"[bold]{title}"))
    console.print(f"$ hub {' '.join(args)}", style="dim")
    code = hub(["--config", str(config), *args])
    if code not in ok:
        console.print(f"[red]`hub {' '.join(args)}` exited with {code}[/]")
        sys.exit(code)


def figures(var: Path, sandbox: SandboxServer) -> Table:
    engine = sa.create_engine(f"sqlite:///{var / 'hub.db'}")
    with engine.connect() as conn:
        def count(sql: str) -> int:
            return int(conn.execute(sa.text(sql)).scalar_one())

        found = {"leads in the hub": count("SELECT count(*) FROM leads"),
                 "assigned to a rep": count("SELECT count(*) FROM leads WHERE owner IS NOT NULL"),
                 "follow-ups fired": count("SELECT count(*) FROM trigger_executions WHERE "
                                           "trigger = 'lead_follow_up'")}
    engine.dispose()
    found["leads in Salesforce"] = len(sandbox.state.all("Lead"))
    found["Salesforce API calls"] = sandbox.state.calls()
    table = Table("the lead pipeline", "count", title="Leads through Salesforce")
    for name, value in found.items():
        table.add_row(name, f"{value:,}")
    return table


def run(console: Console, var: Path, config: Path) -> None:
    console.print(Rule("[bold]Salesforce: the shop's trade enquiries as leads, and back"))
    leads = trade_enquiries(var)
    file = var / "shop_leads.jsonl"
    file.write_text("".join(json.dumps(lead) + "\n" for lead in leads))
    sandbox_config = SandboxConfig()
    settings = salesforce_config(var, sandbox_config)
    with SandboxServer(sandbox_config) as sandbox:
        os.environ[URL_VARIABLE] = sandbox.base_url
        try:
            seed_known(sandbox, leads)
            console.print(f"Salesforce sandbox on {sandbox.base_url}, holding {KNOWN} leads "
                          f"sales already has; {len(leads)} enquiries captured in {file.name}")
            step(console, settings, "Is the sign-in accepted?", "check", "salesforce")
            step(console, settings, "Leads through the pipeline into Salesforce (refused ones "
                 "listed with the reason)", "leads", "process", str(file), ok=(0, 1))
            step(console, settings, "Leads Salesforce refused, kept with its message", "dlq",
                 "list", "leads_to_salesforce", "--limit", "5")
            known = sandbox.state.records.find(sandbox.state.sobject("Lead"),
                                               "Marketing_Platform_ID__c", "partner-0")
            assert known is not None
            sandbox.state.modify("Lead", known["Id"], {"Phone": "+1 201 555 0199"})
            console.print(Rule("[bold]Someone updates a lead's phone in Salesforce"))
            console.print(f"Salesforce lead {known['Id']} ({known['Email']}): phone set to "
                          "+1 201 555 0199 in Salesforce's UI")
            step(console, settings, "The change comes back; nothing is created twice",
                 "leads", "process")
            console.print(f"the hub's lead partner-0: phone is now "
                          f"{phone_in_hub(var, 'partner-0')!r}")
            console.print(figures(var, sandbox))
        finally:
            os.environ.pop(URL_VARIABLE, None)


def phone_in_hub(var: Path, lead_id: str) -> str | None:
    engine = sa.create_engine(f"sqlite:///{var / 'hub.db'}")
    with engine.connect() as conn:
        found = conn.execute(sa.text("SELECT phone FROM leads WHERE id = :id"),
                             {"id": lead_id}).scalar()
    engine.dispose()
    return None if found is None else str(found)
