"""Imports every command group so that they register on the root app."""

from __future__ import annotations

import hub.cli.campaigns  # registers `hub campaigns`
import hub.cli.leads  # registers `hub leads`
import hub.cli.report  # registers `hub report`
import hub.cli.segments  # noqa: F401  (registers `hub segments`, `hub rfm`, `hub triggers`)
from hub.cli import check, config, connectors, db, dlq, init, mappings, sandbox, sync

__all__ = ["check", "config", "connectors", "db", "dlq", "init", "mappings", "sandbox", "sync"]
