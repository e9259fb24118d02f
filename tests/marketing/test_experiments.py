"""A/B statistics: reference vectors, agreement with statsmodels and scipy, verdicts, refusals."""

from __future__ import annotations

import dataclasses
import gc
from collections import Counter

import numpy as np
import pytest
from scipy.stats import chi2_contingency, chisquare
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from hub.errors import ConfigError, DomainRuleError
from hub.marketing.experiments import (
    Allocation,
    VariantCounts,
    Verdict,
    assign_variant,
    benjamini_hochberg_adjust,
    bucket,
    chi_square_test,
    evaluate,
    holm_adjust,
    sample_ratio_check,
    two_proportion_test,
    wilson_interval,
)

CONTROL = VariantCounts("control", 10_000, 1_000)
TREATMENT = VariantCounts("treatment", 10_000, 1_100)
SIX_PLACES = 5e-7  # the reference table rounds to six decimals


# --- reference vectors (marketing-methods §6.6) -----------------------------------------------


def test_pooled_z_test_matches_reference_vector() -> None:
    result = two_proportion_test(CONTROL, TREATMENT)
    assert result.z == pytest.approx(2.306635, abs=SIX_PLACES)
    assert result.p_value == pytest.approx(0.021075, abs=SIX_PLACES)


def test_absolute_difference_matches_reference_vector() -> None:
    result = two_proportion_test(CONTROL, TREATMENT, interval="welch")
    assert result.difference == pytest.approx(0.010000, abs=SIX_PLACES)
    assert result.standard_error == pytest.approx(0.004335, abs=SIX_PLACES)
    assert result.df == pytest.approx(19_962.7, abs=0.05)
    assert result.wald_p_value == pytest.approx(0.021068, abs=SIX_PLACES)
    assert result.ci == pytest.approx((0.001504, 0.018496), abs=SIX_PLACES)


def test_relative_lift_matches_reference_vector() -> None:
    result = two_proportion_test(CONTROL, TREATMENT, interval="welch")
    assert result.relative_lift == pytest.approx(0.100000, abs=SIX_PLACES)
    assert result.relative_standard_error == pytest.approx(0.045475, abs=SIX_PLACES)
    assert result.relative_p_value == pytest.approx(0.027890, abs=SIX_PLACES)
    assert result.relative_ci == pytest.approx((0.010865, 0.189135), abs=SIX_PLACES)


@pytest.mark.parametrize(
    ("exposures", "p_value"), [((5_000, 5_200), 0.047670), ((50_000, 50_500), 0.114749)]
)
def test_sample_ratio_check_matches_reference_vectors(
    exposures: tuple[int, int], p_value: float
) -> None:
    check = sample_ratio_check(exposures, [0.5, 0.5])
    assert check.p_value == pytest.approx(p_value, abs=SIX_PLACES)
    assert not check.flagged


def test_multiple_comparison_adjustments_match_reference_vectors() -> None:
    p_values = [0.01, 0.04, 0.03, 0.005]
    assert holm_adjust(p_values) == pytest.approx((0.03, 0.06, 0.06, 0.02), abs=1e-12)
    assert benjamini_hochberg_adjust(p_values) == pytest.approx((0.02, 0.04, 0.04, 0.02), abs=1e-12)


# --- agreement with statsmodels and scipy on random cases -------------------------------------


def close(expected: object) -> object:
    return pytest.approx(expected, rel=1e-9, abs=1e-12)


