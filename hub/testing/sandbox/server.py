"""Serving a sandbox: on a loopback port in a background thread (tests, benchmarks, the demo), or
in the foreground until interrupted (`hub sandbox VENDOR`).

Both wait on a condition, never on the clock: a thread's server is ready when uvicorn's startup
has run (lifespan included); the foreground one prints `ready on URL` at that moment, the line a
script or test waiting for a sandbox process reads.
"""

from __future__ import annotations

import socket
import struct
import sys
import threading
from collections.abc import Callable
from types import TracebackType
from typing import Literal

import uvicorn

from hub.testing.sandbox.answers import ASGIApp, Scope
from hub.testing.sandbox.harness import Harness

__all__ = ["LOOPBACK", "LoopbackServer", "listen", "serve_forever"]

LOOPBACK = "127.0.0.1"
Lifespan = Literal["on", "off", "auto"]


def listen(host: str, port: int) -> socket.socket:
    """A listening socket that names TCP: asyncio sets TCP_NODELAY only on such sockets, and
    without it every answer waits ~40 ms for the client's delayed ACK (Nagle). It listens at
    once, so a client connecting before the server has started waits instead of failing."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        listener.bind((host, port))
        listener.listen(128)
    except OSError:
        listener.close()
        raise
    return listener


class _Server(uvicorn.Server):
    """uvicorn's server, announcing the end of its startup through `on_ready`."""

    def __init__(self, config: uvicorn.Config, on_ready: Callable[[], None]) -> None:
        super().__init__(config)
        self._on_ready = on_ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        if self.started:
            self._on_ready()


def _config(app: ASGIApp, log_level: str, lifespan: Lifespan) -> uvicorn.Config:
    return uvicorn.Config(
        app,
        log_level=log_level,
        log_config=None,
        access_log=False,
        lifespan=lifespan,
        loop="asyncio",
        ws="none",
        http="h11",
        timeout_graceful_shutdown=1,
    )


def serve_forever(
    app: ASGIApp,
    port: int,
    *,
    host: str = LOOPBACK,
    log_level: str = "info",
    lifespan: Lifespan = "on",
) -> None:
    """Serve `app` in the foreground until interrupted; print `ready on URL` once it answers."""
    listener = listen(host, port)
    url = f"http://{host}:{listener.getsockname()[1]}"
    try:
        server = _Server(_config(app, log_level, lifespan),
                         lambda: print(f"ready on {url}", file=sys.stderr, flush=True))
        server.run(sockets=[listener])
    finally:
        listener.close()


class LoopbackServer:
    """An ASGI app on a loopback port in a background thread; `port=0` picks a free one.

    Use as a context manager, or call `start()`/`stop()`. With a `harness`, connection faults
    (`Step(fault="reset")`) drop the very connection that carried the request.
    """

    def __init__(
        self,
        app: ASGIApp,
        *,
        harness: Harness | None = None,
        port: int = 0,
        host: str = LOOPBACK,
        lifespan: Lifespan = "auto",
        name: str = "sandbox",
    ) -> None:
        self.app = app
        self.harness = harness
        self._socket = listen(host, port)
        self.host, self.port = self._socket.getsockname()[:2]
        self._ready = threading.Event()
        self.uvicorn: uvicorn.Server = _Server(_config(app, "warning", lifespan),
                                               self._ready.set)
        self._name = name
        self._thread: threading.Thread | None = None
        self._failure: BaseException | None = None

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    url = base_url

    def start(self, timeout: float = 120.0) -> LoopbackServer:
        """Start serving; return once the server answers. `timeout` only keeps a server that
        never starts from hanging the caller."""
        self._thread = threading.Thread(
            target=self._run, name=f"{self._name}-{self.port}", daemon=True
        )
        self._thread.start()
        self._ready.wait(timeout)
        if not self.uvicorn.started:
            failure = self._failure
            self.stop()
            raise RuntimeError(f"the {self._name} did not start on {self.base_url}") from failure
        if self.harness is not None:
            self.harness.abort_connection = self._abort
        return self

    def _run(self) -> None:
        try:
            self.uvicorn.run(sockets=[self._socket])
        except BaseException as exc:  # uvicorn exits on a failed startup; start() reports it
            self._failure = exc
        finally:
            self._ready.set()  # a server that failed to start must not leave start() waiting

    def stop(self, timeout: float = 10.0) -> None:
        if self.harness is not None:
            self.harness.abort_connection = None
        self.uvicorn.should_exit = True
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join(timeout)
            if thread.is_alive():
                self.uvicorn.force_exit = True
                thread.join(timeout)
        self._socket.close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def _abort(self, scope: Scope, reset: bool) -> bool:
        """Drop the connection that carried `scope`; with `reset`, make the kernel send a RST."""
        client = tuple(scope.get("client") or ())
        for connection in list(self.uvicorn.server_state.connections):
            transport = getattr(connection, "transport", None)
            if tuple(getattr(connection, "client", None) or ()) != client or transport is None:
                continue
            if reset:
                # A zero linger time turns close() into an abortive close: RST, not FIN.
                sock = transport.get_extra_info("socket")
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            transport.abort()
            return True
        return False
