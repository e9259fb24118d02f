"""Experiments (A/B tests): assigning contacts to variants, and reading the outcome.

- `assignment`: a stable, weighted split of contacts between variants (no state to store);
- `counts`: per-variant exposures and conversions, and the checks every statistic starts with;
- `proportions`: two conversion rates compared (pooled z-test, Wald/Welch intervals, Wilson);
- `multitest`: k-variant chi-square, the sample-ratio check, Holm and Benjamini-Hochberg;
- `verdict`: `evaluate`, which names a winner only past the sample, ratio and significance gates.

    evaluation = evaluate([VariantCounts("a", 1200, 96), VariantCounts("b", 1180, 131)])
"""

from __future__ import annotations

from hub.marketing.experiments.assignment import Allocation, assign_variant, bucket
from hub.marketing.experiments.counts import (
    DEFAULT_ALPHA,
    DEFAULT_MIN_SAMPLE,
    DEFAULT_SRM_THRESHOLD,
    VariantCounts,
)
from hub.marketing.experiments.multitest import (
    ChiSquareTest,
    SampleRatioCheck,
    benjamini_hochberg_adjust,
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
from hub.marketing.experiments.verdict import Evaluation, VariantResult, Verdict, evaluate

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
