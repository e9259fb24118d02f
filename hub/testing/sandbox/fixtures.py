"""The part every vendor's `start_VENDOR_sandbox` fixture shares: start sandboxes with knobs,
stop them after the test, and hold each to the vendor's contract.

    @pytest.fixture
    def start_acme_sandbox(request: pytest.FixtureRequest) -> Iterator[Callable[..., Server]]:
        yield from sandbox_starter(request, Server, Config)

It reads the test's `request` only, so it needs no pytest of its own (pytest is no
dependency of the sandboxes); kept out of the package's `__init__` all the same.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from hub.testing.sandbox.contract import ContractMonitor

if TYPE_CHECKING:
    import pytest
    from _typeshed import DataclassInstance

__all__ = ["Sandbox", "sandbox_starter"]


class _State(Protocol):
    @property
    def contract(self) -> ContractMonitor: ...


class Sandbox(Protocol):
    """What the fixture needs of a vendor's `SandboxServer`."""

    @property
    def state(self) -> _State: ...

    def start(self, timeout: float = ...) -> Any: ...

    def stop(self, timeout: float = ...) -> None: ...


ServerT = TypeVar("ServerT", bound=Sandbox)
ConfigT = TypeVar("ConfigT", bound="DataclassInstance")


def sandbox_starter(
    request: pytest.FixtureRequest,
    server: Callable[[ConfigT], ServerT],
    defaults: Callable[[], ConfigT],
) -> Iterator[Callable[..., ServerT]]:
    """Yield `start(**knobs)`: a running `server` on `defaults()` with `knobs` replaced. After
    the test every sandbox started is stopped, and must have seen no request that breaks the
    vendor's contract unless the test is marked `breaks_contract` (it does so on purpose)."""
    started: list[ServerT] = []

    def start(**knobs: Any) -> ServerT:
        sandbox = server(dataclasses.replace(defaults(), **knobs))
        sandbox.start()
        started.append(sandbox)
        return sandbox

    yield start
    for sandbox in started:
        sandbox.stop()
    if request.node.get_closest_marker("breaks_contract") is None:
        for sandbox in started:
            sandbox.state.contract.assert_clean()