@pytest.mark.slow
def test_agrees_with_statsmodels_and_scipy_on_1000_random_cases() -> None:
    rng = np.random.default_rng(6_6)
    for _ in range(1_000):
        arms = int(rng.integers(2, 6))
        sizes = rng.integers(20, 100_000, arms)
        rates = rng.uniform(0.001, 0.6, arms)
        # keep every arm away from 0 % and 100 %, where the references warn or divide by zero
        converted = np.clip(rng.binomial(sizes, rates), 1, sizes - 1)
        variants = [
            VariantCounts(f"v{i}", int(n), int(x))
            for i, (n, x) in enumerate(zip(sizes, converted, strict=True))
        ]
        control, treatment = variants[0], variants[1]
        alpha = float(rng.choice([0.01, 0.05, 0.1]))

        ours = two_proportion_test(control, treatment, alpha=alpha)
        z, p = proportions_ztest(
            [treatment.conversions, control.conversions],
            [treatment.exposures, control.exposures],
        )
        assert ours.z == close(z)
        assert ours.p_value == close(p)
        low, high = confint_proportions_2indep(
            treatment.conversions,
            treatment.exposures,
            control.conversions,
            control.exposures,
            method="wald",
            compare="diff",
            alpha=alpha,
            correction=False,
        )
        assert ours.ci == close((low, high))

        for variant in variants[:2]:
            expected = proportion_confint(
                variant.conversions, variant.exposures, alpha=alpha, method="wilson"
            )
            assert wilson_interval(variant.conversions, variant.exposures, alpha) == (
                close(expected)
            )

        table = [[v.conversions, v.exposures - v.conversions] for v in variants]
        statistic, p_chi, df, _ = chi2_contingency(table, correction=False)
        chi = chi_square_test(variants)
        assert chi.statistic == close(statistic)
        assert chi.p_value == close(p_chi)
        assert chi.df == df

        weights = rng.uniform(0.5, 2.0, arms)
        exposures = [v.exposures for v in variants]
        expected_counts = weights / weights.sum() * sum(exposures)
        srm_statistic, srm_p = chisquare(exposures, expected_counts)
        srm = sample_ratio_check(exposures, weights.tolist())
        assert srm.statistic == close(srm_statistic)
        assert srm.p_value == close(srm_p)


