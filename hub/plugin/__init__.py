"""The plugin namespace: connectors and transforms are pluggy plugins of the `hub` project."""

from __future__ import annotations

import pluggy

NAME = "hub"
hookimpl = pluggy.HookimplMarker(NAME)
hookspec = pluggy.HookspecMarker(NAME)

__all__ = ["NAME", "hookimpl", "hookspec"]
