"""Tests across several variants or several comparisons at once.

- `chi_square_test`: do conversion rates differ at all across k variants (k x 2 table)?
- `sample_ratio_check`: did the exposures drift from the planned split (a broken assignment)?
- `holm_adjust` and `benjamini_hochberg_adjust`: p-values adjusted for a family of
  comparisons, so that testing many treatments does not manufacture a winner by chance.

Bad counts and p-values raise `DomainRuleError`; bad settings raise `ConfigError`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from scipy import stats

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.experiments.counts import (
    DEFAULT_SRM_THRESHOLD,
    VariantCounts,
    check_variants,
    whole_count,
)


@dataclass(frozen=True, slots=True)
class ChiSquareTest:
    """Pearson chi-square test (no continuity correction)."""

    statistic: float
    df: int
    p_value: float


def chi_square_test(variants: Sequence[VariantCounts]) -> ChiSquareTest:
    """Do conversion rates differ at all across the variants? (test of independence, k x 2)"""
    check_variants(variants)
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
    counts = [whole_count(n, "exposures", f"#{i}") for i, n in enumerate(exposures)]
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
