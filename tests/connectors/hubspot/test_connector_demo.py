"""The demo's HubSpot stage, start to finish, on a small generated shop."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from rich.console import Console

from examples import demo_hubspot
from hub.cli import main as hub
from tests.examples.demo_project import small_demo


@pytest.mark.slow
def test_the_demo_syncs_to_hubspot_and_pulls_a_change_back(
        tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    demo = small_demo(tmp_path, monkeypatch).parent
    assert hub(["--config", str(demo / "hub.yaml"), "db", "upgrade"]) == 0

    demo_hubspot.run(Console(width=200), demo / "var", demo / "hub.yaml")

    out = " ".join(capsys.readouterr().out.split())
    assert "ok hubspot (hubspot)" in out
    assert "write calls HubSpot saw during that run: 0" in out
    assert "first name is now 'Ada'" in out
    assert demo_hubspot.URL_VARIABLE not in os.environ  # the sandbox and its address are gone
    assert "│ 429s received │ 0 │" in out
