"""The `hub` command line: a front end over the application layer (`hub.app`)."""

from __future__ import annotations

from hub.cli.app import app, build_app, main, run

__all__ = ["app", "build_app", "main", "run"]
