"""Settings of a Twilio connection: the account, how it authenticates, whom it sends from and
how fast.

REST calls authenticate with an API key (`key_sid` + `key_secret`, Twilio's advice for
production) or else with the account's `auth_token`; callbacks are signed with the auth token
whatever the REST credential, so a connection that receives callbacks needs it. A connection
sends from exactly one of a number (long code, toll-free or short code), a Messaging Service
or an alphanumeric sender id, at most `sender_rate` messages (1/s suits a long code).
"""

from __future__ import annotations

import re

from pydantic import AnyHttpUrl, Field, SecretStr, field_validator, model_validator

from hub.connector import ConnectorSettings
from hub.http import Rate

from .phone import InvalidNumber, to_e164

__all__ = ["TWILIO_API", "TwilioSettings"]

TWILIO_API = "https://api.twilio.com"
_SHORT_CODE = re.compile(r"^\d{5,6}$")
_ALPHANUMERIC = re.compile(r"^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$")


class TwilioSettings(ConnectorSettings):
    """One Twilio account and one sender."""

    account_sid: str = Field(pattern=r"^AC[0-9a-fA-F]{32}$",
                             description="the account's SID (AC…), from the Twilio console")
    auth_token: SecretStr | None = Field(
        default=None, description="the account's auth token: authenticates REST calls when no "
        "API key is set, and always verifies Twilio's callback signatures")
    key_sid: str | None = Field(default=None, pattern=r"^SK[0-9a-fA-F]{32}$",
                                description="an API key's SID (SK…), with `key_secret`")
    key_secret: SecretStr | None = Field(default=None, description="that API key's secret")
    base_url: AnyHttpUrl | None = Field(
        default=None, description="override Twilio's API URL (https://api.twilio.com): a sandbox")
    timeout: float = Field(default=30.0, gt=0, description="seconds one API call may take")
    from_number: str | None = Field(
        default=None, description="send from this number (E.164, e.g. +14155550100) or short "
        "code (5-6 digits)")
    messaging_service_sid: str | None = Field(
        default=None, pattern=r"^MG[0-9a-fA-F]{32}$",
        description="or send through this Messaging Service (MG…)")
    alphanumeric_sender: str | None = Field(
        default=None, description="or send from this sender id (1-11 letters, digits, spaces; "
        "where the destination country allows one)")
    sender_rate: str = Field(
        default="1/s", description="messages per period the sender may send, e.g. 1/s for a "
        "long code, 3/s toll-free, 100/s a short code; shared by every connection on it")
    status_callback: AnyHttpUrl | None = Field(
        default=None, description="where Twilio posts each message's status changes (the "
        "hub's /webhooks/<connection> URL as Twilio reaches it)")
    max_segments: int = Field(default=4, ge=1, le=10,
                              description="a body taking more SMS segments is refused")
    default_region: str | None = Field(
        default=None, pattern=r"^[A-Z]{2}$", description="country (ISO code, e.g. US) of "
        "recipients written without a +country code")
    enabled_countries: list[str] | None = Field(
        default=None, description="countries (ISO codes) the account's SMS geo permissions "
        "enable: a campaign to others is refused at check time (default: not checked)")

    @field_validator("from_number")
    @classmethod
    def _number(cls, value: str | None) -> str | None:
        if value is None or _SHORT_CODE.match(value):
            return value
        try:
            return to_e164(value)
        except InvalidNumber as exc:
            raise ValueError(f"{exc}; give an E.164 number or a short code") from None

    @field_validator("alphanumeric_sender")
    @classmethod
    def _sender_id(cls, value: str | None) -> str | None:
        if value is not None and not _ALPHANUMERIC.match(value):
            raise ValueError("an alphanumeric sender id has 1-11 letters, digits or spaces, "
                             "at least one a letter")
        return value

    @field_validator("sender_rate")
    @classmethod
    def _rate(cls, value: str) -> str:
        try:
            Rate.parse(value)
        except Exception as exc:  # Rate.parse raises the hub's ConfigError
            raise ValueError(str(exc)) from None
        return value

    @field_validator("enabled_countries")
    @classmethod
    def _countries(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and not all(re.fullmatch(r"[A-Z]{2}", c) for c in value):
            raise ValueError("give ISO country codes in capitals, e.g. [US, CA]")
        return value

    @model_validator(mode="after")
    def _credentials_and_sender(self) -> TwilioSettings:
        if (self.key_sid is None) != (self.key_secret is None):
            raise ValueError("give both `key_sid` and `key_secret`, or neither")
        if self.auth_token is None and self.key_sid is None:
            raise ValueError("give `auth_token`, or an API key's `key_sid` and `key_secret`")
        senders = [self.from_number, self.messaging_service_sid, self.alphanumeric_sender]
        if sum(sender is not None for sender in senders) != 1:
            raise ValueError("give exactly one sender: `from_number`, "
                             "`messaging_service_sid` or `alphanumeric_sender`")
        return self

    @property
    def api_url(self) -> str:
        return str(self.base_url).rstrip("/") if self.base_url else TWILIO_API

    @property
    def rate(self) -> Rate:
        return Rate.parse(self.sender_rate)

    @property
    def sender(self) -> str:
        """The default sender: the number, the Messaging Service SID or the sender id."""
        found = self.from_number or self.messaging_service_sid or self.alphanumeric_sender
        assert found is not None  # the model validator requires one
        return found
