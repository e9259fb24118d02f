"""`hub check` says whether credentials work, in words a person can act on; `hub sandbox`
runs a vendor's emulator in the foreground."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml

from connectors.hubspot.sandbox import SandboxServer
from hub.cli import main


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str]:
    code = main(list(args))
    captured = capsys.readouterr()
    return code, " ".join((captured.out + captured.err).split())  # undo the console's wrapping


@pytest.fixture
def config(tmp_path: Path, hubspot_sandbox_url: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("HUB_DATABASE_URL", raising=False)
    path = tmp_path / "hub.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "connections": {
        "hubspot": {"connector": "hubspot", "access_token": "pat-na1-revoked",
                    "base_url": hubspot_sandbox_url},
        "crm": {"connector": "hubspot", "access_token": "sandbox-token",
                "base_url": hubspot_sandbox_url},
        "shop": {"connector": "sql", "url": "sqlite:///shop.db"},
    }}))
    return path


@pytest.fixture
def hubspot_sandbox_url() -> Iterator[str]:
    with SandboxServer() as sandbox:
        yield sandbox.base_url


def test_a_bad_token_is_named_with_what_to_do(config: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--config", str(config), "check", "hubspot")

    assert code == 1
    assert "FAILED hubspot (hubspot)" in out
    assert "HubSpot refused the token (401 INVALID_AUTHENTICATION" in out
    assert "Private Apps" in out
    assert "`access_token`" in out
    assert "pat-na1-revoked" not in out  # the secret itself is never printed


def test_working_connections_pass(config: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--config", str(config), "check", "crm")
    shop_code, shop_out = run(capsys, "--config", str(config), "check", "shop")

    assert (code, shop_code) == (0, 0)
    assert "ok crm (hubspot): HubSpot at http://127.0.0.1:" in out
    assert "accepted a private-app token" in out
    assert "ok shop (sql): connected" in shop_out


def test_checking_everything_fails_if_one_fails(config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--config", str(config), "check")

    assert code == 1
    assert "ok crm" in out
    assert "FAILED hubspot" in out
    assert "ok shop" in out


def test_an_unknown_connection_is_a_usage_error(config: Path,
                                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(capsys, "--config", str(config), "check", "nope")

    assert code == 2
    assert "no connection named 'nope' (defined: crm, hubspot, shop)" in out


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_hub_sandbox_serves_hubspot_in_the_foreground(tmp_path: Path) -> None:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HUB_")}
    child = subprocess.Popen(
        [sys.executable, "-m", "hub", "sandbox", "hubspot", "--port", str(port),
         "--set", "burst_limit=7"], cwd=tmp_path, env=env,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        answer = None
        # a busy machine may take many seconds to start the interpreter and server; the
        # deadline only stops a sandbox that never starts from hanging the suite
        deadline = time.monotonic() + 120
        while answer is None and child.poll() is None and time.monotonic() < deadline:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/crm/v3/objects/contacts",
                                   headers={"Authorization": "Bearer sandbox-token"})
            except httpx.TransportError:
                time.sleep(0.05)
        assert answer is not None, "the sandbox never answered"
        assert answer.status_code == 200
        assert answer.headers["X-HubSpot-RateLimit-Max"] == "7"
    finally:
        child.terminate()
        output, _ = child.communicate(timeout=60)
    assert f"hubspot sandbox on http://127.0.0.1:{port}" in " ".join(output.split())


def test_hub_sandbox_refuses_an_unknown_vendor_and_knob(capsys: pytest.CaptureFixture[str]
                                                        ) -> None:
    vendor_code, vendor_out = run(capsys, "sandbox", "acme")
    knob_code, knob_out = run(capsys, "sandbox", "hubspot", "--set", "speed=11")

    assert (vendor_code, knob_code) == (2, 2)
    assert "no sandbox for 'acme' (available: hubspot" in vendor_out  # then the others
    assert "--set 'speed=11': expected name=value with one of:" in knob_out
