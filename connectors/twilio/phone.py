"""Recipients as E.164 numbers: what Twilio's `To` takes, parsed and checked with phonenumbers.

A number already in E.164 (`+14155552671`) is taken as written; one in national form
(`(415) 555-2671`) needs the connection's `default_region`. A number that cannot exist (a
wrong length, an unassigned range) is refused here, before any call: Twilio would answer
21211 and count the request.
"""

from __future__ import annotations

import phonenumbers

__all__ = ["InvalidNumber", "country_of", "to_e164"]


class InvalidNumber(ValueError):
    """A recipient that is not a phone number Twilio could send to; the message says why."""


def to_e164(raw: str, default_region: str | None = None) -> str:
    """`raw` as `+<country><number>`, or InvalidNumber saying what is wrong with it."""
    text = raw.strip()
    try:
        parsed = phonenumbers.parse(text, None if text.startswith("+") else default_region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if text.startswith("+") or default_region else (
            " (write it in E.164, +<country code><number>, or set `default_region`)")
        raise InvalidNumber(f"{raw!r} is not a phone number: {exc}{hint}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber(f"{raw!r} is not a valid phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def country_of(e164: str) -> str | None:
    """The ISO country code (`US`, `GB`) an E.164 number belongs to; None if unknown."""
    try:
        return phonenumbers.region_code_for_number(phonenumbers.parse(e164, None))
    except phonenumbers.NumberParseException:
        return None
