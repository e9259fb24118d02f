"""`hub sandbox VENDOR --port N`: run a vendor's local emulator in the foreground.

A connector declares its sandbox module by import path (`sandbox = "pkg.sandbox"` on its class),
so a third-party connector's sandbox runs here too; a bundled connector may instead ship
`connectors/<vendor>/sandbox`. The module offers `serve(port, config, host=…)` and a
`SandboxConfig` dataclass (hub.testing.sandbox.protocol); `--set name=value` changes one of its
knobs (limits, latency …). Nothing is imported from a sandbox until this command runs.
The bundled sandboxes are not in the hub's wheel: `pip install 'marketing-hub[sandbox]'`.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
import typing
from typing import Annotated, Any

import typer

import connectors
from hub.cli.output import console
from hub.errors import ConfigError, PluginError
from hub.plugin.host import default_host


def sandboxes() -> dict[str, str]:
    """Import paths of sandbox modules by vendor: those registered connectors declare, and the
    bundled `connectors.<vendor>.sandbox` packages (found even when the connector is broken)."""
    found = {
        info.name: f"connectors.{info.name}.sandbox"
        for info in pkgutil.iter_modules(connectors.__path__)
        if info.ispkg and importlib.util.find_spec(f"connectors.{info.name}.sandbox") is not None
    }
    registry = default_host().connectors
    for cid in registry:
        declared = getattr(registry.get(cid), "sandbox", None)
        if isinstance(declared, str) and declared:
            found[cid] = declared
    return found


# The bundled sandboxes and their harness ship in their own distribution, not the hub's wheel.
BUNDLED = ("connectors.", "hub.")
INSTALL_SANDBOXES = "pip install 'marketing-hub[sandbox]'"


def _load(vendor: str, path: str) -> Any:
    try:
        module = importlib.import_module(path)
    except ImportError as exc:
        fix = (INSTALL_SANDBOXES if path.startswith(BUNDLED)
               else f"install the package that provides it ({exc})")
        raise ConfigError(f"the {vendor} sandbox ({path}) is not installed: {fix}") from None
    if not callable(getattr(module, "serve", None)):
        raise PluginError(f"the {vendor} sandbox ({path}) has no serve(port, config, host=...)")
    return module


def _coerce(name: str, kind: Any, text: str) -> Any:
    """Read a knob's value as its dataclass field's type says."""
    options = [t for t in typing.get_args(kind) if t is not type(None)] or [kind]
    if text.lower() in ("none", "null") and type(None) in typing.get_args(kind):
        return None
    target = options[0]
    try:
        if target is bool:
            if text.lower() not in ("true", "false", "1", "0", "yes", "no"):
                raise ValueError(text)
            return text.lower() in ("true", "1", "yes")
        if target in (int, float, str):
            return target(text)
        if typing.get_origin(target) is tuple:
            return tuple(part.strip() for part in text.split(",") if part.strip())
    except ValueError:
        raise ConfigError(f"--set {name}={text}: not a valid {getattr(target, '__name__', target)}"
                          ) from None
    raise ConfigError(f"--set {name}: this knob cannot be set from the command line")


def _config(module: Any, settings: list[str]) -> Any:
    config_cls = getattr(module, "SandboxConfig", None)
    if config_cls is None:
        return None
    hints = typing.get_type_hints(config_cls)
    names = {f.name for f in dataclasses.fields(config_cls)}
    knobs: dict[str, Any] = {}
    for item in settings:
        name, sep, text = item.partition("=")
        name = name.strip()
        if not sep or name not in names:
            raise ConfigError(f"--set {item!r}: expected name=value with one of: "
                              f"{', '.join(sorted(names))}")
        knobs[name] = _coerce(name, hints[name], text.strip())
    return config_cls(**knobs)


def register(app: typer.Typer) -> None:
    app.command("sandbox")(sandbox)


def sandbox(
    vendor: Annotated[str, typer.Argument(help="whose API to emulate, e.g. hubspot")],
    port: Annotated[int, typer.Option(help="port to listen on")] = 8090,
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    settings: Annotated[list[str] | None, typer.Option(
        "--set", help="a knob of the sandbox, e.g. --set burst_limit=10 (repeatable)")] = None,
) -> None:
    """Run a vendor's sandbox, a local emulator of its API, until interrupted (Ctrl-C)."""
    found = sandboxes()
    if vendor not in found:
        raise ConfigError(f"no sandbox for {vendor!r} (available: {', '.join(sorted(found))})")
    module = _load(vendor, found[vendor])
    config = _config(module, settings or [])
    token = ", ".join(getattr(config, "tokens", ()) or ())
    console.print(f"{vendor} sandbox on http://{host}:{port}"
                  + (f" (tokens: {token})" if token else "") + "; Ctrl-C stops it",
                  highlight=False)
    module.serve(port, config, host=host)