def test_adjustments_agree_with_statsmodels_on_1000_random_cases(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # multipletests runs a full garbage collection on every call; that alone would take minutes
    monkeypatch.setattr(gc, "collect", lambda *_: 0)
    rng = np.random.default_rng(6_5)
    for _ in range(1_000):
        p_values = rng.uniform(0, 1, int(rng.integers(1, 12))).tolist()
        assert holm_adjust(p_values) == pytest.approx(
            multipletests(p_values, method="holm")[1], rel=1e-9, abs=1e-12
        )
        assert benjamini_hochberg_adjust(p_values) == pytest.approx(
            multipletests(p_values, method="fdr_bh")[1], rel=1e-9, abs=1e-12
        )


def test_two_variant_chi_square_is_the_squared_z() -> None:
    chi = chi_square_test([CONTROL, TREATMENT])
    comparison = two_proportion_test(CONTROL, TREATMENT)
    assert chi.statistic == pytest.approx(comparison.z**2, rel=1e-12)
    assert chi.p_value == pytest.approx(comparison.p_value, rel=1e-12)


# --- edge cases of the tests ------------------------------------------------------------------


def test_identical_all_or_nothing_arms_show_no_difference() -> None:
    none = two_proportion_test(VariantCounts("a", 100, 0), VariantCounts("b", 100, 0))
    assert (none.z, none.p_value, none.ci) == (0.0, 1.0, (0.0, 0.0))
    assert none.relative_lift is None
    everyone = two_proportion_test(VariantCounts("a", 50, 50), VariantCounts("b", 70, 70))
    assert (everyone.p_value, everyone.relative_lift) == (1.0, 0.0)


def test_opposite_extremes_are_certain_under_the_unpooled_error() -> None:
    result = two_proportion_test(VariantCounts("a", 100, 0), VariantCounts("b", 100, 100))
    assert result.ci == (1.0, 1.0)
    assert result.wald_p_value == 0.0
    assert result.p_value < 1e-20  # the pooled test still has variance


def test_wilson_interval_stays_inside_zero_and_one() -> None:
    assert wilson_interval(0, 100)[0] == 0.0
    assert wilson_interval(100, 100)[1] == 1.0
    assert wilson_interval(0, 0) == (0.0, 1.0)


def test_results_are_frozen() -> None:
    result = two_proportion_test(CONTROL, TREATMENT)
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.p_value = 0.5  # type: ignore[misc]


# --- assignment -------------------------------------------------------------------------------


def test_assignment_is_stable_and_depends_on_experiment_and_salt() -> None:
    ids = [f"contact-{i}" for i in range(200)]
    first = [assign_variant(i, "subject", ["a", "b"]) for i in ids]
    assert first == [assign_variant(i, "subject", ["a", "b"]) for i in ids]
    assert first != [assign_variant(i, "send-time", ["a", "b"]) for i in ids]
    assert first != [assign_variant(i, "subject", ["a", "b"], salt="2024") for i in ids]
    assert all(0.0 <= bucket(i, "subject") < 1.0 for i in ids)


def test_parts_of_the_hash_key_cannot_run_into_each_other() -> None:
    assert bucket("bc", "a") != bucket("c", "ab")


def test_assignment_follows_the_weights() -> None:
    allocation = Allocation("banner", {"small": 1.0, "large": 3.0, "none": 1.0})
    counts = Counter(allocation.assign(f"c{i}") for i in range(50_000))
    assert allocation.weights == pytest.approx({"small": 0.2, "large": 0.6, "none": 0.2})
    assert counts["small"] / 50_000 == pytest.approx(0.2, abs=0.01)
    assert counts["large"] / 50_000 == pytest.approx(0.6, abs=0.01)
    assert counts["none"] / 50_000 == pytest.approx(0.2, abs=0.01)


@pytest.mark.parametrize(
    ("variants", "message"),
    [
        (["only"], "at least 2 variants"),
        (["a", "a"], "unique"),
        ({"a": 1.0, "b": 0.0}, "must be positive"),
        ({"a": 1.0, "b": -2.0}, "must be positive"),
        ({"a": 1.0, "b": float("nan")}, "must be positive"),
    ],
)
def test_allocation_refuses_bad_splits(variants: object, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        Allocation("exp", variants)  # type: ignore[arg-type]


def test_allocation_needs_an_experiment_name() -> None:
    with pytest.raises(ConfigError, match="non-empty name"):
        Allocation("", ["a", "b"])


# --- evaluate ---------------------------------------------------------------------------------


def test_evaluate_names_the_significant_winner() -> None:
    evaluation = evaluate([CONTROL, TREATMENT])
    assert evaluation.verdict is Verdict.WINNER
    assert evaluation.winner == "treatment"
    treatment = evaluation.variant("treatment")
    assert treatment.significant
    assert treatment.adjusted_p_value == pytest.approx(0.021075, abs=SIX_PLACES)
    assert evaluation.variant("control").comparison is None
    assert evaluation.chi_square is not None


def test_evaluate_crowns_the_control_when_every_treatment_is_worse() -> None:
    evaluation = evaluate([TREATMENT, CONTROL])
    assert (evaluation.verdict, evaluation.winner) == (Verdict.WINNER, "treatment")
    assert evaluation.control == "treatment"


def test_evaluate_needs_the_minimum_sample_in_every_variant() -> None:
    small = [VariantCounts("a", 99, 5), VariantCounts("b", 99, 60)]
    evaluation = evaluate(small)
    assert evaluation.verdict is Verdict.INSUFFICIENT_SAMPLE
    assert evaluation.winner is None
    assert "fewer than 100" in evaluation.reason
    assert evaluate(small, min_sample=50).winner == "b"


def test_evaluate_refuses_a_winner_without_significance() -> None:
    evaluation = evaluate([VariantCounts("a", 1_000, 100), VariantCounts("b", 1_000, 110)])
    assert evaluation.verdict is Verdict.NOT_SIGNIFICANT
    assert evaluation.winner is None


def test_evaluate_refuses_a_winner_on_sample_ratio_mismatch() -> None:
    evaluation = evaluate([VariantCounts("a", 5_000, 500), VariantCounts("b", 5_600, 700)])
    assert evaluation.srm.flagged
    assert evaluation.verdict is Verdict.SAMPLE_RATIO_MISMATCH
    assert evaluation.winner is None


def test_evaluate_checks_the_split_against_the_planned_weights() -> None:
    variants = [VariantCounts("a", 2_000, 200), VariantCounts("b", 8_000, 1_000)]
    assert evaluate(variants).srm.flagged
    planned = evaluate(variants, weights={"a": 20, "b": 80})
    assert not planned.srm.flagged
    assert planned.winner == "b"


def test_evaluate_adjusts_several_treatments_with_holm() -> None:
    variants = [
        VariantCounts("control", 10_000, 1_000),
        VariantCounts("b", 10_000, 1_080),
        VariantCounts("c", 10_000, 1_150),
        VariantCounts("d", 10_000, 990),
    ]
    evaluation = evaluate(variants)
    raw = [evaluation.variant(n).comparison.p_value for n in ("b", "c", "d")]  # type: ignore[union-attr]
    adjusted = [evaluation.variant(n).adjusted_p_value for n in ("b", "c", "d")]
    assert adjusted == pytest.approx(holm_adjust(raw), rel=1e-12)
    assert (evaluation.verdict, evaluation.winner) == (Verdict.WINNER, "c")
    assert not evaluation.variant("b").significant


def test_evaluate_with_an_empty_variant_skips_the_comparisons() -> None:
    evaluation = evaluate([VariantCounts("a", 500, 50), VariantCounts("b", 0, 0)])
    assert evaluation.verdict is Verdict.INSUFFICIENT_SAMPLE
    assert evaluation.chi_square is None
    assert evaluation.variant("b").comparison is None


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("exposures", "conversions", "message"),
    [
        (-1, 0, "exposures of variant 'x' cannot be negative"),
        (10, -1, "conversions of variant 'x' cannot be negative"),
        (10, 11, r"more conversions \(11\) than exposures \(10\)"),
        (10.5, 1, "must be a whole number"),
        (True, 1, "must be a number"),
    ],
)
def test_counts_refuse_impossible_values(exposures: int, conversions: int, message: str) -> None:
    with pytest.raises(DomainRuleError, match=message):
        VariantCounts("x", exposures, conversions)


def test_counts_accept_numpy_integers() -> None:
    variant = VariantCounts("x", np.int64(10), np.int32(3))  # type: ignore[arg-type]
    assert (variant.exposures, variant.conversions) == (10, 3)
    assert type(variant.exposures) is int


def test_refuses_fewer_than_two_variants() -> None:
    with pytest.raises(DomainRuleError, match="at least 2 variants, got 1"):
        evaluate([CONTROL])
    with pytest.raises(DomainRuleError, match="at least 2 variants"):
        chi_square_test([CONTROL])


def test_refuses_duplicate_variant_names() -> None:
    with pytest.raises(DomainRuleError, match="unique"):
        evaluate([CONTROL, CONTROL])


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"alpha": 0.0}, "alpha must be between 0 and 1"),
        ({"alpha": 1.5}, "alpha must be between 0 and 1"),
        ({"min_sample": 0}, "min_sample must be"),
        ({"control": "nobody"}, "control 'nobody' is not one of the variants"),
        ({"weights": {"control": 1.0}}, "weights name"),
        ({"weights": {"control": 1.0, "treatment": 0.0}}, "must be positive"),
        ({"srm_threshold": 0.0}, "srm_threshold must be between 0 and 1"),
    ],
)
def test_evaluate_refuses_bad_settings(options: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        evaluate([CONTROL, TREATMENT], **options)  # type: ignore[arg-type]


def test_comparison_refuses_an_arm_without_exposures() -> None:
    with pytest.raises(DomainRuleError, match="no exposures"):
        two_proportion_test(VariantCounts("a", 0, 0), CONTROL)


def test_comparison_refuses_an_unknown_interval() -> None:
    with pytest.raises(ConfigError, match="interval must be"):
        two_proportion_test(CONTROL, TREATMENT, interval="exact")  # type: ignore[arg-type]


def test_adjustments_refuse_values_that_are_not_probabilities() -> None:
    with pytest.raises(DomainRuleError, match=r"p-values must lie in \[0, 1\]"):
        holm_adjust([0.2, 1.2])
