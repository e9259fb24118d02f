"""Every mapping file shipped in `mappings/` loads, with the transforms the installed plugins
register and the canonical model's field names, exactly as `hub sync` would load it."""

from __future__ import annotations

from pathlib import Path

import pytest

from hub.mapping import Mapping, find_mapping_files, load_mapping
from hub.model import CANONICAL_MODELS, canonical_fields
from hub.plugin.host import default_host

MAPPINGS = Path(__file__).resolve().parents[2] / "mappings"
FILES = find_mapping_files(MAPPINGS)


def load(path: Path) -> Mapping:
    return load_mapping(path, transforms=default_host().transforms,
                        target_fields=canonical_fields, source_fields=canonical_fields)


def test_the_mappings_folder_is_found_and_not_empty() -> None:
    names = {p.relative_to(MAPPINGS).as_posix() for p in FILES}
    assert "shop/customers.yaml" in names
    assert all(p.suffix in (".yaml", ".yml") for p in FILES)


@pytest.mark.parametrize("path", FILES, ids=[p.relative_to(MAPPINGS).as_posix() for p in FILES])
def test_mapping_loads(path: Path) -> None:
    mapping = load(path)  # a MappingError here lists every problem with file:line:col
    assert mapping.fields, "a mapping maps at least one field"
    assert set(mapping.key) <= set(mapping.fields)
    assert mapping.required >= set(mapping.key)  # key fields can never be null
    for end in (mapping.source, mapping.target):
        prefix, _, name = end.partition(".")
        assert prefix, f"{end!r} should read <system>.<object>"
        assert name, f"{end!r} should read <system>.<object>"
        if prefix == "canonical":
            assert name in CANONICAL_MODELS, f"{end!r}: no such canonical model"
    if mapping.target.startswith("canonical."):
        model = CANONICAL_MODELS[mapping.target.removeprefix("canonical.")]
        assert set(mapping.fields) <= set(model.model_fields)
