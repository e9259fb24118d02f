"""The plugin host: third-party discovery, and broken plugins that never crash the hub."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

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
