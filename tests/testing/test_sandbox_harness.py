"""The sandbox harness: a tiny vendor on it, over real HTTP on loopback, and its limits alone."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.testing.sandbox import (
    Caller,
    Daily,
    FaultSettings,
    Gateway,
    Harness,
    LoopbackServer,
    RateDecision,
    RateLimits,
    Rules,
    Seen,
    Step,
    Window,
    json_step,
)


class Acme(Rules):
    """A vendor with a token, ten calls a minute in its own header, and its own 429 body."""

    def identify(self, seen: Seen) -> Caller | Step | None:
        if seen.path == "/public":
            return None
        if seen.headers.get("x-acme-key") != "k":
            return json_step(401, {"acme_error": "bad key"})
        return Caller("k")

    def windows(self, seen: Seen, caller: Caller) -> tuple[Window, ...]:
        return (Window("per-minute", 10, 60.0),)

    def limit_headers(self, decision: RateDecision, caller: Caller) -> dict[str, str]:
        return {"Acme-Left": str(decision.windows["per-minute"].remaining)}

    def refusal(self, decision: RateDecision, headers: Mapping[str, str]) -> Step:
        return json_step(429, {"acme_error": "forced" if decision.forced else "slow down"},
                         headers)

    def server_error(self, status: int, headers: Mapping[str, str]) -> Step:
        return json_step(status, {"acme_error": "oops"}, headers)


def acme_app(harness: Harness) -> Starlette:
    async def item(request: Request) -> JSONResponse:
        return JSONResponse({"id": request.path_params["item_id"]})

    async def public(request: Request) -> JSONResponse:
        return JSONResponse({})

    app = Starlette(routes=[Route("/items/{item_id}", item), Route("/public", public)])
    app.add_middleware(Gateway, harness=harness, routes=app.router.routes)
    return app


@pytest.fixture
def acme() -> Iterator[tuple[Harness, httpx.Client]]:
    harness = Harness(Acme(), faults=None)
    with (LoopbackServer(acme_app(harness), harness=harness) as server,
          httpx.Client(base_url=server.url, headers={"X-Acme-Key": "k"}) as client):
        yield harness, client


def test_requests_are_counted_per_route_and_status(acme: tuple[Harness, httpx.Client]) -> None:
    harness, client = acme
    client.get("/items/1")
    client.get("/items/2")
    client.get("/items/3", headers={"X-Acme-Key": "wrong"})
    client.get("/nowhere")

    assert harness.log.routes() == {"GET /items/{item_id}": 3, "GET (unmatched) /nowhere": 1}
    assert harness.log.statuses("GET /items/{item_id}") == {200: 2, 401: 1}
    assert harness.log.statuses() == {200: 2, 401: 1, 404: 1}
    assert harness.log.outcomes("turned_away") == 1
    assert [seen.path for seen in harness.log.requests()] == [
        "/items/1", "/items/2", "/items/3", "/nowhere"]


def test_a_turned_away_request_spends_no_limit(acme: tuple[Harness, httpx.Client]) -> None:
    _, client = acme
    refused = client.get("/items/1", headers={"X-Acme-Key": "wrong"})
    admitted = client.get("/items/1")

    assert refused.json() == {"acme_error": "bad key"}
    assert "Acme-Left" not in refused.headers
    assert admitted.headers["Acme-Left"] == "9"


def test_public_routes_pass_untouched_by_limits_and_faults(
    acme: tuple[Harness, httpx.Client],
) -> None:
    harness, client = acme
    harness.faults.force_refusal(1)

    public = client.get("/public", headers={"X-Acme-Key": ""})
    limited = client.get("/items/1")

    assert (public.status_code, "Acme-Left" in public.headers) == (200, False)
    assert (limited.status_code, limited.json()) == (429, {"acme_error": "forced"})


def test_over_the_limit_the_vendor_refuses_in_its_own_words(
    acme: tuple[Harness, httpx.Client],
) -> None:
    harness, client = acme
    answers = [client.get(f"/items/{i}") for i in range(11)]

    assert [a.status_code for a in answers] == [200] * 10 + [429]
    assert answers[-1].json() == {"acme_error": "slow down"}
    assert answers[-1].headers["Acme-Left"] == "0"
    assert harness.log.outcomes("refused") == 1


def test_injected_errors_carry_the_limit_headers() -> None:
    knobs = FaultSettings(error_rate=1.0)
    harness = Harness(Acme())
    harness.faults.knobs = knobs
    with LoopbackServer(acme_app(harness), harness=harness) as server:
        broken = httpx.get(f"{server.url}/items/1", headers={"X-Acme-Key": "k"})
        knobs.error_rate = 0.0  # read on every request: a running sandbox heals
        healed = httpx.get(f"{server.url}/items/1", headers={"X-Acme-Key": "k"})

    assert broken.status_code in (500, 503)
    assert broken.json() == {"acme_error": "oops"}
    assert broken.headers["Acme-Left"] == "9"  # the failed call still spent its slot
    assert (healed.status_code, healed.headers["Acme-Left"]) == (200, "8")
    assert harness.log.outcomes("faulted") == 1


def test_a_scripted_step_answers_before_the_vendors_route(
    acme: tuple[Harness, httpx.Client],
) -> None:
    harness, client = acme
    harness.faults.script("/items/1", Step(503, json={"down": True}), Step(fault="close"))

    first = client.get("/items/1")
    with pytest.raises(httpx.RemoteProtocolError):
        client.get("/items/1")
    other = client.get("/items/2")

    assert (first.status_code, first.json(), first.headers["Acme-Left"]) == (503, {"down": True},
                                                                            "9")
    assert other.json() == {"id": "2"}


def test_a_server_that_cannot_start_says_so_instead_of_hanging() -> None:
    @asynccontextmanager
    async def failing(app: Starlette) -> AsyncIterator[None]:
        raise RuntimeError("no database")
        yield  # pragma: no cover

    server = LoopbackServer(Starlette(lifespan=failing), lifespan="on")
    with pytest.raises(RuntimeError, match="did not start"):
        server.start()
    with pytest.raises(httpx.ConnectError):
        httpx.get(server.url, timeout=5)


# -- the limits alone, on a clock the test moves --------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_request_counts_against_every_window_it_is_given() -> None:
    clock = Clock()
    limits = RateLimits(clock=clock)
    search, burst = Window("SECONDLY", 1, 1.0), Window("BURST", 3, 10.0)

    first = limits.admit("t", (search, burst))
    second = limits.admit("t", (search, burst))
    plain = limits.admit("t", (burst,))
    clock.now += 0.25
    third = limits.admit("t", (burst,))
    fourth = limits.admit("t", (burst,))

    assert [first.allowed, plain.allowed, third.allowed] == [True] * 3
    assert (second.allowed, second.policy, second.retry_after_s) == (False, "SECONDLY", 1.0)
    assert third.windows["BURST"].remaining == 0
    assert (fourth.policy, fourth.retry_after_s) == ("BURST", 9.75)
    assert limits.admit("other", (burst,)).allowed  # counted per caller


def test_the_daily_quota_refuses_first_and_starts_over_each_day() -> None:
    day = ["2024-05-01"]
    limits = RateLimits(clock=Clock(), day=lambda: day[0])
    quota, burst = Daily("DAILY", 2), Window("BURST", 100, 10.0)

    used = [limits.admit("t", (burst,), quota) for _ in range(3)]
    looked = limits.admit("t", (burst,), quota, count=False)
    day[0] = "2024-05-02"

    assert [d.allowed for d in used] == [True, True, False]
    assert (used[2].policy, used[2].daily_remaining) == ("DAILY", 0)
    assert (looked.allowed, looked.windows["BURST"].used) == (False, 2)  # a look counts nothing
    assert limits.admit("t", (burst,), quota).daily_remaining == 1
