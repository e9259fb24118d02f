"""The demo's HubSpot stage: the shop's customers into a CRM, and a CRM edit back into the hub.

`run(console, var, config)` starts the HubSpot sandbox on a free loopback port, points a
`hubspot` connection at it through `${HUB_DEMO_HUBSPOT_URL}` and `${HUB_DEMO_HUBSPOT_TOKEN}`,
syncs the hub's contacts (loaded from the shop by the `customers` pipeline) to it, shows that a
second sync writes nothing, changes a contact as a person would in HubSpot's UI, pulls the
change back with the incremental contacts stream, and stops the sandbox.

The HubSpot connection and its pipelines live in `var/hubspot.yaml`, written here, because
their `${…}` references only resolve while the sandbox runs: in `hub.yaml` they would stop
every other demo step from loading its configuration.
"""

from __future__ import annotations

import os
from pathlib import Path

import sqlalchemy as sa
import yaml
from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from connectors.hubspot.sandbox import SandboxConfig, SandboxServer
from examples.demo_campaigns import step

REPO = Path(__file__).resolve().parents[1]
URL_VARIABLE = "HUB_DEMO_HUBSPOT_URL"
TOKEN_VARIABLE = "HUB_DEMO_HUBSPOT_TOKEN"


def hubspot_config(var: Path) -> Path:
    """The HubSpot connection and pipelines, beside the hub's store, with relative paths."""
    mappings = Path(os.path.relpath(REPO / "mappings" / "hubspot", var))
    document = {
        "version": 1,
        "store": {"url": "sqlite:///hub.db"},
        "connections": {"hubspot": {
            "connector": "hubspot",
            "base_url": f"${{{URL_VARIABLE}}}",
            "access_token": f"${{{TOKEN_VARIABLE}}}",
            "tier": "professional",
            "properties_file": str(mappings / "properties.json"),
        }},
        "pipelines": {
            "contacts_to_hubspot": {
                "description": "the hub's contacts into HubSpot, upserted by email",
                "source": {"connection": "store", "stream": "contacts", "cursor": "updated_at",
                           "primary_key": ["tenant", "id"]},
                "destination": {"connection": "hubspot", "object": "contacts"},
                "mapping": str(mappings / "contacts.yaml"),
            },
            "contacts_from_hubspot": {
                "description": "contacts changed in HubSpot back into the hub",
                "source": {"connection": "hubspot", "stream": "contacts"},
                "destination": {"connection": "store", "object": "contacts",
                                "key": ["tenant", "id"]},
                "mapping": str(mappings / "contacts_inbound.yaml"),
            },
        },
    }
    path = var / "hubspot.yaml"
    path.write_text("# written by examples/demo_hubspot.py\n"
                    + yaml.safe_dump(document, sort_keys=False))
    return path


def first_name_in_hub(var: Path, contact_id: str) -> str | None:
    engine = sa.create_engine(f"sqlite:///{var / 'hub.db'}")
    try:
        with engine.connect() as conn:
            found = conn.execute(sa.text("SELECT first_name FROM contacts WHERE id = :id"),
                                 {"id": contact_id}).scalar()
    finally:
        engine.dispose()
    return None if found is None else str(found)


def calls_table(sandbox: SandboxServer) -> Table:
    counters = sandbox.state.counters.snapshot()
    table = Table("HubSpot endpoint (sandbox)", "calls", title="What the hub asked of HubSpot")
    for endpoint, count in sorted(counters["requests"].items()):
        table.add_row(endpoint, str(count))
    table.add_row("[bold]429s received[/]", str(counters["rate_limited"]))
    return table


def run(console: Console, var: Path, config: Path) -> None:
    console.print(Rule("[bold]HubSpot: the shop's customers in a CRM, and back"))
    step(console, config, "The hub's contacts, loaded from the shop", "sync", "customers")
    settings = hubspot_config(var)
    sandbox_config = SandboxConfig(burst_limit=190, burst_interval_s=10.0)
    with SandboxServer(sandbox_config) as sandbox:
        os.environ[URL_VARIABLE] = sandbox.base_url
        os.environ[TOKEN_VARIABLE] = sandbox_config.tokens[0]
        try:
            console.print(f"HubSpot sandbox on {sandbox.base_url} (190 requests per 10 s)")
            step(console, settings, "Is the token accepted?", "check", "hubspot")
            step(console, settings, "Contacts into HubSpot, 100 a call, custom properties made "
                 "first", "sync", "contacts_to_hubspot")
            writes = sandbox.state.counters.write_calls
            step(console, settings, "Everything again: nothing changed, nothing is written",
                 "sync", "contacts_to_hubspot", "--full-refresh")
            console.print(f"write calls HubSpot saw during that run: "
                          f"{sandbox.state.counters.write_calls - writes}")
            step(console, settings, "HubSpot's contacts into the hub (the first read takes all)",
                 "sync", "contacts_from_hubspot")
            contact = sandbox.state.records.all("contacts")[0]
            ours = contact.properties.get("marketing_platform_id", "")
            sandbox.state.modify("contacts", contact.id, {"firstname": "Ada"})  # a UI edit
            console.print(Rule("[bold]Someone renames a contact in HubSpot"))
            console.print(f"HubSpot contact {contact.id} ({contact.properties.get('email')}): "
                          "first name set to Ada in HubSpot's UI")
            step(console, settings, "Only that change comes back", "sync",
                 "contacts_from_hubspot")
            console.print(f"the hub's contact {ours}: first name is now "
                          f"{first_name_in_hub(var, ours)!r}")
            console.print(calls_table(sandbox))
        finally:
            os.environ.pop(URL_VARIABLE, None)
            os.environ.pop(TOKEN_VARIABLE, None)
