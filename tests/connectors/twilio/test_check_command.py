"""`hub check` on a Twilio connection: passes against the sandbox, and with a wrong token
says what to fix without printing it."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from connectors.twilio.sandbox import SandboxServer
from hub.cli import main

from .conftest import FROM


def test_hub_check_names_what_works_and_what_to_fix(
        twilio_sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    account = {"connector": "twilio", "account_sid": twilio_sandbox.config.account_sid,
               "base_url": twilio_sandbox.base_url, "from_number": FROM}
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "connections": {
        "sms": {**account, "auth_token": twilio_sandbox.config.auth_token},
        "stale": {**account, "auth_token": "revoked-token-123"}}}))

    good = main(["--config", str(path), "check", "sms"])
    good_out = " ".join(capsys.readouterr().out.split())
    bad = main(["--config", str(path), "check", "stale"])
    captured = capsys.readouterr()
    bad_out = " ".join((captured.out + captured.err).split())

    assert good == 0
    assert "accepted the credentials of 'Marketing Hub sandbox'" in good_out
    assert bad == 1
    assert "Twilio refused the credentials" in bad_out
    assert "`auth_token`" in bad_out
    assert "revoked-token-123" not in bad_out
