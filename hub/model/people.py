"""People and organisations: contacts, companies, leads, and their consent."""

from __future__ import annotations

from enum import StrEnum
from zoneinfo import available_timezones

from pydantic import Field, field_validator, model_validator

from hub.model.base import Email, HubModel, NonEmpty, Phone, TenantRecord, UtcDatetime, utcnow


class Channel(StrEnum):
    EMAIL = "email"
    SMS = "sms"
    PUSH = "push"
    WEB = "web"
    SOCIAL = "social"


class ConsentStatus(StrEnum):
    OPTED_IN = "opted_in"
    OPTED_OUT = "opted_out"
    UNKNOWN = "unknown"


class Consent(HubModel):
    """Permission to reach a contact on one channel, optionally for one topic."""

    channel: Channel
    topic: str | None = None
    status: ConsentStatus
    source: NonEmpty = Field(description="where the consent was given or withdrawn")
    recorded_at: UtcDatetime = Field(default_factory=utcnow)


class Suppression(StrEnum):
    """Reasons a contact may never be messaged again on a channel, whatever its consent says."""

    UNSUBSCRIBED = "unsubscribed"
    HARD_BOUNCED = "hard_bounced"
    COMPLAINED = "complained"
    MANUAL = "manual"


_TIME_ZONES = frozenset(available_timezones())


class Contact(TenantRecord):
    """A person the business may market to; identified by email within a tenant."""

    id: str | None = None
    email: Email | None = None
    phone: Phone | None = None
    first_name: str | None = None
    last_name: str | None = None
    time_zone: str | None = None
    company_id: str | None = None
    lifecycle_stage: str | None = None
    consents: list[Consent] = Field(default_factory=list)
    suppressions: list[Suppression] = Field(default_factory=list)
    properties: dict[str, str | int | float | bool | None] = Field(default_factory=dict)
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        if value is not None and value not in _TIME_ZONES:
            raise ValueError(f"{value!r} is not an IANA time zone (e.g. Europe/Paris)")
        return value

    @model_validator(mode="after")
    def _reachable_identity(self) -> Contact:
        if not (self.email or self.phone or self.id or self.external_ids):
            raise ValueError("a contact needs at least one of email, phone, id or external_ids")
        return self

    def consent_for(self, channel: Channel, topic: str | None = None) -> ConsentStatus:
        """The latest consent for a channel (and topic, falling back to the channel-wide one)."""
        relevant = [c for c in self.consents if c.channel == channel and c.topic in (topic, None)]
        if not relevant:
            return ConsentStatus.UNKNOWN
        # a topic-specific decision overrides the channel-wide one; otherwise the latest wins
        relevant.sort(key=lambda c: (c.topic is not None, c.recorded_at))
        return relevant[-1].status


class Company(TenantRecord):
    id: str | None = None
    name: NonEmpty
    domain: str | None = None
    industry: str | None = None
    employees: int | None = Field(default=None, ge=0)
    country: str | None = Field(default=None, min_length=2, max_length=2)
    updated_at: UtcDatetime | None = None


class LeadStatus(StrEnum):
    NEW = "new"
    WORKING = "working"
    QUALIFIED = "qualified"
    UNQUALIFIED = "unqualified"
    CONVERTED = "converted"


class Lead(TenantRecord):
    """A prospect on its way to sales: seed rules say email, first name and company are required."""

    id: str | None = None
    email: Email
    first_name: NonEmpty
    last_name: str | None = None
    company: NonEmpty
    phone: Phone | None = None
    source: str | None = None
    status: LeadStatus = LeadStatus.NEW
    score: float = 0.0
    owner: str | None = None
    campaign_id: str | None = None
    created_at: UtcDatetime | None = None
    updated_at: UtcDatetime | None = None
