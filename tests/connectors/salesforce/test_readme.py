"""README's Salesforce section is true: its hub.yaml example validates against the connector's
settings and options, its settings table names every setting, and the sandbox knobs it names
exist."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import yaml

from connectors.salesforce.connector import SalesforceConnector
from connectors.salesforce.sandbox import SandboxConfig
from connectors.salesforce.settings import SalesforceSettings

ROOT = Path(__file__).resolve().parents[3]


def section() -> str:
    text = (ROOT / "README.md").read_text()
    start = text.index("### The `salesforce` connector\n")
    ends = [text.find(heading, start + 1) for heading in ("\n## ", "\n### ")]
    return text[start:min(end for end in ends if end != -1)]


def example() -> dict[str, Any]:
    [block] = re.findall(r"```yaml\n(.*?)```", section(), flags=re.DOTALL)
    found: dict[str, Any] = yaml.safe_load(block.replace("${SF_CLIENT_ID}", "app").replace(
        "${SF_REFRESH_TOKEN}", "token"))
    return found


def test_the_example_connection_and_pipelines_validate() -> None:
    doc = example()
    raw = {k: v for k, v in doc["connections"]["crm"].items() if k != "connector"}
    connector = SalesforceConnector(SalesforceSettings.model_validate(raw))
    assert connector.settings.flow == "refresh_token"
    out = doc["pipelines"]["leads_to_crm"]["destination"]
    sink = connector.sink(out["object"], {k: v for k, v in out.items()
                                          if k not in ("connection", "object")})
    assert sink.batch_size == 100_000  # big enough for Bulk; Collections calls carry 200
    into = doc["pipelines"]["leads_from_crm"]["source"]
    stream = connector.stream(into["stream"], {k: v for k, v in into.items()
                                               if k not in ("connection", "stream")})
    assert "IsDeleted" in stream.fields  # type: ignore[attr-defined]
    assert (ROOT / doc["pipelines"]["leads_to_crm"]["mapping"]).is_file()


def test_the_settings_table_names_every_setting() -> None:
    rows = re.findall(r"^\| (`.*?`) \|", section(), flags=re.MULTILINE)
    named = {name for row in rows for name in re.findall(r"`(\w+)`", row)}
    assert named == set(SalesforceSettings.model_fields)


def test_the_sandbox_knobs_named_exist() -> None:
    text = (ROOT / "README.md").read_text()
    start = text.index("`hub sandbox salesforce")
    told = text[start:text.index("The fault server", start)]
    named = set(re.findall(r"`(\w+)`", told)) | set(re.findall(r"--set (\w+)=", told))
    knobs = {f.name for f in dataclasses.fields(SandboxConfig)}
    assert {"daily_limit", "session_call_limit", "jwt_public_key"} <= named & knobs
