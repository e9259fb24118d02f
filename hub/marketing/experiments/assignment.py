"""A/B variant assignment: a stable, weighted split of contacts between variants.

A contact's variant is a pure function of (salt, experiment, contact id): no state to store,
the same answer on every machine and every run, and independent splits across experiments.
Bad settings (names, weights) raise `ConfigError`.
"""

from __future__ import annotations

import hashlib
import math
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from itertools import accumulate

from hub.errors import ConfigError


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

    @property
    def variants(self) -> tuple[str, ...]:
        return self._names

    def assign(self, contact_id: str) -> str:
        u = bucket(contact_id, self.experiment, self.salt)
        return self._names[bisect_right(self._cumulative, u)]

    def split(self, contact_ids: Iterable[str]) -> dict[str, list[str]]:
        """Every contact under its variant; each variant listed, even when it gets nobody."""
        groups: dict[str, list[str]] = {name: [] for name in self._names}
        for contact_id in contact_ids:
            groups[self.assign(contact_id)].append(contact_id)
        return groups

    def counts(self, contact_ids: Iterable[str]) -> dict[str, int]:
        """How many of `contact_ids` each variant gets (the planned audience per arm)."""
        tally = Counter(map(self.assign, contact_ids))
        return {name: tally.get(name, 0) for name in self._names}


def assign_variant(
    contact_id: str,
    experiment: str,
    variants: Mapping[str, float] | Sequence[str],
    *,
    salt: str = "",
) -> str:
    """One-off assignment; build an `Allocation` once when assigning many contacts."""
    return Allocation(experiment, variants, salt=salt).assign(contact_id)
