"""Salesforce's REST error shape: an array of `{message, errorCode}` (with `fields` where it
names some), raised by the routes and answered by the app."""

from __future__ import annotations

from typing import Any

__all__ = ["SalesforceError", "error_body"]


def error_body(code: str, message: str, fields: list[str] | None = None) -> list[dict[str, Any]]:
    body: dict[str, Any] = {"message": message, "errorCode": code}
    if fields is not None:
        body["fields"] = fields
    return [body]


class SalesforceError(Exception):
    """A refusal of the whole request."""

    def __init__(self, status: int, code: str, message: str,
                 fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> list[dict[str, Any]]:
        return error_body(self.code, self.message, self.fields)


def session_expired() -> SalesforceError:
    return SalesforceError(401, "INVALID_SESSION_ID", "Session expired or invalid")
