"""The loopback fault server does what the other tests rely on it doing."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import httpx
import pytest

from hub.testing.sandbox.faultserver import FaultServer, Step, partial_batch, run_fault_server


@pytest.fixture(scope="module")
def running() -> Iterator[FaultServer]:
    with run_fault_server() as running:
        yield running


@pytest.fixture
def client(running: FaultServer) -> Iterator[httpx.Client]:
    running.app.reset()
    with httpx.Client(base_url=running.url, timeout=2) as client:
        yield client


def test_serves_on_loopback(running: FaultServer) -> None:
    assert running.url.startswith("http://127.0.0.1:")


def test_steps_play_in_order_and_the_last_repeats(
    running: FaultServer, client: httpx.Client
) -> None:
    running.app.script("/p", Step(503), Step(201, json={"id": 1}, headers={"X-Trace": "t"}))
    assert client.get("/p").status_code == 503
    second = client.get("/p")
    assert (second.status_code, second.json(), second.headers["x-trace"]) == (201, {"id": 1}, "t")
    assert client.get("/p").status_code == 201
    assert client.get("/unscripted").status_code == 404


def test_records_what_it_received(running: FaultServer, client: httpx.Client) -> None:
    running.app.script("/p", Step(200))
    client.post("/p?page=2", json={"a": 1}, headers={"X-Key": "k"})
    [seen] = running.app.requests("/p")
    assert (seen.method, seen.path, seen.query) == ("POST", "/p", "page=2")
    assert seen.json() == {"a": 1}
    assert seen.headers["x-key"] == "k"
    assert seen.at <= time.monotonic()


@pytest.mark.parametrize(
    ("fault", "error"),
    [
        ("close", httpx.RemoteProtocolError),
        ("reset", httpx.ReadError),
        ("truncate", httpx.RemoteProtocolError),
    ],
)
def test_connection_faults(
    running: FaultServer, client: httpx.Client, fault: str, error: type[Exception]
) -> None:
    running.app.script("/p", Step(fault=fault), Step(200))  # type: ignore[arg-type]
    with pytest.raises(error):
        client.get("/p")
    assert client.get("/p").status_code == 200  # the server itself is fine


def test_delay_past_the_client_timeout(running: FaultServer, client: httpx.Client) -> None:
    # the server stops waiting as soon as the client hangs up, so a long delay costs nothing
    # and no stall of the machine can outlast it
    running.app.script("/p", Step(delay=60.0))
    with pytest.raises(httpx.ReadTimeout):
        client.get("/p", timeout=0.1)


def test_partial_batch_fails_only_the_bad_records(
    running: FaultServer, client: httpx.Client
) -> None:
    running.app.script(
        "/b", Step(respond=partial_batch(lambda r: "no email" if not r.get("email") else None))
    )
    mixed = client.post("/b", json={"inputs": [{"email": "a@x.test"}, {}]})
    assert mixed.status_code == 207
    assert mixed.json()["numErrors"] == 1
    assert mixed.json()["errors"][0]["index"] == 1
    clean = client.post("/b", json={"inputs": [{"email": "a@x.test"}]})
    assert (clean.status_code, clean.json()["numErrors"]) == (200, 0)


def test_enforced_rate_refuses_with_retry_after(running: FaultServer, client: httpx.Client) -> None:
    # a window far longer than three requests can take, even on a busy machine
    running.app.enforce_rate(2, 60, headers="hubspot")
    running.app.script("/p", Step(200))
    first, second, third = (client.get("/p") for _ in range(3))
    assert [first.status_code, second.status_code, third.status_code] == [200, 200, 429]
    assert second.headers["x-hubspot-ratelimit-remaining"] == "0"
    assert second.headers["x-hubspot-ratelimit-interval-milliseconds"] == "60000"
    assert 0 < float(third.headers["retry-after"]) <= 60
    assert running.app.rejected == 1


async def test_a_burst_exceeds_the_limit_whatever_the_machines_speed(
    running: FaultServer,
) -> None:
    running.app.reset()
    # a window of a millisecond: requests sent one by one would never share it, but the
    # burst's are all judged at the instant the last of them arrives
    running.app.enforce_rate(1, 0.001)
    running.app.burst(3)
    running.app.script("/p", Step(200))
    async with httpx.AsyncClient(base_url=running.url, timeout=30) as client:
        answers = await asyncio.gather(*(client.get("/p") for _ in range(3)))
        assert sorted(a.status_code for a in answers) == [200, 429, 429]
        assert running.app.rejected == 2
        # the burst is spent: the next request is answered at once (held, it would wait out
        # the server's 60 s patience, past this client's timeout)
        await client.get("/p")
    assert len(running.app.requests("/p")) == 4


def test_the_server_is_gone_after_the_block() -> None:
    with run_fault_server() as server:
        url = server.url
        assert httpx.get(f"{url}/x").status_code == 404
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/x", timeout=1)
