"""Marketing analytics: A/B statistics and revenue attribution."""

from __future__ import annotations
