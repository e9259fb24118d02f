"""Resend's error bodies, and the exception the sandbox raises to answer with one.

Every refusal is `{"statusCode": 422, "message": "...", "name": "validation_error"}`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["ResendError", "error_body"]


def error_body(status: int, name: str, message: str) -> dict[str, Any]:
    return {"statusCode": status, "message": message, "name": name}


class ResendError(Exception):
    """Raised anywhere in the sandbox; rendered as Resend's error body with `status_code`."""

    def __init__(self, status_code: int, name: str, message: str,
                 headers: Mapping[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.name = name
        self.message = message
        self.headers = dict(headers or {})

    def body(self) -> dict[str, Any]:
        return error_body(self.status_code, self.name, self.message)


def validation(message: str) -> ResendError:
    return ResendError(422, "validation_error", message)


def missing_field(field: str) -> ResendError:
    return ResendError(422, "missing_required_field", f"Missing `{field}` field.")
