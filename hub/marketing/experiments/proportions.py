"""Two conversion rates compared, and one rate's interval.

The decision test is the classic pooled two-proportion z-test; intervals use the unpooled
(Wald) standard error, optionally with Welch-Satterthwaite degrees of freedom. Bad counts
raise `DomainRuleError`; bad settings (alpha, interval) raise `ConfigError`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from scipy import stats

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.experiments.counts import DEFAULT_ALPHA, VariantCounts, check_alpha

Interval = Literal["normal", "welch"]


@dataclass(frozen=True, slots=True)
class ProportionComparison:
    """Treatment against control.

    `p_value` is the pooled two-proportion z-test (the decision). The interval, `wald_p_value`
    and the relative-lift figures use the unpooled standard error; with `interval="welch"` they
    use a t distribution with Welch-Satterthwaite `df`, otherwise the normal (`df` is None).
    """

    control: str
    treatment: str
    control_rate: float
    treatment_rate: float
    difference: float
    z: float
    p_value: float
    standard_error: float
    ci: tuple[float, float]
    wald_p_value: float
    relative_lift: float | None  # None when the control rate is 0
    relative_standard_error: float | None
    relative_ci: tuple[float, float] | None
    relative_p_value: float | None
    df: float | None
    alpha: float


def _two_sided(statistic: float, df: float | None) -> float:
    if df is None:
        return float(2.0 * stats.norm.sf(abs(statistic)))
    return float(2.0 * stats.t.sf(abs(statistic), df))


def _wald(
    estimate: float, se: float, critical: float, df: float | None
) -> tuple[tuple[float, float], float]:
    if se == 0.0:  # no sampling variance: the estimate is exact
        return (estimate, estimate), (1.0 if estimate == 0.0 else 0.0)
    return (estimate - critical * se, estimate + critical * se), _two_sided(estimate / se, df)


def two_proportion_test(
    control: VariantCounts,
    treatment: VariantCounts,
    *,
    alpha: float = DEFAULT_ALPHA,
    interval: Interval = "normal",
) -> ProportionComparison:
    """Compare two conversion rates (two-sided)."""
    check_alpha(alpha)
    if interval not in ("normal", "welch"):
        raise ConfigError(f"interval must be 'normal' or 'welch', got {interval!r}")
    for variant in (control, treatment):
        if variant.exposures == 0:
            raise DomainRuleError(
                "abtest.counts", f"variant {variant.name!r} has no exposures to compare"
            )
    n_c, n_t = control.exposures, treatment.exposures
    p_c, p_t = control.rate, treatment.rate
    difference = p_t - p_c

    pooled = (control.conversions + treatment.conversions) / (n_c + n_t)
    se_pooled = math.sqrt(pooled * (1.0 - pooled) * (1.0 / n_c + 1.0 / n_t))
    # all or nothing converted in both arms: the rates are equal, there is nothing to test
    z = difference / se_pooled if se_pooled > 0.0 else 0.0
    p_value = _two_sided(z, None) if se_pooled > 0.0 else 1.0

    var_c, var_t = p_c * (1.0 - p_c) / n_c, p_t * (1.0 - p_t) / n_t
    se = math.sqrt(var_c + var_t)
    df: float | None = None
    if interval == "welch":
        # Welch-Satterthwaite; a one-contact arm has no variance estimate, so fall back to normal
        denominator = (var_t**2 / (n_t - 1) if n_t > 1 else 0.0) + (
            var_c**2 / (n_c - 1) if n_c > 1 else 0.0
        )
        df = (var_c + var_t) ** 2 / denominator if denominator > 0.0 else None
    critical = float(
        stats.norm.ppf(1.0 - alpha / 2.0) if df is None else stats.t.ppf(1.0 - alpha / 2.0, df)
    )
    ci, wald_p = _wald(difference, se, critical, df)

    lift = lift_se = lift_p = None
    lift_ci = None
    if p_c > 0.0:
        lift = difference / p_c
        # delta method for (p_t - p_c) / p_c
        lift_se = math.sqrt(var_t / p_c**2 + var_c * p_t**2 / p_c**4)
        lift_ci, lift_p = _wald(lift, lift_se, critical, df)

    return ProportionComparison(
        control=control.name,
        treatment=treatment.name,
        control_rate=p_c,
        treatment_rate=p_t,
        difference=difference,
        z=z,
        p_value=p_value,
        standard_error=se,
        ci=ci,
        wald_p_value=wald_p,
        relative_lift=lift,
        relative_standard_error=lift_se,
        relative_ci=lift_ci,
        relative_p_value=lift_p,
        df=df,
        alpha=alpha,
    )


def wilson_interval(
    conversions: int, exposures: int, alpha: float = DEFAULT_ALPHA
) -> tuple[float, float]:
    """Wilson score interval for one conversion rate; sound even at 0 % or 100 %."""
    check_alpha(alpha)
    VariantCounts("rate", exposures, conversions)  # validates the counts
    if exposures == 0:
        return (0.0, 1.0)
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    p = conversions / exposures
    denominator = 1.0 + z * z / exposures
    centre = (p + z * z / (2.0 * exposures)) / denominator
    half = z * math.sqrt(p * (1.0 - p) / exposures + z * z / (4.0 * exposures**2)) / denominator
    # at 0 % or 100 % the matching bound is exact; rounding must not nudge it off 0 or 1
    low = 0.0 if conversions == 0 else max(0.0, centre - half)
    high = 1.0 if conversions == exposures else min(1.0, centre + half)
    return (low, high)
