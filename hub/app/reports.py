"""Reports read from the state store: attribution, A/B tests, campaign performance, KPIs and
segment uplift. Each reads in one connection and hands back the marketing package's result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, cast

from hub.errors import ConfigError
from hub.marketing.attribution import (
    AttributionComparison,
    By,
    attribution_report,
    parse_models,
)
from hub.marketing.campaigns import ab_counts, ab_evaluation, campaign_performance
from hub.marketing.campaigns import repository as repo
from hub.marketing.campaigns.performance import METRICS, ABData, Metric
from hub.marketing.experiments import Evaluation
from hub.marketing.kpis import (
    EngagementSummary,
    TenantKpis,
    Uplift,
    campaign_rates,
    segment_uplift,
    tenant_kpis,
)
from hub.model import Campaign

if TYPE_CHECKING:
    from hub.app.core import Hub


@dataclass(frozen=True)
class ABTest:
    campaign: Campaign
    data: ABData
    evaluation: Evaluation | None  # None while fewer than two variants have been sent


class Reports:
    metrics = METRICS  # what an A/B test can count as a conversion

    def __init__(self, hub: Hub) -> None:
        self.hub = hub

    def campaign(self, tenant: str, campaign_id: str) -> Campaign:
        with self.hub.store().transaction() as tx:
            campaign = repo.find(tx, tenant, campaign_id)
        if campaign is None:
            raise ConfigError(f"tenant {tenant!r} has no campaign {campaign_id!r}")
        return campaign

    def attribution(self, tenant: str, models: list[str], *, by: str = "channel",
                    since: datetime | None = None, until: datetime | None = None,
                    lookback: timedelta, half_life: timedelta) -> AttributionComparison:
        """Order revenue credited to the channels or campaigns that touched the buyer."""
        chosen = parse_models(models)  # an unknown model is refused before the store opens
        with self.hub.store().engine.connect() as conn:
            return attribution_report(conn, tenant, chosen, by=cast(By, by), since=since,
                                      until=until, lookback=lookback, half_life=half_life)

    def abtest(self, tenant: str, campaign_id: str, *, metric: str,
               window: timedelta) -> ABTest:
        """A campaign's exposures and conversions by variant, and the verdict."""
        campaign = self.campaign(tenant, campaign_id)
        with self.hub.store().engine.connect() as conn:
            data = ab_counts(conn, campaign, metric=cast(Metric, metric), window=window)
        return ABTest(campaign, data, ab_evaluation(data))

    def campaign_performance(self, tenant: str, campaign_id: str, *, as_of: datetime,
                             window: timedelta) -> tuple[Campaign, dict[str, Any]]:
        """Sends, engagement, conversions, revenue, spend, ROI and the A/B verdict."""
        campaign = self.campaign(tenant, campaign_id)
        with self.hub.store().engine.connect() as conn:
            report = campaign_performance(conn, campaign, as_of=as_of, window=window)
        return campaign, report.as_dict()

    def campaign_rates(self, tenant: str, campaign_id: str
                       ) -> dict[str | None, EngagementSummary]:
        """Open, click, bounce, complaint and unsubscribe rates per A/B variant."""
        with self.hub.store().engine.connect() as conn:
            return campaign_rates(conn, tenant, campaign_id)

    def kpis(self, tenant: str, *, as_of: datetime, period: timedelta) -> TenantKpis:
        with self.hub.store().engine.connect() as conn:
            return tenant_kpis(conn, tenant, as_of=as_of, period=period)

    def uplift(self, tenant: str, segment: str, campaign_id: str, *, since: datetime,
               until: datetime) -> Uplift:
        """Conversion of the segment's members the campaign reached, against the others."""
        with self.hub.store().engine.connect() as conn:
            return segment_uplift(conn, tenant, segment, campaign_id, since=since, until=until)
