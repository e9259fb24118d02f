"""Resend's routes the sandbox serves: send one email, send a batch, read an email back, and
the cheap authenticated reads a connection check uses (`GET /domains`, `GET /api-keys`).

`POST /emails/batch` validates strictly by default (one bad email refuses the batch) and, with
`x-batch-validation: permissive`, sends the good ones and lists the bad ones by index.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from hub.testing.sandbox.routing import parse_json

from .errors import ResendError, validation
from .state import SandboxState
from .store import Answer, fingerprint
from .validation import check_batch, check_email

__all__ = ["routes"]

Send = Callable[[SandboxState, Any, "str | None"], Answer]


def _state(request: Request) -> SandboxState:
    return cast(SandboxState, request.app.state.sandbox)


def _idempotency_key(request: Request) -> str | None:
    key = request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 256:
        raise ResendError(400, "invalid_idempotency_key",
                          "The key must be between 1-256 chars.")
    return key


async def _idempotent(request: Request, answer: Send) -> Response:
    """Answer through the idempotency key, if any: a replay gets the remembered answer."""
    state = _state(request)
    key = _idempotency_key(request)
    body = await request.body()
    if key is None:
        status, payload = answer(state, parse_json_or_422(body), None)
        return JSONResponse(payload, status)
    remembered = state.emails.claim(key, fingerprint(request.url.path, body))
    if remembered is not None:
        return JSONResponse(remembered[1], remembered[0])
    try:
        result: Answer = answer(state, parse_json_or_422(body), key)
    except BaseException:
        state.emails.forget(key)
        raise
    state.emails.remember(key, result)
    return JSONResponse(result[1], result[0])


def parse_json_or_422(body: bytes) -> Any:
    try:
        return parse_json(body)
    except ValueError as exc:
        raise validation(f"Invalid JSON body: {exc}") from None


def _send_one(state: SandboxState, body: Any, key: str | None) -> Answer:
    email = check_email(body, state.config.max_recipients)
    state.emails.reserve_quota(1)
    sent = state.emails.add(email, key)
    state.accepted([sent])
    return 200, {"id": sent.id}


def _send_batch(permissive: bool) -> Send:
    def send(state: SandboxState, body: Any, key: str | None) -> Answer:
        cfg = state.config
        good: list[Any] = []
        errors: list[dict[str, Any]] = []
        for index, email in enumerate(check_batch(body, cfg.batch_max_emails)):
            try:
                good.append(check_email(email, cfg.max_recipients, in_batch=True))
            except ResendError as exc:
                if not permissive:
                    raise ResendError(exc.status_code, exc.name,
                                      f"emails[{index}]: {exc.message}") from None
                errors.append({"index": index, "message": exc.message})
        state.emails.reserve_quota(len(good))
        sent = [state.emails.add(email, key) for email in good]
        state.accepted(sent)
        answer: dict[str, Any] = {"data": [{"id": s.id} for s in sent]}
        if permissive:
            answer["errors"] = errors
        return 200, answer

    return send


async def send_email(request: Request) -> Response:
    return await _idempotent(request, _send_one)


async def send_batch(request: Request) -> Response:
    mode = request.headers.get("x-batch-validation", "strict").lower()
    if mode not in ("strict", "permissive"):
        raise validation("Invalid `x-batch-validation` header: use `strict` or `permissive`.")
    return await _idempotent(request, _send_batch(mode == "permissive"))


async def get_email(request: Request) -> Response:
    email = _state(request).emails.get(request.path_params["email_id"])
    if email is None:
        raise ResendError(404, "not_found", "Email not found")
    return JSONResponse(email.as_resend())


def _full_access(request: Request) -> None:
    """Keys restricted to sending may not read anything else."""
    if request.headers.get("authorization", "").split(" ")[-1] in _state(
            request).config.sending_keys:
        raise ResendError(401, "restricted_api_key",
                          "This API key is restricted to only send emails")


async def list_domains(request: Request) -> Response:
    _full_access(request)
    return JSONResponse({"object": "list", "has_more": False, "data": [
        {"id": "d91cd9bd-1176-453e-8fc1-35364d380206", "name": "example.com",
         "status": "verified", "created_at": "2024-01-01 00:00:00.000000+00",
         "region": "us-east-1"}]})


async def list_api_keys(request: Request) -> Response:
    _full_access(request)
    return JSONResponse({"object": "list", "has_more": False, "data": [
        {"id": "91f3200a-df72-4654-b0cd-f202395f5354", "name": "Sandbox",
         "created_at": "2024-01-01 00:00:00.000000+00"}]})


routes = [
    Route("/emails", send_email, methods=["POST"]),
    Route("/emails/batch", send_batch, methods=["POST"]),
    Route("/emails/{email_id}", get_email, methods=["GET"]),
    Route("/domains", list_domains, methods=["GET"]),
    Route("/api-keys", list_api_keys, methods=["GET"]),
]
