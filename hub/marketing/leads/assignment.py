"""Sales-rep assignment: round-robin, by territory, or by score band.

Every strategy ends in a rotation (round-robin over a list of reps), so the work is spread
evenly within a team. A rotation carries on from the last assignment made before it was
built: the pipeline feeds it the owners of the most recently assigned leads (`resume`), so
restarting the hub does not send the next lead to the first rep on the list again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

from hub.errors import ConfigError


class Assigner(Protocol):
    def assign(self, *, score: float, country: str | None) -> str | None:
        """The rep for a lead, or None when no rule applies."""

    def resume(self, recent_owners: Sequence[str]) -> None:
        """Carry on after the most recent of these owners (oldest first)."""


class RoundRobin:
    """The next rep in turn."""

    def __init__(self, reps: Sequence[str]) -> None:
        if not reps or any(not r for r in reps):
            raise ConfigError(f"a rotation needs at least one named rep, got {list(reps)}")
        if len(set(reps)) != len(reps):
            raise ConfigError(f"a rep appears twice in the rotation {list(reps)}")
        self.reps = tuple(reps)
        self._next = 0

    def assign(self, *, score: float = 0.0, country: str | None = None) -> str:
        rep = self.reps[self._next]
        self._next = (self._next + 1) % len(self.reps)
        return rep

    def resume(self, recent_owners: Sequence[str]) -> None:
        for owner in reversed(recent_owners):
            if owner in self.reps:
                self._next = (self.reps.index(owner) + 1) % len(self.reps)
                return


class ByTerritory:
    """Reps by the lead's country (ISO code), in rotation; other countries go to `fallback`."""

    def __init__(self, territories: Mapping[str, Sequence[str]],
                 fallback: Assigner | None = None) -> None:
        if not territories:
            raise ConfigError("territory assignment needs at least one territory")
        self.rotations = {country.upper(): RoundRobin(reps)
                          for country, reps in territories.items()}
        self.fallback = fallback

    def assign(self, *, score: float = 0.0, country: str | None = None) -> str | None:
        rotation = self.rotations.get((country or "").upper())
        if rotation is not None:
            return rotation.assign()
        return self.fallback.assign(score=score, country=country) if self.fallback else None

    def resume(self, recent_owners: Sequence[str]) -> None:
        for rotation in self.rotations.values():
            rotation.resume(recent_owners)
        if self.fallback is not None:
            self.fallback.resume(recent_owners)


class ByScore:
    """The team of the highest band whose minimum the score reaches, in rotation.

    `bands` is a list of (minimum score, reps): e.g. [(80, ["senior-ae"]), (50, ["sdr-1",
    "sdr-2"])]; a score under every minimum gets nobody.
    """

    def __init__(self, bands: Sequence[tuple[float, Sequence[str]]]) -> None:
        if not bands:
            raise ConfigError("score assignment needs at least one band")
        self.bands = sorted(((float(m), RoundRobin(reps)) for m, reps in bands),
                            key=lambda band: -band[0])

    def assign(self, *, score: float = 0.0, country: str | None = None) -> str | None:
        for minimum, rotation in self.bands:
            if score >= minimum:
                return rotation.assign()
        return None

    def resume(self, recent_owners: Sequence[str]) -> None:
        for _, rotation in self.bands:
            rotation.resume(recent_owners)
