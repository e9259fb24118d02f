"""The harness's shared pieces for vendor sandboxes: knob checks, and the fixture that starts
sandboxes and holds them to their contract (driven here with this test's own `request`)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx
import pytest

from connectors.salesforce.sandbox import SandboxConfig, SandboxServer
from hub.errors import ConfigError
from hub.testing.sandbox import check_knobs
from hub.testing.sandbox.fixtures import sandbox_starter


@dataclass
class Knobs:
    limit: int = 10
    rate: float = 0.5
    delay: float = 0.0


def test_knobs_in_range_pass() -> None:
    check_knobs(Knobs(), "Acme", positive=("limit",), rates=("rate",), not_negative=("delay",),
                broken={"limit must be even": False})


def test_every_knob_out_of_range_is_named_in_one_error() -> None:
    with pytest.raises(ConfigError) as caught:
        check_knobs(Knobs(limit=0, rate=1.5, delay=-1.0), "Acme", positive=("limit",),
                    rates=("rate",), not_negative=("delay",),
                    broken={"limit must be even": True})
    assert str(caught.value) == (
        "invalid Acme sandbox configuration: limit must be positive; rate must be between 0 "
        "and 1; delay must not be negative; limit must be even")


def break_contract(org: SandboxServer) -> None:
    """An upsert of a Contact through the Lead route: counted as a violation."""
    httpx.patch(
        f"{org.base_url}/services/data/v59.0/composite/sobjects/Lead/Marketing_Platform_ID__c",
        headers={"Authorization": "Bearer sandbox-session"},
        json={"allOrNone": False, "records": [{"attributes": {"type": "Contact"}, "Id": "x",
                                               "Marketing_Platform_ID__c": "k",
                                               "LastName": "L", "Company": "C"}]})
    assert org.state.contract.count > 0


def test_started_sandboxes_get_their_knobs_and_are_held_to_the_contract(
        request: pytest.FixtureRequest) -> None:
    starter = sandbox_starter(request, SandboxServer, SandboxConfig)
    start = next(starter)
    first, second = start(daily_limit=10), start()
    assert (first.config.daily_limit, second.config.daily_limit) == (10, 100_000)
    assert httpx.get(f"{second.base_url}/services/data/").status_code == 200
    break_contract(first)
    with pytest.raises(AssertionError, match="contract violation"):
        next(starter, None)
    with pytest.raises(httpx.TransportError):  # stopped before the contract was judged
        httpx.get(f"{second.base_url}/services/data/")


def test_a_test_marked_breaks_contract_is_not_failed_for_it(
        request: pytest.FixtureRequest) -> None:
    request.node.add_marker("breaks_contract")
    starter = sandbox_starter(request, SandboxServer, SandboxConfig)
    org = next(starter)()
    break_contract(org)
    assert next(starter, None) is None
