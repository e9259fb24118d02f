"""RFM: recency, frequency and monetary scores 1-5 per customer, the named R x F segments,
and the nightly snapshot job that stores them in `rfm_snapshots` (which segments and the VIP
trigger read).

    report = take_snapshot(store, "acme", as_of)   # report.complete, report.by_segment
"""

from __future__ import annotations

from hub.marketing.rfm.scores import RFM_SEGMENTS, RfmSegment, score, scoring_query, segment_name
from hub.marketing.rfm.snapshot import (
    SnapshotReport,
    customers_count,
    distribution,
    latest_snapshot_date,
    score_grid,
    take_snapshot,
)

__all__ = [
    "RFM_SEGMENTS",
    "RfmSegment",
    "SnapshotReport",
    "customers_count",
    "distribution",
    "latest_snapshot_date",
    "score",
    "score_grid",
    "scoring_query",
    "segment_name",
    "take_snapshot",
]
