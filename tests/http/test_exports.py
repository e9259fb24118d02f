"""The `hub.http` façade: a sorted `__all__` of names that all resolve."""

from __future__ import annotations

import hub.http


def test_all_is_sorted_unique_and_resolves() -> None:
    names = hub.http.__all__
    assert len(names) == len(set(names))
    constants = [n for n in names if n.isupper()]
    assert names[: len(constants)] == sorted(constants)
    assert names[len(constants) :] == sorted(names[len(constants) :])
    for name in names:
        assert getattr(hub.http, name) is not None


def test_every_public_name_of_the_package_namespace_is_exported() -> None:
    public = {
        name
        for name, value in vars(hub.http).items()
        if not name.startswith("_") and getattr(value, "__module__", "").startswith("hub.http")
    }
    assert public <= set(hub.http.__all__)
