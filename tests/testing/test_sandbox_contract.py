"""Contract validation: requests checked against an OpenAPI document or written checks, counted,
never answered."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from hub.testing.sandbox import (
    Checks,
    ContractMonitor,
    Gateway,
    Harness,
    LoopbackServer,
    OpenAPIContract,
    Seen,
)

DOCUMENT = """
openapi: 3.0.3
info: {title: Notes, version: "1"}
servers: [{url: "https://api.notes.example"}]
paths:
  /notes:
    get:
      parameters:
        - {name: limit, in: query, schema: {type: integer, maximum: 100}}
        - {name: tags, in: query, style: form, explode: true,
           schema: {type: array, items: {type: string}}}
      responses: {default: {description: any}}
    post:
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [text]
              properties:
                text: {type: string}
                pinned: {type: boolean}
      responses: {default: {description: any}}
"""


@pytest.fixture
def notes(tmp_path: Path) -> Iterator[tuple[Harness, httpx.Client]]:
    document = tmp_path / "notes.yaml"
    document.write_text(DOCUMENT)

    async def handle(request: Request) -> JSONResponse:
        return JSONResponse({"ok": True})

    harness = Harness(contract=OpenAPIContract(document))
    app = Starlette(routes=[Route("/notes", handle, methods=["GET", "POST", "DELETE"])])
    app.add_middleware(Gateway, harness=harness, routes=app.router.routes)
    with LoopbackServer(app, harness=harness) as server, httpx.Client(base_url=server.url) as c:
        yield harness, c


def test_requests_that_keep_the_contract_pass(notes: tuple[Harness, httpx.Client]) -> None:
    harness, client = notes
    client.get("/notes", params={"limit": 5, "tags": ["a", "b"]})
    client.post("/notes", json={"text": "hi", "pinned": True})

    assert harness.contract.checked == 2
    assert harness.contract.violations == []
    harness.contract.assert_clean()


@pytest.mark.parametrize(
    ("method", "path", "body", "problem"),
    [
        ("POST", "/notes", {"pinned": True}, "'text' is a required property"),
        ("POST", "/notes", {"text": 5}, "5 is not of type 'string' (at text)"),
        ("GET", "/notes?limit=500", None, "500 is greater than the maximum of 100"),
        ("DELETE", "/notes", None, "Operation delete not found"),
        ("GET", "/elsewhere", None, "Path not found"),
    ],
    ids=["missing-field", "wrong-type", "over-maximum", "no-such-operation", "no-such-path"],
)
def test_a_violation_is_counted_and_named_but_the_answer_is_the_sandboxs(
    notes: tuple[Harness, httpx.Client], method: str, path: str, body: object, problem: str
) -> None:
    harness, client = notes
    answer = client.request(method, path, json=body)

    [violation] = harness.contract.violations
    assert problem in violation.message
    assert (violation.method, violation.path) == (method, path.split("?")[0])
    assert answer.status_code == (404 if path == "/elsewhere" else 200)
    with pytest.raises(AssertionError, match=r"1 contract violation\(s\)"):
        harness.contract.assert_clean()


def _seen(method: str, path: str) -> Seen:
    return Seen(method, path, "", {}, b"", 0.0)


def test_written_checks_stand_in_for_a_vendor_without_openapi() -> None:
    def no_deletes(seen: Seen) -> list[str]:
        return ["deletes are not offered"] if seen.method == "DELETE" else []

    monitor = ContractMonitor(Checks(no_deletes), keep=1)
    monitor.check(_seen("GET", "/a"))
    monitor.check(_seen("DELETE", "/a"))
    monitor.check(_seen("DELETE", "/b"))

    assert [str(v) for v in monitor.violations] == ["DELETE /a: deletes are not offered"]
    assert (monitor.count, monitor.checked) == (2, 3)  # counted beyond those kept


def test_without_a_contract_nothing_is_checked() -> None:
    monitor = ContractMonitor()
    assert monitor.check(_seen("DELETE", "/a")) == []
    assert (monitor.count, monitor.checked) == (0, 0)
