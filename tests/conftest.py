"""Settings of the whole test run."""

from __future__ import annotations

import gc

import pytest


def pytest_collection_finish(session: pytest.Session) -> None:
    """What collection built (modules, tests, fixtures) lives to the end of the run: move it
    out of the garbage collector's sight, so the full collection the PostgreSQL fixture makes
    after each test, to close what the test left open, does not walk it all again."""
    gc.collect()
    gc.freeze()
