"""Fails at import, as a plugin with a missing dependency would."""

from __future__ import annotations

raise ImportError("hub_connector_broken needs the package 'nonexistent-sdk'")
