"""The demo's marketing stage: RFM scores, the seed's segments, and what would fire now.

Runs on the sample shop already loaded into the demo's state store, with the shop's anchor
date (examples.shop.ANCHOR) as the clock, so the figures are the same on every run:

1. the nightly RFM snapshot: every customer scored, the distribution by named segment and
   over the R x F grid, and the completeness check;
2. the seed's five segments refreshed (stored membership, entries announced as events);
3. the seed's triggers previewed: what would fire now, what would not and why, and one
   message intent of each kind, which nothing sends.

    python -c "from examples.demo_segments import run; ..."   (wired in by examples/demo.py)
"""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.rule import Rule
from rich.table import Table

from examples.shop import ANCHOR
from hub.config import load_config
from hub.marketing.common import fixed_clock
from hub.marketing.rfm import score_grid, take_snapshot
from hub.marketing.segments import SegmentService, load_segments
from hub.marketing.triggers import Firing, TriggerEngine, triggers_from_config
from hub.store import StateStore


def run(console: Console, var: Path, config: Path) -> None:
    loaded = load_config(config)
    tenant = loaded.config.tenant
    segments = load_segments(loaded)
    triggers = triggers_from_config(loaded.doc, loaded.config.triggers, segments)
    store = StateStore(f"sqlite:///{var / 'hub.db'}")
    store.ensure_schema()
    clock = fixed_clock(ANCHOR)
    try:
        console.print(Rule(f"[bold]RFM scores on {ANCHOR:%Y-%m-%d} (the shop's today)"))
        report = take_snapshot(store, tenant, ANCHOR, segments.settings.rfm)
        _distribution(console, store, tenant, report.by_segment, report.snapshot_date)
        verdict = "complete" if report.complete else "INCOMPLETE"
        console.print(f"snapshot {verdict}: {report.rows:,} rows for {report.expected:,} "
                      "customers with a completed order")

        console.print(Rule("[bold]The seed's segments"))
        service = SegmentService(store, segments, tenant=tenant, clock=clock)
        sizes = Table("segment", "members", "criteria", title="Segments (messaging audience: "
                      "subscribed, not suppressed)")
        for result in service.refresh_all():
            definition = segments.get(result.segment)
            sizes.add_row(result.segment, f"{result.after:,}",
                          json.dumps(definition.criteria_json))
        console.print(sizes)

        console.print(Rule("[bold]Triggers that would fire now"))
        firings = TriggerEngine(store, triggers, tenant=tenant,
                                clock=clock).preview(messages=True)
        _triggers(console, firings)
    finally:
        store.close()


def _distribution(console: Console, store: StateStore, tenant: str, by_segment: dict[str, int],
                  day: date) -> None:
    named = Table("RFM segment", "customers", "share", title="Customers by RFM segment")
    total = sum(by_segment.values()) or 1
    for name, count in by_segment.items():
        named.add_row(name, f"{count:,}", f"{count / total:.0%}")
    with store.engine.connect() as conn:
        grid = score_grid(conn, tenant, day)
    cells = Table("R \\ F", *(f"F={f}" for f in range(1, 6)), title="Recency x frequency")
    for r in range(5, 0, -1):
        cells.add_row(f"R={r}", *(f"{grid.get((r, f), 0):,}" for f in range(1, 6)))
    console.print(named)
    console.print(cells)


def _triggers(console: Console, firings: list[Firing]) -> None:
    counts = Counter((f.trigger, f.outcome) for f in firings)
    names = sorted({f.trigger for f in firings})
    table = Table("trigger", "would fire", "not reachable", "deferred (cooldown)",
                  title="What a trigger run would do now")
    for name in names:
        table.add_row(name, f"{counts[(name, 'fired')]:,}", f"{counts[(name, 'skipped')]:,}",
                      f"{counts[(name, 'deferred')]:,}")
    console.print(table)
    for name in names:
        first = next((f for f in firings if f.trigger == name and f.outcome == "fired"), None)
        if first is None:
            continue
        console.print(f"[bold]{name}[/] → contact {first.contact_id}, key {first.key}")
        variables = _variables(first)
        if variables:
            console.print(f"    {variables}", markup=False, highlight=False)


def _variables(firing: Firing) -> str:
    """What a preview knows of the message: the occasion's own variables."""
    if firing.message is not None:
        return json.dumps(firing.message.variables, default=str)[:200]
    return ""
