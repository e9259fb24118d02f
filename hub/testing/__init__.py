"""What connector authors import in their tests: the contract suite and fixtures."""

from __future__ import annotations
