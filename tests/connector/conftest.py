"""Fixtures for the kit's tests: the example connector, importable from its source folder as
if it were installed, and its sandbox on loopback."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parents[1] / "plugins" / "hub-connector-example"
if str(EXAMPLE) not in sys.path:
    sys.path.insert(0, str(EXAMPLE))

from hub_connector_example.sandbox import PeopleApi, run_sandbox  # noqa: E402

from hub.testing.sandbox.faultserver import FaultServer  # noqa: E402

PEOPLE = 25  # three to an instant: pages of four end inside ties


@pytest.fixture
def sandbox() -> Iterator[tuple[FaultServer, PeopleApi]]:
    """The Example People API on loopback, holding PEOPLE people."""
    with run_sandbox() as (server, api):
        api.seed(PEOPLE)
        yield server, api
