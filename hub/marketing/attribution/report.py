"""Attribution over the store: touchpoints and completed orders in, credit per channel or
campaign out, for one model or several side by side.

Conversions are completed orders (`hub.marketing.common.orders`) placed in [since, until];
the touchpoints read are those that can fall in some conversion's lookback window,
[since - lookback, until], with the opens and clicks the send path recorded
(`engagement`). Journeys are built once and credited by every requested model
(`credit`), so comparing seven models costs little more than one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import sqlalchemy as sa

from hub.errors import ConfigError
from hub.marketing.attribution.credit import AttributionResult, credit
from hub.marketing.attribution.engagement import engagement_touchpoints
from hub.marketing.attribution.journeys import build_journeys
from hub.marketing.attribution.models import AttributionModel
from hub.marketing.attribution.records import Conversion, Touchpoint
from hub.marketing.common.orders import completed_orders
from hub.store import tables as t

By = Literal["channel", "campaign"]
NO_CAMPAIGN = "(no campaign)"
DEFAULT_LOOKBACK = timedelta(days=30)


def attribution_inputs(conn: sa.Connection, tenant: str, *, since: datetime | None = None,
                       until: datetime | None = None, lookback: timedelta = DEFAULT_LOOKBACK
                       ) -> tuple[list[Touchpoint], list[Conversion]]:
    orders = completed_orders(conn, tenant, since=since, until=until)
    conversions = [Conversion(o.contact_id, o.placed_at, float(o.total), o.id) for o in orders]
    tp = t.touchpoints.c
    stmt = (sa.select(tp.contact_id, tp.occurred_at, tp.channel, tp.campaign_id)
            .where(tp.tenant == tenant).order_by(tp.occurred_at, tp.id))
    if since is not None:
        stmt = stmt.where(tp.occurred_at >= since - lookback)
    if until is not None:
        stmt = stmt.where(tp.occurred_at <= until)
    touchpoints = [Touchpoint(r.contact_id, r.occurred_at, r.channel, r.campaign_id)
                   for r in conn.execute(stmt)]
    touchpoints += engagement_touchpoints(
        conn, tenant, since=None if since is None else since - lookback, until=until)
    return touchpoints, conversions


@dataclass(frozen=True)
class AttributionComparison:
    """Results of several models on the same journeys."""

    by: By
    lookback: timedelta
    results: dict[AttributionModel, AttributionResult]

    @property
    def models(self) -> tuple[AttributionModel, ...]:
        return tuple(self.results)

    def _credit(self, result: AttributionResult, kind: str) -> dict[str, float]:
        table: dict[Any, float] = getattr(result, f"{kind}_by_{self.by}")
        return {NO_CAMPAIGN if label is None else str(label): value
                for label, value in table.items()}

    def labels(self) -> list[str]:
        """Channels or campaigns, the largest credit (under the first model) first."""
        if not self.results:
            return []
        first = self._credit(next(iter(self.results.values())), "revenue")
        every = {label for r in self.results.values() for label in self._credit(r, "revenue")}
        return sorted(every, key=lambda label: (-first.get(label, 0.0), label))

    def rows(self) -> list[dict[str, Any]]:
        """One row per (model, label): revenue and conversions credited."""
        out = []
        for model, result in self.results.items():
            revenue, conversions = self._credit(result, "revenue"), self._credit(
                result, "conversions")
            out += [{"model": model.value, self.by: label,
                     "revenue": round(revenue.get(label, 0.0), 2),
                     "conversions": round(conversions.get(label, 0.0), 4)}
                    for label in self.labels()]
        return out

    def as_dict(self) -> dict[str, Any]:
        summary = {}
        for model, r in self.results.items():
            summary[model.value] = {
                "total_revenue": r.total_revenue, "attributed_revenue": r.attributed_revenue,
                "unattributed_revenue": r.unattributed_revenue, "conversions": r.conversions,
                "attributed_conversions": r.attributed_conversions,
                "revenue": self._credit(r, "revenue"),
                "conversions_credited": self._credit(r, "conversions")}
            if r.removal_effects is not None:
                effects = r.removal_effects if self.by == "channel" else \
                    r.campaign_removal_effects or {}
                summary[model.value]["removal_effects"] = {
                    NO_CAMPAIGN if k is None else str(k): v for k, v in effects.items()}
        return {"by": self.by, "lookback_days": self.lookback / timedelta(days=1),
                "models": summary}


def parse_models(names: Sequence[str]) -> tuple[AttributionModel, ...]:
    """Model names as typed by a person; "all" means every model, in the library's order."""
    if not names or "all" in names:
        return tuple(AttributionModel)
    chosen: list[AttributionModel] = []
    for name in names:
        try:
            model = AttributionModel(name.replace("-", "_"))
        except ValueError:
            known = ", ".join(m.value for m in AttributionModel)
            raise ConfigError(f"unknown attribution model {name!r}; choose from {known}, "
                              "or all") from None
        if model not in chosen:
            chosen.append(model)
    return tuple(chosen)


def compare_models(touchpoints: Sequence[Touchpoint], conversions: Sequence[Conversion],
                   models: Sequence[AttributionModel], *, by: By = "channel",
                   lookback: timedelta = DEFAULT_LOOKBACK,
                   half_life: timedelta = timedelta(days=7)) -> AttributionComparison:
    if by not in ("channel", "campaign"):
        raise ConfigError(f"attribution is by channel or by campaign, not {by!r}")
    journeys = build_journeys(touchpoints, conversions, lookback=lookback)
    return AttributionComparison(by, lookback, {
        m: credit(journeys, m, half_life=half_life) for m in models})


def attribution_report(conn: sa.Connection, tenant: str, models: Sequence[AttributionModel], *,
                       by: By = "channel", since: datetime | None = None,
                       until: datetime | None = None, lookback: timedelta = DEFAULT_LOOKBACK,
                       half_life: timedelta = timedelta(days=7)) -> AttributionComparison:
    touchpoints, conversions = attribution_inputs(conn, tenant, since=since, until=until,
                                                  lookback=lookback)
    return compare_models(touchpoints, conversions, models, by=by, lookback=lookback,
                          half_life=half_life)
