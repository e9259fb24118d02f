"""The product's runtime never imports test tooling: no sandbox, no harness, no contract
validator, unless a test, a benchmark or `hub sandbox` asks for one."""

from __future__ import annotations

import json
import subprocess
import sys

# What a run of the hub loads: the package, every command, the HubSpot connector and its
# plugin, registered through the plugin host as `hub sync` does.
RUNTIME = """
import importlib, json, pkgutil, sys
import hub, hub.cli, connectors.hubspot
from hub.cli.app import build_app
build_app()
for module in pkgutil.iter_modules(hub.cli.__path__):  # every command module, lazy ones too
    importlib.import_module(f"hub.cli.{module.name}")
from hub.plugin.host import PluginHost
from connectors.hubspot import HubSpotConnector, HubSpotSettings
registry = PluginHost().load().connectors
assert registry.get("hubspot") is HubSpotConnector
HubSpotConnector(HubSpotSettings(access_token="t")).api
print(json.dumps(sorted(sys.modules)))
"""


def test_runtime_code_imports_no_sandbox_or_test_tooling() -> None:
    done = subprocess.run([sys.executable, "-c", RUNTIME], capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout)

    tooling = [name for name in loaded
               if name == "hub.testing" or name.startswith("hub.testing.")
               or (".sandbox" in name and name != "hub.cli.sandbox")  # the command, not a sandbox
               or name.split(".")[0] in ("openapi_core", "pytest")]
    assert "connectors.hubspot.connector" in loaded  # the connector itself was loaded
    assert tooling == []
