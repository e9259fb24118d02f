"""`hub sandbox resend` runs the sandbox in the foreground, with knobs from `--set`."""

from __future__ import annotations

import json
import subprocess
import sys

import httpx
import pytest

from hub.cli.sandbox import sandboxes

from .conftest import API_KEY


def test_the_sandbox_is_found_by_vendor_name() -> None:
    assert sandboxes()["resend"] == "connectors.resend.sandbox"


@pytest.mark.slow
def test_hub_sandbox_resend_serves_until_stopped() -> None:
    with subprocess.Popen(
            [sys.executable, "-m", "hub", "sandbox", "resend", "--port", "0",
             "--set", "requests_per_second=7"],
            stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True) as process:
        try:
            _answers_on_the_port_it_announces(process)
        finally:
            process.terminate()
            process.wait(30)
        assert process.stderr is not None
        summary = [line for line in process.stderr if line.startswith("summary ")]
    served = json.loads(summary[0].removeprefix("summary "))
    assert served["statuses"] == {"GET /domains": {"200": 1}}
    assert served["contract_violations"] == 0


def _answers_on_the_port_it_announces(process: subprocess.Popen[str]) -> None:
    assert process.stderr is not None
    url = ""
    for line in process.stderr:  # waits on the line the sandbox prints once it answers
        if line.startswith("ready on "):
            url = line.removeprefix("ready on ").strip()
            break
    assert url, "the sandbox never said it was ready"
    answer = httpx.get(url + "/domains", headers={"Authorization": f"Bearer {API_KEY}"})
    assert answer.status_code == 200
    assert answer.headers["ratelimit-limit"] == "7"
