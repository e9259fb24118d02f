"""A demo project on a small generated shop, for tests of the demo's stages."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from examples.shop import generate

REPO = Path(__file__).resolve().parents[2]


def small_demo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, customers: int = 300) -> Path:
    """examples/demo/hub.yaml beside a shop of `customers`; returns the hub.yaml's path."""
    for name in ("HUB_DATABASE_URL", "HUB_CONFIG"):
        monkeypatch.delenv(name, raising=False)
    demo = tmp_path / "examples" / "demo"
    demo.mkdir(parents=True)
    shutil.copy(REPO / "examples" / "demo" / "hub.yaml", demo / "hub.yaml")
    (tmp_path / "mappings").symlink_to(REPO / "mappings")  # hub.yaml names ../../mappings
    generate(demo / "var" / "shop.db", customers_count=customers)
    return demo / "hub.yaml"
