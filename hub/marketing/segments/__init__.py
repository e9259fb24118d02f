"""Segments: a YAML criteria language, two evaluators that agree (SQL and Python), and
membership stored, diffed and announced as `customer.segmented` events."""

from __future__ import annotations
