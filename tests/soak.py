"""Sizes of the tests whose size is the point: a kill test's rows and kills, a pipeline's rows.

The suite runs each at a default that still covers every case it names; `HUB_SOAK=1` (or
`make soak`) runs them at full size, for a change to the record path or before a release.
"""

from __future__ import annotations

import os
from typing import TypeVar

T = TypeVar("T")
SOAK = os.environ.get("HUB_SOAK") == "1"


def soak(default: T, full: T) -> T:
    """`full` under HUB_SOAK=1, `default` otherwise."""
    return full if SOAK else default
