"""The A/B verdict: a finished test analysed, and a winner named only when it is earned.

Conversion metrics only (a contact converts or not). `evaluate` gates any winner on a
minimum sample per variant, on the absence of a sample-ratio mismatch, and on Holm-adjusted
significance of each treatment against the control.

Bad counts raise `DomainRuleError`; bad settings (alpha, weights, thresholds) raise `ConfigError`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from hub.errors import ConfigError
from hub.marketing.experiments.counts import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_SAMPLE,
    DEFAULT_SRM_THRESHOLD,
    VariantCounts,
    check_alpha,
    check_variants,
)
from hub.marketing.experiments.multitest import (
    ChiSquareTest,
    SampleRatioCheck,
    chi_square_test,
    holm_adjust,
    sample_ratio_check,
)
from hub.marketing.experiments.proportions import (
    Interval,
    ProportionComparison,
    two_proportion_test,
    wilson_interval,
)


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
