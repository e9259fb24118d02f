"""What a sandbox module offers, so that `hub sandbox VENDOR` can run it.

A connector declares its sandbox by import path (`sandbox = "acme_hub.sandbox"` on its
`Connector` class; bundled connectors may instead ship `connectors/<vendor>/sandbox`). The
module exports:

    SandboxConfig   a dataclass of knobs (limits, latency, credentials …) with defaults; each
                    field of type bool, int, float, str or tuple[str, ...] (optional or not)
                    can be set as `hub sandbox VENDOR --set name=value`
    serve(port, config=None, *, host="127.0.0.1")
                    run the sandbox in the foreground until interrupted; `config` is a
                    SandboxConfig or None for the defaults. `serve_forever` from this package
                    does the serving and prints `ready on URL` once requests are answered.

Tests use the sandbox in-process; by convention the module also exports a server class that
runs it on a free loopback port in a thread (`LoopbackServer` does the work).
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable

__all__ = ["SandboxModule"]


@runtime_checkable
class SandboxModule(Protocol):
    """A sandbox module, as `hub sandbox` uses it."""

    SandboxConfig: type[Any]

    def serve(self, port: int, config: Any = None, *, host: str = ...) -> None: ...
