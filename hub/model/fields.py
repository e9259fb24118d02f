"""Normalisers for the values people get wrong most: email addresses and phone numbers."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

# Plain ASCII addresses are the overwhelming majority: check them with one regex and keep
# email-validator (slower) for the rest, so validation stays cheap on the record path.
_SIMPLE_EMAIL = re.compile(
    r"^[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$"
)


def normalise_email(value: str) -> str:
    """Lower-case and validate an address; raise ValueError saying what is wrong."""
    candidate = value.strip().lower()
    if _SIMPLE_EMAIL.match(candidate):
        return candidate
    return _validate_email_slow(candidate)


@lru_cache(maxsize=4096)
def _validate_email_slow(candidate: str) -> str:
    try:
        result = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{candidate!r} is not a valid email address: {exc}") from None
    return str(result.normalized).lower()


@lru_cache(maxsize=65536)
def normalise_phone(value: str, region: str | None = None) -> str:
    """Return the E.164 form of a phone number; raise ValueError if it is not a real number."""
    raw = value.strip()
    try:
        parsed = phonenumbers.parse(raw, region)
    except phonenumbers.NumberParseException as exc:
        hint = "" if raw.startswith("+") or region else " (give it in +<country code> form)"
        raise ValueError(f"{raw!r} is not a phone number: {exc._msg}{hint}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{raw!r} is not a valid phone number for its country")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
