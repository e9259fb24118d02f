"""A local emulator of the Example People API, on the hub's loopback fault server.

    GET  /v1/me            200 for the API key `sandbox-key` (a bearer token), else 401
    GET  /v1/people        ?sort=updated_at,id&updated_since=T&limit=N&page_token=P
                           {"results": [...], "next_page_token": P or null}
    POST /v1/people/batch  {"inputs": [...]}: upserts by email; 207 naming refused records:
                           {"results": [{"index", "id", "created"}],
                            "errors": [{"index", "message", "code", "retryable"?}]}

An email without "@" is refused; one in `busy` is refused once as retryable. Every write
moves a person's `updated_at` past every other's. Being a FaultApp, it can also be told to
fail on purpose (`server.app.script(path, Step(503), …)` replaces a route's answer).
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from hub.testing.sandbox import LOOPBACK, serve_forever
from hub.testing.sandbox.faultserver import (
    FaultApp,
    FaultServer,
    Seen,
    Step,
    run_fault_server,
)

API_KEY = "sandbox-key"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
UNAUTHORIZED = Step(401, json={"message": "invalid API key", "code": "UNAUTHORIZED"})


def instant(tick: int) -> str:
    return (T0 + timedelta(seconds=tick)).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass
class PeopleApi:
    """The people the sandbox holds, by id, and the answers it gives."""

    people: dict[str, dict[str, Any]] = field(default_factory=dict)
    busy: set[str] = field(default_factory=set)
    clock: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def seed(self, count: int, *, per_instant: int = 3) -> None:
        """`count` people, `per_instant` of them changed at each instant (ties to page over)."""
        with self._lock:
            for _ in range(count):
                number = len(self.people) + 1
                self.people[f"p{number:05d}"] = {
                    "id": f"p{number:05d}", "email": f"person{number}@example.com",
                    "name": f"Person {number}", "updated_at": instant(number // per_instant)}
            self.clock = len(self.people)

    def install(self, server: FaultServer) -> None:
        self.install_on(server.app)

    def install_on(self, app: FaultApp) -> None:
        app.script("/v1/me", Step(respond=self.me))
        app.script("/v1/people", Step(respond=self.list_people))
        app.script("/v1/people/batch", Step(respond=self.upsert))

    def me(self, seen: Seen) -> Step:
        return self._authorized(seen) or Step(200, json={"user": "sandbox"})

    def list_people(self, seen: Seen) -> Step:
        refused = self._authorized(seen)
        if refused:
            return refused
        query = {k: v[-1] for k, v in parse_qs(seen.query).items()}
        if query.get("sort") != "updated_at,id":
            return Step(400, json={"message": "sort must be updated_at,id"})
        since, limit = query.get("updated_since", ""), int(query.get("limit", 100))
        offset = int(query.get("page_token", 0))
        with self._lock:
            found = sorted((p for p in self.people.values() if p["updated_at"] >= since),
                           key=lambda p: (p["updated_at"], p["id"]))
        page = found[offset:offset + limit]
        more = offset + limit < len(found)
        return Step(200, json={"results": page,
                               "next_page_token": str(offset + limit) if more else None})

    def upsert(self, seen: Seen) -> Step:
        refused = self._authorized(seen)
        if refused:
            return refused
        results: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        with self._lock:
            for index, item in enumerate(seen.json()["inputs"]):
                email = str(item.get("email") or "")
                if "@" not in email:
                    errors.append({"index": index, "message": f"email {email!r} is invalid",
                                   "code": "INVALID_EMAIL"})
                elif email in self.busy:
                    self.busy.discard(email)
                    errors.append({"index": index, "message": "record locked, try again",
                                   "code": "LOCKED", "retryable": True})
                else:
                    results.append({"index": index, **self._write(email, item)})
        return Step(207 if errors else 200, json={"results": results, "errors": errors})

    def _write(self, email: str, item: dict[str, Any]) -> dict[str, Any]:
        known = next((p for p in self.people.values() if p["email"] == email), None)
        self.clock += 1
        if known is None:
            known = {"id": f"p{len(self.people) + 1:05d}"}
            self.people[known["id"]] = known
        created = len(known) == 1
        known.update({**item, "id": known["id"], "updated_at": instant(self.clock)})
        return {"id": known["id"], "created": created}

    @staticmethod
    def _authorized(seen: Seen) -> Step | None:
        good = seen.headers.get("authorization") == f"Bearer {API_KEY}"
        return None if good else UNAUTHORIZED


@contextlib.contextmanager
def run_sandbox(api: PeopleApi | None = None) -> Iterator[tuple[FaultServer, PeopleApi]]:
    """Serve the API on 127.0.0.1 for the duration of the block."""
    api = api or PeopleApi()
    with run_fault_server() as server:
        api.install(server)
        yield server, api


@dataclass
class SandboxConfig:
    """`hub sandbox example --set people=N` seeds N people."""

    people: int = 0


def serve(port: int, config: SandboxConfig | None = None, *, host: str = LOOPBACK) -> None:
    """Run the sandbox in the foreground (`hub sandbox example`)."""
    api, app = PeopleApi(), FaultApp()
    api.seed((config or SandboxConfig()).people)
    api.install_on(app)
    serve_forever(app, port, host=host, lifespan="off")
