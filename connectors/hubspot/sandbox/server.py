"""Running the sandbox: `serve()` in the foreground (for `hub sandbox hubspot --port N`), or
`SandboxServer` in a background thread on a loopback port (for tests, benchmarks, the demo)."""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from .app import create_app
from .config import SandboxConfig
from .state import SandboxState

__all__ = ["SandboxServer", "serve"]

LOOPBACK = "127.0.0.1"


def _uvicorn_config(
    config: SandboxConfig, state: SandboxState, host: str, port: int, log_level: str
) -> uvicorn.Config:
    return uvicorn.Config(
        create_app(config, state=state),
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        lifespan="on",
        ws="none",
        http="h11",
    )


def serve(
    port: int, config: SandboxConfig | None = None, *, host: str = LOOPBACK, log_level: str = "info"
) -> None:
    """Run a sandbox in the foreground until interrupted."""
    config = config or SandboxConfig()
    listener = _listen(host, port)
    try:
        state = SandboxState(config)
        uvicorn.Server(_uvicorn_config(config, state, host, port, log_level)).run(
            sockets=[listener])
    finally:
        listener.close()


def _listen(host: str, port: int) -> socket.socket:
    """A listening socket that names TCP: asyncio sets TCP_NODELAY only on such sockets, and
    without it every answer waits ~40 ms for the client's delayed ACK (Nagle)."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    return listener


class SandboxServer:
    """A sandbox on a loopback port in a background thread; `port=0` picks a free one.

    Use as a context manager, or call `start()`/`stop()`. `base_url` is what an SDK's `host`
    should be; `state` is the in-memory portal, for tests to inspect and modify.
    """

    def __init__(
        self, config: SandboxConfig | None = None, *, port: int = 0, host: str = LOOPBACK
    ) -> None:
        self.config = config or SandboxConfig()
        self.state = SandboxState(self.config)
        self._socket = _listen(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._server = uvicorn.Server(
            _uvicorn_config(self.config, self.state, self.host, self.port, "warning")
        )
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self, timeout: float = 10.0) -> SandboxServer:
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": [self._socket]},
            name=f"hubspot-sandbox-{self.port}",
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"HubSpot sandbox did not start on {self.base_url}")
            time.sleep(0.01)
        return self

    def stop(self, timeout: float = 10.0) -> None:
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._socket.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()
