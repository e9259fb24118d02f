"""`python -m hub` runs the command line."""

from __future__ import annotations

from hub.cli import run

run()
