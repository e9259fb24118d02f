"""`hub check` with a Salesforce connection: the sign-in said in words, and a pipeline that
writes a field the object lacks or cannot write refused by describe, pointed at in hub.yaml with
the object and the field named, before any run."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.salesforce.sandbox import SandboxServer
from hub.cli import main
from tests.connectors.salesforce.conftest import settings


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())  # undo the console's wrapping


def write_config(root: Path, org: SandboxServer, fields: list[str]) -> Path:
    path = root / "hub.yaml"
    path.write_text(yaml.safe_dump({
        "version": 1,
        "store": {"url": f"sqlite:///{root / 'hub.db'}"},
        "connections": {
            "crm": {"connector": "salesforce", **settings(org)},
            "shop": {"connector": "sql", "url": f"sqlite:///{root / 'shop.db'}"},
        },
        "pipelines": {"leads": {
            "source": {"connection": "crm", "stream": "Lead"},
            "destination": {"connection": "crm", "object": "Lead", "fields": fields},
        }},
    }, sort_keys=False))
    return path


def test_hub_check_passes_with_the_mappings_fields(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    config = write_config(tmp_path, salesforce_sandbox, ["LastName", "Company", "Email"])

    code, out = run(capsys, "--config", str(config), "check", "crm")

    assert code == 0, out
    assert "ok crm (salesforce): Salesforce org at 127.0.0.1:" in out
    assert "accepted the refresh token sign-in; 99,999 of 100,000 daily API requests left" \
        in out


def test_hub_check_refuses_unknown_and_read_only_fields_by_name(
        tmp_path: Path, salesforce_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    config = write_config(tmp_path, salesforce_sandbox,
                          ["LastName", "Shoe_Size__c", "IsConverted"])

    code, out = run(capsys, "--config", str(config), "check")

    assert code == 1, out
    assert "ok crm (salesforce)" in out  # the sign-in works: the pipeline is what is wrong
    assert "pipelines.leads.destination.fields[1]: Lead has no field Shoe_Size__c" in out
    assert "pipelines.leads.destination.fields[2]: Lead.IsConverted is read-only in " \
           "Salesforce" in out
