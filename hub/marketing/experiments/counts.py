"""A/B inputs: per-variant counts and the checks every A/B statistic starts with.

Counts come from the store (exposures and conversions per variant), from a CLI or from a
person; they are refused with `DomainRuleError` when they cannot be true (negative, more
conversions than exposures, not whole numbers), because a statistic computed on them would
look authoritative and be meaningless. Settings (alpha) are refused with `ConfigError`.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from dataclasses import dataclass

from hub.errors import ConfigError, DomainRuleError

DEFAULT_ALPHA = 0.05
DEFAULT_MIN_SAMPLE = 100  # contacts per variant; the business rule for A/B tests
DEFAULT_SRM_THRESHOLD = 0.001


def whole_count(value: object, what: str, name: str) -> int:
    """`value` as a non-negative whole number (numpy integers too), or a refusal naming it."""
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
        exposures = whole_count(self.exposures, "exposures", self.name)
        conversions = whole_count(self.conversions, "conversions", self.name)
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


def check_alpha(alpha: float) -> None:
    if not (isinstance(alpha, int | float) and 0 < alpha < 1):
        raise ConfigError(f"alpha must be between 0 and 1 (exclusive), got {alpha!r}")


def check_variants(variants: Sequence[VariantCounts]) -> None:
    """At least two variants, each named once."""
    if len(variants) < 2:
        raise DomainRuleError(
            "abtest.variants", f"an A/B test needs at least 2 variants, got {len(variants)}"
        )
    names = [v.name for v in variants]
    if len(set(names)) != len(names):
        raise DomainRuleError("abtest.variants", f"variant names must be unique, got {names}")
