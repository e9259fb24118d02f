"""Normalisers for the values people get wrong most: email addresses and phone numbers.

The one implementation of each: the canonical model validates with them, and the mapping
transforms `email` and `e164` call them, so a value a mapping cleaned is known good when the
model checks it again.
"""

from __future__ import annotations

import re
from functools import lru_cache

import email_validator
import phonenumbers
from email_validator import EmailNotValidError, validate_email

_ATOM = r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"{_ATOM}(?:\.{_ATOM})*@(?:{_LABEL}\.)+[a-z]{{2,63}}")
_SPECIAL_USE_DOMAINS = frozenset(email_validator.SPECIAL_USE_DOMAIN_NAMES)

# E.164 numbers already proven valid, in insertion order: parsing one costs ~25 µs, and the
# same number is checked by a mapping's `e164` and again by the model right after
_KNOWN_NUMBERS: dict[str, None] = {}
_KNOWN_NUMBERS_MAX = 100_000


def quote(value: object) -> str:
    """A value as an error message quotes it: its repr, cut to 40 characters."""
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."


def is_plain_email(candidate: str) -> bool:
    """Plain ASCII addresses the full validator (~20 µs each) would accept unchanged.

    A property test holds this fast path to email-validator's answers.
    """
    if len(candidate) > 254 or not _PLAIN_EMAIL.fullmatch(candidate):
        return False
    local, _, domain = candidate.rpartition("@")
    return (len(local) <= 64 and "--" not in domain
            and domain.rpartition(".")[2] not in _SPECIAL_USE_DOMAINS)


@lru_cache(maxsize=4096)
def validated_email(text: str) -> str:
    """The full check by email-validator (no DNS), lower-cased."""
    try:
        result = validate_email(text, check_deliverability=False)
    except EmailNotValidError as exc:
        raise ValueError(f"{quote(text)} is not a valid email address: {exc}") from None
    return str(result.normalized).lower()


def normalise_email(value: str) -> str:
    """Lower-case and validate an address; raise ValueError saying what is wrong."""
    candidate = value.strip().lower()
    if is_plain_email(candidate):
        return candidate
    return validated_email(value.strip())


def normalise_phone(value: str, region: str | None = None) -> str:
    """The E.164 form of a phone number; ValueError if it is not a real number.

    `region` (US, GB …) reads numbers written without their +country code.
    """
    raw = value.strip()
    if raw in _KNOWN_NUMBERS:
        return raw
    try:
        parsed = phonenumbers.parse(raw, region.strip().upper() or None if region else None)
    except phonenumbers.NumberParseException as exc:
        reason = str(exc).partition(") ")[2].rstrip(".") or "unreadable"
        hint = "" if raw.startswith("+") or region else " (give it in +<country code> form)"
        raise ValueError(f"{quote(raw)} is not a phone number: {reason}{hint}") from None
    if not phonenumbers.is_valid_number(parsed):
        raise ValueError(f"{quote(raw)} is not a valid phone number for its country")
    number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if len(_KNOWN_NUMBERS) >= _KNOWN_NUMBERS_MAX:
        _KNOWN_NUMBERS.clear()  # a cache, not a register: start again rather than grow
    _KNOWN_NUMBERS[number] = None
    return number
