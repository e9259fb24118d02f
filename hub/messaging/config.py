"""The `messaging:` section of hub.yaml: who sends, the caps, the quiet hours, the templates.

    messaging:
      templates: templates              # folder of Liquid templates, relative to hub.yaml
      senders: {email: resend, sms: twilio}   # channel → the connection that sends on it
      from: {email: "Shop <news@shop.example>"}
      unsubscribe:
        url: https://shop.example/unsubscribe   # the public URL of the unsubscribe endpoint
        secret: ${HUB_UNSUBSCRIBE_SECRET}       # signs the links' tokens
      caps:
        email: {per_week: 3, per_day: 2}   # rolling 7 days / rolling 24 hours, per contact
        sms: {per_week: 3, per_day: 1}
      same_trigger_hours: 24               # one trigger or campaign reaches a contact once per …
      high_value_cooldown_days: 14         # … and a high-value offer of a group once per …
      quiet_hours:                         # the local hours a message may go out in; one due
        sms: {send_from: "08:00", send_until: "21:00"}   # outside them waits (default: SMS only)
      default_time_zone: UTC               # for contacts without one
"""

from __future__ import annotations

from datetime import time, timedelta
from typing import Any
from zoneinfo import available_timezones

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator

from hub.config.yaml_source import YamlDocument, problems_from
from hub.errors import ConfigError
from hub.model.people import Channel


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Cap(_Strict):
    per_week: int = Field(default=3, ge=0, description="rolling 7 days")
    per_day: int = Field(default=2, ge=0, description="rolling 24 hours")


class Window(_Strict):
    """The local hours a message may go out in, [send_from, send_until); a window whose end
    comes before its start spans midnight. Outside it are the quiet hours."""

    send_from: time
    send_until: time

    def allows(self, local: time) -> bool:
        if self.send_from <= self.send_until:
            return self.send_from <= local < self.send_until
        return local >= self.send_from or local < self.send_until


class Unsubscribe(_Strict):
    url: str = Field(default="http://127.0.0.1:8080/unsubscribe", min_length=1)
    secret: SecretStr = SecretStr("change-me")


def _default_caps() -> dict[Channel, Cap]:
    return {Channel.EMAIL: Cap(per_week=3, per_day=2), Channel.SMS: Cap(per_week=3, per_day=1)}


def _default_quiet() -> dict[Channel, Window | None]:
    return {Channel.SMS: Window(send_from=time(8), send_until=time(21))}


class MessagingSettings(_Strict):
    templates: str = "templates"
    senders: dict[Channel, str] = Field(default_factory=dict)
    from_: dict[Channel, str] = Field(default_factory=dict, alias="from")
    unsubscribe: Unsubscribe = Field(default_factory=Unsubscribe)
    caps: dict[Channel, Cap] = Field(default_factory=_default_caps)
    same_trigger_hours: int = Field(default=24, ge=24, description="seed 004: at most once/24 h")
    high_value_cooldown_days: int = Field(default=14, ge=0)
    quiet_hours: dict[Channel, Window | None] = Field(default_factory=_default_quiet)
    default_time_zone: str = "UTC"
    batch_budget: int | None = Field(default=None, ge=1, description="most messages per run")

    @field_validator("caps", mode="after")
    @classmethod
    def _caps_over_defaults(cls, value: dict[Channel, Cap]) -> dict[Channel, Cap]:
        return {**_default_caps(), **value}

    @field_validator("quiet_hours", mode="after")
    @classmethod
    def _hours_over_defaults(cls, value: dict[Channel, Window | None]
                             ) -> dict[Channel, Window | None]:
        return {**_default_quiet(), **value}  # `sms: null` lifts the default window

    @field_validator("default_time_zone")
    @classmethod
    def _zone(cls, value: str) -> str:
        if value not in available_timezones():
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)")
        return value

    @property
    def same_trigger(self) -> timedelta:
        return timedelta(hours=self.same_trigger_hours)

    @property
    def high_value_cooldown(self) -> timedelta:
        return timedelta(days=self.high_value_cooldown_days)

    def cap(self, channel: Channel) -> Cap | None:
        return self.caps.get(channel)

    def window(self, channel: Channel) -> Window | None:
        return self.quiet_hours.get(channel)


def messaging_from_config(doc: YamlDocument | None, raw: Any) -> MessagingSettings:
    """Check the `messaging:` section; every problem located (file, line, key) at once."""
    try:
        return MessagingSettings.model_validate(raw or {})
    except ValidationError as exc:
        if doc is None:
            raise ConfigError(f"messaging settings are invalid: {exc}") from None
        problems = problems_from(doc, exc, prefix=("messaging",))
        raise ConfigError(f"messaging has {len(problems)} problem(s)", problems) from None
