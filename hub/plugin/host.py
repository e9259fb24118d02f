"""PluginHost: a typed face over pluggy that never lets one broken plugin stop the hub.

Plugins are entry points of the group `hub`; the bundled connectors are declared the same
way in our own pyproject, so they load exactly as a third-party package would. A plugin that
fails to import, fails validation or raises while registering is kept as a `broken` row with
its error, and a warning; every other plugin and command goes on working.

Environment:
    HUB_PLUGINS_ALLOW  comma-separated entry-point names; when set, load only these
    HUB_PLUGINS_BLOCK  comma-separated entry-point names never to load
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from importlib.metadata import EntryPoint, entry_points
from types import ModuleType
from typing import Any

import pluggy

from hub.plugin import NAME, spec
from hub.plugin.registry import ConnectorRegistry, TransformRegistry

ENTRY_POINT_GROUP = NAME


class PluginWarning(UserWarning):
    """A plugin could not be loaded; the hub goes on without it."""


@dataclass
class PluginInfo:
    name: str
    distribution: str
    version: str
    status: str = "ok"  # ok | broken | blocked
    error: str | None = None
    connectors: list[str] = field(default_factory=list)
    transforms: list[str] = field(default_factory=list)


def _csv_env(name: str) -> set[str]:
    return {p.strip() for p in os.environ.get(name, "").split(",") if p.strip()}


class PluginHost:
    """Loads plugins once, lazily, and hands out typed registries."""

    def __init__(self, *, entry_points_: list[EntryPoint] | None = None,
                 extra_plugins: dict[str, object] | None = None) -> None:
        self.pm = pluggy.PluginManager(NAME)
        self.pm.add_hookspecs(spec)
        self.plugins: dict[str, PluginInfo] = {}
        self._entry_points = entry_points_
        self._extra = extra_plugins or {}
        self._loaded = False

    # -- loading ----------------------------------------------------------------------------
    def load(self) -> PluginHost:
        if self._loaded:
            return self
        self._loaded = True
        allow, block = _csv_env("HUB_PLUGINS_ALLOW"), _csv_env("HUB_PLUGINS_BLOCK")
        eps = self._entry_points
        if eps is None:
            eps = sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name)
        for ep in eps:
            dist = ep.dist.name if ep.dist else "?"
            version = ep.dist.version if ep.dist else "?"
            info = self.plugins[ep.name] = PluginInfo(ep.name, dist, version)
            if ep.name in block or (allow and ep.name not in allow):
                info.status = "blocked"
                self.pm.set_blocked(ep.name)
                continue
            try:
                self._register(ep.name, ep.load())
            except Exception as exc:  # a broken plugin must never crash the hub
                self._mark_broken(info, exc)
        for name, plugin in self._extra.items():
            self.plugins[name] = PluginInfo(name, "(in process)", "")
            try:
                self._register(name, plugin)
            except Exception as exc:
                self._mark_broken(self.plugins[name], exc)
        return self

    def _register(self, name: str, plugin: object) -> None:
        self.pm.register(plugin, name=name)
        try:
            self.pm.check_pending()
        except pluggy.PluginValidationError:
            self.pm.unregister(name=name)
            raise

    def _mark_broken(self, info: PluginInfo, exc: BaseException) -> None:
        info.status = "broken"
        info.error = f"{type(exc).__name__}: {exc}"
        warnings.warn(f"plugin {info.name!r} ({info.distribution}) is broken and was skipped: "
                      f"{info.error}", PluginWarning, stacklevel=3)

    # -- typed hooks ------------------------------------------------------------------------
    @cached_property
    def connectors(self) -> ConnectorRegistry:
        registry = ConnectorRegistry()
        self._call_each("hub_register_connectors", registry,
                        lambda info, before: info.connectors.extend(
                            c for c in registry if c not in before))
        registry.broken = {name: info.error or "broken" for name, info in self.plugins.items()
                           if info.status == "broken"}
        return registry

    @cached_property
    def transforms(self) -> TransformRegistry:
        registry = TransformRegistry()
        self._call_each("hub_register_transforms", registry,
                        lambda info, before: info.transforms.extend(
                            n for n in registry.names() if n not in before))
        return registry

    def _call_each(self, hook: str, registry: Any,
                   record: Callable[[PluginInfo, set[str]], None]) -> None:
        """Call a hook plugin by plugin, so one that raises is isolated and marked broken."""
        self.load()
        impls = getattr(self.pm.hook, hook).get_hookimpls()
        for impl in sorted(impls, key=lambda i: i.plugin_name):
            info = self.plugins.get(impl.plugin_name) or PluginInfo(impl.plugin_name, "?", "?")
            if info.status != "ok":
                continue
            before = set(registry if hook == "hub_register_connectors" else registry.names())
            registry.current_plugin = f"{info.name} ({info.distribution})"
            try:
                impl.function(register=registry)
            except Exception as exc:
                self._mark_broken(info, exc)
                continue
            record(info, before)

    def module_of(self, plugin_name: str) -> ModuleType | None:
        plugin = self.pm.get_plugin(plugin_name)
        return plugin if isinstance(plugin, ModuleType) else None


_default: PluginHost | None = None


def default_host() -> PluginHost:
    """The process-wide host, loaded on first use (never at import time)."""
    global _default
    if _default is None:
        _default = PluginHost().load()
    return _default


def reset_default_host() -> None:
    global _default
    _default = None
