"""A/B statistics: significance tests and the winner verdict.

Conversion metrics only (a contact converts or not). The decision test is the classic pooled
two-proportion z-test; intervals use the unpooled (Wald) standard error, optionally with
Welch-Satterthwaite degrees of freedom. `evaluate` gates any winner on a minimum sample per
variant, on the absence of a sample-ratio mismatch, and on Holm-adjusted significance.

The pieces live beside this module and are importable from here too: assignment in
`abassign`, counts in `abcounts`, the k-variant tests and p-value adjustments in `multitest`.

Bad counts raise `DomainRuleError`; bad settings (alpha, weights, thresholds) raise `ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from scipy import stats

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.abassign import Allocation, assign_variant, bucket
from hub.marketing.abcounts import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_SAMPLE,
    DEFAULT_SRM_THRESHOLD,
    VariantCounts,
    check_alpha,
    check_variants,
)
from hub.marketing.multitest import (
    ChiSquareTest,
    SampleRatioCheck,
    benjamini_hochberg_adjust,
    chi_square_test,
    holm_adjust,
    sample_ratio_check,
)

__all__ = [
    "DEFAULT_ALPHA",
    "DEFAULT_MIN_SAMPLE",
    "DEFAULT_SRM_THRESHOLD",
    "Allocation",
    "ChiSquareTest",
    "Evaluation",
    "Interval",
    "ProportionComparison",
    "SampleRatioCheck",
    "VariantCounts",
    "VariantResult",
    "Verdict",
    "assign_variant",
    "benjamini_hochberg_adjust",
    "bucket",
    "chi_square_test",
    "evaluate",
    "holm_adjust",
    "sample_ratio_check",
    "two_proportion_test",
    "wilson_interval",
]

Interval = Literal["normal", "welch"]


# --- two proportions --------------------------------------------------------------------------


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


# --- the verdict ------------------------------------------------------------------------------


class Verdict(StrEnum):
    WINNER = "winner"
    INSUFFICIENT_SAMPLE = "insufficient_sample"
    SAMPLE_RATIO_MISMATCH = "sample_ratio_mismatch"
    NOT_SIGNIFICANT = "not_significant"


@dataclass(frozen=True, slots=True)
class VariantResult:
    """One variant's figures; `comparison` is against the control (None for the control)."""

    name: str
    exposures: int
    conversions: int
    rate: float
    rate_ci: tuple[float, float]  # Wilson
    comparison: ProportionComparison | None
    adjusted_p_value: float | None  # Holm across the treatments
    significant: bool


@dataclass(frozen=True, slots=True)
class Evaluation:
    control: str
    variants: tuple[VariantResult, ...]
    chi_square: ChiSquareTest | None  # None while some variant has no exposures
    srm: SampleRatioCheck
    verdict: Verdict
    winner: str | None
    reason: str
    alpha: float
    min_sample: int

    def variant(self, name: str) -> VariantResult:
        for result in self.variants:
            if result.name == name:
                return result
        raise KeyError(name)


def evaluate(
    variants: Sequence[VariantCounts],
    *,
    control: str | None = None,
    weights: Mapping[str, float] | None = None,
    alpha: float = DEFAULT_ALPHA,
    min_sample: int = DEFAULT_MIN_SAMPLE,
    srm_threshold: float = DEFAULT_SRM_THRESHOLD,
    interval: Interval = "normal",
) -> Evaluation:
    """Analyse a finished test. The control defaults to the first variant, weights to equal.

    A winner needs every variant at `min_sample` exposures or more, no sample-ratio mismatch,
    and a Holm-adjusted p-value below `alpha`. It is the best treatment that beats the control,
    or the control when every treatment is significantly worse.
    """
    check_variants(variants)
    check_alpha(alpha)
    if isinstance(min_sample, bool) or not isinstance(min_sample, int) or min_sample < 1:
        raise ConfigError(f"min_sample must be a whole number of at least 1, got {min_sample!r}")
    by_name = {v.name: v for v in variants}
    control_name = variants[0].name if control is None else control
    if control_name not in by_name:
        raise ConfigError(f"control {control_name!r} is not one of the variants {list(by_name)}")
    if weights is not None and set(weights) != set(by_name):
        raise ConfigError(f"weights name {sorted(weights)} but the variants are {sorted(by_name)}")
    planned = None if weights is None else [weights[v.name] for v in variants]
    srm = sample_ratio_check([v.exposures for v in variants], planned, threshold=srm_threshold)

    base = by_name[control_name]
    treatments = [v for v in variants if v.name != control_name]
    comparable = base.exposures > 0 and all(t.exposures > 0 for t in treatments)
    comparisons = (
        {t.name: two_proportion_test(base, t, alpha=alpha, interval=interval) for t in treatments}
        if comparable
        else {}
    )
    adjusted = dict(
        zip(comparisons, holm_adjust([c.p_value for c in comparisons.values()]), strict=True)
    )
    results = tuple(
        VariantResult(
            name=v.name,
            exposures=v.exposures,
            conversions=v.conversions,
            rate=v.rate,
            rate_ci=wilson_interval(v.conversions, v.exposures, alpha),
            comparison=comparisons.get(v.name),
            adjusted_p_value=adjusted.get(v.name),
            significant=adjusted.get(v.name, 1.0) < alpha,
        )
        for v in variants
    )
    verdict, winner, reason = _verdict(results, control_name, min_sample, srm, alpha)
    return Evaluation(
        control=control_name,
        variants=results,
        chi_square=chi_square_test(variants) if comparable else None,
        srm=srm,
        verdict=verdict,
        winner=winner,
        reason=reason,
        alpha=alpha,
        min_sample=min_sample,
    )


def _verdict(
    results: tuple[VariantResult, ...],
    control: str,
    min_sample: int,
    srm: SampleRatioCheck,
    alpha: float,
) -> tuple[Verdict, str | None, str]:
    small = [r.name for r in results if r.exposures < min_sample]
    if small:
        return (
            Verdict.INSUFFICIENT_SAMPLE,
            None,
            f"variants {small} have fewer than {min_sample} contacts",
        )
    if srm.flagged:
        return (
            Verdict.SAMPLE_RATIO_MISMATCH,
            None,
            f"exposures do not match the planned split (p = {srm.p_value:.3g} < "
            f"{srm.threshold}); fix the assignment before reading the results",
        )
    treatments = [r for r in results if r.name != control]
    better = [r for r in treatments if r.significant and r.rate > _rate(results, control)]
    if better:
        best = max(better, key=lambda r: r.rate)
        return Verdict.WINNER, best.name, f"{best.name} converts better than {control}"
    if all(r.significant for r in treatments):
        return Verdict.WINNER, control, f"every treatment converts worse than {control}"
    return (
        Verdict.NOT_SIGNIFICANT,
        None,
        f"no difference is significant at alpha = {alpha} (Holm-adjusted)",
    )


def _rate(results: tuple[VariantResult, ...], name: str) -> float:
    return next(r.rate for r in results if r.name == name)
