"""Where the commands write: tables and results to stdout, failures and notices to stderr."""

from __future__ import annotations

from rich.console import Console

console = Console()
errors = Console(stderr=True)
