"""Small helpers for a sandbox's route handlers, the same for every vendor."""

from __future__ import annotations

import json
from typing import Any

from starlette.requests import Request

__all__ = ["parse_json", "query_flag", "query_list"]


def parse_json(raw: bytes) -> Any:
    """A request body as JSON (an empty one is null); ValueError says what is wrong with it."""
    try:
        return json.loads(raw or b"null")
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ValueError(str(exc)) from None


def query_list(request: Request, name: str) -> list[str] | None:
    """A list parameter sent either repeated (`a=1&a=2`, as SDKs do) or comma-separated."""
    values = [part.strip() for raw in request.query_params.getlist(name) for part in raw.split(",")]
    values = [value for value in values if value]
    return values or None


def query_flag(request: Request, name: str) -> bool:
    """A boolean parameter: `true` in any case is true, anything else false."""
    return request.query_params.get(name, "false").lower() == "true"
