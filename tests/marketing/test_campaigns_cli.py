"""`hub campaigns …`: the commands through the CLI, refusals exiting 1 with rule and reason."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from hub.cli import main


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sqlite_url: str) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("HUB_CONFIG", raising=False)
    monkeypatch.setenv("HUB_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("USER", "maria")
    return tmp_path


def hub(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["campaigns", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_a_campaign_from_draft_to_budget_pause(project: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    assert hub(capsys, "create", "fall", "--name", "Fall sale", "--channel", "email")[0] == 0
    code, out, _ = hub(capsys, "audience", "fall", "newsletter", "--size", "5000")
    assert (code, "TargetAudienceDefined" in out) == (0, True)
    code, _, err = hub(capsys, "launch", "fall")
    assert code == 1
    assert "campaign.creative_approval" in err
    assert "must be approved before launch" in err
    assert hub(capsys, "approve", "fall", "--actor", "lee")[0] == 0
    assert hub(capsys, "budget", "fall", "100")[0] == 0
    code, out, _ = hub(capsys, "launch", "fall")
    assert (code, "fall: running (CampaignLaunched)" in out) == (0, True)
    assert "fall: running" in hub(capsys, "spend", "fall", "100")[1]
    code, out, _ = hub(capsys, "spend", "fall", "0.5", "--reference", "inv-2")
    assert "fall: paused (CampaignSpendRecorded, CampaignStatusChanged)" in out
    code, _, err = hub(capsys, "resume", "fall")
    assert (code, "campaign.budget" in err) == (1, True)
    code, out, _ = hub(capsys, "list")
    assert "fall" in out
    assert "paused" in out
    assert "100.50" in out
    code, out, _ = hub(capsys, "audit", "fall", "--json")
    trail = json.loads(out)
    assert [(r["actor"], r["action"], r["detail"]["outcome"]) for r in trail] == [
        ("maria", "CreateCampaign", "done"), ("maria", "DefineTargetAudience", "done"),
        ("maria", "LaunchCampaign", "refused"), ("lee", "ApproveCampaignCreative", "done"),
        ("maria", "AllocateCampaignBudget", "done"), ("maria", "LaunchCampaign", "done"),
        ("maria", "RecordCampaignSpend", "done"), ("hub:budget-rule", "PauseCampaign", "done"),
        ("maria", "RecordCampaignSpend", "done"), ("maria", "ChangeCampaignStatus", "refused")]
    code, out, _ = hub(capsys, "audit", "fall")
    assert "refused:" in out


@pytest.mark.parametrize(("args", "message"), [
    (["launch", "ghost"], "tenant 'default' has no campaign 'ghost'"),
    (["spend", "ghost", "ten"], "AMOUNT 'ten' is not an amount"),
    (["budget", "ghost", "0"], "AMOUNT must be a positive amount, got 0"),
])
def test_bad_arguments_exit_2(project: Path, capsys: pytest.CaptureFixture[str],
                              args: list[str], message: str) -> None:
    code, _, err = hub(capsys, *args)
    assert code == 2
    assert message in err


def test_status_commands_follow_the_status_machine(project: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    hub(capsys, "create", "x", "--name", "X")
    code, _, err = hub(capsys, "pause", "x")
    assert code == 1
    assert "cannot go from draft to paused" in err
    hub(capsys, "audience", "x", "all", "--size", "10")
    code, out, _ = hub(capsys, "schedule", "x")
    assert (code, "x: scheduled" in out) == (0, True)
    assert "x: running" in hub(capsys, "resume", "x")[1]  # scheduled -> running launches
    assert "x: completed" in hub(capsys, "complete", "x")[1]
