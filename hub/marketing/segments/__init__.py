"""Segments: a YAML criteria language, two evaluators that agree (SQL and Python), and
membership stored, diffed and announced as `customer.segmented` events.

    segments = load_segments(load_config("hub.yaml"))
    service = SegmentService(store, segments, tenant="default")
    service.refresh("vip")          # entries, exits, drift
    SqlCompiler(segments, tenant="default", now=now).members_query("vip")   # the SQL
    PythonEvaluator(dataset, segments, now=now).members("vip")               # the reference
"""

from __future__ import annotations

from hub.marketing.segments.compiler import SqlCompiler
from hub.marketing.segments.dataset import Dataset, read_dataset, write_dataset
from hub.marketing.segments.definitions import (
    DriftPolicy,
    RfmSettings,
    SegmentDefinition,
    SegmentSet,
    SegmentsSection,
    load_segment_file,
    load_segments,
    segments_from_config,
)
from hub.marketing.segments.evaluate import PythonEvaluator
from hub.marketing.segments.membership import Preview, RefreshResult, SegmentService

__all__ = [
    "Dataset",
    "DriftPolicy",
    "Preview",
    "PythonEvaluator",
    "RefreshResult",
    "RfmSettings",
    "SegmentDefinition",
    "SegmentService",
    "SegmentSet",
    "SegmentsSection",
    "SqlCompiler",
    "load_segment_file",
    "load_segments",
    "read_dataset",
    "segments_from_config",
    "write_dataset",
]
