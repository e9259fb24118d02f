"""The curated public API: sorted, complete, and every name importable."""

from __future__ import annotations

import hub


def test_all_is_sorted_and_unique() -> None:
    assert hub.__all__ == sorted(set(hub.__all__))


def test_every_exported_name_exists() -> None:
    missing = [name for name in hub.__all__ if not hasattr(hub, name)]
    assert missing == []


def test_no_public_name_is_left_out() -> None:
    public = {n for n in vars(hub) if not n.startswith("_")} - {"annotations"}
    modules = {n for n in public if type(getattr(hub, n)).__name__ == "module"}
    assert public - modules == set(hub.__all__)
