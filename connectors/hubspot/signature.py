"""HubSpot webhook signatures, version 3, computed and checked as HubSpot documents them.

HubSpot signs `method + uri + raw body + timestamp` with HMAC-SHA256 keyed by the app's client
secret and sends the base64 digest in `X-HubSpot-Signature-v3`, the timestamp (epoch
milliseconds) in `X-HubSpot-Request-Timestamp`. The URI is the full URL HubSpot called; before
signing, the twelve percent-encodings HubSpot lists are decoded (everything else stays encoded),
so a receiver behind a proxy that re-encodes `:` or `@` still computes the same string.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time

from hub.errors import AuthError

__all__ = [
    "MAX_AGE_SECONDS",
    "SignatureError",
    "decode_signed_uri",
    "sign_v1",
    "sign_v3",
    "verify_v3",
]

#: HubSpot tells receivers to refuse requests whose timestamp is more than five minutes old.
MAX_AGE_SECONDS = 300.0

_DECODED_IN_URI = {
    "%3A": ":",
    "%2F": "/",
    "%3F": "?",
    "%40": "@",
    "%21": "!",
    "%24": "$",
    "%27": "'",
    "%28": "(",
    "%29": ")",
    "%2A": "*",
    "%2C": ",",
    "%3B": ";",
}
_ENCODED_IN_URI = re.compile("|".join(_DECODED_IN_URI), re.IGNORECASE)


class SignatureError(AuthError):
    """A webhook request's signature or timestamp was refused; answer it with 401."""


def decode_signed_uri(uri: str) -> str:
    """Decode only the percent-encodings HubSpot decodes before signing a URI."""
    return _ENCODED_IN_URI.sub(lambda match: _DECODED_IN_URI[match.group(0).upper()], uri)


def _timestamp_text(timestamp_ms: int | str) -> str:
    text = str(timestamp_ms).strip()
    if not text.isdigit():
        raise SignatureError(f"webhook timestamp {timestamp_ms!r} is not epoch milliseconds")
    return text


def sign_v3(secret: str, method: str, uri: str, body: bytes, timestamp_ms: int | str) -> str:
    """Return the `X-HubSpot-Signature-v3` value for one request."""
    source = b"".join(
        (
            method.upper().encode("utf-8"),
            decode_signed_uri(uri).encode("utf-8"),
            body,
            _timestamp_text(timestamp_ms).encode("ascii"),
        )
    )
    digest = hmac.new(secret.encode("utf-8"), source, hashlib.sha256).digest()
    return base64.b64encode(digest).decode("ascii")


def sign_v1(secret: str, body: bytes) -> str:
    """Return the legacy `X-HubSpot-Signature` (v1) value HubSpot still sends alongside v3."""
    return hashlib.sha256(secret.encode("utf-8") + body).hexdigest()


def verify_v3(
    secret: str,
    method: str,
    uri: str,
    body: bytes,
    signature: str | None,
    timestamp_ms: int | str | None,
    now: float | None = None,
    window: float = MAX_AGE_SECONDS,
) -> None:
    """Raise `SignatureError` unless `signature` is HubSpot's v3 signature of this request.

    `now` is epoch seconds (defaults to the clock). Timestamps further than `window` seconds in
    the past are refused as replays; ones as far in the future are refused as forged.
    """
    if not signature:
        raise SignatureError("webhook has no X-HubSpot-Signature-v3 header")
    if timestamp_ms is None:
        raise SignatureError("webhook has no X-HubSpot-Request-Timestamp header")
    timestamp_text = _timestamp_text(timestamp_ms)
    current = time.time() if now is None else now
    age = current - int(timestamp_text) / 1000.0
    if age > window:
        raise SignatureError(
            f"webhook timestamp is {age:.0f}s old, more than the {window:.0f}s allowed"
        )
    if -age > window:
        raise SignatureError(f"webhook timestamp is {-age:.0f}s in the future")
    expected = sign_v3(secret, method, uri, body, timestamp_text)
    if not hmac.compare_digest(expected.encode("ascii"), signature.strip().encode("utf-8")):
        raise SignatureError("webhook signature does not match its body, URI and timestamp")
