"""Resend's checks of one email to send, with its error names and words.

A field that is absent is `missing_required_field`; one that is present but wrong (an
address, a tag, too many recipients) is `validation_error`, both 422.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .errors import ResendError, missing_field, validation

__all__ = ["check_batch", "check_email", "recipients"]

_ADDRESS = re.compile(r"[^@\s<>,]+@[^@\s<>,]+\.[^@\s<>,.]+")
_NAMED = re.compile(r"[^<>]*<\s*(?P<address>[^<>]+?)\s*>")
_TAG = re.compile(r"[A-Za-z0-9_-]{1,256}")
_ADDRESS_HELP = ("The email address needs to follow the `email@example.com` or "
                 "`Name <email@example.com>` format.")
_BATCH_UNSUPPORTED = ("attachments", "scheduled_at")


def recipients(value: Any) -> list[str]:
    """`to` (or cc, bcc, reply_to) as a list, as Resend stores it."""
    if value is None:
        return []
    return [value] if isinstance(value, str) else [str(item) for item in value]


def _valid_address(text: str) -> bool:
    named = _NAMED.fullmatch(text.strip())
    address = named.group("address") if named else text.strip()
    return _ADDRESS.fullmatch(address) is not None


def check_email(email: Any, max_recipients: int, *, in_batch: bool = False) -> dict[str, Any]:
    """The email if Resend would accept it; ResendError naming the first fault otherwise."""
    if not isinstance(email, Mapping):
        raise validation("Invalid request body: each email is a JSON object.")
    for field in ("from", "to", "subject"):
        if email.get(field) in (None, "", []):
            raise missing_field(field)
    if not _valid_address(str(email["from"])):
        raise validation(f"Invalid `from` field. {_ADDRESS_HELP}")
    to = recipients(email["to"])
    if len(to) > max_recipients:
        raise validation(f"Invalid `to` field. You can send to at most {max_recipients} "
                         "recipients per email.")
    for field in ("to", "cc", "bcc", "reply_to"):
        if not all(_valid_address(address) for address in recipients(email.get(field))):
            raise validation(f"Invalid `{field}` field. {_ADDRESS_HELP}")
    if not (email.get("html") or email.get("text") or email.get("template")):
        raise missing_field("html` or `text")
    for tag in email.get("tags") or ():
        name, value = tag.get("name"), tag.get("value")
        if not isinstance(name, str) or _TAG.fullmatch(name) is None:
            raise validation(f"Invalid tag name {name!r}: it can only contain ASCII letters, "
                             "numbers, underscores, or dashes, up to 256 characters.")
        if not isinstance(value, str) or _TAG.fullmatch(value) is None:
            raise validation(f"Invalid tag value {value!r} of tag {name!r}: it can only "
                             "contain ASCII letters, numbers, underscores, or dashes, up to "
                             "256 characters.")
    headers = email.get("headers")
    if headers is not None and not (isinstance(headers, Mapping)
                                    and all(isinstance(v, str) for v in headers.values())):
        raise validation("Invalid `headers` field: an object of header names to strings.")
    if in_batch:
        for field in _BATCH_UNSUPPORTED:
            if field in email:
                raise validation(f"The `{field}` field is not supported by the batch endpoint.")
    return dict(email)


def check_batch(body: Any, batch_max: int) -> list[Any]:
    """The batch's emails if the request itself is acceptable (each is checked apart)."""
    if not isinstance(body, list):
        raise validation("Invalid request body: the batch endpoint takes an array of emails.")
    if not body:
        raise validation("Invalid request body: the batch holds no email.")
    if len(body) > batch_max:
        raise ResendError(422, "validation_error",
                          f"Too many emails in the batch: at most {batch_max}, got {len(body)}.")
    return body
