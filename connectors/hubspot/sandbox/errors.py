"""HubSpot's error bodies, and the exception the sandbox raises to answer with one.

Single calls answer with HubSpot's `Error` object (`status`, `message`, `correlationId`,
`category`, optional `subCategory`/`context`/`errors`); batch calls put `StandardError` entries
in a 207 body. Property problems use HubSpot's quirky message, which embeds a JSON array:
`Property values were not valid: [{"isValid":false,"message":...,"error":"INVALID_EMAIL",...}]`.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

__all__ = [
    "HubSpotError",
    "PropertyProblem",
    "bad_request",
    "invalid_properties",
    "not_found",
    "rate_limit_body",
    "server_error_body",
    "standard_error",
]

JsonObject = dict[str, Any]

_RATE_LIMIT_MESSAGES = {
    "TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
    "SECONDLY": "You have reached your secondly limit.",
    "DAILY": "You have reached your daily limit.",
}


@dataclass(frozen=True)
class PropertyProblem:
    """One refused property value: `code` is HubSpot's error code, e.g. INVALID_EMAIL."""

    name: str
    code: str
    message: str


class HubSpotError(Exception):
    """Raised anywhere in the sandbox; rendered as HubSpot's error body with `status_code`."""

    def __init__(
        self,
        status_code: int,
        category: str,
        message: str,
        *,
        sub_category: str | None = None,
        context: Mapping[str, Sequence[str]] | None = None,
        errors: Sequence[JsonObject] = (),
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.category = category
        self.message = message
        self.sub_category = sub_category
        self.context = {key: list(values) for key, values in (context or {}).items()}
        self.errors = list(errors)
        self.headers = dict(headers or {})

    def body(self) -> JsonObject:
        """The `Error` body of a single call."""
        body: JsonObject = {
            "status": "error",
            "message": self.message,
            "correlationId": str(uuid.uuid4()),
            "category": self.category,
        }
        if self.sub_category:
            body["subCategory"] = self.sub_category
        if self.context:
            body["context"] = self.context
        if self.errors:
            body["errors"] = self.errors
        return body

    def as_standard_error(self, context: Mapping[str, Sequence[str]]) -> JsonObject:
        """This failure as one entry of a batch response's `errors`, naming the input."""
        merged = {**self.context, **{key: list(values) for key, values in context.items()}}
        return standard_error(
            self.category,
            self.message,
            context=merged,
            errors=self.errors,
            sub_category=self.sub_category,
        )


def standard_error(
    category: str,
    message: str,
    *,
    context: Mapping[str, Sequence[str]],
    errors: Sequence[JsonObject] = (),
    sub_category: str | None = None,
) -> JsonObject:
    """A `StandardError`: every field the SDK's model requires is present."""
    entry: JsonObject = {
        "status": "error",
        "category": category,
        "message": message,
        "context": {key: list(values) for key, values in context.items()},
        "errors": list(errors),
        "links": {},
    }
    if sub_category:
        entry["subCategory"] = sub_category
    return entry


def invalid_properties(problems: Sequence[PropertyProblem], portal_id: int) -> HubSpotError:
    """HubSpot's 400 for refused property values (unknown property, bad email, bad option…)."""
    detail = [
        {
            "isValid": False,
            "message": problem.message,
            "error": problem.code,
            "name": problem.name,
            "localizedErrorMessage": problem.message,
            "portalId": portal_id,
        }
        for problem in problems
    ]
    message = "Property values were not valid: " + json.dumps(detail, separators=(",", ":"))
    errors = [
        {
            "message": problem.message,
            "code": problem.code,
            "context": {"propertyName": [problem.name]},
        }
        for problem in problems
    ]
    return HubSpotError(400, "VALIDATION_ERROR", message, errors=errors)


def bad_request(message: str, *, sub_category: str | None = None) -> HubSpotError:
    """A plain 400 VALIDATION_ERROR."""
    return HubSpotError(400, "VALIDATION_ERROR", message, sub_category=sub_category)


def not_found(message: str = "resource not found") -> HubSpotError:
    """HubSpot's 404 OBJECT_NOT_FOUND."""
    return HubSpotError(404, "OBJECT_NOT_FOUND", message)


def rate_limit_body(policy: str) -> JsonObject:
    """HubSpot's 429 body for `policy`."""
    return {
        "status": "error",
        "message": _RATE_LIMIT_MESSAGES.get(
            policy, f"You have reached your {policy.lower()} limit."
        ),
        "errorType": "RATE_LIMIT",
        "correlationId": str(uuid.uuid4()),
        "policyName": policy,
        "requestId": str(uuid.uuid4()),
    }


def server_error_body(status_code: int) -> JsonObject:
    """The body of an injected 500 or 503."""
    message = "internal error" if status_code == 500 else "service temporarily unavailable"
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": "INTERNAL_ERROR" if status_code == 500 else "SERVICE_UNAVAILABLE",
    }
