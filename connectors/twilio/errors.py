"""How Twilio says no, read into a send's outcome or the hub's error tree.

Twilio answers each refused message with a code (the legacy body `{code, message, more_info,
status}`, which the SDK raises as `TwilioRestException`). What a code means for the hub:

    21610 recipient opted out (texted STOP) .......... SendResult.suppress: never send again
    21211 21612 21614 21617 and other 4xx ............ SendResult.rejected with Twilio's words
    21408 region not enabled ......................... RegionNotEnabled (a ConfigError): every
                                                       number of that country fails alike
    21212 21606 21603 21701 bad sender ............... ConfigError naming the sender setting
    20003 / 401 / 403 ................................ AuthError saying what to fix
    20429 / 429, 21611 a sender's queue is full ...... RateLimitedError (never processed)
    5xx, no answer ................................... TransientError

A call that got no answer may still have sent the SMS; the core reconciles such a message with
`find_sent` before sending it again.
"""

from __future__ import annotations

from typing import Any

import requests

from hub.connector import SendResult
from hub.errors import (
    AuthError,
    ConfigError,
    HubError,
    PermanentError,
    RateLimitedError,
    TransientError,
)

from .phone import country_of

__all__ = ["AUTH_HELP", "RegionNotEnabled", "hub_error", "send_outcome", "words"]

AUTH_HELP = (
    "Twilio refused the credentials ({detail}). Check the connection's `account_sid` and "
    "`auth_token` (Twilio console > Account > API keys & tokens), or its `key_sid` and "
    "`key_secret` if it uses an API key, and that `base_url` is Twilio's API.")
SENDER_HELP = (
    "Twilio refused the sender {sender!r} (error {code}: {message}). Set `from_number` to an "
    "SMS-capable number of this account, or `messaging_service_sid` to one of its Messaging "
    "Services.")
SUPPRESS = frozenset({21610})
SENDER_CODES = frozenset({21212, 21606, 21603, 21701})
BUSY_CODES = frozenset({20429, 21611})


class RegionNotEnabled(ConfigError):
    """The account may not send SMS to this country: enable it, or leave its numbers out."""

    def __init__(self, to: str, message: str) -> None:
        self.country = country_of(to)
        super().__init__(
            f"Twilio may not send SMS to {self.country or 'the country of ' + to} from this "
            f"account ({message}). Enable that country in the Twilio console (Messaging > "
            "Settings > Geo permissions), or leave its numbers out of the campaign.")


def _code(exc: Any) -> int | None:
    code = getattr(exc, "code", None)
    return int(code) if isinstance(code, int | str) and str(code).isdigit() else None


def words(exc: Any) -> str:
    """Twilio's own message, without the SDK's "Unable to create record: " in front."""
    message = str(getattr(exc, "msg", exc))
    head, sep, rest = message.partition(": ")
    return rest if sep and head.startswith("Unable to ") else message


def hub_error(exc: BaseException, where: str) -> HubError | None:
    """The hub's error for a failed Twilio call (None: not Twilio's or the network's)."""
    from twilio.base.exceptions import TwilioRestException

    if isinstance(exc, requests.exceptions.RequestException):
        return TransientError(f"cannot reach Twilio at {where}: {exc}")
    if not isinstance(exc, TwilioRestException):
        return None
    status, code, message = exc.status, _code(exc), words(exc)
    if status in (401, 403) or code == 20003:
        return AuthError(AUTH_HELP.format(detail=f"{status}, code {code}: {message}"))
    if status == 429 or code in BUSY_CODES:
        return RateLimitedError(f"Twilio is busy (code {code}): {message}")
    if status >= 500:
        return TransientError(f"Twilio failed ({status}, code {code}): {message}")
    return PermanentError(f"Twilio refused the call ({status}, code {code}): {message}")


def send_outcome(exc: BaseException, to: str, sender: str, where: str) -> SendResult:
    """The outcome of a refused send, or the hub error to raise for the whole call."""
    from twilio.base.exceptions import TwilioRestException

    if isinstance(exc, TwilioRestException) and 400 <= exc.status < 500:
        code, message = _code(exc), words(exc)
        text = str(code) if code is not None else None
        if code in SUPPRESS:
            return SendResult.suppress(message, text)
        if code == 21408:
            raise RegionNotEnabled(to, message) from exc
        if code in SENDER_CODES:
            raise ConfigError(SENDER_HELP.format(sender=sender, code=code,
                                                 message=message)) from exc
        if exc.status not in (401, 403, 429) and code not in BUSY_CODES and code != 20003:
            return SendResult.rejected(message, text)
    error = hub_error(exc, where)
    if error is None:
        raise exc
    raise error from exc
