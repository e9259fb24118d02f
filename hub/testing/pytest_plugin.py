"""Pytest plugin shipped to connector authors (entry point `pytest11: hub`)."""

from __future__ import annotations
