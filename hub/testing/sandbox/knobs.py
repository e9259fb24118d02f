"""Checking a vendor sandbox's knobs when its config is made: every knob out of its range is
named in one `ConfigError`, so `hub sandbox VENDOR --set ...` and a test see all at once."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from hub.errors import ConfigError

__all__ = ["check_knobs"]


def check_knobs(config: object, vendor: str, *, positive: Iterable[str] = (),
                rates: Iterable[str] = (), not_negative: Iterable[str] = (),
                broken: Mapping[str, bool] | None = None) -> None:
    """Raise unless the knobs named in `positive` are above 0, those in `rates` within 0..1,
    those in `not_negative` at least 0, and no vendor rule in `broken` (message → whether it
    is broken) is broken."""
    problems = [f"{name} must be positive" for name in positive if getattr(config, name) <= 0]
    problems += [f"{name} must be between 0 and 1" for name in rates
                 if not 0.0 <= getattr(config, name) <= 1.0]
    problems += [f"{name} must not be negative" for name in not_negative
                 if getattr(config, name) < 0]
    problems += [message for message, failed in (broken or {}).items() if failed]
    if problems:
        raise ConfigError(f"invalid {vendor} sandbox configuration: " + "; ".join(problems))
