"""A/B statistics: stable variant assignment, significance tests and the winner verdict.

Conversion metrics only (a contact converts or not). The decision test is the classic pooled
two-proportion z-test; intervals use the unpooled (Wald) standard error, optionally with
Welch-Satterthwaite degrees of freedom. `evaluate` gates any winner on a minimum sample per
variant, on the absence of a sample-ratio mismatch, and on Holm-adjusted significance.

Bad counts raise `DomainRuleError`; bad settings (alpha, weights, thresholds) raise `ConfigError`.
"""

from __future__ import annotations

import hashlib
import math
import operator
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from itertools import accumulate
from typing import Literal

from scipy import stats

from hub.errors import ConfigError, DomainRuleError

Interval = Literal["normal", "welch"]

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_SAMPLE = 100  # contacts per variant; the business rule for A/B tests
DEFAULT_SRM_THRESHOLD = 0.001


# --- assignment -------------------------------------------------------------------------------


def bucket(contact_id: str, experiment: str, salt: str = "") -> float:
    """A stable number in [0, 1) for this contact in this experiment.

    The parts are length-prefixed before hashing so ("ab", "c") and ("a", "bc") never collide.
    """
    key = "".join(f"{len(part)}:{part}" for part in (salt, experiment, contact_id))
    digest = hashlib.sha256(key.encode("utf-8")).digest()
    # 53 bits: every value maps exactly onto a float in [0, 1)
    return (int.from_bytes(digest[:8], "big") >> 11) / float(1 << 53)


class Allocation:
    """A traffic split for one experiment: the same contact always gets the same variant."""

    def __init__(
        self,
        experiment: str,
        variants: Mapping[str, float] | Sequence[str],
        *,
        salt: str = "",
    ) -> None:
        if not experiment:
            raise ConfigError("an experiment needs a non-empty name to hash contacts by")
        weights = dict(variants) if isinstance(variants, Mapping) else dict.fromkeys(variants, 1.0)
        if not isinstance(variants, Mapping) and len(weights) != len(variants):
            raise ConfigError(f"variant names must be unique, got {list(variants)}")
        if len(weights) < 2:
            raise ConfigError(f"an experiment needs at least 2 variants, got {list(weights)}")
        for name, weight in weights.items():
            if not (isinstance(weight, int | float) and math.isfinite(weight) and weight > 0):
                raise ConfigError(f"weight of variant {name!r} must be positive, got {weight!r}")
        total = math.fsum(weights.values())
        self.experiment = experiment
        self.salt = salt
        self.weights: Mapping[str, float] = {n: w / total for n, w in weights.items()}
        self._names = tuple(weights)
        cumulative = list(accumulate(self.weights.values()))
        cumulative[-1] = 1.0  # rounding must not leave a sliver past the last variant
        self._cumulative = cumulative

    def assign(self, contact_id: str) -> str:
        u = bucket(contact_id, self.experiment, self.salt)
        return self._names[bisect_right(self._cumulative, u)]


def assign_variant(
    contact_id: str,
    experiment: str,
    variants: Mapping[str, float] | Sequence[str],
    *,
    salt: str = "",
) -> str:
    """One-off assignment; build an `Allocation` once when assigning many contacts."""
    return Allocation(experiment, variants, salt=salt).assign(contact_id)


# --- counts -----------------------------------------------------------------------------------


def _count(value: object, what: str, name: str) -> int:
    if isinstance(value, bool):
        raise DomainRuleError("abtest.counts", f"{what} of variant {name!r} must be a number")
    try:
        number = operator.index(value)  # type: ignore[arg-type]
    except TypeError:
        raise DomainRuleError(
            "abtest.counts", f"{what} of variant {name!r} must be a whole number, got {value!r}"
        ) from None
    if number < 0:
        raise DomainRuleError(
            "abtest.counts", f"{what} of variant {name!r} cannot be negative, got {number}"
        )
    return int(number)


@dataclass(frozen=True, slots=True)
class VariantCounts:
    """How many contacts saw a variant and how many of them converted."""

    name: str
    exposures: int
    conversions: int

    def __post_init__(self) -> None:
        if not self.name:
            raise DomainRuleError("abtest.counts", "a variant needs a non-empty name")
        exposures = _count(self.exposures, "exposures", self.name)
        conversions = _count(self.conversions, "conversions", self.name)
        if conversions > exposures:
            raise DomainRuleError(
                "abtest.counts",
                f"variant {self.name!r} has more conversions ({conversions}) "
                f"than exposures ({exposures})",
            )
        object.__setattr__(self, "exposures", exposures)
        object.__setattr__(self, "conversions", conversions)

    @property
    def rate(self) -> float:
        return self.conversions / self.exposures if self.exposures else 0.0


