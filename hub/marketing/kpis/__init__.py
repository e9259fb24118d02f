"""Marketing KPIs (seed 004 §8): each defined once as a pure function over plain records
(`formulas`), and read for a tenant from the state store (`store`).

    kpis = tenant_kpis(conn, "acme", as_of=now)   # open/click rates, cart recovery, win-back …
"""

from __future__ import annotations

from hub.marketing.kpis.formulas import (
    CART_INACTIVITY,
    RECOVERY_WINDOW,
    WIN_BACK_WINDOW,
    CartRecord,
    CartRecovery,
    Engagement,
    EngagementSummary,
    PromotionCredit,
    Rate,
    Uplift,
    cart_recovery,
    click_rate,
    conversion_uplift,
    open_rate,
    promotion_attribution,
    summarise_by_variant,
    summarise_engagement,
    win_back_rate,
)
from hub.marketing.kpis.store import (
    TenantKpis,
    campaign_engagement,
    campaign_rates,
    promotion_revenue,
    segment_uplift,
    tenant_kpis,
)

__all__ = [
    "CART_INACTIVITY",
    "RECOVERY_WINDOW",
    "WIN_BACK_WINDOW",
    "CartRecord",
    "CartRecovery",
    "Engagement",
    "EngagementSummary",
    "PromotionCredit",
    "Rate",
    "TenantKpis",
    "Uplift",
    "campaign_engagement",
    "campaign_rates",
    "cart_recovery",
    "click_rate",
    "conversion_uplift",
    "open_rate",
    "promotion_attribution",
    "promotion_revenue",
    "segment_uplift",
    "summarise_by_variant",
    "summarise_engagement",
    "tenant_kpis",
    "win_back_rate",
]
