"""The hooks a plugin may implement. Hooks discover things; behaviour lives in base classes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from hub.plugin import hookspec

if TYPE_CHECKING:
    from hub.plugin.registry import ConnectorRegistry, TransformRegistry


@hookspec
def hub_register_connectors(register: ConnectorRegistry) -> None:
    """Register connector classes: ``register.add(MyConnector)``.

    Args:
        register: the registry; a connector id registered twice is a `PluginError`.
    """


@hookspec
def hub_register_transforms(register: TransformRegistry) -> None:
    """Register named field transforms for mapping YAML: ``register.add("slug", slugify)``.

    A transform is ``fn(value, *args) -> value``; it raises `ValueError` to reject a record.
    Mapping files call it as ``transform: [slug]`` or ``transform: [{truncate: [40]}]``.
    """
