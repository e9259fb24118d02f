"""Field values as Salesforce checks them on a write, with its own status codes and messages,
and instants as it stores and prints them (milliseconds, `2024-05-01T10:00:00.000+0000`)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from .ids import is_id
from .schema import Field

__all__ = ["FieldError", "check_value", "format_instant", "parse_instant"]

_EMAIL = re.compile(r"^[A-Za-z0-9._%+'-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}$")
_STRINGY = frozenset({"string", "email", "phone", "url", "picklist", "textarea"})


class FieldError(Exception):
    """One refused value: `code` is Salesforce's statusCode, `fields` the fields named."""

    def __init__(self, code: str, message: str, fields: list[str]) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.fields = fields

    def body(self) -> dict[str, Any]:
        return {"statusCode": self.code, "message": self.message, "fields": self.fields}


def parse_instant(text: str) -> int | None:
    """Epoch milliseconds of an ISO instant (`Z`, `+0000` or `+00:00`); None if unreadable."""
    value = text.strip()
    value = re.sub(r"([+-]\d\d)(\d\d)$", r"\1:\2", value.replace("Z", "+00:00"))
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)


def format_instant(ms: int) -> str:
    moment = datetime.fromtimestamp(ms / 1000, UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}+0000"


def check_value(field: Field, value: Any) -> Any:
    """The value as stored, or FieldError saying why Salesforce refuses it."""
    if value is None:
        return None
    kind, name = field.type, field.name
    if kind in _STRINGY or kind == "reference":
        if not isinstance(value, str):
            raise _wrong_type(field, value)
        if field.length and len(value) > field.length:
            raise FieldError("STRING_TOO_LONG",
                             f"{name}: data value too large: {value[:40]} "
                             f"(max length={field.length})", [name])
        if kind == "email" and value and not _EMAIL.match(value):
            raise FieldError("INVALID_EMAIL_ADDRESS", f"{name}: invalid email address: {value}",
                             [name])
        if kind == "reference" and value and not (is_id(value) or len(value) == 15):
            raise FieldError("MALFORMED_ID", f"{name}: id value of incorrect type: {value}",
                             [name])
        return value
    if kind in ("double", "currency", "int"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong_type(field, value)
        return value
    if kind == "boolean":
        if not isinstance(value, bool):
            raise _wrong_type(field, value)
        return value
    if kind in ("datetime", "date"):
        if not isinstance(value, str) or parse_instant(value) is None:
            raise _wrong_type(field, value)
        return value
    return value


def _wrong_type(field: Field, value: Any) -> FieldError:
    return FieldError("INVALID_TYPE_ON_FIELD_IN_RECORD",
                      f"{field.name}: value not of required type: {value!r}", [field.name])
