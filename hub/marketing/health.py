"""Customer health score with seed 003's weights, and its marketing-engagement input.

    usage frequency 0.25 · feature adoption 0.20 · engagement trend 0.15 ·
    support health -0.15 (negative indicators) · payment stability 0.15 ·
    marketing engagement 0.10

Every input is a share in [0, 1]; support is given as its *negative indicators* (0 = no
trouble, 1 = escalations everywhere) and enters as (1 - indicators) with the weight 0.15, which
is the seed's -0.15 written so that every term lies in [0, 1]. The weights' magnitudes sum to
1, so a customer with every input at its best scores 100.

The seed's sketch multiplies each metric by its weight twice (once when collecting, once when
summing); this applies each weight once.

Missing inputs. A hub rarely knows all six (usage and support live in other systems). A
missing input is left out and the weights of the known ones are rescaled to sum to 1: the
score is "the health we can see", and `coverage` says how much of the model that is. Treating
a missing input as 0 would brand every customer of a half-connected hub unhealthy; treating it
as a neutral 0.5 would pull everyone towards the middle and hide the real signal. Below
`min_coverage` (default half the weight) the score is None, because a number built on a
sliver of the model would be trusted more than it deserves.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta

import sqlalchemy as sa

from hub.errors import ConfigError
from hub.model import EngagementType
from hub.store import tables as t

HEALTH_WEIGHTS: Mapping[str, float] = {
    "usage_frequency": 0.25,
    "feature_adoption": 0.20,
    "engagement_trend": 0.15,
    "support_issues": -0.15,
    "payment_stability": 0.15,
    "marketing_engagement": 0.10,
}
MIN_COVERAGE = 0.5
# Seed 004's targets for campaign engagement: reaching them counts as fully engaged.
OPEN_RATE_TARGET = 0.30
CLICK_RATE_TARGET = 0.06
HEALTHY, AT_RISK = 70.0, 40.0
SHARP_DROP = 20.0  # seed 003: "health score drop > 20 points in 30 days" is a high risk


@dataclass(frozen=True)
class HealthInputs:
    """What is known about one customer; None means unknown, never zero."""

    usage_frequency: float | None = None
    feature_adoption: float | None = None
    engagement_trend: float | None = None
    support_issues: float | None = None
    payment_stability: float | None = None
    marketing_engagement: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not math.isfinite(value) or not 0 <= value <= 1):
                raise ConfigError(f"health input {f.name} must be a share in [0, 1] or None, "
                                  f"got {value!r}")


@dataclass(frozen=True)
class HealthScore:
    score: float | None  # 0-100; None when coverage is below the minimum
    coverage: float  # share of the model's weight backed by inputs
    contributions: Mapping[str, float]  # points each known input adds, summing to `score`
    missing: tuple[str, ...]

    @property
    def band(self) -> str:
        if self.score is None:
            return "unknown"
        return "healthy" if self.score >= HEALTHY else "at_risk" if self.score >= AT_RISK \
            else "critical"


def health_score(inputs: HealthInputs, *, min_coverage: float = MIN_COVERAGE) -> HealthScore:
    if not 0 < min_coverage <= 1:
        raise ConfigError(f"min_coverage must lie in (0, 1], got {min_coverage!r}")
    known = {name: getattr(inputs, name) for name in HEALTH_WEIGHTS
             if getattr(inputs, name) is not None}
    missing = tuple(name for name in HEALTH_WEIGHTS if name not in known)
    coverage = math.fsum(abs(HEALTH_WEIGHTS[n]) for n in known)
    if not known or coverage < min_coverage - 1e-12:
        return HealthScore(None, coverage, {}, missing)
    contributions = {}
    for name, value in known.items():
        weight = HEALTH_WEIGHTS[name]
        good = 1.0 - value if weight < 0 else value  # a negative weight scores the absence
        contributions[name] = round(100 * abs(weight) * good / coverage, 6)
    score = round(math.fsum(contributions.values()), 2)
    return HealthScore(score, coverage, contributions, missing)


def dropped_sharply(previous: HealthScore, current: HealthScore,
                    points: float = SHARP_DROP) -> bool:
    """A drop of more than `points` between two scores: the seed's high-risk trigger."""
    if previous.score is None or current.score is None:
        return False
    return previous.score - current.score > points


def engagement_share(sent: int, opened: int, clicked: int, unsubscribed: bool) -> float | None:
    """0-1 from a contact's recent email engagement, against seed 004's targets (30 % opens,
    6 % clicks): each rate counts up to its target, the two weigh the same. An unsubscribe
    is disengagement outright; nothing sent means unknown."""
    if unsubscribed:
        return 0.0
    if sent == 0:
        return None
    opens = min(1.0, opened / sent / OPEN_RATE_TARGET)
    clicks = min(1.0, clicked / sent / CLICK_RATE_TARGET)
    return (opens + clicks) / 2


def marketing_engagement(conn: sa.Connection, tenant: str, contact_ids: Collection[str], *,
                         as_of: datetime, days: int = 30) -> dict[str, float | None]:
    """Each contact's marketing-engagement input over the last `days` (distinct messages)."""
    e = t.engagement_events.c
    wanted = sorted(set(contact_ids))
    seen: dict[str, dict[str, set[str]]] = {c: {} for c in wanted}
    for start in range(0, len(wanted), 500):
        rows = conn.execute(
            sa.select(e.id, e.contact_id, e.message_id, e.type)
            .where(e.tenant == tenant, e.contact_id.in_(wanted[start:start + 500]),
                   e.occurred_at > as_of - timedelta(days=days), e.occurred_at <= as_of))
        for r in rows:
            seen[r.contact_id].setdefault(r.type, set()).add(r.message_id or r.id)
    result: dict[str, float | None] = {}
    for contact, by_type in seen.items():
        sent = set().union(*(ids for kind, ids in by_type.items()
                             if kind != EngagementType.FAILED.value))
        result[contact] = engagement_share(
            len(sent), len(by_type.get(EngagementType.OPENED.value, ())),
            len(by_type.get(EngagementType.CLICKED.value, ())),
            EngagementType.UNSUBSCRIBED.value in by_type)
    return result