def _check_alpha(alpha: float) -> None:
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise ConfigError(f"alpha must be between 0 and 1 (exclusive), got {alpha!r}")


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
    _check_alpha(alpha)
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
    _check_alpha(alpha)
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


# --- more than two variants -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ChiSquareTest:
    """Pearson chi-square test (no continuity correction)."""

    statistic: float
    df: int
    p_value: float


def chi_square_test(variants: Sequence[VariantCounts]) -> ChiSquareTest:
    """Do conversion rates differ at all across the variants? (test of independence, k x 2)"""
    _check_variants(variants)
    if any(v.exposures == 0 for v in variants):
        empty = [v.name for v in variants if v.exposures == 0]
        raise DomainRuleError("abtest.counts", f"variants without exposures: {empty}")
    total = sum(v.exposures for v in variants)
    converted = sum(v.conversions for v in variants)
    df = len(variants) - 1
    if converted in (0, total):  # one outcome column is empty: no evidence of any difference
        return ChiSquareTest(statistic=0.0, df=df, p_value=1.0)
    statistic = 0.0
    for v in variants:
        expected_yes = v.exposures * converted / total
        expected_no = v.exposures - expected_yes
        statistic += (v.conversions - expected_yes) ** 2 / expected_yes
        statistic += (v.exposures - v.conversions - expected_no) ** 2 / expected_no
    return ChiSquareTest(statistic=statistic, df=df, p_value=float(stats.chi2.sf(statistic, df)))


@dataclass(frozen=True, slots=True)
class SampleRatioCheck:
    """Chi-square goodness of fit of the observed exposures against the planned split."""

    statistic: float
    df: int
    p_value: float
    expected: tuple[float, ...]
    threshold: float
    flagged: bool


def sample_ratio_check(
    exposures: Sequence[int],
    weights: Sequence[float] | None = None,
    *,
    threshold: float = DEFAULT_SRM_THRESHOLD,
) -> SampleRatioCheck:
    """Flag a split that drifted from its weights (p below `threshold`): the data is suspect."""
    if len(exposures) < 2:
        raise DomainRuleError("abtest.variants", "a sample-ratio check needs at least 2 variants")
    counts = [_count(n, "exposures", f"#{i}") for i, n in enumerate(exposures)]
    if weights is None:
        weights = [1.0] * len(counts)
    if len(weights) != len(counts):
        raise ConfigError(f"got {len(weights)} weights for {len(counts)} variants")
    for w in weights:
        if not (isinstance(w, int | float) and math.isfinite(w) and w > 0):
            raise ConfigError(f"variant weights must be positive, got {list(weights)}")
    if not (isinstance(threshold, int | float) and 0 < threshold < 1):
        raise ConfigError(f"srm_threshold must be between 0 and 1, got {threshold!r}")
    total, weight_sum = sum(counts), math.fsum(weights)
    expected = tuple(total * w / weight_sum for w in weights)
    df = len(counts) - 1
    if total == 0:
        return SampleRatioCheck(0.0, df, 1.0, expected, threshold, False)
    statistic = math.fsum((o - e) ** 2 / e for o, e in zip(counts, expected, strict=True))
    p_value = float(stats.chi2.sf(statistic, df))
    return SampleRatioCheck(statistic, df, p_value, expected, threshold, p_value < threshold)


def _check_p_values(p_values: Sequence[float]) -> None:
    for p in p_values:
        if not (isinstance(p, int | float) and 0.0 <= p <= 1.0):
            raise DomainRuleError("abtest.p_values", f"p-values must lie in [0, 1], got {p!r}")


def holm_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Holm-Bonferroni adjusted p-values (controls the family-wise error rate)."""
    _check_p_values(p_values)
    m = len(p_values)
    adjusted = [0.0] * m
    running = 0.0
    for rank, i in enumerate(sorted(range(m), key=lambda j: p_values[j])):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return tuple(adjusted)


def benjamini_hochberg_adjust(p_values: Sequence[float]) -> tuple[float, ...]:
    """Benjamini-Hochberg adjusted p-values (controls the false discovery rate)."""
    _check_p_values(p_values)
    m = len(p_values)
    adjusted = [0.0] * m
    running = 1.0
    for rank, i in reversed(list(enumerate(sorted(range(m), key=lambda j: p_values[j]), 1))):
        running = min(running, m * p_values[i] / rank)
        adjusted[i] = running
    return tuple(adjusted)


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


def _check_variants(variants: Sequence[VariantCounts]) -> None:
    if len(variants) < 2:
        raise DomainRuleError(
            "abtest.variants", f"an A/B test needs at least 2 variants, got {len(variants)}"
        )
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise DomainRuleError("abtest.variants", f"variant names must be unique, got {names}")


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
    _check_variants(variants)
    _check_alpha(alpha)
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
