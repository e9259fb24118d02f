"""What attribution credits: touchpoints (a contact's interactions with marketing) and
conversions (revenue won from a contact). Bad records raise `DomainRuleError`."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from hub.errors import DomainRuleError
from hub.marketing.common.clock import as_utc


def _utc_moment(value: object, what: str) -> datetime:
    if not isinstance(value, datetime):
        raise DomainRuleError("attribution.record", f"{what} must be a datetime, got {value!r}")
    return as_utc(value)


@dataclass(frozen=True, slots=True)
class Touchpoint:
    """A contact's interaction with marketing. `direct` marks untracked arrivals; a channel
    named "direct" (any case) counts as direct too."""

    contact_id: str
    occurred_at: datetime
    channel: str
    campaign_id: str | None = None
    direct: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.contact_id, str) or not self.contact_id:
            raise DomainRuleError("attribution.record", "a touchpoint needs a contact id")
        if not isinstance(self.channel, str) or not self.channel:
            raise DomainRuleError(
                "attribution.record", f"touchpoint of contact {self.contact_id!r} has no channel"
            )
        object.__setattr__(self, "occurred_at", _utc_moment(self.occurred_at, "occurred_at"))

    @property
    def is_direct(self) -> bool:
        return self.direct or self.channel.casefold() == "direct"


@dataclass(frozen=True, slots=True)
class Conversion:
    """Revenue won from a contact: an order or a closed-won deal (convert Decimal to float)."""

    contact_id: str
    occurred_at: datetime
    revenue: float
    id: str

    def __post_init__(self) -> None:
        if not isinstance(self.id, str) or not self.id:
            raise DomainRuleError("attribution.record", "a conversion needs an id")
        if not isinstance(self.contact_id, str) or not self.contact_id:
            raise DomainRuleError(
                "attribution.record", f"conversion {self.id!r} needs a contact id"
            )
        revenue = self.revenue
        if isinstance(revenue, bool) or not isinstance(revenue, int | float):
            raise DomainRuleError(
                "attribution.record", f"revenue of conversion {self.id!r} must be a number"
            )
        if not math.isfinite(revenue) or revenue < 0:
            raise DomainRuleError(
                "attribution.record",
                f"revenue of conversion {self.id!r} must be finite and >= 0, got {revenue!r}",
            )
        object.__setattr__(self, "revenue", float(revenue))
        object.__setattr__(self, "occurred_at", _utc_moment(self.occurred_at, "occurred_at"))
