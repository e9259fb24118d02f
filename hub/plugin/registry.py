"""Registries the hooks fill: connector classes by id, transforms by name."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from hub.errors import PluginError

if TYPE_CHECKING:
    from hub.connector.base import Connector

Transform = Callable[..., Any]


@dataclass
class ConnectorRegistry:
    """Connector classes keyed by their `id`; remembers which plugin registered each."""

    _classes: dict[str, type[Connector[Any]]] = field(default_factory=dict)
    _owners: dict[str, str] = field(default_factory=dict)
    current_plugin: str = "?"
    #: why plugins failed to load, by plugin name (the host fills it)
    broken: dict[str, str] = field(default_factory=dict)

    def add(self, connector_cls: type[Connector[Any]]) -> None:
        cid = getattr(connector_cls, "id", None)
        if not isinstance(cid, str) or not cid:
            raise PluginError(f"{self.current_plugin}: {connector_cls!r} has no string `id`")
        if cid in self._classes:
            raise PluginError(
                f"{self.current_plugin}: connector id {cid!r} is already registered "
                f"by {self._owners[cid]}"
            )
        self._classes[cid] = connector_cls
        self._owners[cid] = self.current_plugin

    def get(self, cid: str) -> type[Connector[Any]]:
        try:
            return self._classes[cid]
        except KeyError:
            if cid in self.broken:  # a plugin usually bears its connector's name
                raise PluginError(f"connector {cid!r} is broken: {self.broken[cid]}") from None
            known = ", ".join(sorted(self._classes)) or "none"
            raise PluginError(f"no connector {cid!r} is installed (installed: {known})") from None

    def owner(self, cid: str) -> str:
        return self._owners[cid]

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._classes))

    def __contains__(self, cid: object) -> bool:
        return cid in self._classes

    def __len__(self) -> int:
        return len(self._classes)


@dataclass
class TransformRegistry:
    """Named transforms usable from mapping files."""

    _fns: dict[str, Transform] = field(default_factory=dict)
    current_plugin: str = "?"

    def add(self, name: str, fn: Transform) -> None:
        if name in self._fns:
            raise PluginError(f"{self.current_plugin}: transform {name!r} is already registered")
        self._fns[name] = fn

    def get(self, name: str) -> Transform | None:
        return self._fns.get(name)

    def names(self) -> list[str]:
        return sorted(self._fns)

    def __contains__(self, name: object) -> bool:
        return name in self._fns
