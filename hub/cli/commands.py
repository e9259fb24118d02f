"""Imports every command group so that they register on the root app."""

from __future__ import annotations

from hub.cli import config, connectors, db, dlq, init, mappings, sync

__all__ = ["config", "connectors", "db", "dlq", "init", "mappings", "sync"]
