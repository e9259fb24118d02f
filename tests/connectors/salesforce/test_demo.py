"""The demo's Salesforce stage, start to finish, on a small generated shop."""

from __future__ import annotations

import os
import re
import shutil
from pathlib import Path

import pytest
from rich.console import Console

from examples import demo_salesforce
from examples.shop import generate
from hub.cli import main as hub

REPO = Path(__file__).resolve().parents[3]


def figure(out: str, name: str) -> int:
    found = re.search(rf"│ {name} +│ ([\d,]+) │", out)
    assert found, f"no {name!r} in the figures"
    return int(found.group(1).replace(",", ""))


@pytest.mark.slow
def test_the_demo_sends_shop_leads_to_salesforce_and_pulls_a_change_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("HUB_DATABASE_URL", "HUB_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    demo = tmp_path / "examples" / "demo"
    demo.mkdir(parents=True)
    shutil.copy(REPO / "examples" / "demo" / "hub.yaml", demo / "hub.yaml")
    (tmp_path / "mappings").symlink_to(REPO / "mappings")
    generate(demo / "var" / "shop.db", customers_count=300)
    assert hub(["--config", str(demo / "hub.yaml"), "db", "upgrade"]) == 0
    enquiries = demo_salesforce.trade_enquiries(demo / "var")
    refused = sum(" at " in lead["email"] for lead in enquiries)
    people = {lead["email"].strip().lower() for lead in enquiries
              if " at " not in lead["email"]}

    demo_salesforce.run(Console(width=200), demo / "var", demo / "hub.yaml")

    out = " ".join(capsys.readouterr().out.split())
    assert "ok salesforce (salesforce)" in out
    assert len(enquiries) > len(people) + refused  # some sent the form twice
    new = len(people) - demo_salesforce.KNOWN
    assert f"{new:,} new leads (follow-up fired), {demo_salesforce.KNOWN} updated" in out
    assert f"{refused} refused" in out
    assert "phone is now '+12015550199'" in out
    assert figure(out, "leads in the hub") == len(people)
    # Salesforce refuses addresses with non-ASCII letters: dead-lettered with its message
    assert figure(out, "leads in Salesforce") == sum(p.isascii() for p in people)
    refused_there = sum(not p.isascii() for p in people)
    assert refused_there
    assert f"{refused_there} failed" in out
    assert "(INVALID_EMAIL" in out
    assert figure(out, "follow-ups fired") == new
    assert figure(out, "assigned to a rep") > 0
    assert demo_salesforce.URL_VARIABLE not in os.environ
