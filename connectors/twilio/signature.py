"""X-Twilio-Signature, computed as Twilio computes it (the sandbox signs with this).

Twilio appends each form parameter's name and value, names sorted and each name's values
sorted, to the exact URL it called, and sends the base64 HMAC-SHA1 of that string, keyed by
the account's auth token. The connector checks signatures with the SDK's `RequestValidator`
(`connectors.twilio.webhooks`); this standard-library twin lets the sandbox sign without the
SDK, and the tests hold both to Twilio's published vectors.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable

__all__ = ["signature"]


def signature(auth_token: str, url: str, params: Iterable[tuple[str, str]]) -> str:
    """The `X-Twilio-Signature` of a form POST of `params` to `url`."""
    values: dict[str, set[str]] = {}
    for name, value in params:
        values.setdefault(name, set()).add(value)
    signed = url + "".join(name + value for name in sorted(values)
                           for value in sorted(values[name]))
    digest = hmac.new(auth_token.encode("utf-8"), signed.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")
