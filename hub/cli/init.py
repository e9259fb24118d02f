"""`hub init`: scaffold a working hub.yaml and a mappings folder."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from hub.cli.output import console
from hub.errors import ConfigError

HUB_YAML = """\
# Marketing Hub configuration. `hub config check` validates it; `hub config show` prints it
# with secrets redacted. Secrets are references: ${ENV_VAR} or ${file:path/to/secret}.
version: 1
tenant: default

# The state store (cursors, runs, dead letters, canonical records). Default: var/hub.db here.
# store:
#   url: postgresql+psycopg://hub:${HUB_DB_PASSWORD}@localhost/hub

connections:
  shop:                       # the e-commerce database
    connector: sql
    url: sqlite:///shop.db
  # hubspot:
  #   connector: hubspot
  #   access_token: ${HUBSPOT_TOKEN}

pipelines:
  customers:
    description: shop customers into the hub's canonical contacts
    source: {connection: shop, stream: customers, cursor: updated_at, primary_key: [id]}
    destination: {connection: store, object: contacts, mode: upsert, key: [tenant, id]}
    mapping: mappings/shop/customers.yaml
    schedule: "*/15 * * * *"
"""

CUSTOMERS_MAPPING = """\
version: 1
source: shop.customers
target: canonical.Contact
key: [tenant, id]
fields:
  tenant:     {const: default}
  id:         {from: id, transform: [to_str]}
  email:      {from: email, transform: [strip, lower], required: true}
  first_name: {from: first_name, transform: [strip]}
  last_name:  {from: last_name, transform: [strip]}
  phone:      {from: phone, transform: [e164]}
  updated_at: {from: updated_at, transform: [to_datetime]}
"""


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    directory: Annotated[Path, typer.Argument(help="where to create hub.yaml")] = Path("."),
    force: Annotated[bool, typer.Option(help="overwrite existing files")] = False,
) -> None:
    """Create hub.yaml and mappings/ with a working example pipeline."""
    files = {directory / "hub.yaml": HUB_YAML,
             directory / "mappings" / "shop" / "customers.yaml": CUSTOMERS_MAPPING}
    existing = [p for p in files if p.exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise ConfigError(f"not overwriting {names} (use --force)")
    for path, text in files.items():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        console.print(f"wrote {path}")
    console.print("next: `hub config check`, then `hub db upgrade`")
