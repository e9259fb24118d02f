"""The engine tests' throwaway hub, for the sql connector's end-to-end tests."""

from __future__ import annotations

from tests.engine.conftest import _no_ambient_hub, project

__all__ = ["_no_ambient_hub", "project"]
