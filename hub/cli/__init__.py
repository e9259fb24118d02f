"""The `hub` command line."""

from __future__ import annotations

from hub.cli.app import app, main, run

__all__ = ["app", "main", "run"]
