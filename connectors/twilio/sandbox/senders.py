"""Who may send what to whom: a message create's parameters judged as Twilio judges them.

Twilio's magic test numbers answer as they do with test credentials: From +15005550001 is
invalid (21212), +15005550007 not the account's (21606), +15005550008 has a full queue
(21611); To +15005550001 is invalid (21211), +15005550002 unroutable (21612), +15005550003 in
a region not enabled (21408), +15005550004 opted out (21610), +15005550009 not a mobile
(21614). Any other number is judged by the account's config: its senders, enabled countries,
landlines and the opt-outs its recipients texted.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import phonenumbers

from .config import SandboxConfig
from .errors import TwilioError

__all__ = ["Send", "judge"]

MAGIC_FROM = {"+15005550001": 21212, "+15005550007": 21606, "+15005550008": 21611}
MAGIC_TO = {"+15005550001": 21211, "+15005550002": 21612, "+15005550003": 21408,
            "+15005550004": 21610, "+15005550009": 21614}
_STATUS = {21611: 429}
_E164 = re.compile(r"^\+[1-9]\d{1,14}$")
_ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


@dataclass(frozen=True)
class Send:
    """A create that may go: who it is from (a number or sender id), to whom, what."""

    to: str
    from_: str
    body: str
    messaging_service_sid: str | None
    status_callback: str | None


def _refuse(code: int, **fields: str) -> TwilioError:
    return TwilioError(code, _STATUS.get(code, 400), **fields)


def _sender(form: dict[str, str], config: SandboxConfig) -> tuple[str, str | None]:
    service = form.get("MessagingServiceSid")
    if service is not None and "From" not in form:
        if service not in config.messaging_services:
            raise _refuse(21701, service=service)
        return config.phone_numbers[0], service
    from_ = form.get("From", "")
    if from_ in MAGIC_FROM:
        raise _refuse(MAGIC_FROM[from_], from_=from_, to=form.get("To", ""))
    if from_ in config.phone_numbers or from_ in config.alphanumeric_senders:
        return from_, service
    if not (_E164.match(from_) or _ALPHANUMERIC.match(from_)):
        raise _refuse(21212, from_=from_)
    raise _refuse(21606, from_=from_)


def _recipient(to: str, from_: str, config: SandboxConfig,
               opted_out: Callable[[str, str], bool]) -> None:
    if to in MAGIC_TO:
        raise _refuse(MAGIC_TO[to], to=to, from_=from_)
    try:
        number = phonenumbers.parse(to, None)
    except phonenumbers.NumberParseException:
        raise _refuse(21211, to=to) from None
    if not _E164.match(to) or not phonenumbers.is_valid_number(number):
        raise _refuse(21211, to=to)
    if phonenumbers.region_code_for_number(number) not in config.enabled_countries:
        raise _refuse(21408, to=to)
    if to in config.landline_numbers:
        raise _refuse(21614, to=to)
    if opted_out(from_, to):
        raise _refuse(21610)


def judge(form: dict[str, str], config: SandboxConfig,
          opted_out: Callable[[str, str], bool]) -> Send:
    """The send `form` asks for, or the TwilioError Twilio would answer."""
    to = form.get("To")
    if not to:
        raise _refuse(21604)
    if "From" not in form and "MessagingServiceSid" not in form:
        raise _refuse(21603)
    body = form.get("Body", "")
    if not body and "MediaUrl" not in form and "ContentSid" not in form:
        raise _refuse(21602)
    if len(body) > 1600:
        raise _refuse(21617)
    from_, service = _sender(form, config)
    _recipient(to, from_, config, opted_out)
    return Send(to, from_, body, service, form.get("StatusCallback"))
