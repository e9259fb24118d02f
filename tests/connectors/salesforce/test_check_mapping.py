"""`hub check` verifies a Salesforce pipeline's mapping against `describe`: a mapping that
writes a field the object lacks, or a read-only one, is refused before any run, pointed at in
the mapping file with the object and the field named; the shipped Lead mapping passes."""

from __future__ import annotations

from pathlib import Path

import pytest

from connectors.salesforce.sandbox import SandboxServer
from hub.cli import main
from tests.connectors.salesforce.project import MAPPINGS
from tests.connectors.salesforce.test_lead_pipeline import write_config

BAD_MAPPING = """\
version: 1
source: canonical.Lead
target: salesforce.Lead
key: Marketing_Platform_ID__c
fields:
  Marketing_Platform_ID__c: {from: id, required: true}
  LastName: {from: last_name}
  Shoe_Size__c: {from: company}
  IsConverted: {from: status}
"""


def check(tmp_path: Path, org: SandboxServer, mapping: Path,
          capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    config = write_config(tmp_path, org, mapping)
    code = main(["--config", str(config), "check"])
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())


def test_the_shipped_lead_mapping_passes(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)

    code, out = check(tmp_path, salesforce_sandbox, MAPPINGS / "leads.yaml", capsys)

    assert code == 0, out


def test_a_mapping_writing_a_missing_or_read_only_field_is_refused_in_its_file(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    mapping = tmp_path / "bad_leads.yaml"
    mapping.write_text(BAD_MAPPING)

    code, out = check(tmp_path, salesforce_sandbox, mapping, capsys)

    assert code != 0, out
    bare = out.replace(" ", "")  # the console wraps long paths anywhere
    assert "bad_leads.yaml:8:3:fields.Shoe_Size__c:LeadhasnofieldShoe_Size__c" in bare
    assert "bad_leads.yaml:9:3:fields.IsConverted:Lead.IsConvertedisread-onlyinSalesforce" \
        in bare
    assert "fields.LastName" not in out
    assert salesforce_sandbox.state.all("Lead") == []  # refused before anything was sent


def test_mappings_check_connect_asks_salesforce_too(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    mapping = tmp_path / "bad_leads.yaml"
    mapping.write_text(BAD_MAPPING)
    check(tmp_path, salesforce_sandbox, mapping, capsys)  # writes hub.yaml naming it
    config = str(tmp_path / "hub.yaml")

    offline = main(["--config", config, "mappings", "check", str(mapping)])
    assert offline == 0  # the file itself is well formed: only Salesforce knows better
    capsys.readouterr()
    code = main(["--config", config, "mappings", "check", "--connect", str(mapping)])
    bare = (capsys.readouterr().err).replace(" ", "").replace("\n", "")

    assert code == 2
    assert "bad_leads.yaml:8:3:fields.Shoe_Size__c:LeadhasnofieldShoe_Size__c" in bare
    assert "fields.IsConverted:Lead.IsConvertedisread-onlyinSalesforce" in bare
