"""`hub sandbox twilio` serves the sandbox in the foreground, its knobs set from the command
line, and texting it over HTTP opts a recipient out as Twilio would."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import httpx

from connectors.twilio.sandbox import SandboxConfig
from tests.plugin.test_host import sandbox_process

from .conftest import FROM, TO


def test_hub_sandbox_twilio_runs_with_its_knobs(tmp_path: Path) -> None:
    config = SandboxConfig()
    command = [sys.executable, "-m", "hub", "sandbox", "twilio", "--port", "0",
               "--set", "rate_limit=1", "--set", "rate_interval_s=3600"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HUB_", "TWILIO_"))}
    with sandbox_process(command, env, tmp_path) as (url, output):
        messages = f"{url}/2010-04-01/Accounts/{config.account_sid}/Messages.json"
        auth = (config.account_sid, config.auth_token)
        stopped = httpx.post(f"{url}/sandbox/inbound", data={"From": TO, "To": FROM,
                                                             "Body": "STOP"})
        refused = httpx.post(messages, auth=auth, data={"To": TO, "From": FROM, "Body": "hi"})
        limited = httpx.post(messages, auth=auth, data={"To": TO, "From": FROM, "Body": "hi"})
    assert stopped.status_code == 201
    assert (refused.status_code, refused.json()["code"]) == (400, 21610)
    assert (limited.status_code, limited.json()["code"]) == (429, 20429)  # rate_limit=1
    assert not any("contract violation" in line for line in output)
