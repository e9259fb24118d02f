"""Running the sandbox: `serve()` in the foreground (for `hub sandbox resend --port N`), or
`SandboxServer` in a background thread on a loopback port (for tests, benchmarks, the demo)."""

from __future__ import annotations

import json
import sys

from hub.testing.sandbox import LOOPBACK, LoopbackServer, serve_forever

from .app import create_app
from .config import SandboxConfig
from .state import SandboxState

__all__ = ["SandboxServer", "serve"]


def serve(port: int, config: SandboxConfig | None = None, *, host: str = LOOPBACK,
          log_level: str = "info") -> None:
    """Run a sandbox in the foreground until interrupted (Ctrl-C, SIGTERM); then print what it
    served as one line, `summary {json}`, on stderr (a benchmark reads it)."""
    serve_forever(create_app(config or SandboxConfig(), on_stop=_print_summary), port,
                  host=host, log_level=log_level)


def _print_summary(state: SandboxState) -> None:
    # at the end of the app's lifespan: uvicorn re-raises SIGTERM once it has shut down
    print(f"summary {json.dumps(state.summary())}", file=sys.stderr, flush=True)


class SandboxServer(LoopbackServer):
    """A sandbox on a loopback port in a background thread; `port=0` picks a free one.

    `base_url` is what a connection's `base_url` should be; `state` holds the emails sent,
    the request log and the contract's violations, for tests to read.
    """

    def __init__(self, config: SandboxConfig | None = None, *, port: int = 0,
                 host: str = LOOPBACK) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        super().__init__(create_app(self.config, state=self.state), harness=self.state.harness,
                         port=port, host=host, lifespan="on", name="Resend sandbox")

    def start(self, timeout: float = 120.0) -> SandboxServer:
        super().start(timeout)
        return self

    def __enter__(self) -> SandboxServer:
        return self.start()
