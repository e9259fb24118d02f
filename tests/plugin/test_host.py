"""The plugin host: third-party discovery, and broken plugins that never crash the hub."""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import IO, Any

import httpx
import pytest

from hub.connector import CheckResult, Connector
from hub.plugin import hookimpl
from hub.plugin.host import PluginHost, PluginWarning

PLUGINS = Path(__file__).parents[1] / "plugins"


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The two test plugins, pip-installed into a folder of their own."""
    target = tmp_path_factory.mktemp("site")
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-build-isolation",
         "--target", str(target), str(PLUGINS / "hub-connector-example"),
         str(PLUGINS / "hub-connector-broken")],
        check=True, capture_output=True,
    )
    return target


def hub(site: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(site), "COLUMNS": "250"}
    return subprocess.run([sys.executable, "-m", "hub", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=60, check=False)


def test_third_party_connector_is_discovered_like_a_builtin(plugin_site: Path,
                                                            tmp_path: Path) -> None:
    result = hub(plugin_site, "connectors", "list", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    rows = {line.split("│")[1].strip(): line for line in result.stdout.splitlines()
            if line.count("│") > 3}
    assert "hub-connector-example" in rows["example"]
    assert "1.2.3" in rows["example"]
    assert "people" in rows["example"]
    assert "marketing-hub" in rows["sql"]
    assert "broken: ImportError" in rows["broken"]
    assert "nonexistent-sdk" in rows["broken"]


def test_a_broken_plugin_does_not_stop_other_commands(plugin_site: Path, tmp_path: Path) -> None:
    assert hub(plugin_site, "init", cwd=tmp_path).returncode == 0
    check = hub(plugin_site, "config", "check", cwd=tmp_path)
    assert check.returncode == 0, check.stderr
    assert "1 pipeline(s)" in check.stdout
    assert "plugin 'broken'" in check.stderr  # a warning, not a crash


def test_blocked_plugin_is_not_loaded(plugin_site: Path, tmp_path: Path) -> None:
    env_block = {"HUB_PLUGINS_BLOCK": "broken,example"}
    result = subprocess.run([sys.executable, "-m", "hub", "connectors", "list"], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(plugin_site), "COLUMNS": "250",
                                 **env_block}, capture_output=True, text=True, timeout=60,
                            check=False)
    assert result.returncode == 0
    assert "blocked" in result.stdout
    assert "ImportError" not in result.stdout + result.stderr


class _Dummy(Connector[Any]):
    id = "dummy"

    async def check(self) -> CheckResult:
        return CheckResult(True, "")


def _plugin(**hooks: Any) -> SimpleNamespace:
    return SimpleNamespace(**{k: hookimpl(v) for k, v in hooks.items()})


def test_duplicate_connector_id_marks_the_second_plugin_broken() -> None:
    first = _plugin(hub_register_connectors=lambda register: register.add(_Dummy))
    second = _plugin(hub_register_connectors=lambda register: register.add(_Dummy))
    host = PluginHost(entry_points_=[], extra_plugins={"a": first, "b": second}).load()
    with pytest.warns(PluginWarning, match="already registered by a"):
        registry = host.connectors
    assert list(registry) == ["dummy"]
    assert host.plugins["a"].connectors == ["dummy"]
    assert host.plugins["b"].status == "broken"


def test_plugin_raising_during_registration_is_isolated() -> None:
    def explode(register: Any) -> None:
        raise RuntimeError("boom")

    good = _plugin(hub_register_connectors=lambda register: register.add(_Dummy))
    host = PluginHost(entry_points_=[], extra_plugins={"bad": _plugin(
        hub_register_connectors=explode), "good": good}).load()
    with pytest.warns(PluginWarning, match="RuntimeError: boom"):
        assert "dummy" in host.connectors
    assert host.plugins["bad"].status == "broken"


def test_hook_with_wrong_arguments_fails_validation_not_the_host() -> None:
    def wrong(registry: Any, extra: Any) -> None:  # not the spec's argument names
        raise AssertionError("never called")

    plugin = SimpleNamespace(hub_register_connectors=hookimpl(wrong))
    with pytest.warns(PluginWarning, match="broken"):
        host = PluginHost(entry_points_=[], extra_plugins={"wrong": plugin}).load()
    assert host.plugins["wrong"].status == "broken"
    assert len(host.connectors) == 0


def test_allow_list_loads_only_named_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HUB_PLUGINS_ALLOW", "sql")
    host = PluginHost().load()
    assert host.plugins["sql"].status == "ok"
    assert all(p.status == "blocked" for n, p in host.plugins.items() if n != "sql")
    assert "sql" in host.connectors


# -- sandboxes declared by connectors, and a vendor SDK that is missing ----------------------

# The hub's command line in a process where HubSpot's SDK cannot be imported, as after
# `pip install marketing-hub` without the `hubspot` extra.
WITHOUT_HUBSPOT_SDK = ("import sys; sys.modules['hubspot'] = None; "
                       "from hub.cli import main; sys.exit(main(sys.argv[1:]))")


def hub_without_sdk(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", WITHOUT_HUBSPOT_SDK, *args], cwd=cwd,
                          env={**os.environ, "COLUMNS": "400"}, capture_output=True, text=True,
                          timeout=60, check=False)


@contextlib.contextmanager
def sandbox_process(command: list[str], env: dict[str, str], cwd: Path
                    ) -> Iterator[tuple[str, list[str]]]:
    """`hub sandbox …` as a process: the URL of its `ready on` line (read as it comes, so no
    polling), and its output lines so far, complete once the block has ended."""
    lines: list[str] = []
    ready: queue.Queue[str] = queue.Queue()

    def read(stream: IO[str]) -> None:
        for line in stream:
            lines.append(line)
            if line.startswith("ready on "):
                ready.put(line.split()[-1])
        ready.put("")  # the process ended

    with subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, text=True) as child:
        assert child.stdout is not None
        reader = threading.Thread(target=read, args=(child.stdout,), daemon=True)
        reader.start()
        try:
            # a busy machine may take long to start the interpreter; this only stops a
            # sandbox that never comes up from hanging the suite
            url = ready.get(timeout=120)
            assert url, "the sandbox exited before it was ready:\n" + "".join(lines)
            yield url, lines
        finally:
            child.terminate()
            reader.join(timeout=60)


def test_a_third_party_connector_declares_its_sandbox(plugin_site: Path, tmp_path: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(plugin_site)}
    command = [sys.executable, "-m", "hub", "sandbox", "example", "--port", "0",
               "--set", "people=5"]
    with sandbox_process(command, env, tmp_path) as (url, _output):
        auth = {"Authorization": "Bearer sandbox-key"}
        people = httpx.get(f"{url}/v1/people", params={"sort": "updated_at,id"}, headers=auth)
        anonymous = httpx.get(f"{url}/v1/people", params={"sort": "updated_at,id"})

    assert people.status_code == 200
    assert len(people.json()["results"]) == 5  # the knob reached the sandbox's own config
    assert anonymous.status_code == 401  # its rules, on the harness


def test_without_hubspots_sdk_the_connector_is_broken_and_says_how_to_install_it(
        tmp_path: Path) -> None:
    (tmp_path / "hub.yaml").write_text(
        "version: 1\nconnections:\n  crm:\n    connector: hubspot\n    access_token: t\n"
        "pipelines: {}\n")

    listed = hub_without_sdk("connectors", "list", cwd=tmp_path)
    checked = hub_without_sdk("config", "check", cwd=tmp_path)

    assert listed.returncode == 0, listed.stderr
    rows = {line.split("│")[1].strip(): line for line in listed.stdout.splitlines()
            if line.count("│") > 3}
    assert "broken: PluginError" in rows["hubspot"]
    assert "pip install 'marketing-hub[hubspot]'" in rows["hubspot"]
    assert "ok" in rows["sql"]  # every other connector goes on working
    assert checked.returncode == 2
    message = " ".join(checked.stderr.split())
    assert "hub.yaml:4:5: connections.crm.connector: connector 'hubspot' is broken" in message
    assert "pip install 'marketing-hub[hubspot]'" in message


def test_hubspots_sandbox_runs_without_hubspots_sdk(tmp_path: Path) -> None:
    command = [sys.executable, "-c", WITHOUT_HUBSPOT_SDK, "sandbox", "hubspot", "--port", "0"]
    with sandbox_process(command, dict(os.environ), tmp_path) as (url, _):
        answer = httpx.get(f"{url}/crm/v3/objects/contacts",
                           headers={"Authorization": "Bearer sandbox-token"})
    assert answer.status_code == 200
    assert answer.json()["results"] == []
