"""Running the sandbox: `serve()` in the foreground (`hub sandbox twilio --port N`), or
`SandboxServer` in a background thread on a loopback port (tests, benchmarks, the demo)."""

from __future__ import annotations

from hub.testing.sandbox import LOOPBACK, LoopbackServer, serve_forever

from .app import create_app
from .config import SandboxConfig
from .state import SandboxState

__all__ = ["SandboxServer", "serve"]


def serve(port: int, config: SandboxConfig | None = None, *, host: str = LOOPBACK,
          log_level: str = "info") -> None:
    """Run a sandbox in the foreground until interrupted."""
    serve_forever(create_app(config or SandboxConfig()), port, host=host, log_level=log_level)


class SandboxServer(LoopbackServer):
    """A sandbox on a loopback port in a background thread; `port=0` picks a free one.

    `base_url` is what the SDK's `client.api.base_url` (the connection's `base_url`) takes;
    `state` is the account, for tests to inspect and to text.
    """

    def __init__(self, config: SandboxConfig | None = None, *, port: int = 0,
                 host: str = LOOPBACK) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        super().__init__(create_app(self.config, state=self.state), harness=self.state.harness,
                         port=port, host=host, lifespan="on", name="Twilio sandbox")

    def start(self, timeout: float = 120.0) -> SandboxServer:
        super().start(timeout)
        return self

    def __enter__(self) -> SandboxServer:
        return self.start()
